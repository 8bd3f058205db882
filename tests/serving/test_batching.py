"""``DynamicBatcher``: requests answered together get exactly their own answers; the search and encoding
handlers of the search service agree with searching and encoding one request at a time."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from lira.serving.batching import DynamicBatcher, batched_search, search_together
from lira.serving.index import open_index


def _all_at_once(n: int, ask: Callable[[int], Any]) -> list[Any]:
    """``ask(i)`` for i < n from n threads released together."""
    got: list[Any] = [None] * n
    gate = threading.Barrier(n)

    def run(i: int) -> None:
        gate.wait()
        got[i] = ask(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return got


def test_jobs_are_grouped_by_key_and_failures_stay_in_their_group():
    calls: list[tuple[Any, list[int]]] = []
    sizes: list[int] = []

    def handle(key: str, payloads: list[int]) -> list[int]:
        calls.append((key, payloads))
        if key == "bad":
            raise ValueError("refused")
        return [p * 10 for p in payloads]

    batcher = DynamicBatcher(handle, max_batch=4, on_batch=sizes.append)
    try:
        def ask(i: int) -> Any:
            try:
                return batcher.submit("bad" if i == 3 else "good", i)
            except ValueError as e:
                return str(e)

        assert _all_at_once(10, ask) == [0, 10, 20, "refused", 40, 50, 60, 70, 80, 90]
        assert sum(sizes) == 10 and max(sizes) <= 4
        assert ("bad", [3]) in calls
    finally:
        batcher.close()
    with pytest.raises(RuntimeError, match="closed"):
        batcher.submit("good", 1)
    with pytest.raises(ValueError, match="max_batch must be >= 1"):
        DynamicBatcher(handle, max_batch=0)
    short = DynamicBatcher(lambda key, payloads: payloads[:-1])
    try:
        with pytest.raises(RuntimeError, match="gave 0 results for 1 jobs"):
            short.submit("k", 1)
    finally:
        short.close()


def test_batched_searches_equal_searching_alone(index_dir):
    index = open_index(index_dir)
    batcher = DynamicBatcher(search_together, max_batch=4)
    try:
        vectors = index.searcher.vectors()
        queries = [vectors[i % len(vectors)][None] + 0.01 * i for i in range(12)]
        ks = [1 + i % 6 for i in range(12)]
        alone = [index.search(q, k) for q, k in zip(queries, ks, strict=True)]
        got = _all_at_once(len(queries), lambda i: batched_search(batcher, index, queries[i], ks[i]))
        for mine, expected in zip(got, alone, strict=True):
            assert [d.id for d, _ in mine[0]] == [d.id for d, _ in expected[0]]
            assert np.allclose([s for _, s in mine[0]], [s for _, s in expected[0]], atol=1e-5)
        with pytest.raises(ValueError, match=f"the index holds {index.dim}-d vectors"):
            batched_search(batcher, index, np.zeros((1, 3), np.float32), 3)
        assert len(batched_search(None, index, vectors[:2], 3)) == 2
    finally:
        batcher.close()
        index.retire()


def test_queries_encoded_together_equal_one_at_a_time(service):
    queries = ["giày chạy đỏ", "giày đen", "nồi cơm điện", "ốp lưng điện thoại", "ấm đun nước"]
    english = [service.translations.english(q, "vie").text for q in queries]
    alone = [service._encode([q], "vie", [e], "query") for q, e in zip(queries, english, strict=True)]
    together = service._encode_together(("vie", "query"), list(zip(queries, english, strict=True)))
    for a, b in zip(alone, together, strict=True):
        assert b.shape == a.shape == (1, a.shape[1]) and np.allclose(a, b, atol=1e-6)
    got = _all_at_once(len(queries), lambda i: service.search(queries[i], lang="vi", k=3))
    for out, q in zip(got, queries, strict=True):
        assert [r["id"] for r in out["results"]] == [r["id"] for r in service.search(q, lang="vi", k=3)["results"]]
