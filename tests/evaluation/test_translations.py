"""``lira.evaluation.translations``: which English a method reads, and what a chooser is told about the pools."""

from __future__ import annotations

from lira.evaluation.translations import pick_translations
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
