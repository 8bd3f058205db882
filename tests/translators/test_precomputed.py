import pytest

from lira.data.formats import ParallelExample
from lira.translators import Candidate, Translator
from lira.translators.precomputed import MissingTranslationError, PrecomputedTranslator


def test_columns_become_named_candidates():
    t = PrecomputedTranslator.from_examples([
        ParallelExample("tha", "แมว", "cat", ("kitty", "feline")),
        ParallelExample("tha", "หมา", "dog"),
    ])
    assert isinstance(t, Translator) and t.name == "precomputed" and len(t) == 2
    out = t.translate(["แมว", " หมา "], lang="tha", k=3)
    assert out[0] == [Candidate("cat", "precomputed"), Candidate("kitty", "precomputed:2"),
                      Candidate("feline", "precomputed:3")]
    assert out[1] == [Candidate("dog", "precomputed")]
    assert t.translate(["แมว"], lang="tha", k=1) == [[Candidate("cat", "precomputed")]]


def test_repeated_text_merges_columns_without_duplicates():
    t = PrecomputedTranslator.from_examples([ParallelExample("vie", "mèo", "cat"),
                                             ParallelExample("vie", "mèo", "kitten", ("cat",))])
    assert [c.text for c in t.translate(["mèo"], lang="vie", k=5)[0]] == ["cat", "kitten"]


def test_missing_text_raises_naming_it_and_the_count():
    t = PrecomputedTranslator({"a": ["A"]})
    long_text = "x" * 200
    with pytest.raises(MissingTranslationError) as info:
        t.translate(["a", long_text, "b"], lang="vie")
    message = str(info.value)
    assert isinstance(info.value, KeyError)
    assert "xxx..." in message and "x" * 61 not in message
    assert "2 of 3 missing" in message and info.value.missing == (long_text, "b")


def test_bad_tables_are_rejected():
    with pytest.raises(ValueError, match="non-empty"):
        PrecomputedTranslator({"a": []})
    with pytest.raises(ValueError, match="non-empty"):
        PrecomputedTranslator({"a": ["A", " "]})
    with pytest.raises(TypeError, match="sequence"):
        PrecomputedTranslator({"a": "A"})
    with pytest.raises(ValueError, match="k must be"):
        PrecomputedTranslator({"a": ["A"]}).translate(["a"], lang="vie", k=0)


def test_allow_missing_gives_no_candidate_for_missing_texts():
    table = {"a": ["A", "A2"]}
    lenient = PrecomputedTranslator(table, allow_missing=True)
    assert lenient.translate(["a", "b", " a "], lang="vie", k=2) == [
        [Candidate("A", "precomputed"), Candidate("A2", "precomputed:2")], [], [Candidate("A", "precomputed"),
                                                                                Candidate("A2", "precomputed:2")]]
    assert lenient.translate(["b", "c"], lang="vie") == [[], []]
    strict = PrecomputedTranslator(table)  # the default still refuses
    assert not strict.allow_missing
    with pytest.raises(MissingTranslationError, match="1 of 2 missing"):
        strict.translate(["a", "b"], lang="vie")
    with pytest.raises(ValueError, match="k must be"):  # the k check holds either way
        lenient.translate(["b"], lang="vie", k=0)


def test_keys_match_in_composed_form():
    import unicodedata

    composed = "giày chạy bộ"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    table = PrecomputedTranslator({decomposed: ["running shoes"]})
    assert composed in table and table.translate([composed], lang="vie")[0][0].text == "running shoes"
