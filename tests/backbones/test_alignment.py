"""Token-alignment features of sentence pairs (``lira.backbones.alignment``) on hand-built token states.

``TokenWords`` (a bag-of-words encoder with one one-hot state per word) is shared with the training tests: a
hypothesis whose every word is in the premise has its every token matched exactly, a new word matches nothing.
"""

from __future__ import annotations

import json
import zlib

import numpy as np
import pytest

from lira.backbones import alignment
from lira.backbones.alignment import (
    ALIGNMENT_FEATURES,
    ALIGNMENT_POOLING,
    alignment_features,
    encode_alignment,
    pair_alignment,
    pair_key,
)
from lira.backbones.base import BaseBackbone

F = {name: i for i, name in enumerate(ALIGNMENT_FEATURES)}
MATCHES = ["b_match_mean", "b_match_min", "b_match_q25", "a_match_mean", "a_match_min"]


class TokenWords(BaseBackbone):
    """Deterministic toy encoder with token states: word ``w`` is the one-hot of ``vocab.index(w)`` (else of
    ``crc32(w) % dim``); the pooled vector is their sum. Records the texts of every ``encode_tokens`` batch."""

    batch_size = 64

    def __init__(self, name: str = "token-words", dim: int = 64, vocab: tuple[str, ...] = ()) -> None:
        self.name, self.dim, self.vocab = name, dim, list(vocab)
        self.token_batches: list[list[str]] = []

    def index(self, word: str) -> int:
        return self.vocab.index(word) if word in self.vocab else zlib.crc32(word.encode("utf-8")) % self.dim

    def _encode_batch(self, texts, role):
        return self.one_hots(texts)[0].sum(axis=1)

    def _encode_tokens_batch(self, texts, role):
        self.token_batches.append(list(texts))
        return self.one_hots(texts)

    def one_hots(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        words = [t.lower().split() for t in texts]
        states = np.zeros((len(texts), max(map(len, words)), self.dim), dtype=np.float32)
        mask = np.zeros(states.shape[:2], dtype=bool)
        for i, ws in enumerate(words):
            for j, w in enumerate(ws):
                states[i, j, self.index(w)], mask[i, j] = 1.0, True
        return states, mask


def eye(*rows: int, dim: int = 6) -> np.ndarray:
    return np.eye(dim, dtype=np.float32)[list(rows)]


def test_names_and_namespace():
    assert len(ALIGNMENT_FEATURES) == 8 and len(set(ALIGNMENT_FEATURES)) == 8
    assert ALIGNMENT_POOLING == "align8"


def test_identical_token_sets_match_fully():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 5)).astype(np.float32)
    b = 3.0 * a[[2, 0, 3, 1]]  # the same tokens in another order, longer vectors: cosines are still 1
    out = pair_alignment(a, b)
    assert out.shape == (8,) and out.dtype == np.float32
    np.testing.assert_allclose(out[[F[m] for m in MATCHES]], 1.0, atol=1e-6)
    assert out[F["length_ratio"]] == 1.0
    np.testing.assert_allclose(out[[F["b_log_length"], F["a_log_length"]]], np.log(4), rtol=1e-6)


def test_an_unmatched_hypothesis_token_sets_the_minimum_to_zero():
    a, b = eye(0, 1), eye(0, 1, 2)  # b's third token is orthogonal to every token of a
    out = pair_alignment(a, b)
    expected = {"b_match_mean": 2 / 3, "b_match_min": 0.0, "b_match_q25": 0.5,  # quantile of [0, 1, 1] at 0.25
                "a_match_mean": 1.0, "a_match_min": 1.0, "length_ratio": 1.5, "b_log_length": np.log(3),
                "a_log_length": np.log(2)}
    np.testing.assert_allclose(out, [expected[n] for n in ALIGNMENT_FEATURES], atol=1e-6)
    # the other way round: now a premise token finds no match
    back = pair_alignment(b, a)
    assert back[F["b_match_min"]] == 1.0 and back[F["a_match_min"]] == 0.0
    np.testing.assert_allclose(back[F["length_ratio"]], 2 / 3, rtol=1e-6)


def test_partial_matches_are_cosines():
    theta = np.array([0.3, 1.1])
    a = np.array([[1.0, 0.0]], dtype=np.float32)
    b = np.stack([np.cos(theta), np.sin(theta)], axis=1).astype(np.float32)  # two tokens at angles 0.3, 1.1
    out = pair_alignment(a, b)
    cos = np.cos(theta)
    np.testing.assert_allclose(out[:5], [cos.mean(), cos.min(), np.quantile(cos, 0.25), cos.max(), cos.max()],
                               atol=1e-6)
    assert out[F["length_ratio"]] == 2.0 and out[F["a_log_length"]] == 0.0


def test_alignment_features_ignore_padding_rows():
    rng = np.random.default_rng(1)
    pairs = [(rng.normal(size=(la, 4)), rng.normal(size=(lb, 4))) for la, lb in ((3, 1), (1, 4), (5, 2))]
    n, length = len(pairs), 6
    tokens_a, tokens_b = (rng.normal(size=(n, length, 4)).astype(np.float32) * 50 for _ in range(2))  # garbage
    mask_a, mask_b = np.zeros((n, length), bool), np.zeros((n, length), bool)
    for i, (a, b) in enumerate(pairs):
        tokens_a[i, : len(a)], mask_a[i, : len(a)] = a, True
        tokens_b[i, : len(b)], mask_b[i, : len(b)] = b, True
    out = alignment_features(tokens_a, mask_a, tokens_b, mask_b)
    assert out.shape == (3, 8) and out.dtype == np.float32
    for i, (a, b) in enumerate(pairs):
        np.testing.assert_allclose(out[i], pair_alignment(a, b), atol=1e-6)
    np.testing.assert_allclose(np.exp(out[:, F["b_log_length"]]), [1, 4, 2], rtol=1e-5)
    np.testing.assert_allclose(np.exp(out[:, F["a_log_length"]]), [3, 1, 5], rtol=1e-5)


def test_alignment_features_refuse_mismatched_or_empty_texts():
    tokens, mask = np.ones((2, 3, 4), np.float32), np.ones((2, 3), bool)
    with pytest.raises(ValueError, match="2 first texts but 1 second texts"):
        alignment_features(tokens, mask, tokens[:1], mask[:1])
    empty = mask.copy()
    empty[1] = False
    with pytest.raises(ValueError, match="pair 1 has a text without token states"):
        alignment_features(tokens, mask, tokens, empty)
    with pytest.raises(ValueError, match="pair 1 has a text without token states"):
        alignment_features(tokens, empty, tokens, mask)


def test_pair_key_keeps_the_split_and_the_text():
    assert pair_key("a b", "c") != pair_key("a", "b c") != pair_key("b c", "a")
    assert json.loads(pair_key("giày đen", "รองเท้า")) == ["giày đen", "รองเท้า"]
    assert "giày" in pair_key("giày đen", "x")  # readable, not escaped


PREMISES = ["red shoe cheap", "rice cooker black", "red shoe cheap", "phone case"]
HYPOTHESES = ["red shoe", "rice cooker new", "phone", "phone case"]


def test_encode_alignment_is_alignment_features_of_encode_tokens():
    backbone = TokenWords()
    out = encode_alignment(backbone, PREMISES, HYPOTHESES, role="query")
    assert out.shape == (4, 8) and out.dtype == np.float32
    # distinct texts are encoded once, in one encode_tokens call
    assert len(backbone.token_batches) == 1 and len(backbone.token_batches[0]) == 6
    ta, ma = TokenWords().encode_tokens(PREMISES, role="query")
    tb, mb = TokenWords().encode_tokens(HYPOTHESES, role="query")
    np.testing.assert_array_equal(out, alignment_features(ta, ma, tb, mb))
    # what the one-hot words make of it: a hypothesis inside its premise is fully matched, a new word is not
    np.testing.assert_allclose(out[:, F["b_match_min"]], [1, 0, 0, 1])
    np.testing.assert_allclose(out[:, F["a_match_min"]], [0, 0, 0, 1])
    np.testing.assert_allclose(out[:, F["length_ratio"]], [2 / 3, 1, 1 / 3, 1], rtol=1e-6)


def test_encode_alignment_goes_a_pass_at_a_time(monkeypatch):
    whole = encode_alignment(TokenWords(), PREMISES, HYPOTHESES)
    monkeypatch.setattr(alignment, "PAIRS_PER_PASS", 3)
    backbone = TokenWords()
    np.testing.assert_array_equal(encode_alignment(backbone, PREMISES, HYPOTHESES), whole)
    assert [sorted(b) for b in backbone.token_batches] == [sorted(set(PREMISES[:3] + HYPOTHESES[:3])),
                                                           sorted({PREMISES[3], HYPOTHESES[3]})]
    assert encode_alignment(backbone, [], []).shape == (0, 8)
    with pytest.raises(ValueError, match="2 first texts but 1 second texts"):
        encode_alignment(backbone, PREMISES[:2], HYPOTHESES[:1])


def test_a_pooled_only_backbone_matches_by_the_sentence_cosine():
    """Its one "token" per text is the sentence vector: every match feature is the pair's cosine."""

    class Pooled(TokenWords):
        def _encode_tokens_batch(self, texts, role):
            return BaseBackbone._encode_tokens_batch(self, texts, role)

    out = encode_alignment(Pooled(), PREMISES, HYPOTHESES)
    backbone = Pooled()
    cos = (backbone.encode(PREMISES) * backbone.encode(HYPOTHESES)).sum(axis=1)
    for name in MATCHES:
        np.testing.assert_allclose(out[:, F[name]], cos, atol=1e-6)
    np.testing.assert_array_equal(out[:, F["length_ratio"]], 1.0)
    np.testing.assert_array_equal(out[:, [F["b_log_length"], F["a_log_length"]]], 0.0)


def test_encode_alignment_prefers_the_backbones_own_cached_path():
    class WithCache(TokenWords):
        def __init__(self):
            super().__init__()
            self.asked = []

        def encode_alignment(self, texts_a, texts_b, *, lang=None, role="query"):
            self.asked.append((texts_a, texts_b, lang, role))
            return np.full((len(texts_a), 8), 7.0)

    backbone = WithCache()
    out = encode_alignment(backbone, tuple(PREMISES[:2]), tuple(HYPOTHESES[:2]), lang="vie", role="passage")
    assert out.dtype == np.float32 and np.all(out == 7.0) and backbone.token_batches == []
    assert backbone.asked == [(PREMISES[:2], HYPOTHESES[:2], "vie", "passage")]
