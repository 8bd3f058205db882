"""One feature path: the tensors of ``lira.arca.features``, identical through stage-1 training (``build_features``)
and through ``LiRAModel``, for 1 and 2 bins, S-bin features served from the feature cache; a model folder whose
parts disagree on bins is refused."""

import json

import numpy as np
import pytest
import torch

from lira.arca.adaptor import AdaptorConfig
from lira.arca.features import candidate_tensors, encode_features
from lira.arca.model import ArcaConfig, ArcaModel
from lira.arca.offline_critic import OfflineCritic, OfflineCriticConfig, english_vocabulary
from lira.backbones.hf import HFBackbone
from lira.backbones.pooling import s_bin_pool
from lira.cache import CachedBackbone, FeatureCache
from lira.data.formats import ParallelExample
from lira.lasr.head import LaSRConfig, LaSRHead
from lira.model import LiRAConfig, LiRAModel
from lira.training.arca_data import CandidateConfig, build_features
from lira.translators.base import Candidate
from tests.arca.test_offline_critic import TrigramBackbone
from tests.test_cache import TokenBackbone

DIM = 32  # the tiny BERT of tests/conftest.py
EXAMPLES = [
    ParallelExample("vie", "giay chay bo mau den", "black running shoes"),
    ParallelExample("vie", "noi com dien", "rice cooker"),
    ParallelExample("vie", "op lung dien thoai re", "cheap phone case", translations=("a cheap phone case",)),
]


def test_encode_features_pools_one_bin_or_s_bins_of_token_states(tiny_bert_dir):
    backbone = HFBackbone(tiny_bert_dir, batch_size=8)
    texts = ["hello world", "red shoes cheap nike black", "a"]
    one = encode_features(backbone, texts, bins=1, role="text")
    assert one.shape == (3, 1, DIM) and one.dtype == np.float32
    np.testing.assert_array_equal(one[:, 0], backbone.encode(texts, role="text"))
    two = encode_features(backbone, texts, bins=2, role="text")
    tokens, mask = backbone.encode_tokens(texts, role="text")
    np.testing.assert_array_equal(two, s_bin_pool(torch.from_numpy(tokens), torch.from_numpy(mask), 2).numpy())
    assert two.shape == (3, 2, DIM) and not np.allclose(two[1, 0], two[1, 1])  # two spans of a 5-word text
    assert encode_features(backbone, [], bins=2).shape == (0, 2, DIM)
    with pytest.raises(ValueError, match="bins must be >= 1, got 0"):
        encode_features(backbone, texts, bins=0)


def test_s_bin_features_go_through_the_feature_cache(tmp_path):
    raw = TokenBackbone()
    texts = ["abcde", "banana", "x"]
    cold = encode_features(CachedBackbone(raw, FeatureCache(tmp_path)), texts, bins=3, role="text")
    np.testing.assert_array_equal(cold, encode_features(TokenBackbone(), texts, bins=3, role="text"))  # uncached
    raw.token_batches.clear()
    warm = CachedBackbone(raw, FeatureCache(tmp_path))
    np.testing.assert_array_equal(encode_features(warm, texts, bins=3, role="text"), cold)
    assert (warm.hits, warm.misses) == (3, 0) and raw.token_batches == []
    assert encode_features(warm, [], bins=3).shape == (0, 3, 3)


def test_candidate_tensors_encode_each_distinct_text_once_and_mask_the_rest():
    backbone = TrigramBackbone()
    pools = [[Candidate("red shoes", "a"), Candidate("rice cooker", "b")], [], [Candidate("red shoes", "c")]]
    out = candidate_tensors(backbone, pools, bins=1)
    assert [t for batch in backbone.batches for t in batch] == ["red shoes", "rice cooker"] == out.texts
    assert out.y.shape == (3, 2, 1, 64) and out.mask.tolist() == [[True, True], [False, False], [True, False]]
    vectors = TrigramBackbone().encode(["red shoes", "rice cooker"], role="query")
    np.testing.assert_array_equal(out.y[0, :, 0], vectors)
    np.testing.assert_array_equal(out.y[2, 0, 0], vectors[0])
    assert not out.y[1].any() and not out.y[2, 1].any()  # masked slots are zeros
    assert out.row == {"red shoes": 0, "rice cooker": 1}


def _model(bins: int, critic_role: str, *, max_bins: int | None = None) -> LiRAModel:
    torch.manual_seed(0)
    arca = ArcaModel(ArcaConfig(adaptor=AdaptorConfig(lr_dim=DIM, en_dim=DIM, dim=DIM, hidden=8), bins=bins))
    head = LaSRHead(LaSRConfig(dim=DIM, width=16, heads=2, ff=32, layers=1, languages=["vie"],
                               max_bins=max_bins or bins))
    return LiRAModel(LiRAConfig(languages=["vie"], translator="none", critic_role=critic_role), arca, head)


class PoolTranslator:
    """Gives the stage-1 pools back as its candidates, so the model chooses among the same pools."""

    name = "pools"

    def __init__(self, pools: dict[str, list[Candidate]]) -> None:
        self.pools = pools

    def translate(self, texts, *, lang, k=1):
        return [self.pools[t] for t in texts]


@pytest.mark.parametrize("critic_role", ["text", "query"])
@pytest.mark.parametrize("bins", [1, 2])
def test_training_and_the_model_build_identical_tensors(tiny_bert_dir, tmp_path, bins, critic_role):
    # batch_size=1: a text's token states do not depend on which other texts are encoded with it
    backbone = CachedBackbone(HFBackbone(tiny_bert_dir, batch_size=1), FeatureCache(tmp_path / "cache"))
    critic = OfflineCritic(backbone, config=OfflineCriticConfig(vocabulary=english_vocabulary(), role=critic_role))
    features = build_features(EXAMPLES, lr_backbone=backbone, en_backbone=backbone, critic=critic, translators={},
                              config=CandidateConfig(bins=bins))
    model = _model(bins, critic_role).share_backbones(backbone, backbone)
    sources, rows = [ex.text for ex in EXAMPLES], torch.arange(len(EXAMPLES))
    assert features.x_lr.shape == (3, bins, DIM) and features.y_en.shape[2:] == (bins, DIM)

    # what the Actor reads to choose: sources, candidates, mask and critic scores
    x, y, mask, scores = model.arca_inputs(sources, features.candidates, lang="vie")
    for got, want in ((x, features.x_lr), (y, features.y_en), (mask, features.mask), (scores, features.scores)):
        torch.testing.assert_close(got, want, rtol=0, atol=0)

    # the dual path LaSR reads, with the gold translations given (as stage 2 gives them)
    rx, ry, has = model.raw_features(sources, lang="vie", translations=[ex.en for ex in EXAMPLES])
    torch.testing.assert_close(rx, features.x_lr, rtol=0, atol=0)
    torch.testing.assert_close(ry, features.y_en[rows, features.gold], rtol=0, atol=0)
    assert has.all()

    # with a translator: the Actor's choice among the same pools, and the chosen candidate's features
    model._translators["vie"] = PoolTranslator(dict(zip(sources, features.candidates, strict=True)))
    picks = model.arca.choose(features.x_lr, features.y_en, features.mask, features.scores)
    assert model.translate(sources, lang="vie") == [pool[int(k)].text for pool, k in
                                                    zip(features.candidates, picks, strict=True)]
    tx, ty, _ = model.raw_features(sources, lang="vie")
    torch.testing.assert_close(tx, features.x_lr, rtol=0, atol=0)
    torch.testing.assert_close(ty, features.y_en[rows, picks], rtol=0, atol=0)
    dp = model.dual_path(sources, lang="vie")
    torch.testing.assert_close(dp.z, model.arca.dual_path(features.x_lr, features.y_en[rows, picks]).z)
    assert model.encode(sources, lang="vie").shape[0] == 3  # the head reads all S bins


def test_a_folder_whose_parts_disagree_on_bins_is_refused(tmp_path):
    folder = _model(2, "text").save(tmp_path / "m")
    meta = json.loads((folder / "lira_config.json").read_text())
    assert meta["bins"] == 2
    assert LiRAModel.load(folder, cache_dir=tmp_path / "c").arca.config.bins == 2
    meta["bins"] = 1
    (folder / "lira_config.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match=r"lira_config.json records bins=1 but arca/arca_config.json has bins=2"):
        LiRAModel.load(folder)
    del meta["bins"]  # a folder written before bins were recorded: its features were pooled to 1 bin
    (folder / "lira_config.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match=r"records bins=1 but .* has bins=2"):
        LiRAModel.load(folder)
    old = _model(1, "text").save(tmp_path / "old")
    meta = json.loads((old / "lira_config.json").read_text())
    del meta["bins"]
    (old / "lira_config.json").write_text(json.dumps(meta))
    assert LiRAModel.load(old).arca.config.bins == 1
    narrow = _model(2, "text", max_bins=1).save(tmp_path / "narrow")
    with pytest.raises(ValueError, match=r"bins=2 but the LaSR head reads at most max_bins=1"):
        LiRAModel.load(narrow)
