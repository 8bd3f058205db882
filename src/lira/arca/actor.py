"""The Actor: a policy over translation candidates, trained with REINFORCE (DESIGN.md section 2, step 4).

Features per candidate ``c_k = [s_k, e_k, p_k, sim_k]`` (the critic scores rescaled from [1, 10] to
[0, 1] by ``(v - 1) / 9``; ``sim_k`` is a cosine) go through an MLP ``g_phi`` to one logit;
``pi(k | c_1..K) = softmax_k(g_phi(c_k))`` over the valid candidates only (``mask``), so K may vary
per example. Reward ``R_k = 0.1 (alpha s_k + beta e_k + gamma p_k) + delta sim_k`` on the raw [1, 10]
scores; ``L_RL = -log pi(a) (R_a - b)`` with ``b`` a running mean of rewards (Williams 1992).
The last layer starts at zero, so the untrained policy is uniform: its greedy choice (``ArcaModel.choose``) is
the first candidate of a ranked pool, the one a single-translation peer reads, and the highest reward ``R_k``
in a pool of exchangeable candidates (DESIGN.md section 7).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class ActorConfig:
    """MLP width and depth of ``g_phi``."""

    hidden: int = 32
    layers: int = 2


@dataclass
class RewardWeights:
    """alpha, beta, gamma weight the critic axes, delta the embedding similarity. Not published; our defaults,
    chosen on the product set's dev split (gamma = 1 ranks the gold translation first more often than 0.5)."""

    alpha: float = 1.0
    beta: float = 0.5
    gamma: float = 1.0
    delta: float = 1.0


def candidate_features(scores: torch.Tensor, sim: torch.Tensor) -> torch.Tensor:
    """``scores [n, K, 3]`` in [1, 10] and ``sim [n, K]`` -> features ``[n, K, 4]``."""
    return torch.cat([(scores - 1.0) / 9.0, sim.unsqueeze(-1)], dim=-1)


def reward(scores: torch.Tensor, sim: torch.Tensor, weights: RewardWeights) -> torch.Tensor:
    """``R = 0.1 (alpha s + beta e + gamma p) + delta sim`` for ``scores [..., 3]`` and ``sim [...]``."""
    s, e, p = scores.unbind(-1)
    return 0.1 * (weights.alpha * s + weights.beta * e + weights.gamma * p) + weights.delta * sim


class Actor(nn.Module):
    """``forward(features [n, K, 4], mask [n, K]) -> log pi [n, K]`` (-inf where masked)."""

    def __init__(self, config: ActorConfig) -> None:
        super().__init__()
        self.config = config
        layers: list[nn.Module] = []
        width = 4
        for _ in range(max(config.layers - 1, 0)):
            layers += [nn.Linear(width, config.hidden), nn.Tanh()]
            width = config.hidden
        last = nn.Linear(width, 1)
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)
        layers.append(last)
        self.net = nn.Sequential(*layers)

    def forward(self, features: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if not bool(mask.any(-1).all()):
            raise ValueError("every example needs at least one valid candidate")
        logits = self.net(features).squeeze(-1).masked_fill(~mask, float("-inf"))
        return torch.log_softmax(logits, dim=-1)


class RunningBaseline:
    """Exponential running mean ``b <- m b + (1 - m) mean(R)``; starts at the first batch's mean."""

    def __init__(self, momentum: float = 0.9, value: float | None = None) -> None:
        self.momentum, self.value = momentum, value

    def update(self, rewards: torch.Tensor) -> float:
        """Returns the baseline to use for ``rewards`` (the value before this update)."""
        mean = float(rewards.mean())
        current = mean if self.value is None else self.value
        self.value = self.momentum * current + (1 - self.momentum) * mean
        return current


def reinforce_loss(log_pi: torch.Tensor, actions: torch.Tensor, rewards: torch.Tensor, baseline: float) -> torch.Tensor:
    """``mean(-log pi(a) (R_a - b))`` for ``log_pi [n, K]``, ``actions [n]`` and the chosen ``rewards [n]``."""
    chosen = log_pi.gather(1, actions[:, None]).squeeze(1)
    return -(chosen * (rewards.detach() - baseline)).mean()
