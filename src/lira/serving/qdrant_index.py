"""The Qdrant backend, through ``qdrant-client``: one collection per index version, point id = row, dot product
on L2-normalised vectors (so scores equal faiss' cosine).

Without a URL the collection lives in the version folder in qdrant-client's embedded local mode
(``QdrantClient(path=...)``: one process at a time, exact search in memory; its storage pickles points, so only
open index folders you trust). Opening a local collection unpickles every point and holds its vector as a list of
Python floats before stacking them, about 48 kB per 768-d point at its peak (``local_open_bytes``): a local index
that would not fit in this machine's available memory is refused with that estimate instead of being killed by the
kernel, and a build warns when the machine could not open what it writes. qdrant-client itself recommends its
local mode for up to 20,000 points. With ``url`` (a Qdrant server or cluster, e.g. ``http://qdrant:6333``; API key
from ``$QDRANT_API_KEY`` when set) the same code writes the collection ``lira-<version>`` to that server and the
index folder keeps only the metadata and documents.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

FOLDER = "qdrant"
API_KEY_ENV = "QDRANT_API_KEY"
# Peak memory of opening a local collection, per stored value and per point, rounded up from qdrant-client 1.20's
# 47,971 bytes per 768-d point and 26,023 per 384-d (`python benchmarks/qdrant_local_memory.py`: 20,000 points).
LOCAL_BYTES_PER_VALUE = 64
LOCAL_BYTES_PER_POINT = 2048


class LocalMemoryError(ValueError):
    """A local-mode collection too large to open in this machine's memory; the message gives the estimate."""


@dataclass(frozen=True)
class QdrantConfig:
    """``url`` of a Qdrant server (None: embedded local mode in the index folder), upload ``batch_size``."""

    url: str | None = None
    batch_size: int = 1024


def local_open_bytes(count: int, dim: int) -> int:
    """About the peak memory, in bytes, of opening a local-mode collection of ``count`` vectors of width ``dim``
    (qdrant-client's loader holds every vector as Python floats before stacking them; see the constants)."""
    return count * (LOCAL_BYTES_PER_VALUE * dim + LOCAL_BYTES_PER_POINT)


def _meminfo(field_name: str) -> int | None:
    """A ``/proc/meminfo`` field in bytes (``MemTotal``, ``MemAvailable``), or None where it cannot be read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                name, _, value = line.partition(":")
                if name == field_name:
                    return int(value.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _gib(n: int) -> str:
    return f"{n / 2**30:.1f} GiB"


def check_local_memory(count: int, dim: int, where: Path, *, available: int | None = None) -> None:
    """Raise ``LocalMemoryError`` when opening the local collection at ``where`` would need more than the
    ``available`` bytes (default: ``MemAvailable``; no check where that cannot be read)."""
    have = _meminfo("MemAvailable") if available is None else available
    need = local_open_bytes(count, dim)
    if have is not None and need > have:
        raise LocalMemoryError(
            f"{where}: opening this local-mode Qdrant collection ({count:,} vectors of width {dim}) needs about "
            f"{_gib(need)} (qdrant-client's local mode loads every vector as Python floats), and this machine has "
            f"{_gib(have)} available; serve it from a Qdrant server (lira index build --qdrant-url) or build it "
            "with --backend faiss")


def _client(folder: Path, url: str | None) -> Any:
    from qdrant_client import QdrantClient

    if url:
        return QdrantClient(url=url, api_key=os.environ.get(API_KEY_ENV) or None)
    return QdrantClient(path=str(folder / FOLDER), force_disable_check_same_thread=True)


def _relax_local_durability(client: Any, name: str) -> bool:
    """qdrant-client's local mode commits (and so syncs) its sqlite file once per point, about 50 points a second
    on a busy disk. A build needs none of those syncs: the whole version folder is fsynced before it is published
    (``lira.serving.index.publish``), and a build killed earlier is never read. So the collection's connection
    runs with ``synchronous = OFF`` while it is written (private attributes of qdrant-client; left as they are,
    only slower, when absent). Returns whether it was relaxed."""
    import sqlite3

    try:
        connection = client._client.collections[name].storage.storage
        connection.execute("PRAGMA synchronous = OFF")
        return True
    except (AttributeError, KeyError, TypeError, sqlite3.Error):
        return False


def collection_name(version: str) -> str:
    """The collection of one index version."""
    return f"lira-{version}"


def write_qdrant(folder: Path, vectors: np.ndarray, config: QdrantConfig, *, version: str,
                 progress: Callable[[int], None] = lambda n: None) -> dict[str, Any]:
    """Create the collection of ``version`` and upload ``vectors`` (ids 0..n-1); returns ``meta.json``'s
    parameters."""
    from qdrant_client import models

    name = collection_name(version)
    total, need = None if config.url else _meminfo("MemTotal"), local_open_bytes(*vectors.shape)
    if total is not None and need > total:
        warnings.warn(f"{folder}: a local-mode Qdrant collection of {len(vectors):,} vectors of width "
                      f"{vectors.shape[1]} needs about {_gib(need)} to open, more than "
                      f"this machine's {_gib(total)}: a server here will refuse it; use a Qdrant server "
                      "(--qdrant-url) or --backend faiss", stacklevel=2)
    client = _client(folder, config.url)
    try:
        if client.collection_exists(name):
            client.delete_collection(name)
        client.create_collection(name, vectors_config=models.VectorParams(size=int(vectors.shape[1]),
                                                                          distance=models.Distance.DOT))
        if not config.url:
            _relax_local_durability(client, name)
        for start in range(0, len(vectors), config.batch_size):
            chunk = np.asarray(vectors[start:start + config.batch_size], dtype=np.float32)
            client.upsert(name, points=models.Batch(ids=list(range(start, start + len(chunk))),
                                                    vectors=chunk.tolist()), wait=True)
            progress(len(chunk))
        stored = client.count(name, exact=True).count
        if stored != len(vectors):
            raise RuntimeError(f"qdrant collection {name} holds {stored} points, expected {len(vectors)}")
    finally:
        client.close()
    return {"name": "qdrant", "kind": "server" if config.url else "local", "url": config.url, "collection": name,
            "folder": None if config.url else FOLDER}


def drop_qdrant(params: dict[str, Any]) -> None:
    """Delete a server-side collection of a removed version (local collections go with their folder)."""
    if params.get("url"):
        client = _client(Path("."), params["url"])
        try:
            if client.collection_exists(params["collection"]):
                client.delete_collection(params["collection"])
        finally:
            client.close()


class QdrantSearcher:
    """Searches one version's collection; ``count`` and ``dim`` are checked against ``meta.json`` on open, and a
    local collection's opening memory (``check_local_memory``) before it when ``dim`` is given."""

    def __init__(self, folder: Path, params: dict[str, Any], *, count: int, dim: int | None = None) -> None:
        if not params.get("url") and dim is not None:
            check_local_memory(count, dim, folder / FOLDER)
        self.client = _client(folder, params.get("url"))
        self.name = params["collection"]
        try:
            if not self.client.collection_exists(self.name):
                raise FileNotFoundError(f"qdrant collection {self.name} not found "
                                        f"({params.get('url') or folder / FOLDER})")
            info = self.client.get_collection(self.name)
            self.dim = int(info.config.params.vectors.size)
            self.count = int(self.client.count(self.name, exact=True).count)
        except Exception:
            self.client.close()
            raise
        if self.count != count:
            self.client.close()
            raise ValueError(f"qdrant collection {self.name} holds {self.count} points, the index records {count}")

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(scores [nq, k'], rows [nq, k'])`` with ``k' = min(k, count)``, rows -1 where fewer came back. The
        queries go in one call (``query_batch_points``: one round trip to a server)."""
        from qdrant_client import models

        k = min(k, self.count)
        scores = np.zeros((len(queries), k), dtype=np.float32)
        rows = np.full((len(queries), k), -1, dtype=np.int64)
        requests = [models.QueryRequest(query=vector.tolist(), limit=k, with_payload=False)
                    for vector in np.asarray(queries, dtype=np.float32)]
        answers = self.client.query_batch_points(self.name, requests=requests) if requests else []
        for i, answer in enumerate(answers):
            for j, point in enumerate(answer.points[:k]):
                scores[i, j], rows[i, j] = point.score, int(point.id)
        return scores, rows

    def vectors(self) -> np.ndarray:
        """Every stored vector, in row order."""
        out = np.zeros((self.count, self.dim), dtype=np.float32)
        for start in range(0, self.count, 1024):
            ids = list(range(start, min(self.count, start + 1024)))
            for point in self.client.retrieve(self.name, ids=ids, with_vectors=True, with_payload=False):
                out[int(point.id)] = point.vector
        return out

    def close(self) -> None:
        """Close the client (releases the local folder's lock)."""
        self.client.close()
