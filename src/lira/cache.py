"""On-disk feature cache: every text is encoded once per (backbone name, role, pooling).

Layout: ``<root>/<backbone>/<role>-<pooling>/<shard>.npy`` holds float32 rows and
``<shard>.keys.json`` lists their keys (SHA-256 of name, role, pooling and text). A shard is written
to a temporary file, fsynced and renamed, and only then is its keys file written the same way: a
process killed mid-write leaves at most an orphan ``.npy`` or ``.tmp`` that is never read as valid.
Reads are memory-mapped. The root is ``$LIRA_CACHE_DIR`` or ``~/.cache/lira``.

Poolings: ``pooled`` holds a backbone's vectors ``[dim]`` (``CachedBackbone.encode``), ``sbin<S>`` its token
states S-bin pooled (``lira.backbones.pooling.s_bin_pool``) and stored flattened ``[S * dim]``
(``CachedBackbone.encode_binned``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lira.backbones.base import ROLES, BaseBackbone, Role, validate_texts
from lira.environment import default_cache_dir
from lira.io import atomic_write
from lira.languages import check_script, normalize_code


def cache_key(name: str, role: str, pooling: str, text: str) -> str:
    """The SHA-256 hex key of one text under one backbone, role and pooling."""
    return hashlib.sha256("\x1f".join((name, role, pooling, text)).encode("utf-8")).hexdigest()


def _safe(part: str) -> str:
    return re.sub(r"[^A-Za-z0-9._+-]", "_", part)


@dataclass(frozen=True)
class NamespaceInfo:
    """Size of one (backbone, role, pooling) namespace of the cache."""

    backbone: str
    role_pooling: str
    entries: int
    shards: int
    bytes: int


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class FeatureCache:
    """Sharded, append-only store of float32 vectors keyed by ``cache_key``.

    Each shard ``<stem>.npy`` has a ``<stem>.keys.json`` with its keys and the SHA-256 of the ``.npy`` bytes,
    checked when the shard is first read (shards written before the checksum existed are checked for finite
    values only). A shard that fails (unreadable, wrong size, wrong checksum, a non-finite value) is moved
    aside as ``<stem>.npy.bad`` with one warning naming it; its texts count as absent and are encoded again.
    It never returns NaN and never breaks unrelated entries."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()
        self._index: dict[Path, dict[str, tuple[Path, int]]] = {}
        self._arrays: dict[Path, np.ndarray | None] = {}
        self._checksums: dict[Path, str | None] = {}
        self.damaged: list[tuple[Path, str]] = []  # shards moved aside by this instance, with the reason

    def _dir(self, name: str, role: str, pooling: str) -> Path:
        return self.root / "features" / _safe(name) / f"{_safe(role)}-{_safe(pooling)}"

    def _load_index(self, folder: Path) -> dict[str, tuple[Path, int]]:
        if folder not in self._index:
            index: dict[str, tuple[Path, int]] = {}
            for keys_file in sorted(folder.glob("*.keys.json")):
                shard = keys_file.with_name(keys_file.name.removesuffix(".keys.json") + ".npy")
                try:
                    meta = json.loads(keys_file.read_text(encoding="utf-8"))
                    keys = meta["keys"]
                    rows = np.load(shard, mmap_mode="r").shape[0]
                except Exception as e:  # noqa: BLE001 - any damage: the shard is set aside, never fatal
                    self._quarantine(shard, f"unreadable ({type(e).__name__}: {e})")
                    continue
                if rows != len(keys):
                    self._quarantine(shard, f"{rows} rows for {len(keys)} keys")
                    continue
                self._checksums[shard] = meta.get("sha256")
                for row, key in enumerate(keys):
                    index[key] = (shard, row)
            self._index[folder] = index
        return self._index[folder]

    def _quarantine(self, shard: Path, why: str) -> None:
        """Move a damaged shard (and its keys) aside as ``*.bad``, with one warning naming it."""
        for path in (shard, shard.with_name(shard.name.removesuffix(".npy") + ".keys.json")):
            if path.exists():
                os.replace(path, path.with_name(path.name + ".bad"))
        self._arrays[shard] = None
        self.damaged.append((shard, why))
        for index in self._index.values():
            for key in [k for k, (s, _) in index.items() if s == shard]:
                del index[key]
        warnings.warn(f"feature cache: shard {shard} is damaged ({why}); moved aside as {shard.name}.bad, its "
                      "texts will be encoded again", stacklevel=4)

    def _check(self, shard: Path) -> str | None:
        """Why ``shard`` cannot be used (None when it is intact)."""
        expected = self._checksums.get(shard)
        try:
            if expected is not None and _sha256(shard) != expected:
                return "checksum mismatch"
            array = np.load(shard, mmap_mode="r")
        except Exception as e:  # noqa: BLE001
            return f"unreadable ({type(e).__name__}: {e})"
        if not np.isfinite(array).all():
            return "non-finite values"
        return None

    def _array(self, shard: Path) -> np.ndarray | None:
        if shard not in self._arrays:
            why = self._check(shard)
            if why is not None:
                self._quarantine(shard, why)
            else:
                self._arrays[shard] = np.load(shard, mmap_mode="r")
        return self._arrays[shard]

    def get(self, name: str, role: str, pooling: str, texts: Sequence[str]) -> list[np.ndarray | None]:
        """Cached vectors for ``texts`` (``None`` where absent or in a damaged shard)."""
        index = self._load_index(self._dir(name, role, pooling))
        out: list[np.ndarray | None] = []
        for text in texts:
            hit = index.get(cache_key(name, role, pooling, text))
            array = None if hit is None else self._array(hit[0])
            out.append(None if array is None or hit is None else np.asarray(array[hit[1]]))
        return out

    def verify(self) -> list[tuple[Path, str]]:
        """Check every shard (moving damaged ones aside); returns ``(shard, why)`` for each damaged one."""
        start = len(self.damaged)
        self._index.clear()
        self._arrays.clear()
        for folder in sorted((self.root / "features").glob("*/*")):
            for shard in sorted({s for s, _ in self._load_index(folder).values()}):
                self._array(shard)
        return self.damaged[start:]

    def gc(self) -> list[Path]:
        """Delete leftovers: temporary files of interrupted writes, shards without keys (or keys without a
        shard) and quarantined ``*.bad`` files; returns the paths removed."""
        removed = []
        for folder in sorted((self.root / "features").glob("*/*")):
            stems_npy = {p.name.removesuffix(".npy") for p in folder.glob("*.npy")}
            stems_keys = {p.name.removesuffix(".keys.json") for p in folder.glob("*.keys.json")}
            for path in sorted(folder.iterdir()):
                stem = path.name.removesuffix(".npy").removesuffix(".keys.json")
                orphan = (path.suffix == ".tmp" or path.name.endswith(".bad")
                          or (path.name.endswith(".npy") and stem not in stems_keys)
                          or (path.name.endswith(".keys.json") and stem not in stems_npy))
                if orphan and path.is_file():
                    path.unlink()
                    removed.append(path)
        self._index.clear()
        self._arrays.clear()
        return removed

    def put(self, name: str, role: str, pooling: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store ``vectors[i]`` for ``texts[i]`` as one new shard (atomic)."""
        if len(texts) != len(vectors):
            raise ValueError(f"{len(texts)} texts but {len(vectors)} vectors")
        if not len(texts):
            return
        folder = self._dir(name, role, pooling)
        stem = uuid.uuid4().hex
        keys = [cache_key(name, role, pooling, t) for t in texts]
        array = np.ascontiguousarray(vectors, dtype=np.float32)
        if not np.isfinite(array).all():
            raise ValueError(f"{name}: {int((~np.isfinite(array).all(axis=1)).sum())} vector(s) with non-finite "
                             "values; nothing was cached")
        with atomic_write(folder / f"{stem}.npy", "wb") as f:
            np.save(f, array)
        with atomic_write(folder / f"{stem}.keys.json") as f:
            json.dump({"backbone": name, "role": role, "pooling": pooling, "keys": keys,
                       "sha256": _sha256(folder / f"{stem}.npy")}, f)
        index = self._load_index(folder)
        shard = folder / f"{stem}.npy"  # one path object per shard, not per row: the index stays small
        for row, key in enumerate(keys):
            index[key] = (shard, row)

    def info(self) -> list[NamespaceInfo]:
        """One ``NamespaceInfo`` per namespace on disk."""
        out = []
        for folder in sorted((self.root / "features").glob("*/*")):
            if not folder.is_dir():
                continue
            entries = len(self._load_index(folder))
            size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
            out.append(NamespaceInfo(folder.parent.name, folder.name, entries,
                                     len(list(folder.glob("*.keys.json"))), size))
        return out

    def clear(self, backbone: str | None = None) -> int:
        """Delete the whole cache, or one backbone's part; returns the bytes freed."""
        target = self.root / "features" / (_safe(backbone) if backbone else "")
        if not target.exists():
            return 0
        freed = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
        shutil.rmtree(target)
        self._index.clear()
        self._arrays.clear()
        return freed


class CachedBackbone:
    """A backbone whose ``encode`` (and S-bin pooled ``encode_binned``) is served from a ``FeatureCache``; counts
    ``hits`` and ``misses``.

    Misses are encoded once each (duplicates share one pass) and stored every ``chunk_size`` texts as one shard,
    so a process killed during a long encode keeps every finished chunk, and a rerun encodes only the rest."""

    chunk_size = 1024

    def __init__(self, backbone: BaseBackbone, cache: FeatureCache | None = None, *,
                 chunk_size: int | None = None) -> None:
        self.backbone = backbone
        self.cache = cache or FeatureCache()
        self.name, self.dim = backbone.name, backbone.dim
        self.hits = self.misses = 0
        if chunk_size is not None:
            if chunk_size < 1:
                raise ValueError(f"chunk_size must be >= 1, not {chunk_size}")
            self.chunk_size = chunk_size
        self._script_ok: set[tuple[str, str]] = set()  # (language, text) that passed the script check

    def _check(self, texts: Sequence[str], lang: str | None, role: str) -> list[str]:
        """Texts as a list after the checks ``encode`` makes on every text, cached or not."""
        texts = validate_texts(texts)
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; valid roles: {', '.join(ROLES)}")
        if lang is not None:
            code = normalize_code(lang)
            if any((code, t) not in self._script_ok for t in texts):  # once per passing text: cache hits are hot
                bad = {texts[i] for i in check_script(texts, code)}
                self._script_ok.update((code, t) for t in texts if t not in bad)
        return texts

    def _served(self, texts: list[str], role: Role, pooling: str, chunk_size: int | None,
                encode_missing: Callable[[list[str]], Iterator[tuple[list[int], np.ndarray]]],
                ) -> Iterator[tuple[list[int], np.ndarray]]:
        """``(indices, rows)`` pairs covering the checked ``texts`` in namespace ``(role, pooling)``: cached rows
        first (read ``chunk_size`` texts at a time; each occurrence counts a hit), then the distinct misses (each
        counts a miss) as ``encode_missing(todo)`` yields ``(indices into todo, rows)``, each chunk stored as one
        shard before it is yielded."""
        size = chunk_size or max(len(texts), 1)
        missing: dict[str, list[int]] = {}
        for start in range(0, len(texts), size):
            found = self.cache.get(self.name, role, pooling, texts[start:start + size])
            rows = [start + j for j, v in enumerate(found) if v is not None]
            for j, v in enumerate(found):
                if v is None:
                    missing.setdefault(texts[start + j], []).append(start + j)
            self.hits += len(rows)
            if rows:
                yield rows, np.stack([v for v in found if v is not None]).astype(np.float32, copy=False)
        todo = list(missing)
        self.misses += len(todo)
        if not todo:
            return
        with warnings.catch_warnings():  # the script was checked on every text already: warn once
            warnings.filterwarnings("ignore", message=r".* mostly written in another script")
            for rows, vectors in encode_missing(todo):
                self.cache.put(self.name, role, pooling, [todo[r] for r in rows], vectors)
                repeats = [len(missing[todo[r]]) for r in rows]
                yield ([i for r in rows for i in missing[todo[r]]],
                       np.repeat(np.asarray(vectors, dtype=np.float32), repeats, axis=0))

    def encode_chunks(self, texts: Sequence[str], *, lang: str | None = None, role: Role = "text",
                      batch_size: int | None = None, chunk_size: int | None = None,
                      show_progress: bool | None = None) -> Iterator[tuple[list[int], np.ndarray]]:
        """``(indices, vectors)`` pairs covering ``texts``: cached rows first (read ``chunk_size`` texts at a
        time), then the misses as the backbone encodes them (each stored before it is yielded; a text given
        twice is encoded once). Memory holds one chunk of vectors, not all of them."""
        texts = self._check(texts, lang, role)

        def encode_missing(todo: list[str]) -> Iterator[tuple[list[int], np.ndarray]]:
            chunks = getattr(self.backbone, "encode_chunks", None)
            if chunks is None:  # any other Backbone: one pass, one shard
                yield list(range(len(todo))), self.backbone.encode(todo, lang=lang, role=role, batch_size=batch_size,
                                                                   show_progress=show_progress)
            else:
                yield from chunks(todo, lang=lang, role=role, batch_size=batch_size, chunk_size=self.chunk_size,
                                  show_progress=show_progress)

        yield from self._served(texts, role, "pooled", chunk_size, encode_missing)

    def encode(self, texts: Sequence[str], *, lang: str | None = None, role: Role = "text",
               batch_size: int | None = None, show_progress: bool | None = None) -> np.ndarray:
        """Same contract as ``Backbone.encode``; only texts not in the cache reach the backbone. The role,
        the language code and the script check run on every text first, so a warm cache gives the same errors
        and warnings as a cold one."""
        texts = validate_texts(texts)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for rows, vectors in self.encode_chunks(texts, lang=lang, role=role, batch_size=batch_size,
                                                show_progress=show_progress):
            out[rows] = vectors
        return out

    def encode_binned(self, texts: Sequence[str], *, bins: int, lang: str | None = None, role: Role = "text",
                      batch_size: int | None = None, show_progress: bool | None = None) -> np.ndarray:
        """Float32 ``[len(texts), bins, dim]``: the backbone's token states (``encode_tokens``) S-bin pooled by
        ``lira.backbones.pooling.s_bin_pool``, served from the cache (namespace ``sbin<bins>``, rows stored
        flattened) with the hit/miss counts, checks and atomic shards of ``encode``. Misses are encoded
        ``chunk_size`` distinct texts per ``encode_tokens`` call, each chunk stored as one shard, so a killed run
        keeps its finished chunks. Reference: LiRA, arXiv 2510.14466 (Arca's ``pool_S``)."""
        if bins < 1:
            raise ValueError(f"bins must be >= 1, got {bins}")
        texts = self._check(texts, lang, role)

        def encode_missing(todo: list[str]) -> Iterator[tuple[list[int], np.ndarray]]:
            import torch  # only when token states are pooled: the cache itself needs numpy alone

            from lira.backbones.pooling import s_bin_pool

            for start in range(0, len(todo), self.chunk_size):
                chunk = todo[start:start + self.chunk_size]
                tokens, mask = self.backbone.encode_tokens(chunk, lang=lang, role=role, batch_size=batch_size,
                                                           show_progress=show_progress)
                pooled = s_bin_pool(torch.from_numpy(tokens), torch.from_numpy(mask), bins).numpy()
                yield list(range(start, start + len(chunk))), pooled.reshape(len(chunk), bins * self.dim)

        out = np.empty((len(texts), bins * self.dim), dtype=np.float32)
        for rows, vectors in self._served(texts, role, f"sbin{bins}", None, encode_missing):
            out[rows] = vectors
        return out.reshape(len(texts), bins, self.dim)

    def encode_tokens(self, texts: Sequence[str], **kwargs) -> tuple[np.ndarray, np.ndarray]:
        """Token states straight from the backbone (not cached; ``encode_binned`` caches them S-bin pooled)."""
        return self.backbone.encode_tokens(texts, **kwargs)


def cached_backbone(spec: str, cache: FeatureCache | None = None) -> Any:
    """The backbone named by ``spec`` (``lira.backbones.load_backbone``) behind ``cache``; a ``+`` spec becomes
    a ``ConcatBackbone`` of cached parts, so each part's vectors are cached (and shared) on their own."""
    from lira.backbones import load_backbone
    from lira.backbones.concat import ConcatBackbone

    cache = cache or FeatureCache()
    if "+" in spec and not spec.startswith(("st:", "hf:")):
        return ConcatBackbone([cached_backbone(part, cache) for part in spec.split("+")])
    return CachedBackbone(load_backbone(spec), cache)
