"""Each metric against values computed by hand."""

import math

import pytest

from lira.retrieval.metrics import language_metrics, mean_scores, per_query_scores, retrieval_scores

QRELS = {"q1": {"a": 2, "b": 1, "z": 0}, "q2": {"c": 1}}
RUN = {"q1": {"b": 0.9, "x": 0.8, "a": 0.7}, "q2": {"x": 0.9, "y": 0.8}}


def test_ndcg_at_10_graded():
    # q1 ranking b(1), x(0), a(2): DCG = 1/log2(2) + 2/log2(4) = 2; ideal a, b: 2 + 1/log2(3)
    expected = 2 / (2 + 1 / math.log2(3))
    scores = per_query_scores(QRELS, RUN)
    assert scores["ndcg@10"]["q1"] == pytest.approx(expected)
    assert scores["ndcg@10"]["q2"] == 0.0


def test_recall_and_mrr():
    s = per_query_scores(QRELS, RUN)
    assert s["recall@1"]["q1"] == pytest.approx(0.5)  # b of {a, b}
    assert s["recall@10"]["q1"] == pytest.approx(1.0)
    assert s["mrr@10"]["q1"] == pytest.approx(1.0)
    assert s["recall@100"]["q2"] == 0.0 and s["mrr@10"]["q2"] == 0.0


def test_mrr_is_cut_at_10():
    run = {"q2": {f"d{i}": 1 - i / 100 for i in range(11)} | {"c": 0.5}}  # c is ranked 12th
    s = per_query_scores({"q2": {"c": 1}}, run)
    assert s["mrr@10"]["q2"] == 0.0 and s["recall@100"]["q2"] == 1.0
    run = {"q2": {"d0": 0.9, "d1": 0.8, "c": 0.7}}
    assert per_query_scores({"q2": {"c": 1}}, run)["mrr@10"]["q2"] == pytest.approx(1 / 3)


def test_means_and_missing_queries():
    means = retrieval_scores(QRELS, {"q1": RUN["q1"]})  # q2 absent from the run scores 0
    assert means["recall@10"] == pytest.approx(0.5)


def test_query_without_relevant_documents_is_reported():
    with pytest.warns(UserWarning, match="1 query"):
        s = per_query_scores({"q1": {"a": 0}, "q2": {"c": 1}}, {"q2": {"c": 1.0}})
    assert list(s["ndcg@10"]) == ["q2"]


def test_language_metrics_average_the_languages_with_a_standard_error():
    tha = per_query_scores(QRELS, RUN)
    vie = per_query_scores(QRELS, {"q1": {"a": 1.0, "b": 0.5}, "q2": {"c": 1.0}})
    out = language_metrics({"vie": vie, "tha": tha})
    assert list(out) == ["tha", "vie", "mean_ndcg@10", "mean_ndcg@10_se"]
    assert out["tha"] == mean_scores(tha) and out["vie"]["ndcg@10"] == 1.0
    assert out["mean_ndcg@10"] == pytest.approx((mean_scores(tha)["ndcg@10"] + 1.0) / 2)
    # vie's queries all score 1 (no variance): the standard error is tha's (sample variance / 2 queries), halved
    a, b = tha["ndcg@10"].values()
    assert out["mean_ndcg@10_se"] == pytest.approx(math.sqrt((a - b) ** 2 / 2 / 2) / 2)
