"""``lira.evaluation.translations``: which English a method reads, and what a chooser is told about the pools."""

from __future__ import annotations

import numpy as np

from lira.evaluation.translations import encode_by_lang, pick_translations
from lira.translators.base import Candidate
from lira.translators.noise import NoiseConfig, NoisyTranslator


class TwoCandidates:
    name = "two"

    def translate(self, texts, *, lang, k=1):
        return [[Candidate(f"{t} one", "two"), Candidate(f"{t} two", "two")][:k] for t in texts]


class Chooser:
    """Picks the last candidate and records whether it was told the pools are ranked."""

    needs_translations = True

    def __init__(self):
        self.ranked = []

    def choose(self, texts, pools, *, lang, ranked=True):
        self.ranked.append(ranked)
        return [pool[-1].text for pool in pools]


class Peer:
    needs_translations = True


def test_a_chooser_chooses_and_is_told_whether_the_pools_are_ranked():
    chooser = Chooser()
    assert pick_translations(chooser, ["a"], lang="vie", translator=TwoCandidates(), k=2) == ["a two"]
    noisy = NoisyTranslator(TwoCandidates(), [NoiseConfig("drop", 0.0, 0), NoiseConfig("drop", 0.0, 1)],
                            keep_clean=False)
    assert pick_translations(chooser, ["a"], lang="vie", translator=noisy, k=1) == ["a one"]
    assert chooser.ranked == [True, False]


def test_a_peer_reads_the_first_candidate_and_a_source_only_method_none():
    assert pick_translations(Peer(), ["a", "b"], lang="vie", translator=TwoCandidates(), k=2) == ["a one", "b one"]
    assert pick_translations(object(), ["a"], lang="vie", translator=TwoCandidates()) is None
    assert pick_translations(Peer(), ["a"], lang="vie", translator=None) == [None]


class CountingEncoder:
    """Encodes a text and its English into two numbers; counts the texts it is asked to encode."""

    needs_translations = True

    def __init__(self):
        self.encoded = 0

    def encode(self, texts, *, lang, role="query", translations=None):
        self.encoded += len(texts)
        return np.array([[len(t), len(e or "")] for t, e in zip(texts, translations, strict=True)], dtype=np.float32)


class Fixed:
    def __init__(self, english):
        self.english = english

    def translate(self, texts, *, lang, k=1):
        return [[Candidate(self.english[t], "fixed")] for t in texts]


def test_pooled_texts_are_encoded_once_per_method_and_the_english_they_read():
    """A task's pooled training texts, read again by the next test subset's probe, with a translator built anew
    that gives the same English, are not encoded again; other English, another role or another method is."""
    texts, langs = ["ab", "c", "def"], ["vie", "tha", "vie"]
    english = {"ab": "one", "c": "three", "def": "four"}
    method = CountingEncoder()
    first = encode_by_lang(method, texts, langs, translator=Fixed(english))
    np.testing.assert_array_equal(first, [[2, 3], [1, 5], [3, 4]])
    first[:] = 0  # the caller's copy
    again = encode_by_lang(method, texts, langs, translator=Fixed(dict(english)))
    assert method.encoded == 3
    np.testing.assert_array_equal(again, [[2, 3], [1, 5], [3, 4]])
    encode_by_lang(method, texts, langs, translator=Fixed({**english, "c": "three!"}))
    encode_by_lang(method, texts, langs, translator=Fixed(english), role="passage")
    other = CountingEncoder()
    encode_by_lang(other, texts, langs, translator=Fixed(english))
    assert (method.encoded, other.encoded) == (9, 3)
