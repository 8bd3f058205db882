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
    with pytest.raises(KeyError, match="no split 'dev'"):
        RetrievalEvaluator(ds, split="dev")(CountingBackbone())
