import pytest

from lira.data.formats import Document, Query, RetrievalDataset
from lira.evaluation.retrieval import RetrievalEvaluator
from tests.backbones.test_base import CountingBackbone


def test_evaluator_scores_a_toy_backbone():
    # CountingBackbone embeds (length, vowels, 1): the query "aaaa" is closest to "aaaa" then "aa"
    ds = RetrievalDataset(name="toy", lang="eng",
                          corpus={"d1": Document("", "bcdfg"), "d2": Document("", "aaaa"), "d3": Document("", "aa")},
                          queries={"q": Query("aaaa")}, qrels={"test": {"q": {"d2": 2, "d3": 1}}})
    result = RetrievalEvaluator(ds, split="test")(CountingBackbone())
    assert result["main_score"] == pytest.approx(1.0) and result["recall@1"] == pytest.approx(0.5)
    assert result["n_queries"] == 1 and result["n_docs"] == 3
    assert result["items"] == [pytest.approx(1.0)]  # the per-query main metric
    with pytest.raises(KeyError, match="no split 'dev'"):
        RetrievalEvaluator(ds, split="dev")(CountingBackbone())


def test_translation_aware_encoder_reads_the_translators_first_candidate():
    from lira.baselines import TranslateTest
    from lira.translators.precomputed import PrecomputedTranslator
    from tests.evaluation.test_methods import WordBackbone

    class Recording(TranslateTest):
        """Translate-test over the word encoder, recording the translations it is given."""

        def __init__(self):
            super().__init__(WordBackbone("en"), translator_for=lambda lang: None)
            self.seen = []

        def encode(self, texts, **kwargs):
            self.seen.append(kwargs.get("translations"))
            return super().encode(texts, **kwargs)

    ds = RetrievalDataset(name="toy", lang="vie",
                          corpus={"d1": Document("", "giày da", en="black shoes"),
                                  "d2": Document("Nồi", "nồi cơm điện", en="rice cooker"),
                                  "d3": Document("", "ốp lưng", en="red phone case")},
                          queries={"q1": Query("giày đen"), "q2": Query("nồi cơm")},
                          qrels={"test": {"q1": {"d1": 1}, "q2": {"d2": 1}}})
    translator = PrecomputedTranslator({"giày đen": ["black shoes", "red phone case"],
                                        "nồi cơm": ["rice cooker", "black shoes"]})
    encoder = Recording()
    result = RetrievalEvaluator(ds)(encoder, translator=translator, k=2)
    assert encoder.seen == [["black shoes", "rice cooker"],  # the first of the two candidates of each query
                            ["black shoes", "rice cooker", "red phone case"]]  # documents: their English side
    assert result["items"] == [1.0, 1.0] and result["main_score"] == 1.0  # each query finds its own document
    assert result["n"] == result["n_queries"] == 2

    # the order of the candidates decides: q1's first candidate now names the phone case
    swapped = PrecomputedTranslator({"giày đen": ["red phone case", "black shoes"], "nồi cơm": ["rice cooker"]})
    result = RetrievalEvaluator(ds)(Recording(), translator=swapped, k=2)
    assert result["items"][0] < 1.0 and result["items"][1] == 1.0
    assert result["main_score"] == pytest.approx(sum(result["items"]) / 2)
    assert result["items"] == [result["per_query"]["ndcg@10"][q] for q in ("q1", "q2")]
    assert result["ids"] == ["q1", "q2"]  # each item's query


def test_a_chooser_reads_its_own_candidate_count_unless_told():
    """Without ``k`` a method that chooses (LiRA) gets as many candidates per query as its config reads
    (``candidates_for``): two let it choose, one leaves it the translator's first."""
    from types import SimpleNamespace

    from lira.baselines import TranslateTest
    from lira.translators.precomputed import PrecomputedTranslator
    from tests.evaluation.test_methods import WordBackbone

    class LastChooser(TranslateTest):
        """Translate-test that picks the last candidate of each pool, recording the query translations."""

        def __init__(self, candidates: int):
            super().__init__(WordBackbone("en"), translator_for=lambda lang: None)
            self.config, self.seen = SimpleNamespace(candidates=candidates), []

        def choose(self, texts, pools, *, lang, ranked=True):
            return [pool[-1].text for pool in pools]

        def encode(self, texts, **kwargs):
            self.seen.append(kwargs.get("translations"))
            return super().encode(texts, **kwargs)

    ds = RetrievalDataset(name="toy", lang="vie", corpus={"d1": Document("", "giày da", en="black shoes")},
                          queries={"q1": Query("giày đen")}, qrels={"test": {"q1": {"d1": 1}}})
    translator = PrecomputedTranslator({"giày đen": ["black shoes", "red phone case"]})
    for candidates, read in ((2, "red phone case"), (1, "black shoes")):
        method = LastChooser(candidates)
        RetrievalEvaluator(ds)(method, translator=translator)
        assert method.seen[0] == [read], candidates
    method = LastChooser(1)
    RetrievalEvaluator(ds)(method, translator=translator, k=2)  # an explicit k wins
    assert method.seen[0] == ["red phone case"]
