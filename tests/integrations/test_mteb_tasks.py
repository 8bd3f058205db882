"""``retrieval_task`` and ``bitext_task``: mteb tasks over local LiRA data (declared languages, splits, main
score, a revision that follows the data), loaded without the Hub."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
pytest.importorskip("mteb")

from lira.data.formats import ParallelExample  # noqa: E402
from lira.data.loaders import load_beir  # noqa: E402
from lira.integrations.mteb_tasks import bitext_task, retrieval_task  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mteb"


def test_retrieval_task_declares_and_loads_the_data():
    ds = load_beir(FIXTURES / "products-tha", lang="th")
    task = retrieval_task(ds, name="LiRATasksTha")
    meta = task.metadata
    assert (meta.type, meta.main_score, meta.eval_splits) == ("Retrieval", "ndcg_at_10", ["test"])
    assert meta.eval_langs == {"tha": ["tha-Thai"]} and task.hf_subsets == ["tha"]
    task.load_data()
    split = task.dataset["tha"]["test"]
    assert split["corpus"].num_rows == len(ds.corpus) and split["queries"].num_rows == len(ds.qrels["test"])
    assert split["relevant_docs"] == ds.qrels["test"]
    assert split["corpus"]["en"][0] == ds.corpus[split["corpus"]["id"][0]].en  # the English side rides along
    with pytest.raises(KeyError, match="no split 'dev'"):
        retrieval_task(ds, name="LiRATasksThaDev", split="dev")
    with pytest.raises(ValueError, match="two retrieval datasets in tha"):
        retrieval_task([ds, ds], name="LiRATasksTwice")


def test_bitext_task_subsets_and_revision():
    pairs = [ParallelExample("tha", "รองเท้า", "shoes"), ParallelExample("vie", "giày", "shoes"),
             ParallelExample("tha", "หม้อ", "pot")]
    task = bitext_task(pairs, name="LiRATasksBitext")
    assert task.metadata.eval_langs == {"tha-eng": ["tha-Thai", "eng-Latn"], "vie-eng": ["vie-Latn", "eng-Latn"]}
    assert task.metadata.main_score == "f1"
    task.load_data()
    assert task.dataset["tha-eng"]["test"]["sentence1"] == ["รองเท้า", "หม้อ"]
    assert task.dataset["tha-eng"]["test"]["sentence2"] == ["shoes", "pot"]
    same = bitext_task(list(pairs), name="LiRATasksBitext2").metadata.revision
    other = bitext_task(pairs[:2], name="LiRATasksBitext3").metadata.revision
    assert task.metadata.revision == same != other
    with pytest.raises(ValueError, match="at least one parallel example"):
        bitext_task([], name="Empty")
