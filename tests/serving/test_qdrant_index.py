"""``lira.serving.qdrant_index``: a local-mode collection that would not fit in memory is refused before it is
opened (with the estimate and what to do instead), a build warns when this machine could not open what it writes,
and a collection that fits opens and searches."""

from __future__ import annotations

import numpy as np
import pytest

from lira.serving import qdrant_index
from lira.serving.qdrant_index import (
    LocalMemoryError,
    QdrantConfig,
    QdrantSearcher,
    check_local_memory,
    local_open_bytes,
    write_qdrant,
)

pytest.importorskip("qdrant_client")


def _vectors(n: int = 50, dim: int = 8) -> np.ndarray:
    v = np.random.default_rng(0).normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _params(version: str = "v1") -> dict:
    return {"collection": qdrant_index.collection_name(version), "folder": qdrant_index.FOLDER}


def test_the_estimate_grows_with_count_and_width():
    assert local_open_bytes(1_000_000, 768) > 24 * 2**30  # the 1M x 768 index that a 24 GiB machine cannot open
    assert local_open_bytes(100_000, 768) < 8 * 2**30
    assert local_open_bytes(2, 384) == 2 * local_open_bytes(1, 384) < local_open_bytes(2, 768)


def test_check_local_memory_names_the_need_the_machine_and_the_way_out(tmp_path):
    check_local_memory(1000, 768, tmp_path, available=local_open_bytes(1000, 768))
    with pytest.raises(LocalMemoryError) as e:
        check_local_memory(1_000_000, 768, tmp_path, available=16 * 2**30)
    message = str(e.value)
    for part in (str(tmp_path), "1,000,000 vectors of width 768", "16.0 GiB available", "--qdrant-url",
                 "--backend faiss"):
        assert part in message


def test_a_local_collection_too_large_for_the_memory_is_refused_before_opening(tmp_path, monkeypatch):
    write_qdrant(tmp_path, _vectors(), QdrantConfig(), version="v1")
    monkeypatch.setattr(qdrant_index, "_meminfo", lambda field: 1024)
    with pytest.raises(LocalMemoryError, match="needs about"):
        QdrantSearcher(tmp_path, _params(), count=50, dim=8)
    monkeypatch.undo()  # with the real memory it opens (the refusal took no lock on the folder)
    searcher = QdrantSearcher(tmp_path, _params(), count=50, dim=8)
    try:
        scores, rows = searcher.search(_vectors()[:2], 3)
        assert rows[:, 0].tolist() == [0, 1]
        assert scores[:, 0] == pytest.approx([1.0, 1.0], abs=1e-5)
    finally:
        searcher.close()


def test_a_build_warns_when_this_machine_could_not_open_it(tmp_path, monkeypatch):
    monkeypatch.setattr(qdrant_index, "_meminfo", lambda field: 1024)
    with pytest.warns(UserWarning, match=r"50 vectors of width 8 needs about .* more than this machine's"):
        write_qdrant(tmp_path, _vectors(), QdrantConfig(), version="v1")
