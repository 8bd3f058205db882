"""ArcaModel's critic switches (``ArcaConfig.critics``): validation, the signals the Actor sees, and loading
configs saved before the switch existed; the greedy choice and how the untrained policy breaks its ties."""

from __future__ import annotations

import json

import pytest
import torch

from lira.arca.actor import candidate_features, reward
from lira.arca.adaptor import AdaptorConfig
from lira.arca.model import CRITICS, ArcaConfig, ArcaModel

N, K = 3, 4


def model(critics=CRITICS) -> ArcaModel:
    """An Arca whose Actor has random weights everywhere (untrained, its last layer is zero: a uniform policy)."""
    torch.manual_seed(0)
    arca = ArcaModel(ArcaConfig(adaptor=AdaptorConfig(lr_dim=6, en_dim=6, dim=6, hidden=8), critics=critics))
    torch.nn.init.normal_(arca.actor.net[-1].weight)
    return arca


def inputs(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x, y = torch.randn(N, 1, 6, generator=g), torch.randn(N, K, 1, 6, generator=g)
    scores = 1 + 9 * torch.rand(N, K, 3, generator=g)
    return x, y, torch.ones(N, K, dtype=torch.bool), scores


def test_critics_are_validated():
    assert ArcaConfig().critics == ("translation", "embedding") == CRITICS
    assert ArcaConfig(critics=["embedding"]).critics == ("embedding",)  # a list becomes a tuple
    assert ArcaConfig(critics=()).critics == ()
    with pytest.raises(ValueError, match=r"unknown critic\(s\) \['llm'\]; valid: translation, embedding"):
        ArcaConfig(critics=("translation", "llm"))
    with pytest.raises(ValueError, match="unknown critic"):
        ArcaConfig.from_dict({"critics": ["sentiment"]})


def test_critic_signals_replace_a_left_out_critic_by_a_constant():
    scores, sim = 1 + 9 * torch.rand(N, K, 3), torch.rand(N, K)
    s, m = model().critic_signals(scores, sim)
    assert torch.equal(s, scores) and torch.equal(m, sim)  # both critics: unchanged
    s, m = model(("embedding",)).critic_signals(scores, sim)
    assert torch.equal(s, torch.full((N, K, 3), 5.5)) and torch.equal(m, sim)  # no translation critic
    s, m = model(("translation",)).critic_signals(scores, sim)
    assert torch.equal(s, scores) and torch.equal(m, torch.zeros(N, K))  # no embedding critic
    s, m = model(()).critic_signals(scores, sim)
    assert torch.equal(s, torch.full_like(scores, 5.5)) and torch.equal(m, torch.zeros_like(sim))


def test_without_the_translation_critic_the_choice_ignores_critic_scores():
    x, y, mask, scores = inputs()
    other = scores.flip(1)  # the same scores on other candidates
    full = model()
    assert not torch.allclose(full(x, y, mask, scores).log_pi, full(x, y, mask, other).log_pi)  # they matter
    ablated = model(("embedding",))
    a, b = ablated(x, y, mask, scores), ablated(x, y, mask, other)
    assert torch.equal(a.log_pi, b.log_pi)
    assert torch.equal(ablated.choose(x, y, mask, scores), ablated.choose(x, y, mask, other))
    assert not torch.equal(a.sim, torch.zeros(N, K))  # the embedding signal is still there
    assert torch.allclose(a.log_pi, ablated.actor(candidate_features(torch.full_like(scores, 5.5), a.sim), mask))


def test_without_the_embedding_critic_the_choice_ignores_similarity():
    x, y, mask, scores = inputs()
    y_other = torch.randn(N, K, 1, 6, generator=torch.Generator().manual_seed(5))  # other candidate vectors
    full = model()
    assert not torch.allclose(full(x, y, mask, scores).log_pi, full(x, y_other, mask, scores).log_pi)
    ablated = model(("translation",))
    a, b = ablated(x, y, mask, scores), ablated(x, y_other, mask, scores)
    assert not torch.allclose(a.sim, b.sim)  # ``sim`` itself is still computed and returned
    assert torch.equal(a.log_pi, b.log_pi)
    # the Actor reads the critic scores and a similarity of 0 for every candidate
    assert torch.allclose(a.log_pi, ablated.actor(candidate_features(scores, torch.zeros(N, K)), mask))


def test_saved_critics_round_trip_and_old_configs_load_with_both(tmp_path):
    x, y, mask, scores = inputs()
    ablated = model(("embedding",))
    ablated.save(tmp_path / "m")
    again = ArcaModel.load(tmp_path / "m")
    assert again.config.critics == ("embedding",)
    assert torch.equal(again(x, y, mask, scores).log_pi, ablated(x, y, mask, scores).log_pi)
    path = tmp_path / "m" / "arca_config.json"
    meta = json.loads(path.read_text())
    del meta["config"]["critics"]  # a folder written before ``critics`` existed
    path.write_text(json.dumps(meta))
    old = ArcaModel.load(tmp_path / "m")
    assert old.config.critics == ("translation", "embedding")
    assert not torch.equal(old(x, y, mask, scores).log_pi, old(x, y, mask, scores.flip(1)).log_pi)


def untrained(critics=CRITICS) -> ArcaModel:
    """An Arca as it starts: the Actor's last layer is zero, so its policy is uniform."""
    torch.manual_seed(0)
    return ArcaModel(ArcaConfig(adaptor=AdaptorConfig(lr_dim=6, en_dim=6, dim=6, hidden=8), critics=critics))


def test_the_untrained_choice_is_the_first_candidate_of_a_ranked_pool_and_the_best_reward_otherwise():
    x, y, mask, scores = inputs()
    mask[0, 3] = False  # a pool of three
    scores[0, 3] = 10.0  # the masked candidate would win on reward
    arca = untrained()
    out = arca(x, y, mask, scores)
    uniform = (-mask.sum(-1, keepdim=True).float().log()).expand(N, K)
    assert torch.allclose(out.log_pi[mask], uniform[mask])
    assert arca.choose(x, y, mask, scores).tolist() == [0] * N  # the translator's best, as the peers read it
    rewards = reward(scores, out.sim, arca.config.reward).masked_fill(~mask, float("-inf"))
    picks = arca.choose(x, y, mask, scores, ranked=False)
    assert torch.equal(picks, rewards.argmax(-1)) and picks.tolist() != [0] * N and int(picks[0]) != 3
    ablated = untrained(("translation",))  # no embedding critic: the reward reads the scores alone
    scores_only = reward(scores, torch.zeros(N, K), ablated.config.reward).masked_fill(~mask, float("-inf"))
    assert torch.equal(ablated.choose(x, y, mask, scores, ranked=False), scores_only.argmax(-1))


def test_a_trained_policy_chooses_by_itself_in_any_pool():
    x, y, mask, scores = inputs()
    arca = model()  # non-zero last layer: no ties
    greedy = arca(x, y, mask, scores).log_pi.argmax(-1)
    assert torch.equal(arca.choose(x, y, mask, scores), greedy)
    assert torch.equal(arca.choose(x, y, mask, scores, ranked=False), greedy)


@pytest.mark.parametrize("trained", [False, True])
def test_read_weights_the_choice_or_the_policy(trained):
    x, y, mask, scores = inputs()
    mask[0, 3] = False  # a pool of three
    arca = model() if trained else untrained()
    pi = arca(x, y, mask, scores).log_pi.exp()
    for ranked in (True, False):  # the choice alone: one-hot on ``choose``'s pick, in any pool
        picks, weights = arca.read(x, y, mask, scores, ranked=ranked)
        assert torch.equal(picks, arca.choose(x, y, mask, scores, ranked=ranked))
        assert torch.equal(weights, torch.nn.functional.one_hot(picks, K).float())
    picks, weights = arca.read(x, y, mask, scores, ranked=False, expectation=True)  # the policy itself
    assert torch.equal(picks, arca.choose(x, y, mask, scores, ranked=False))
    assert torch.allclose(weights, pi) and float(weights[0, 3]) == 0.0
    assert torch.allclose(weights.sum(-1), torch.ones(N))
    if not trained:  # uniform: the pool's mean
        assert torch.allclose(weights[0, :3], torch.full((3,), 1 / 3))
        assert torch.allclose(weights[1:], torch.full((N - 1, K), 1 / K))
    _, ranked = arca.read(x, y, mask, scores, expectation=True)  # a ranked pool is read by its choice
    assert torch.equal(ranked, torch.nn.functional.one_hot(arca.choose(x, y, mask, scores), K).float())
