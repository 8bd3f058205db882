"""The faiss backend: exact inner-product search up to ``exact_max`` documents, HNSW above (Malkov & Yashunin
2018, "Efficient and robust approximate nearest neighbor search using Hierarchical Navigable Small World graphs";
faiss ``IndexHNSWFlat`` with ``M``, ``efConstruction`` and ``efSearch`` as config fields).

Vectors are L2-normalised, so inner product is cosine. The index is one file, ``index.faiss``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast

import faiss
import numpy as np

FILE = "index.faiss"
_CHUNK = 8192


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

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(scores [nq, k'], rows [nq, k'])`` with ``k' = min(k, count)``; rows -1 where HNSW found fewer."""
        return self.index.search(np.ascontiguousarray(queries, dtype=np.float32), min(k, self.count))

    def vectors(self) -> np.ndarray:
        """Every stored vector, in row order."""
        return self.index.reconstruct_n(0, self.count) if self.count else np.zeros((0, self.dim), np.float32)

    def close(self) -> None:
        """Nothing to release (the index lives in memory)."""
