"""``SearchBatcher``: concurrent searches answered together give each request exactly its own answer."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from lira.serving.batching import SearchBatcher
from lira.serving.index import open_index


def test_batched_answers_equal_searching_alone(index_dir):
    index = open_index(index_dir)
    sizes: list[int] = []
    batcher = SearchBatcher(max_batch=4, on_batch=sizes.append)
    try:
        vectors = index.searcher.vectors()
        queries = [vectors[i % len(vectors)][None] + 0.01 * i for i in range(12)]
        ks = [1 + i % 6 for i in range(12)]
        alone = [index.search(q, k) for q, k in zip(queries, ks, strict=True)]
        got: list = [None] * len(queries)
        gate = threading.Barrier(len(queries))

        def ask(i: int) -> None:
            gate.wait()
            got[i] = batcher.search(index, queries[i], ks[i])

        threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(queries))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for mine, expected in zip(got, alone, strict=True):
            assert [d.id for d, _ in mine[0]] == [d.id for d, _ in expected[0]]
            assert np.allclose([s for _, s in mine[0]], [s for _, s in expected[0]], atol=1e-5)
        assert sum(sizes) == len(queries) and max(sizes) <= 4
    finally:
        batcher.close()
        index.retire()


def test_a_bad_request_fails_alone_and_a_closed_batcher_refuses(index_dir):
    index = open_index(index_dir)
    batcher = SearchBatcher()
    try:
        with pytest.raises(ValueError, match=f"the index holds {index.dim}-d vectors"):
            batcher.search(index, np.zeros((1, 3), np.float32), 3)
        assert len(batcher.search(index, index.searcher.vectors()[:2], 3)) == 2
    finally:
        batcher.close()
        index.retire()
    with pytest.raises(RuntimeError, match="closed"):
        batcher.search(index, np.zeros((1, index.dim), np.float32), 1)
    with pytest.raises(ValueError, match="max_batch must be >= 1"):
        SearchBatcher(max_batch=0)
