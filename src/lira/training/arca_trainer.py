"""Stage 1: train Arca's Adaptor and Actor on frozen features (DESIGN.md sections 2 and 3, stage 1).

Each step samples a batch, runs the Actor's policy, samples one candidate per row, and minimises
``L_Arca = L_RL + eta L_anchor + contrastive_weight L_InfoNCE + preserve_weight (1 - cos(E_en, h(y)))`` where
the anchor and contrastive terms pull ``E_lr`` towards the adapted embedding of the chosen candidate and the
last term keeps the English anchor space in place. Every source of
randomness is derived from ``(seed, epoch)`` or ``(seed, step)``, so a run resumed from a checkpoint
gives the same weights as an uninterrupted one. A NaN or Inf loss stops training with a clear error
and leaves the last good checkpoint in place.

Checkpoint selection (``lira.training.selection``): the saved model keeps the adaptor of the step with the
best dev ``retrieval_accuracy`` (each dev source finds its own gold translation among its language's dev
translations by the adapted cosine) and the Actor of the step with the best dev ``choice_accuracy``, step 0
included for both; the two are selected separately because they serve different ends.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm

from lira.arca.actor import RunningBaseline, reinforce_loss, reward
from lira.arca.anchor_loss import AnchorLoss, flat_cosine
from lira.arca.contrastive_loss import ContrastiveLoss
from lira.arca.model import ArcaConfig, ArcaModel
from lira.backbones.threads import use_torch_threads
from lira.io import write_json
from lira.metrics import accuracy, accuracy_metrics, nearest_correct, top1_correct
from lira.training import distributed
from lira.training.arca_data import ArcaFeatures
from lira.training.checkpoint import (
    latest_checkpoint,
    load_optimizer_state,
    load_trainer_state,
    save_checkpoint,
    stop_non_finite,
)
from lira.training.selection import BestWeights

log = logging.getLogger(__name__)


@dataclass
class ArcaTrainConfig:
    """Optimisation settings of stage 1."""

    steps: int = 300
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 0.0
    seed: int = 0
    eval_every: int = 50
    checkpoint_every: int = 50
    keep_checkpoints: int = 2
    one_se: bool = True  # a trained step replaces step 0 only when it beats its dev score by one standard error


def _batch_index(n: int, step: int, batch_size: int, seed: int) -> torch.Tensor:
    per_epoch = max(1, math.ceil(n / batch_size))
    epoch, offset = divmod(step, per_epoch)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed * 100_003 + epoch))
    return order[offset * batch_size: (offset + 1) * batch_size]


@torch.no_grad()
def choice_correctness(model: ArcaModel, features: ArcaFeatures) -> dict[str, torch.Tensor]:
    """Per-example results where the gold translation is in the pool: ``gap`` (``1 - cos(E_lr, E_en(gold))``),
    ``retrieved`` (the source's nearest gold translation among its language's is its own), and whether each way
    of choosing picks gold: ``actor`` (``ArcaModel.greedy`` on an unranked pool: stage-1 pools are shuffled, so
    the untrained policy follows the critics' reward), ``sim_only`` (highest adapted
    cosine: the embedding critic alone, no translation critic), ``critic_s_only`` (highest semantic-fidelity
    score, no Actor); ``chance`` is 1/K. Computed on the model's device; the results are on the CPU."""
    model.eval()
    device = distributed.module_device(model)
    has_gold = features.gold >= 0
    f = features.subset(torch.nonzero(has_gold).squeeze(1)).to(device)
    out = model(f.x_lr, f.y_en, f.mask, f.scores)
    gold_en = out.e_en[torch.arange(len(f), device=device), f.gold]
    sim = out.sim.masked_fill(~f.mask, float("-inf"))
    s = f.scores[..., 0].masked_fill(~f.mask, float("-inf"))
    retrieved = torch.zeros(len(f), dtype=torch.bool, device=device)
    for lang in sorted(set(f.langs)):
        rows = torch.tensor([i for i, code in enumerate(f.langs) if code == lang], device=device)
        q = torch.nn.functional.normalize(out.e_lr[rows].flatten(1), dim=-1)
        d = torch.nn.functional.normalize(gold_en[rows].flatten(1), dim=-1)
        retrieved[rows] = nearest_correct(q, d, torch.arange(len(rows), device=device))
    result = {"gap": 1 - flat_cosine(out.e_lr, gold_en), "actor": model.greedy(out, f.scores, ranked=False) == f.gold,
              "retrieved": retrieved,
              "sim_only": top1_correct(sim, f.gold), "critic_s_only": top1_correct(s, f.gold),
              "chance": 1.0 / f.mask.sum(-1).float()}
    return {name: value.cpu() for name, value in result.items()}


def evaluate_arca(model: ArcaModel, features: ArcaFeatures) -> dict[str, float]:
    """Means of ``choice_correctness``: ``anchor_gap``, ``retrieval_accuracy``, ``choice_accuracy`` (Actor),
    ``sim_only_accuracy``, ``critic_s_only_accuracy``, ``chance`` and ``n``; empty when no example has its gold
    translation. The accuracies come from ``lira.metrics`` (float32 means); the adaptor's and the Actor's also with
    their standard errors (``retrieval_accuracy_se``, ``choice_accuracy_se``), which the one-standard-error rule
    of the selection reads."""
    if not bool((features.gold >= 0).any()):
        return {}
    r = choice_correctness(model, features)
    with_se = {f"{name}_{key}": value for name, part in (("retrieval", "retrieved"), ("choice", "actor"))
               for key, value in accuracy_metrics(r[part].float()).items()}
    return {"anchor_gap": float(r["gap"].mean()), **with_se,
            "sim_only_accuracy": accuracy(r["sim_only"].float()),
            "critic_s_only_accuracy": accuracy(r["critic_s_only"].float()),
            "chance": float(r["chance"].mean()), "n": len(r["gap"])}


def train_arca(train: ArcaFeatures, dev: ArcaFeatures | None, *, model_config: ArcaConfig,
               config: ArcaTrainConfig, out_dir: str | Path, resume: bool = False,
               show_progress: bool | None = None) -> tuple[ArcaModel, list[dict[str, Any]]]:
    """Train and return the dev-selected model and its dev history; writes checkpoints, ``best/``, ``arca/`` and
    ``history.json`` (whose last entry, ``{"selected": ...}``, says which steps were kept). Trains on
    ``distributed.training_device()`` (each batch moved there); the returned model is on the CPU."""
    out_dir = Path(out_dir)
    device = distributed.training_device()
    use_torch_threads()  # as the backbones do, also when every feature came from the cache (lira.backbones.threads)
    torch.manual_seed(config.seed)
    model = ArcaModel(model_config).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    baseline = RunningBaseline(model_config.baseline_momentum)
    history: list[dict[str, Any]] = []
    start = 0
    checkpoint = latest_checkpoint(out_dir) if resume else None
    if resume and checkpoint is None:
        raise FileNotFoundError(f"--resume: no checkpoint under {out_dir / 'checkpoints'}")
    if checkpoint is not None:
        model = ArcaModel.load(checkpoint / "model").to(device)  # moved before the optimizer loads its state
        optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        load_optimizer_state(checkpoint, optimizer)
        state = load_trainer_state(checkpoint)
        start, baseline.value, history = state["step"], state["baseline"], state["history"]
        log.info("arca (%s): resuming from %s at step %d of %d", out_dir, checkpoint, start, config.steps)
    keepers = [BestWeights(out_dir, "adaptor", {"adaptor": model.adaptor}, "retrieval_accuracy",
                           one_se=config.one_se),
               BestWeights(out_dir, "actor", {"actor": model.actor}, "choice_accuracy", one_se=config.one_se)]
    if checkpoint is not None:
        for keeper in keepers:
            keeper.resume()
        history = [h for h in history if "selected" not in h]
    if dev is not None and start == 0:
        history.append({"step": 0, **evaluate_arca(model, dev)})
        for keeper in keepers:
            keeper.update(0, history[-1])
    anchor, contrastive = AnchorLoss(), ContrastiveLoss(model_config.contrastive_temperature)
    bar = tqdm(range(start, config.steps), initial=start, total=config.steps, desc="train arca",
               disable=None if show_progress is None else not show_progress, leave=False)
    for step in bar:
        model.train()
        torch.manual_seed(config.seed * 1_000_003 + step)
        batch = train.subset(_batch_index(len(train), step, config.batch_size, config.seed)).to(device)
        out = distributed.data_parallel(model)(batch.x_lr, batch.y_en, batch.mask, batch.scores)  # rows split by rank
        if not (torch.isfinite(out.e_lr).all() and torch.isfinite(out.sim).all()):
            stop_non_finite(f"non-finite embeddings at step {step + 1}", out_dir)
        actions = torch.distributions.Categorical(logits=out.log_pi).sample()
        rows = torch.arange(len(batch), device=device)
        rewards = reward(*model.critic_signals(batch.scores[rows, actions], out.sim[rows, actions].detach()),
                         model_config.reward)
        loss_rl = reinforce_loss(out.log_pi, actions, rewards, baseline.update(rewards))
        chosen = out.e_en[rows, actions]
        loss_anchor = anchor(out.e_lr, chosen)
        loss = loss_rl + model_config.eta * loss_anchor
        if model_config.contrastive_weight:
            loss = loss + model_config.contrastive_weight * contrastive(out.e_lr, chosen)
        if model_config.preserve_weight and model_config.adaptor.en_dim == model_config.adaptor.out_dim:
            loss = loss + model_config.preserve_weight * anchor(chosen, batch.y_en[rows, actions])
        if not torch.isfinite(loss):
            stop_non_finite(f"non-finite loss {float(loss)} at step {step + 1}", out_dir)
        optimizer.zero_grad()
        loss.backward()
        distributed.sync_gradients(model.parameters(), loss)  # averaged over ranks under accelerate launch
        optimizer.step()
        bar.set_postfix(loss=f"{loss.item():.4f}", anchor=f"{loss_anchor.item():.4f}")
        done = step + 1
        if dev is not None and (done % config.eval_every == 0 or done == config.steps):
            history.append({"step": done, **evaluate_arca(model, dev)})
            for keeper in keepers:
                keeper.update(done, history[-1])
        if done % config.checkpoint_every == 0 or done == config.steps:
            save_checkpoint(out_dir, done, model, optimizer, {"baseline": baseline.value, "history": history},
                            keep=config.keep_checkpoints)
    for keeper in keepers:
        keeper.restore()
    history.append({"selected": {k.name: k.summary() for k in keepers}})
    model.cpu()  # callers and the saved model expect the CPU
    model.eval()
    model.save(out_dir / "arca")
    write_json(out_dir / "history.json", history)
    return model, history

