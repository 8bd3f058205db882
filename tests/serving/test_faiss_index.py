"""``lira.serving.faiss_index``: the blocked exact search equals faiss's flat search, and the searcher of a flat
index uses it on the index's own vectors."""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from lira.serving.faiss_index import FaissConfig, FaissSearcher, exact_search, write_faiss


def _unit(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.mark.parametrize(("n", "nq", "k", "block"), [(5000, 3, 10, 512), (100, 2, 100, 64), (7, 1, 3, 2),
                                                     (3000, 64, 5, 1000), (1000, 8, 10, 4096)])
def test_exact_search_equals_faiss_flat(n, nq, k, block):
    rng = np.random.default_rng(n + nq)
    vectors, queries = _unit(rng, n, 24), _unit(rng, nq, 24)
    flat = faiss.IndexFlatIP(24)
    flat.add(vectors)
    want_scores, want_rows = flat.search(queries, k)
    scores, rows = exact_search(vectors, queries, k, block=block)
    assert scores.shape == rows.shape == (nq, k)
    np.testing.assert_array_equal(rows, want_rows)
    np.testing.assert_allclose(scores, want_scores, atol=1e-5)


def test_exact_search_orders_equal_scores_by_row():
    vectors = np.ones((10, 4), dtype=np.float32)
    scores, rows = exact_search(vectors, vectors[:2], 4, block=3)
    np.testing.assert_array_equal(rows, [[0, 1, 2, 3], [0, 1, 2, 3]])
    np.testing.assert_allclose(scores, 4.0)


def test_flat_searcher_reads_the_index_vectors_in_place(tmp_path):
    rng = np.random.default_rng(0)
    vectors = _unit(rng, 300, 16)
    params = write_faiss(tmp_path, vectors, FaissConfig())
    searcher = FaissSearcher(tmp_path, params)
    assert params["kind"] == "flat" and searcher._flat is not None
    np.testing.assert_array_equal(searcher._flat, vectors)
    scores, rows = searcher.search(vectors[:5], 3)
    np.testing.assert_array_equal(rows[:, 0], np.arange(5))
    want_scores, want_rows = searcher.index.search(vectors[:5], 3)
    np.testing.assert_array_equal(rows, want_rows)
    np.testing.assert_allclose(scores, want_scores, atol=1e-5)
    assert searcher.search(vectors[:1], 1000)[1].shape == (1, 300)  # k above the count: every row


def test_hnsw_searcher_keeps_faiss_search(tmp_path):
    vectors = _unit(np.random.default_rng(1), 200, 16)
    params = write_faiss(tmp_path, vectors, FaissConfig(exact_max=100))
    searcher = FaissSearcher(tmp_path, params)
    assert params["kind"] == "hnsw" and searcher._flat is None
    assert searcher.search(vectors[:3], 1)[1][:, 0].tolist() == [0, 1, 2]


def test_a_query_scores_the_same_in_any_batch():
    rng = np.random.default_rng(3)
    vectors, queries = _unit(rng, 5000, 64), _unit(rng, 20, 64)
    alone = [exact_search(vectors, q[None], 10) for q in queries]
    for size in (2, 3, 8, 13, 20):
        scores, rows = exact_search(vectors, queries[:size], 10)
        for i in range(size):
            np.testing.assert_array_equal(scores[i], alone[i][0][0])  # bitwise: fixed product shapes
            np.testing.assert_array_equal(rows[i], alone[i][1][0])


def test_threads_share_the_blocks_and_find_the_same(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from lira.serving import faiss_index

    rng = np.random.default_rng(4)
    vectors, queries = _unit(rng, 5000, 32), _unit(rng, 11, 32)
    alone = exact_search(vectors, queries, 7, block=300)
    with ThreadPoolExecutor(3) as pool:
        monkeypatch.setattr(faiss_index, "_pool", pool)
        monkeypatch.setattr(faiss_index, "_pool_threads", 3)
        shared = exact_search(vectors, queries, 7, block=300)
    np.testing.assert_array_equal(shared[0], alone[0])
    np.testing.assert_array_equal(shared[1], alone[1])


def test_set_search_threads_keeps_numpys_blas_to_one_thread():
    import subprocess
    import sys

    code = ("import faiss, threadpoolctl; from lira.serving import faiss_index as f; f.set_search_threads(2); "
            "print(faiss.omp_get_max_threads(), f._pool_threads, "
            "{i['num_threads'] for i in threadpoolctl.threadpool_info() if i['user_api'] == 'blas' "
            "and 'numpy' in i['filepath']})")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["2", "2", "{1}"]
