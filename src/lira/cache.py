"""On-disk feature cache: every text is encoded once per (backbone name, role, pooling).

Layout: each namespace is a folder ``<root>/features/<backbone>/<role>-<pooling>/``. Its shards are
``<shard>.npy`` (float32 rows) and ``<shard>.keys.json`` (their keys, SHA-256 of name, role, pooling and text, and
the SHA-256 of the ``.npy`` bytes). A shard is written to a temporary file, fsynced and renamed, and only then is
its keys file written the same way: a process killed mid-write leaves at most an orphan ``.npy`` or ``.tmp`` that
is never read as valid. Reads are memory-mapped. The root is ``$LIRA_CACHE_DIR`` or ``~/.cache/lira``.

Each namespace folder also holds ``index.sqlite`` (with SQLite's ``-wal`` and ``-shm`` files): a key index,
table ``shards`` (stem, SHA-256 of the ``.npy``, rows) and table ``keys`` (32-byte key -> shard, row). It exists
so that looking texts up needs no in-memory entry per cached text: a process's memory does not grow with the size
of the cache (only a few bytes per shard it reads). It runs in WAL mode with a busy timeout, so several processes
(a benchmark and a test run) share one cache folder and see each other's shards. The keys files stay the source
of truth and the index is derived from them: when a process first opens a namespace it reconciles the two
(indexes every keys file not in it, with the damage checks below, and drops the rows of shards whose keys file is
gone), and a missing or corrupt index is rebuilt from the keys files. ``put`` writes the shard and its keys file
first and then inserts the keys in one transaction, so a process killed in between leaves a shard that the next
process to open the namespace indexes. Delete ``index.sqlite`` (and its ``-wal``/``-shm``) at any time to have it
rebuilt; a folder where it cannot be created (read-only) is indexed in memory, with a warning.

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
import sqlite3
import sys
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from lira.backbones.base import ROLES, BaseBackbone, Role, encoder_texts, gather, validate_texts
from lira.environment import default_cache_dir
from lira.io import atomic_write, sha256_file
from lira.languages import check_script, normalize_code

INDEX_NAME = "index.sqlite"  # the key index of one namespace folder
_INDEX_FILES = (INDEX_NAME, f"{INDEX_NAME}-wal", f"{INDEX_NAME}-shm", f"{INDEX_NAME}-journal")
_SCHEMA_VERSION = 1
_SCHEMA = (
    "CREATE TABLE shards (id INTEGER PRIMARY KEY AUTOINCREMENT, stem TEXT NOT NULL UNIQUE, sha256 TEXT, "
    "rows INTEGER NOT NULL)",  # AUTOINCREMENT: an id is never reused, so a process's per-shard memo stays right
    "CREATE TABLE keys (key BLOB PRIMARY KEY, shard INTEGER NOT NULL, row INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE INDEX keys_by_shard ON keys (shard)",  # a quarantined or deleted shard's rows go without a full scan
)
_BUSY_S = 60.0  # how long a process waits for another's write lock before the index is given up as locked
_ROW_BITS = 32  # a hit's shard and row travel as one int: shard << 32 | row (rows per shard < 2**32)
_LOOKUP_BATCH = 500  # keys per ``WHERE key IN (...)``: under SQLite's variable limit (999 in old builds)
_INDEX_BATCH = 64  # shards per transaction when reconciling: a rebuild never holds the write lock for long
_SCRIPT_OK_MAX = 1 << 17  # texts a CachedBackbone remembers as script-checked

T = TypeVar("T")

# backbone name -> [seconds, texts] that the CachedBackbones of this process spent encoding cache misses
_ENCODED: dict[str, list[float]] = {}


def encode_tally() -> dict[str, tuple[float, int]]:
    """Seconds and texts every ``CachedBackbone`` of this process has spent encoding cache misses, per backbone
    name, since the process started (a copy: a run reports the difference of two, ``lira.timing``)."""
    return {name: (seconds, int(texts)) for name, (seconds, texts) in _ENCODED.items()}


def cache_key(name: str, role: str, pooling: str, text: str) -> str:
    """The SHA-256 hex key of one text under one backbone, role and pooling."""
    return hashlib.sha256("\x1f".join((name, role, pooling, text)).encode("utf-8")).hexdigest()


def _digests(name: str, role: str, pooling: str, texts: Iterable[str]) -> list[bytes]:
    """``bytes.fromhex(cache_key(name, role, pooling, t))`` for each text (the keys as the index stores them)."""
    prefix = "\x1f".join((name, role, pooling, "")).encode("utf-8")
    return [hashlib.sha256(prefix + t.encode("utf-8")).digest() for t in texts]


def _safe(part: str) -> str:
    return re.sub(r"[^A-Za-z0-9._+-]", "_", part)


@dataclass(frozen=True)
class NamespaceInfo:
    """Size of one (backbone, role, pooling) namespace of the cache (``bytes`` includes its key index, not the
    shards set aside as ``*.bad``: ``set_aside`` of them, ``set_aside_bytes`` on disk until ``gc``)."""

    backbone: str
    role_pooling: str
    entries: int
    shards: int
    bytes: int
    set_aside: int = 0
    set_aside_bytes: int = 0


def _unreadable(e: Exception) -> str:
    """Why a shard file that raised ``e`` when read cannot be used."""
    return f"unreadable ({type(e).__name__}: {e})"


def _stem(name: str) -> str:
    """The shard stem of one of its file names (``<stem>.npy``, ``<stem>.keys.json``, either with ``.bad``)."""
    return name.removesuffix(".bad").removesuffix(".npy").removesuffix(".keys.json")


def _warn(message: str) -> None:
    """``warnings.warn`` attributed to the first caller outside this module."""
    frame, level = sys._getframe(0), 1
    while frame.f_back is not None and frame.f_code.co_filename == __file__:
        frame, level = frame.f_back, level + 1
    warnings.warn(message, stacklevel=level)


def _corrupt(e: sqlite3.Error) -> bool:
    """Whether ``e`` says the index file is damaged or not a database (not merely busy or unwritable)."""
    code = getattr(e, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
    return type(e) is sqlite3.DatabaseError


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One write transaction, taking the write lock at once (``BEGIN IMMEDIATE``: waits out other writers)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@lru_cache(maxsize=8)
def _lookup_sql(n: int) -> str:
    """The query for ``n`` keys: each hit as ``(key, shard << _ROW_BITS | row)``, one int (fewer objects)."""
    return f"SELECT key, (shard << {_ROW_BITS}) | row FROM keys WHERE key IN ({','.join('?' * n)})"


def _connect(database: str) -> sqlite3.Connection:
    """An autocommit connection to the index at ``database`` (WAL, busy timeout), its schema created if new."""
    conn = sqlite3.connect(database, timeout=_BUSY_S, isolation_level=None, check_same_thread=False)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(_BUSY_S * 1000)}")
        conn.execute("PRAGMA journal_mode = WAL")  # readers never block the writer, nor it them
        conn.execute("PRAGMA synchronous = NORMAL")  # a lost last transaction is re-indexed from the keys files
        # a put touches about one page per key (random keys): checkpoint (and fsync) every 16 MB, not every 4 MB
        conn.execute("PRAGMA wal_autocheckpoint = 4000")
        if conn.execute("PRAGMA user_version").fetchone()[0] != _SCHEMA_VERSION:
            with _transaction(conn):
                if conn.execute("PRAGMA user_version").fetchone()[0] != _SCHEMA_VERSION:  # not made meanwhile
                    conn.execute("DROP TABLE IF EXISTS keys")
                    conn.execute("DROP TABLE IF EXISTS shards")
                    for statement in _SCHEMA:
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
        conn.execute("SELECT count(*) FROM shards").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn


class _Namespace:
    """One namespace folder's open index: its connection and what this process read of its shards (one entry
    per shard: path, checksum, rows; never one per key)."""

    def __init__(self, folder: Path, conn: sqlite3.Connection) -> None:
        self.folder, self.conn, self.pid = folder, conn, os.getpid()
        self.shards: dict[int, tuple[Path, str | None, int] | None] = {}


class FeatureCache:
    """Sharded, append-only store of float32 vectors keyed by ``cache_key``.

    Each shard ``<stem>.npy`` has a ``<stem>.keys.json`` with its keys and the SHA-256 of the ``.npy`` bytes,
    checked when the shard is first read (shards written before the checksum existed are checked for finite
    values only). A shard that fails (unreadable, wrong size, wrong checksum, a non-finite value, an unreadable keys
    file) is moved aside as ``<stem>.npy.bad`` and ``<stem>.keys.json.bad`` with one warning naming the file that
    failed, and its keys leave the index (``info`` counts such shards apart, ``gc`` deletes them); its texts count as
    absent and are encoded again. It never returns NaN and never breaks unrelated entries.

    Keys are looked up in the namespace's ``index.sqlite`` (see the module docstring), so memory does not grow
    with the number of cached texts. One instance may be used from several threads (calls are serialised)."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()
        self._spaces: dict[Path, _Namespace] = {}
        self._arrays: dict[Path, np.ndarray | None] = {}  # per shard read: its memmap (None once set aside)
        self._lock = threading.RLock()
        self._inherited: list[sqlite3.Connection] = []  # opened before a fork: never used or closed in the child
        self.damaged: list[tuple[Path, str]] = []  # shards moved aside by this instance, with the reason

    def _dir(self, name: str, role: str, pooling: str) -> Path:
        return self.root / "features" / _safe(name) / f"{_safe(role)}-{_safe(pooling)}"

    # -- the index ---------------------------------------------------------------------------------------------
    def _space(self, folder: Path, *, recheck: bool = False) -> _Namespace | None:
        """``folder``'s open index, opened and reconciled on first use in this process (None while the folder
        does not exist); a corrupt index file is rebuilt."""
        space = self._spaces.get(folder)
        if space is not None and space.pid != os.getpid():  # a forked child: SQLite connections do not cross
            self._inherited.append(space.conn)
            del self._spaces[folder]
            space = None
        if space is not None:
            return space
        if not folder.is_dir():
            return None
        try:
            return self._open(folder, recheck)
        except sqlite3.DatabaseError as e:
            if not _corrupt(e):
                raise
            self._rebuild(folder, e)
            return self._open(folder, recheck)

    def _open(self, folder: Path, recheck: bool) -> _Namespace:
        try:
            conn = _connect(str(folder / INDEX_NAME))
        except sqlite3.DatabaseError as e:
            if _corrupt(e):
                raise
            _warn(f"feature cache: cannot use the index {folder / INDEX_NAME} ({e}); this process indexes "
                  f"{folder} in memory")
            conn = _connect(":memory:")
        space = self._spaces[folder] = _Namespace(folder, conn)
        try:
            self._reconcile(space, recheck)
        except BaseException:
            self._close(folder)
            raise
        return space

    def _close(self, folder: Path) -> None:
        space = self._spaces.pop(folder, None)
        if space is not None:
            if space.pid == os.getpid():
                space.conn.close()
            else:
                self._inherited.append(space.conn)

    def close(self) -> None:
        """Close the index connections (the cache reopens them when used again)."""
        with self._lock:
            for folder in list(self._spaces):
                self._close(folder)

    def _rebuild(self, folder: Path, error: Exception) -> None:
        """Delete ``folder``'s corrupt index, with a warning; the next open rebuilds it from the keys files."""
        self._close(folder)
        _warn(f"feature cache: the index {folder / INDEX_NAME} is damaged ({error}); rebuilding it from the "
              "keys files")
        for name in _INDEX_FILES:
            (folder / name).unlink(missing_ok=True)

    def _run(self, folder: Path, op: Callable[[_Namespace], T], *, recheck: bool = False) -> T | None:
        """``op(index of folder)`` under the lock (None while the folder does not exist); if the index turns out
        corrupt, it is rebuilt and ``op`` run once more."""
        with self._lock:
            space = self._space(folder, recheck=recheck)
            if space is None:
                return None
            try:
                return op(space)
            except sqlite3.DatabaseError as e:
                if not _corrupt(e):
                    raise
                self._rebuild(folder, e)
                space = self._space(folder, recheck=recheck)
                return None if space is None else op(space)

    def _reconcile(self, space: _Namespace, recheck: bool) -> None:
        """Index the keys files the index lacks and drop the rows of shards whose keys file is gone; with
        ``recheck``, every keys file is read and checked again (``verify``)."""
        conn, folder = space.conn, space.folder
        known = dict(conn.execute("SELECT stem, id FROM shards").fetchall())  # read before listing: see below
        on_disk = sorted(p.name.removesuffix(".keys.json") for p in folder.glob("*.keys.json"))
        present = set(on_disk)
        # a shard indexed before the listing had its files then (put writes them first), so these are gone
        gone = [shard_id for stem, shard_id in known.items() if stem not in present]
        if gone:
            with _transaction(conn):
                for shard_id in gone:
                    self._delete_rows(conn, shard_id)
        batch: list[tuple[str, str | None, list[bytes]]] = []
        for stem in on_disk if recheck else [s for s in on_disk if s not in known]:
            entry = self._read_keys(folder, stem)
            if entry is not None and stem not in known:
                batch.append(entry)
            if len(batch) >= _INDEX_BATCH:
                self._insert(conn, batch)
                batch = []
        if batch:
            self._insert(conn, batch)

    def _read_keys(self, folder: Path, stem: str) -> tuple[str, str | None, list[bytes]] | None:
        """``(stem, sha256, keys)`` of a shard on disk, or None when it is damaged (then set aside, naming the
        file that failed: the keys file or the ``.npy``)."""
        shard, keys_file = folder / f"{stem}.npy", folder / f"{stem}.keys.json"
        try:
            meta = json.loads(keys_file.read_text(encoding="utf-8"))
            keys, checksum = [bytes.fromhex(k) for k in meta["keys"]], meta.get("sha256")
        except Exception as e:  # noqa: BLE001 - any damage: the shard is set aside, never fatal
            self._quarantine(shard, _unreadable(e), keys_file)
            return None
        try:
            rows = np.load(shard, mmap_mode="r").shape[0]
        except Exception as e:  # noqa: BLE001
            self._quarantine(shard, _unreadable(e))
            return None
        if rows != len(keys):
            self._quarantine(shard, f"{rows} rows for {len(keys)} keys")
            return None
        return stem, checksum, keys

    @staticmethod
    def _insert(conn: sqlite3.Connection, shards: Sequence[tuple[str, str | None, list[bytes]]]) -> None:
        """Index ``(stem, sha256, keys)`` shards in one transaction; a shard indexed already is left as it is.
        A key also in an older shard now points to the newest (the vectors are the same text's)."""
        with _transaction(conn):
            for stem, sha256, keys in shards:
                cursor = conn.execute("INSERT OR IGNORE INTO shards (stem, sha256, rows) VALUES (?, ?, ?)",
                                      (stem, sha256, len(keys)))
                if cursor.rowcount == 1:
                    shard_id = cursor.lastrowid
                    conn.executemany("INSERT OR REPLACE INTO keys (key, shard, row) VALUES (?, ?, ?)",
                                     ((key, shard_id, row) for row, key in enumerate(keys)))

    @staticmethod
    def _delete_rows(conn: sqlite3.Connection, shard_id: int) -> None:
        conn.execute("DELETE FROM keys WHERE shard = ?", (shard_id,))
        conn.execute("DELETE FROM shards WHERE id = ?", (shard_id,))

    def _shard(self, space: _Namespace, shard_id: int) -> tuple[Path, str | None, int] | None:
        """Path, checksum and rows of an indexed shard (None once it left the index)."""
        if shard_id not in space.shards:
            row = space.conn.execute("SELECT stem, sha256, rows FROM shards WHERE id = ?", (shard_id,)).fetchone()
            space.shards[shard_id] = None if row is None else (space.folder / f"{row[0]}.npy", row[1], row[2])
        return space.shards[shard_id]

    # -- shards ------------------------------------------------------------------------------------------------
    def _quarantine(self, shard: Path, why: str, broken: Path | None = None) -> None:
        """Move a damaged shard (and its keys) aside as ``*.bad`` and drop its keys from the index, with one
        warning naming the ``broken`` file (default: the shard's ``.npy``)."""
        broken = broken or shard
        moved = []
        for path in (shard, shard.with_name(shard.name.removesuffix(".npy") + ".keys.json")):
            try:
                os.replace(path, path.with_name(path.name + ".bad"))
                moved.append(f"{path.name}.bad")
            except FileNotFoundError:  # absent, or set aside by another process just now
                pass
        self._arrays[shard] = None
        self.damaged.append((broken, why))
        space = self._spaces.get(shard.parent)
        if space is not None and space.pid == os.getpid():
            stem = shard.name.removesuffix(".npy")
            with _transaction(space.conn):
                for (shard_id,) in space.conn.execute("SELECT id FROM shards WHERE stem = ?", (stem,)).fetchall():
                    self._delete_rows(space.conn, shard_id)
                    space.shards[shard_id] = None
        aside = " and ".join(moved) or "*.bad"
        _warn(f"feature cache: shard file {broken} is damaged ({why}); moved aside as {aside}, its texts will be "
              "encoded again")

    @staticmethod
    def _check(shard: Path, expected: str | None, rows: int) -> str | None:
        """Why ``shard`` cannot be used (None when it is intact)."""
        try:
            array = np.load(shard, mmap_mode="r")
            if array.shape[0] != rows:
                return f"{array.shape[0]} rows for {rows} keys"
            if expected is not None and sha256_file(shard) != expected:
                return "checksum mismatch"
        except Exception as e:  # noqa: BLE001
            return _unreadable(e)
        if not np.isfinite(array).all():
            return "non-finite values"
        return None

    def _array(self, space: _Namespace, shard_id: int) -> np.ndarray | None:
        """The memory-mapped rows of an indexed shard, checked on first use (None when absent or set aside)."""
        info = self._shard(space, shard_id)
        if info is None:
            return None
        shard, expected, rows = info
        if shard not in self._arrays:
            why = self._check(shard, expected, rows)
            if why is not None:
                self._quarantine(shard, why)
            else:
                self._arrays[shard] = np.load(shard, mmap_mode="r")
        return self._arrays[shard]

    # -- the public API ----------------------------------------------------------------------------------------
    def get(self, name: str, role: str, pooling: str, texts: Sequence[str]) -> list[np.ndarray | None]:
        """Cached vectors for ``texts`` (``None`` where absent or in a damaged shard). Keys are looked up
        ``_LOOKUP_BATCH`` at a time and each shard's rows are read in one indexing."""
        out: list[np.ndarray | None] = [None] * len(texts)
        if not out:
            return out
        keys = _digests(name, role, pooling, texts)

        def lookup(space: _Namespace) -> None:
            found: dict[bytes, int] = {}  # key -> shard id << 32 | row, for this call's keys only
            unique = list(dict.fromkeys(keys))
            for start in range(0, len(unique), _LOOKUP_BATCH):
                part = unique[start:start + _LOOKUP_BATCH]
                found.update(space.conn.execute(_lookup_sql(len(part)), part))
            located = np.array([found.get(key, -1) for key in keys], dtype=np.int64)
            hits = np.flatnonzero(located >= 0)
            shards, rows = located[hits] >> _ROW_BITS, located[hits] & ((1 << _ROW_BITS) - 1)
            order = np.argsort(shards, kind="stable")  # grouped by shard: one read of each shard's rows
            hits, shards, rows = hits[order], shards[order], rows[order]
            bounds = np.flatnonzero(np.diff(shards)) + 1
            for group in np.split(np.arange(len(hits)), bounds) if len(hits) else []:
                array = self._array(space, int(shards[group[0]]))
                if array is not None:
                    for i, vector in zip(hits[group].tolist(), np.asarray(array[rows[group]]), strict=True):
                        out[i] = vector

        self._run(self._dir(name, role, pooling), lookup)
        return out

    def verify(self) -> list[tuple[Path, str]]:
        """Check every shard (moving damaged ones aside); returns ``(shard, why)`` for each damaged one."""
        start = len(self.damaged)

        def check_all(space: _Namespace) -> None:
            for (shard_id,) in space.conn.execute("SELECT id FROM shards ORDER BY stem").fetchall():
                self._array(space, shard_id)

        with self._lock:
            self.close()
            self._arrays.clear()
            for folder in sorted((self.root / "features").glob("*/*")):
                if folder.is_dir():
                    self._run(folder, check_all, recheck=True)
        return self.damaged[start:]

    def gc(self) -> list[Path]:
        """Delete leftovers: temporary files of interrupted writes, shards without keys (or keys without a
        shard) and quarantined ``*.bad`` files, and drop what the index holds of them; returns the paths
        removed."""
        removed = []
        with self._lock:
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
            self.close()
            self._arrays.clear()
            for folder in sorted({p.parent for p in removed}):
                self._run(folder, lambda space: None)  # reopening reconciles: rows of removed keys files go
        return removed

    def put(self, name: str, role: str, pooling: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store ``vectors[i]`` for ``texts[i]`` as one new shard (atomic), then index its keys."""
        if len(texts) != len(vectors):
            raise ValueError(f"{len(texts)} texts but {len(vectors)} vectors")
        if not len(texts):
            return
        folder = self._dir(name, role, pooling)
        stem = uuid.uuid4().hex
        keys = _digests(name, role, pooling, texts)
        array = np.ascontiguousarray(vectors, dtype=np.float32)
        if not np.isfinite(array).all():
            raise ValueError(f"{name}: {int((~np.isfinite(array).all(axis=1)).sum())} vector(s) with non-finite "
                             "values; nothing was cached")
        with atomic_write(folder / f"{stem}.npy", "wb") as f:
            np.save(f, array)
        checksum = sha256_file(folder / f"{stem}.npy")
        with atomic_write(folder / f"{stem}.keys.json") as f:
            json.dump({"backbone": name, "role": role, "pooling": pooling, "keys": [k.hex() for k in keys],
                       "sha256": checksum}, f)
        # the files are complete: a kill from here on leaves a shard the next reconcile indexes
        self._run(folder, lambda space: self._insert(space.conn, [(stem, checksum, keys)]))

    def is_empty(self) -> bool:
        """Whether no namespace holds a shard (its keys file, the source of truth; nothing is opened or indexed)."""
        return next((self.root / "features").glob("*/*/*.keys.json"), None) is None

    def info(self) -> list[NamespaceInfo]:
        """One ``NamespaceInfo`` per namespace on disk (``entries``: distinct keys in its index)."""
        out = []
        for folder in sorted((self.root / "features").glob("*/*")):
            if not folder.is_dir():
                continue
            entries = self._run(folder, lambda space: int(space.conn.execute("SELECT count(*) FROM keys")
                                                          .fetchone()[0]))
            sizes = {p.name: p.stat().st_size for p in folder.iterdir() if p.is_file()}
            bad = [name for name in sizes if name.endswith(".bad")]  # set aside: no entries, on disk until gc
            aside = sum(sizes[name] for name in bad)
            out.append(NamespaceInfo(folder.parent.name, folder.name, entries or 0,
                                     len(list(folder.glob("*.keys.json"))), sum(sizes.values()) - aside,
                                     len({_stem(name) for name in bad}), aside))
        return out

    def backbones(self) -> list[str]:
        """The backbone names that hold a namespace folder, as ``info`` shows them."""
        return sorted({f.parent.name for f in (self.root / "features").glob("*/*") if f.is_dir()})

    def resolve(self, backbone: str) -> list[str]:
        """The cached backbone names ``backbone`` stands for: itself when the cache holds that name, else those of
        the names the backbone spec ``backbone`` writes (``backbone_names``) that it holds. ``ConfigError`` listing
        the cached names when there are none."""
        from lira.backbones import BackboneSpecError
        from lira.config_fields import ConfigError

        cached = self.backbones()
        if _safe(backbone) in cached:
            return [_safe(backbone)]
        try:
            names = [_safe(name) for name in backbone_names(backbone)]
        except BackboneSpecError:
            names = []
        found = [name for name in names if name in cached]
        if not found:
            what = (f"cache name{'s' * (len(names) > 1)} {', '.join(names)}" if names
                    else "neither a cached name nor a backbone spec")
            held = f"cached backbones: {', '.join(cached)}" if cached else "the cache is empty"
            raise ConfigError(f"no features of backbone {backbone!r} ({what}) under {self.root}; {held}")
        return found

    def clear(self, backbone: str | None = None) -> int:
        """Delete the whole cache, or one backbone's part (its index files included); returns the bytes freed."""
        target = self.root / "features" / (_safe(backbone) if backbone else "")
        with self._lock:
            for folder in [f for f in self._spaces if f.is_relative_to(target)]:
                self._close(folder)
            if not target.exists():
                return 0
            freed = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
            shutil.rmtree(target)
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
        """Texts as a backbone reads them (``encoder_texts``) after the checks ``encode`` makes on every text,
        cached or not."""
        texts = encoder_texts(texts)
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; valid roles: {', '.join(ROLES)}")
        if lang is not None:
            code = normalize_code(lang)
            if any((code, t) not in self._script_ok for t in texts):  # once per passing text: cache hits are hot
                bad = {texts[i] for i in check_script(texts, code)}
                if len(self._script_ok) > _SCRIPT_OK_MAX:  # a memo, bounded: a long stream does not grow it
                    self._script_ok.clear()
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
        tally = _ENCODED.setdefault(self.name, [0.0, 0])
        with warnings.catch_warnings():  # the script was checked on every text already: warn once
            warnings.filterwarnings("ignore", message=r".* mostly written in another script")
            chunks = encode_missing(todo)
            while True:
                t0 = time.perf_counter()
                chunk = next(chunks, None)
                tally[0] += time.perf_counter() - t0
                if chunk is None:
                    break
                rows, vectors = chunk
                tally[1] += len(rows)
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
        return gather(self.encode_chunks(texts, lang=lang, role=role, batch_size=batch_size,
                                         show_progress=show_progress), len(texts), self.dim)

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

    def encode_alignment(self, texts_a: Sequence[str], texts_b: Sequence[str], *, lang: str | None = None,
                         role: Role = "query") -> np.ndarray:
        """``lira.backbones.alignment.encode_alignment`` of the pairs ``(texts_a[i], texts_b[i])``, served from the
        cache (namespace ``ALIGNMENT_POOLING``, keyed by ``pair_key``) with the checks and hit/miss counts of
        ``encode``; the missing pairs go to the backbone's ``encode_tokens`` and are stored. Where the backbone
        gives pooled vectors from the same pass (``encode_with_tokens``), those of texts not cached yet are stored
        too, so ``encode`` finds them (a cold run reads each text once)."""
        from lira.backbones.alignment import ALIGNMENT_FEATURES, ALIGNMENT_POOLING, encode_alignment, pair_key

        texts_a, texts_b = self._check(texts_a, lang, role), self._check(texts_b, lang, role)
        if len(texts_a) != len(texts_b):
            raise ValueError(f"{len(texts_a)} first texts but {len(texts_b)} second texts")
        keys = [pair_key(a, b) for a, b in zip(texts_a, texts_b, strict=True)]
        pairs = dict(zip(keys, zip(texts_a, texts_b, strict=True), strict=True))

        def keep_vectors(texts: list[str], vectors: np.ndarray) -> None:
            new = [i for i, v in enumerate(self.cache.get(self.name, role, "pooled", texts)) if v is None]
            if new:
                self.cache.put(self.name, role, "pooled", [texts[i] for i in new], vectors[new])

        def encode_missing(todo: list[str]) -> Iterator[tuple[list[int], np.ndarray]]:
            for start in range(0, len(todo), self.chunk_size):
                chunk = [pairs[k] for k in todo[start:start + self.chunk_size]]
                yield list(range(start, start + len(chunk))), encode_alignment(
                    self.backbone, [a for a, _ in chunk], [b for _, b in chunk], lang=lang, role=role,
                    on_vectors=keep_vectors)

        return gather(self._served(keys, role, ALIGNMENT_POOLING, None, encode_missing), len(keys),
                      len(ALIGNMENT_FEATURES))


def backbone_names(spec: str) -> list[str]:
    """The backbone names the backbone ``spec`` caches its vectors under: a ``+`` spec's parts'
    (``cached_backbone``) and their joined name (a ``CachedBackbone`` of the ``ConcatBackbone``, ``lira encode``).
    Loads each backbone to read its ``name`` (seconds); ``BackboneSpecError`` for a spec that names no backbone."""
    from lira.backbones import _parts, check_spec, load_backbone
    from lira.backbones.concat import SEPARATOR

    names = [load_backbone(part).name for part in _parts(check_spec(spec))]
    return names if len(names) == 1 else [*names, SEPARATOR.join(names)]


def cached_backbone(spec: str, cache: FeatureCache | None = None) -> Any:
    """The backbone named by ``spec`` (``lira.backbones.load_backbone``) behind ``cache``; a ``+`` spec becomes
    a ``ConcatBackbone`` of cached parts, so each part's vectors are cached (and shared) on their own."""
    from lira.backbones import _parts, load_backbone
    from lira.backbones.concat import ConcatBackbone

    cache = cache or FeatureCache()
    parts = _parts(spec)
    if len(parts) > 1:
        return ConcatBackbone([cached_backbone(part, cache) for part in parts])
    return CachedBackbone(load_backbone(spec), cache)
