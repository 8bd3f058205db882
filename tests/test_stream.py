"""Streaming encodes into .npy files: same vectors as one call, rows in input order, cache filled chunk by chunk."""

import numpy as np
import pytest

from lira.cache import CachedBackbone, FeatureCache
from lira.stream import WINDOW_CHUNKS, encode_to_npy
from tests.backbones.test_base import CountingBackbone


class Plain:
    """An encoder with ``encode`` only (like ``LiRAModel``): records the size of each call."""

    dim = 3

    def __init__(self):
        self.calls = []

    def encode(self, texts, *, lang=None, role="text"):
        self.calls.append(len(texts))
        return CountingBackbone().encode(texts, role=role)


TEXTS = ["abcd", "ab", "abc", "a", "ab c", "abcd", "e", "aeiou", "ab", "xyz"]


def test_plain_encoder_is_called_chunk_by_chunk(tmp_path):
    encoder = Plain()
    shape = encode_to_npy(encoder, TEXTS, tmp_path / "v.npy", chunk_size=4)
    assert shape == (10, 3) and encoder.calls == [4, 4, 2]
    np.testing.assert_array_equal(np.load(tmp_path / "v.npy"), CountingBackbone().encode(TEXTS))


def test_chunked_encoders_write_rows_in_place(tmp_path):
    expected = CountingBackbone().encode(TEXTS)
    for encoder in (CountingBackbone(), CachedBackbone(CountingBackbone(), FeatureCache(tmp_path / "c"), chunk_size=2)):
        encode_to_npy(encoder, TEXTS, tmp_path / "v.npy", chunk_size=3)
        np.testing.assert_array_equal(np.load(tmp_path / "v.npy"), expected)
    cached = CachedBackbone(CountingBackbone(), FeatureCache(tmp_path / "c"))
    encode_to_npy(cached, TEXTS, tmp_path / "w.npy", chunk_size=3)  # warm: every row from the cache
    assert (cached.hits, cached.misses) == (10, 0)
    np.testing.assert_array_equal(np.load(tmp_path / "w.npy"), expected)
    assert len(list((tmp_path / "c" / "features" / "toy" / "text-pooled").glob("*.keys.json"))) == 4  # 8 distinct texts


def test_empty_list_and_bad_chunk(tmp_path):
    assert encode_to_npy(CountingBackbone(), [], tmp_path / "e.npy") == (0, 3)
    assert np.load(tmp_path / "e.npy").shape == (0, 3)
    with pytest.raises(ValueError, match="chunk_size"):
        encode_to_npy(CountingBackbone(), TEXTS, tmp_path / "x.npy", chunk_size=0)
    assert not (tmp_path / "x.npy").exists()


def test_a_failing_encode_leaves_no_file(tmp_path):
    class Broken(Plain):
        def encode(self, texts, **kwargs):
            raise RuntimeError("engine failed")

    with pytest.raises(RuntimeError, match="engine failed"):
        encode_to_npy(Broken(), TEXTS, tmp_path / "v.npy")
    assert list(tmp_path.iterdir()) == []


class Recording(CountingBackbone):
    """``CountingBackbone`` that records the texts of each ``encode_chunks`` call."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def encode_chunks(self, texts, **kwargs):
        self.calls.append(list(texts))
        yield from super().encode_chunks(texts, **kwargs)


# duplicates within and across windows of 4, and texts over the toy's 5-token maximum
LONG_TEXTS = ["abcdefg", "ab", "abc", "ab", "xyzxyzx", "abcdefg", "e", "aeiou", "ab", "xyz", "abcdefgh", "q"]


@pytest.mark.filterwarnings("ignore:.*exceed the backbone's maximum")
def test_windows_give_the_output_of_one_call(tmp_path):
    expected = CountingBackbone().encode(LONG_TEXTS)
    one_call = Recording()
    encode_to_npy(one_call, LONG_TEXTS, tmp_path / "one.npy", chunk_size=2, window=100)
    windowed = Recording()
    encode_to_npy(windowed, LONG_TEXTS, tmp_path / "win.npy", chunk_size=2, window=4)
    assert [len(c) for c in one_call.calls] == [12] and windowed.calls == [LONG_TEXTS[:4], LONG_TEXTS[4:8],
                                                                             LONG_TEXTS[8:]]
    for name in ("one.npy", "win.npy"):
        np.testing.assert_array_equal(np.load(tmp_path / name), expected)
    default = Recording()
    texts = [f"t{i}" for i in range(WINDOW_CHUNKS * 2 + 5)]
    encode_to_npy(default, texts, tmp_path / "d.npy", chunk_size=2)
    assert [len(c) for c in default.calls] == [WINDOW_CHUNKS * 2, 5]  # by default, WINDOW_CHUNKS chunks a window
    np.testing.assert_array_equal(np.load(tmp_path / "d.npy"), CountingBackbone().encode(texts))


@pytest.mark.filterwarnings("ignore:.*exceed the backbone's maximum")
def test_cached_windows_encode_each_distinct_text_once(tmp_path):
    expected = CountingBackbone().encode(LONG_TEXTS)
    one = CachedBackbone(CountingBackbone(), FeatureCache(tmp_path / "one"))
    encode_to_npy(one, LONG_TEXTS, tmp_path / "one.npy", chunk_size=2, window=len(LONG_TEXTS))
    raw = CountingBackbone()
    windowed = CachedBackbone(raw, FeatureCache(tmp_path / "win"), chunk_size=2)
    encode_to_npy(windowed, LONG_TEXTS, tmp_path / "win.npy", chunk_size=2, window=4)
    assert sorted(t for batch in raw.batches for t in batch) == sorted(set(LONG_TEXTS))  # each once
    # one call counts a repeat of a miss in neither; a window after the one that stored it serves it: a hit
    assert (one.hits, one.misses) == (0, 9) and (windowed.hits, windowed.misses) == (2, 9)
    for name in ("one.npy", "win.npy"):
        np.testing.assert_array_equal(np.load(tmp_path / name), expected)
    warm = CachedBackbone(CountingBackbone(), FeatureCache(tmp_path / "win"))
    encode_to_npy(warm, LONG_TEXTS, tmp_path / "warm.npy", chunk_size=3, window=5)
    assert (warm.hits, warm.misses) == (12, 0)
    np.testing.assert_array_equal(np.load(tmp_path / "warm.npy"), expected)


@pytest.mark.parametrize("cached", [False, True])
def test_one_too_long_warning_counts_every_window(tmp_path, cached):
    import warnings

    encoder = CachedBackbone(CountingBackbone(), FeatureCache(tmp_path / "c")) if cached else CountingBackbone()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        encode_to_npy(encoder, LONG_TEXTS, tmp_path / "v.npy", chunk_size=2, window=4)
    messages = [str(w.message) for w in caught]
    # 4 occurrences over 5 tokens; the cache encodes "abcdefg" once, and its repeat (next window) is a hit
    total, too_long = (9, 3) if cached else (12, 4)
    assert messages == [f"toy: {too_long} of {total} text(s) exceed the backbone's maximum of 5 tokens and were "
                        "truncated to 5 tokens"]
    assert caught[0].filename == __file__  # attributed to the caller of encode_to_npy


def test_one_script_warning_with_the_index_in_the_whole_list(tmp_path):
    texts = ["xin chào", "cảm ơn", "สวัสดี", "tạm biệt", "ขอบคุณ", "vâng"]  # Thai at 2 and 4 tagged Vietnamese
    for encoder in (CountingBackbone(), CachedBackbone(CountingBackbone(), FeatureCache(tmp_path / "c"))):
        with pytest.warns(UserWarning) as caught:
            encode_to_npy(encoder, texts, tmp_path / "v.npy", lang="vie", chunk_size=1, window=3)
        script = [str(w.message) for w in caught if "another script" in str(w.message)]
        assert len(script) == 1 and script[0].startswith("2 text(s) tagged vie") and "first at index 2" in script[0]


def test_bad_texts_are_named_by_their_index_in_the_whole_list(tmp_path):
    texts = [f"text {i}" for i in range(10)] + ["  "]
    encoder = Recording()
    with pytest.raises(ValueError, match=r"1 empty, None or whitespace-only text\(s\) at index 10 "):
        encode_to_npy(encoder, texts, tmp_path / "v.npy", window=4)
    assert encoder.calls == [] and not (tmp_path / "v.npy").exists()
    with pytest.raises(TypeError, match="single string"):
        encode_to_npy(encoder, "one text", tmp_path / "v.npy")
    with pytest.raises(ValueError, match="window must be >= 1"):
        encode_to_npy(encoder, texts[:3], tmp_path / "v.npy", window=0)


def test_rows_an_encoder_leaves_unwritten_are_an_error(tmp_path):
    class Lossy(CountingBackbone):
        def encode_chunks(self, texts, **kwargs):
            for rows, vectors in super().encode_chunks(texts, **kwargs):
                yield rows[1:], vectors[1:]

    with pytest.raises(RuntimeError, match=r"encoder left \d+ of 12 rows unwritten \(in rows 0 to 3\)"):
        encode_to_npy(Lossy(), LONG_TEXTS, tmp_path / "v.npy", chunk_size=2, window=4)
    assert not (tmp_path / "v.npy").exists()
