"""The index folder: versions that land atomically behind a ``CURRENT`` pointer, and opening one for search.

Layout of ``INDEX/``::

    CURRENT                   the version in use (one line), replaced atomically (``atomic_write``)
    versions/<version>/       meta.json, docs.jsonl, the backend's files (index.faiss or qdrant/)
    .build-<version>/         a build in progress (renamed into versions/ when complete)
    .lock                     held by the one build that may run at a time

A build writes everything into ``.build-<version>``, fsyncs it, renames it into ``versions/`` and only then
points ``CURRENT`` at it. A process killed at any moment (``kill -9``) leaves ``CURRENT`` naming the previous
complete version, or no ``CURRENT`` at all for a first build; the next build removes the leftovers. A server
reads ``CURRENT`` once per load, so a reload sees either the old or the new version, never a mix.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
import time
import uuid
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lira.backbones.base import INVISIBLE_CODES, TEXT_READING, holds_invisible
from lira.io import atomic_write
from lira.serving.corpus import IndexDoc, read_docs
from lira.serving.identity import ModelIdentity, identity_from_dict

FORMAT_VERSION = 1
CURRENT = "CURRENT"
VERSIONS = "versions"
BUILD_PREFIX = ".build-"
LOCK = ".lock"
META = "meta.json"
DOCS = "docs.jsonl"


class IndexFolderError(ValueError):
    """An index folder that cannot be used; the message names the folder and what is wrong."""


def new_version() -> str:
    """A unique version name that sorts by creation time: UTC time to the nanosecond and 8 random hex digits."""
    now = time.time_ns()
    return f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime(now // 10**9))}.{now % 10**9:09d}Z-{uuid.uuid4().hex[:8]}"


def current_version(root: Path) -> str | None:
    """The version ``CURRENT`` names, or None when there is none."""
    path = root / CURRENT
    if not path.is_file():
        return None
    version = path.read_text(encoding="utf-8").strip()
    return version or None


def read_meta(root: Path, version: str | None = None) -> dict[str, Any]:
    """``meta.json`` of ``version`` (default: the current one); raises ``IndexFolderError`` with the reason."""
    import json

    root = Path(root)
    if not root.is_dir():
        raise IndexFolderError(f"{root}: no such index folder (build one with `lira index build`)")
    version = version or current_version(root)
    if version is None:
        raise IndexFolderError(f"{root}: holds no complete index (no {CURRENT} file); build one with "
                               "`lira index build`")
    path = root / VERSIONS / version / META
    if not path.is_file():
        raise IndexFolderError(f"{root}: {CURRENT} names version {version}, but {path} is missing")
    meta = json.loads(path.read_text(encoding="utf-8"))
    if meta.get("format_version") != FORMAT_VERSION:
        raise IndexFolderError(f"{path}: index format version {meta.get('format_version')}; this LiRA reads "
                               f"version {FORMAT_VERSION} (rebuild the index)")
    return meta


@contextmanager
def build_lock(root: Path) -> Iterator[None]:
    """Hold ``INDEX/.lock`` (``flock``) for one build; another build running on the folder is an error. The
    lock goes with the process, so a killed build never leaves it held."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexFolderError(f"{root}: another `lira index build` is writing this index") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fsync_tree(folder: Path) -> None:
    for path in [*folder.rglob("*"), folder]:
        flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
        fd = os.open(path, flags)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def staging_dir(root: Path, version: str) -> Path:
    """The folder a build of ``version`` writes into (created)."""
    folder = root / f"{BUILD_PREFIX}{version}"
    folder.mkdir(parents=True)
    return folder


def publish(root: Path, staging: Path, version: str) -> Path:
    """Make a complete ``staging`` folder the current version: fsync, rename into ``versions/``, then replace
    ``CURRENT``. Call with ``build_lock`` held."""
    if not (staging / META).is_file():
        raise IndexFolderError(f"{staging}: incomplete build (no {META})")
    _fsync_tree(staging)
    (root / VERSIONS).mkdir(exist_ok=True)
    final = root / VERSIONS / version
    os.rename(staging, final)
    _fsync_tree(root / VERSIONS)
    with atomic_write(root / CURRENT) as f:
        f.write(version + "\n")
    return final


def collect_garbage(root: Path, *, keep: int = 2) -> list[Path]:
    """Remove leftovers of interrupted builds and all versions but the current one and the ``keep - 1`` newest
    others (a server may still be reading the previous one). Call with ``build_lock`` held; returns what went."""
    import json

    from lira.serving.qdrant_index import drop_qdrant

    removed = [p for p in root.glob(f"{BUILD_PREFIX}*") if p.is_dir()]
    current = current_version(root)
    versions = sorted((p for p in (root / VERSIONS).glob("*") if p.is_dir()), reverse=True)
    others = [p for p in versions if p.name != current]
    removed += others[max(0, keep - 1):]
    for path in removed:
        meta = path / META
        if meta.is_file():
            try:
                backend = json.loads(meta.read_text(encoding="utf-8")).get("backend", {})
                if backend.get("name") == "qdrant":
                    drop_qdrant(backend)
            except (ValueError, OSError):
                pass  # an unreadable leftover is removed all the same
        shutil.rmtree(path, ignore_errors=True)
    return removed


def open_searcher(folder: Path, meta: dict[str, Any]) -> Any:
    """The backend searcher of one version folder."""
    backend = meta["backend"]
    if backend["name"] == "faiss":
        from lira.serving.faiss_index import FaissSearcher

        return FaissSearcher(folder, backend)
    if backend["name"] == "qdrant":
        from lira.serving.qdrant_index import QdrantSearcher

        return QdrantSearcher(folder, backend, count=int(meta["corpus"]["documents"]), dim=int(meta["dim"]))
    raise IndexFolderError(f"{folder}: unknown backend {backend['name']!r} (faiss, qdrant)")


@dataclass
class LoadedIndex:
    """One version in memory: its metadata, documents and searcher. Searches hold it (``acquire``/``release``)
    so a reload closes it only once the last of them is done."""

    root: Path
    version: str
    meta: dict[str, Any]
    docs: tuple[IndexDoc, ...]
    searcher: Any
    _users: int = 0
    _retired: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def identity(self) -> ModelIdentity:
        """The model the index was built with."""
        return identity_from_dict(self.meta["model"])

    @property
    def dim(self) -> int:
        """Width of the stored vectors."""
        return int(self.meta["dim"])

    def summary(self) -> dict[str, Any]:
        """What ``/health`` shows of the index."""
        corpus = self.meta["corpus"]
        return {"path": str(self.root), "version": self.version, "documents": len(self.docs),
                "backend": self.meta["backend"]["name"], "kind": self.meta["backend"].get("kind"),
                "corpus": corpus["source"], "corpus_sha256": corpus["sha256"], "lang": corpus["lang"],
                "dim": self.dim, "built": self.meta.get("created")}

    def search(self, vectors: np.ndarray, k: int) -> list[list[tuple[IndexDoc, float]]]:
        """The top ``k`` documents with their scores, per query vector."""
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise ValueError(f"query vectors of shape {vectors.shape}; the index holds {self.dim}-d vectors")
        scores, rows = self.searcher.search(vectors, k)
        return [[(self.docs[int(r)], float(s)) for s, r in zip(row_s, row_r, strict=True) if r >= 0]
                for row_s, row_r in zip(scores, rows, strict=True)]

    def acquire(self) -> None:
        """One more request is using the index (``IndexHolder.use`` calls this under its swap lock)."""
        with self._lock:
            self._users += 1

    def release(self) -> None:
        """A request is done; the last one out closes a retired index."""
        with self._lock:
            self._users -= 1
            close = self._retired and self._users == 0
        if close:
            self.searcher.close()

    def retire(self) -> None:
        """No new users will come: close now if idle, else when the last user is done."""
        with self._lock:
            self._retired = True
            close = self._users == 0
        if close:
            self.searcher.close()


def stale_docs(meta: dict[str, Any], docs: Sequence[IndexDoc]) -> list[int]:
    """Rows of ``docs`` whose vectors no longer match what the backbones read: in an index built before they
    removed ``INVISIBLE`` (``meta.json`` without this ``text_reading``), the documents that hold one."""
    if meta.get("text_reading") == TEXT_READING:
        return []
    return [i for i, d in enumerate(docs) if any(holds_invisible(f) for f in (d.title, d.text, d.en or ""))]


def open_index(root: str | Path, version: str | None = None) -> LoadedIndex:
    """Load ``version`` (default: the current one) of the index at ``root``; the documents and the backend must
    agree with ``meta.json`` (count, width)."""
    root = Path(root)
    meta = read_meta(root, version)
    version = meta["version"]
    folder = root / VERSIONS / version
    docs = read_docs(folder / DOCS)
    if len(docs) != int(meta["corpus"]["documents"]):
        raise IndexFolderError(f"{folder}: {len(docs)} documents in {DOCS}, meta.json records "
                               f"{meta['corpus']['documents']}")
    searcher = open_searcher(folder, meta)
    if (searcher.count, searcher.dim) != (len(docs), int(meta["dim"])):
        searcher.close()
        raise IndexFolderError(f"{folder}: the {meta['backend']['name']} index holds {searcher.count} vectors of "
                               f"width {searcher.dim}; meta.json records {len(docs)} of width {meta['dim']}")
    if stale := stale_docs(meta, docs):
        warnings.warn(f"{root}: {len(stale)} of {len(docs)} documents were embedded by an earlier LiRA, which read "
                      f"zero width spaces ({INVISIBLE_CODES}) as spaces; the model now removes them, so run `lira "
                      "index build` again with the same model and corpus: it embeds just those documents", stacklevel=2)
    return LoadedIndex(root, version, meta, docs, searcher)
