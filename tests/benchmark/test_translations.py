"""The English path of the benchmark: the data's own English (``gold_translator``) and its
noise-amplified variant (``noisy``)."""

from __future__ import annotations

import pytest

from lira.benchmark.translations import first_english, gold_translator, noisy
from lira.data.formats import ChoiceExample, ClassificationExample, NLIExample, ParallelExample, ScoredPair
from lira.training.lasr_data import gold_pairs
from lira.translators.base import Candidate

LONG = "the quick brown fox jumps over the lazy dog near the old river bank today"


def test_gold_translator_gives_the_english_and_nothing_for_texts_without():
    records = [ScoredPair("một", "hai", 2.5, "vie", "vie", en1="one", en2=None),
               ClassificationExample("vie", "một", "x", en="a single one"),  # a second English of the same text
               NLIExample("vie", "ba", "bốn", "neutral", premise_en="three", hypothesis_en="four")]
    translator = gold_translator(records)
    assert translator.name == "data-english" and len(translator) == 3  # "một", "ba", "bốn"
    out = translator.translate(["một", "hai", "ba", "bốn", "never seen"], lang="vie", k=3)
    assert out == [[Candidate("one", "data-english")], [], [Candidate("three", "data-english")],
                   [Candidate("four", "data-english")], []]  # the first English wins; no error for missing texts


def test_first_english_gives_every_record_the_english_the_translator_gives():
    """A text with two translations reads the first in every record (what the peers' translator gives it),
    so LiRA's head is fitted on the same features as a peer's probe."""
    records = [ClassificationExample("urd", "ایک", "x", en="one"),
               ClassificationExample("urd", "ایک", "y", en="a single one"),
               ClassificationExample("urd", "دو", "x"),
               NLIExample("urd", "ایک", "دو", "neutral", premise_en="one thing", hypothesis_en=None),
               ScoredPair("ایک", "تین", 1.0, "urd", "urd", en1="uno", en2="three"),
               ChoiceExample("urd", "p", ("ایک", "تین"), 0, question="cause", premise_en="P",
                             choices_en=("just one", "three")),
               ChoiceExample("urd", "p", ("دو", "تین"), 1, question="cause", premise_en="P again",
                             choices_en=("two", "three"))]
    out = first_english(records)
    translator = gold_translator(records)
    for record in out:
        for text, english in gold_pairs(record):
            candidates = translator.translate([text], lang="urd", k=1)[0]
            assert english == (candidates[0].text if candidates else None)
    assert [type(r) for r in out] == [type(r) for r in records] and out[1].label == "y" and out[1].en == "one"
    assert out[6].premise_en == "P" and out[6].choices_en == ("two", "three")
    with pytest.raises(TypeError, match="ParallelExample"):
        first_english([ParallelExample("tha", "แมว", "cat")])


def test_noisy_gives_k_candidates_and_rate_zero_copies_the_clean_text():
    base = gold_translator([ClassificationExample("vie", "giày đen", "x", en=LONG)])
    clean = noisy(base, rate=0.0, seed=0, k=3).translate(["giày đen", "không có"], lang="vie", k=1)
    assert [c.text for c in clean[0]] == [LONG] * 3
    assert clean[1] == []  # no English, so nothing to corrupt
    assert all(c.source == "data-english+noise:mixed@0.0" and c.meta["clean_text"] == LONG for c in clean[0])
    assert len(noisy(base, rate=0.5, seed=0, k=5).translate(["giày đen"], lang="vie")[0]) == 5


def test_noisy_is_seeded():
    base = gold_translator([ClassificationExample("vie", "giày đen", "x", en=LONG)])

    def texts(seed: int) -> list[str]:
        return [c.text for c in noisy(base, rate=0.5, seed=seed, k=3).translate(["giày đen"], lang="vie")[0]]

    first = texts(0)
    assert texts(0) == first  # the same seed gives the same corruptions
    assert texts(1) != first  # another seed gives others
    assert all(t != LONG for t in first)  # at rate 0.5 every candidate of this long sentence is corrupted
    assert len(set(first)) == 3  # the k candidates differ from each other


def test_noise_depends_on_the_english_text_not_on_the_source():
    from lira.benchmark.translations import noisy
    from lira.translators.precomputed import PrecomputedTranslator

    english = "the red running shoes for women are on sale today at the market"
    base = PrecomputedTranslator({"รองเท้าวิ่ง": [english], "giày chạy": [english]})
    pools = noisy(base, rate=0.5, seed=3, k=3).translate(["รองเท้าวิ่ง", "giày chạy"], lang="tha")
    assert [c.text for c in pools[0]] == [c.text for c in pools[1]]
    assert len({c.text for c in pools[0]}) > 1
