"""Arca's small parts against hand-computed values."""

import math

import pytest
import torch

from lira.arca.actor import Actor, ActorConfig, RewardWeights, RunningBaseline, reinforce_loss, reward
from lira.arca.adaptor import Adaptor, AdaptorConfig
from lira.arca.anchor_loss import AnchorLoss
from lira.arca.composition import compose
from lira.arca.contrastive_loss import ContrastiveLoss
from lira.arca.model import ArcaConfig, ArcaModel
from lira.backbones.pooling import s_bin_pool


def test_s_bin_pooling_spans():
    tokens = torch.arange(1.0, 7.0).reshape(1, 6, 1)  # values 1..6
    mask = torch.tensor([[True] * 5 + [False]])  # 5 valid tokens: 1..5
    pooled = s_bin_pool(tokens, mask, 2)  # spans [0, 2) and [2, 5)
    assert pooled.flatten().tolist() == pytest.approx([1.5, 4.0])
    assert s_bin_pool(tokens, mask, 1).flatten().tolist() == pytest.approx([3.0])
    short = s_bin_pool(tokens[:, :1], mask[:, :1], 3)  # one token fills every bin
    assert short.flatten().tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="no valid token"):
        s_bin_pool(tokens, torch.zeros(1, 6, dtype=torch.bool), 2)


def test_adaptor_starts_as_identity_and_maps_widths():
    x = torch.randn(3, 2, 8)
    same = Adaptor(AdaptorConfig(lr_dim=8, en_dim=8, dim=8, hidden=16))
    assert torch.allclose(same(x, "lr"), x) and torch.allclose(same(x, "en"), x)
    wide = Adaptor(AdaptorConfig(lr_dim=8, en_dim=4, dim=8))
    assert wide(torch.randn(3, 4), "en").shape == (3, 8)
    with pytest.raises(ValueError, match="unknown path"):
        same(x, "fr")


def test_anchor_loss():
    a = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    b = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    assert float(AnchorLoss()(a, b)) == pytest.approx(0.5)  # (0 + 1) / 2
    assert float(AnchorLoss()(a, b, torch.tensor([1.0, 0.0]))) == pytest.approx(0.0)


def test_contrastive_loss_prefers_aligned_pairs():
    e = torch.eye(4)
    aligned = float(ContrastiveLoss(0.1)(e, e))
    assert aligned == pytest.approx(math.log(1 + 3 * math.exp(-10)), rel=1e-3)  # float32
    assert float(ContrastiveLoss(0.1)(e, e.roll(1, 0))) > aligned


def test_reward_and_reinforce():
    scores = torch.tensor([[10.0, 5.0, 2.0]])
    w = RewardWeights(alpha=1.0, beta=0.5, gamma=1.0, delta=2.0)
    assert float(reward(scores, torch.tensor([0.5]), w)[0]) == pytest.approx(0.1 * (10 + 2.5 + 2) + 1.0)
    log_pi = torch.log(torch.tensor([[0.5, 0.5], [0.25, 0.75]]))
    loss = reinforce_loss(log_pi, torch.tensor([0, 1]), torch.tensor([2.0, 0.0]), baseline=1.0)
    expected = -(math.log(0.5) * 1.0 + math.log(0.75) * -1.0) / 2
    assert float(loss) == pytest.approx(expected)


def test_running_baseline():
    b = RunningBaseline(momentum=0.5)
    assert b.update(torch.tensor([2.0])) == 2.0 and b.value == 2.0
    assert b.update(torch.tensor([4.0])) == 2.0 and b.value == 3.0


def test_actor_masks_candidates():
    actor = Actor(ActorConfig())
    log_pi = actor(torch.randn(2, 3, 4), torch.tensor([[True, True, False], [True, False, False]]))
    assert torch.isinf(log_pi[0, 2]) and log_pi[1, 0].item() == pytest.approx(0.0)
    assert torch.allclose(log_pi.exp().sum(-1), torch.ones(2))
    with pytest.raises(ValueError, match="at least one valid candidate"):
        actor(torch.randn(1, 2, 4), torch.tensor([[False, False]]))


def test_dual_path_stand_in_is_flagged_not_zero():
    e_lr, e_en = torch.ones(2, 1, 3), torch.full((2, 1, 3), 2.0)
    dp = compose(e_lr, e_en, torch.tensor([True, False]))
    assert dp.z.shape == (2, 2, 1, 3) and dp.flat().shape == (2, 6)
    assert torch.equal(dp.z[0, 1], e_en[0]) and torch.equal(dp.z[1, 1], e_lr[1])
    assert dp.has_translation.tolist() == [True, False]
    none = compose(e_lr, None)
    assert not none.has_translation.any() and torch.equal(none.z[:, 1], e_lr)


def test_model_save_load_and_version(tmp_path):
    config = ArcaConfig(adaptor=AdaptorConfig(lr_dim=6, en_dim=4, dim=6, hidden=8))
    model = ArcaModel(config)
    x, y = torch.randn(2, 1, 6), torch.randn(2, 3, 1, 4)
    mask, scores = torch.ones(2, 3, dtype=torch.bool), torch.full((2, 3, 3), 5.0)
    out = model(x, y, mask, scores)
    assert out.e_en.shape == (2, 3, 1, 6) and out.sim.shape == (2, 3)
    model.save(tmp_path / "m")
    again = ArcaModel.load(tmp_path / "m")
    assert torch.equal(again(x, y, mask, scores).log_pi, out.log_pi)
    meta = (tmp_path / "m" / "arca_config.json").read_text().replace('"format_version": 1', '"format_version": 99')
    (tmp_path / "m" / "arca_config.json").write_text(meta)
    with pytest.raises(ValueError, match="format version 99 is not supported"):
        ArcaModel.load(tmp_path / "m")


def test_config_rejects_unknown_fields():
    with pytest.raises(ValueError, match="unknown field"):
        ArcaConfig.from_dict({"reward": {"alpha": 1, "omega": 2}})
