"""Streaming encodes into .npy files: same vectors as one call, rows in input order, cache filled chunk by chunk."""

import numpy as np
import pytest

from lira.cache import CachedBackbone, FeatureCache
from lira.stream import encode_to_npy
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
