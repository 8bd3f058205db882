"""Stage 2: train the LaSR head (and optionally Arca jointly) on one task (DESIGN.md section 3).

Losses per task: retrieval ``DocQueueLoss`` (listwise nDCG@k + lambda_h hinge over batch documents and safe
queued negatives); STS ``CorrLoss`` (Pearson + SoftSpearman over batch + CorrQueue) on the head's score;
NLI and classification cross-entropy on the logits; multiple choice cross-entropy over option scores. Every
task adds ``mu`` times the consistency term between the dual, LRL-only and English-only paths (cosine for
embeddings, symmetric KL for class distributions; the three go through the head as one batch). With Arca frozen,
its dual path of every text is computed once (``frozen_paths``). Randomness comes from ``(seed, step)``; the queues are
saved in checkpoints, so resuming gives the same weights as an uninterrupted run. With ``patience`` the run stops
early once that many dev evaluations in a row bring no gain (a checkpoint is written at the stop; resuming it
stays stopped).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from lira.arca.composition import DualPath, compose
from lira.arca.model import ArcaModel
from lira.backbones.threads import use_torch_threads
from lira.io import write_json
from lira.lasr.consistency_loss import ConsistencyLoss
from lira.lasr.corr_queue import CorrLoss, CorrQueue
from lira.lasr.doc_queue import DocQueue, DocQueueLoss
from lira.lasr.head import LaSRHead, LaSROutput
from lira.metrics import accuracy_metrics, correlation_metrics, top1_correct
from lira.retrieval.metrics import language_metrics, per_query_scores
from lira.retrieval.search import search_run
from lira.training import distributed
from lira.training.checkpoint import (
    latest_checkpoint,
    load_extra_tensors,
    load_optimizer_state,
    load_trainer_state,
    save_checkpoint,
    stop_non_finite,
)
from lira.training.lasr_data import ChoiceData, PairData, RetrievalData, Texts
from lira.training.selection import BestWeights, patience_spent

log = logging.getLogger(__name__)

# The English half's weights in the dual path (``LaSRConfig.english_weight``) that ``fit_lasr`` tries on dev at
# step 0, the plain dual path first (a tie keeps it): 0 is the multilingual path alone, 1 the English alone.
ENGLISH_WEIGHTS = (0.5, 0.0, 0.25, 0.75, 1.0)

@dataclass
class LaSRTrainConfig:
    """Stage-2 optimisation and loss settings. ``lr`` and ``steps`` were chosen on the product set's dev split
    (1e-3 overfits its few hundred training queries within a few epochs). ``use_queues`` turns the FIFO queues
    on (the method's default); on the product set's dev split retrieval was better without the DocQueue
    (BENCHMARKS.md), so the shipped product configs turn it off. ``one_se``: the one-standard-error rule of
    checkpoint selection (``lira.training.selection``). ``english_weights``: the dual path's English weights
    tried on dev before training (one value: that weight, no search). ``patience``: stop early once that many dev
    evaluations in a row have not raised the best dev score (``selection.patience_spent``; None: run every step).
    ``alignment``: pair heads (NLI, choice) first try the pairs' token-alignment features
    (``lira.backbones.alignment``) on dev before training, then the English weights with what dev chose
    (``lasr_run.choose_english_weight``). ``start_folds``: probe heads score those starts by that many folds of
    cross-validation over train and dev together, grouped by item (``lira.training.start_cv``; 0: on dev
    alone). ``probe_cs``: the probe's C (``LaSRConfig.probe_c``) tried last, at the chosen weight, by the same
    scoring (the first stays unless another beats it by the one-standard-error margin; one value: no search)."""

    steps: int = 400
    batch_size: int = 32
    docs_per_query: int = 3
    random_docs: int = 32
    lr: float = 1e-4
    weight_decay: float = 0.01
    seed: int = 0
    mu: float = 0.1
    lambda_h: float = 0.5
    k: int = 10
    temperature: float = 0.1
    queue_size: int = 512
    corr_alpha: float = 0.5
    joint: bool = False
    eval_every: int = 100
    checkpoint_every: int = 100
    keep_checkpoints: int = 2
    use_queues: bool = True
    consistency: bool = True
    one_se: bool = True
    english_weights: list[float] = field(default_factory=lambda: list(ENGLISH_WEIGHTS))
    patience: int | None = None
    alignment: bool = True
    start_folds: int = 3
    probe_cs: list[float] = field(default_factory=lambda: [1.0])

    def __post_init__(self) -> None:
        if not self.probe_cs or not all(float(c) > 0 for c in self.probe_cs):
            raise ValueError(f"probe_cs must be one or more numbers > 0 (scikit-learn's C), got {self.probe_cs}")
        if self.start_folds == 1 or self.start_folds < 0:
            raise ValueError(f"start_folds must be 0 (score the starts on dev) or at least 2, got {self.start_folds}")
        if self.patience is not None and self.patience < 1:
            raise ValueError(f"patience must be at least 1 (or None: no early stopping), got {self.patience}")
        bad = [w for w in self.english_weights if not 0.0 <= float(w) <= 1.0]
        if not self.english_weights or bad:
            raise ValueError(f"english_weights must be one or more numbers in [0, 1], got {self.english_weights}")


class _Modules:
    """What a checkpoint holds: the head, and Arca when trained jointly."""

    def __init__(self, head: LaSRHead, arca: ArcaModel, joint: bool) -> None:
        self.head, self.arca, self.joint = head, arca, joint

    def save(self, folder: Path) -> None:
        self.head.save(folder / "lasr")
        if self.joint:
            self.arca.save(folder / "arca")


def _z(arca: ArcaModel, t: Texts, joint: bool) -> DualPath:
    """The dual path of ``t`` (moved to Arca's device; ``t.paths`` when ``frozen_paths`` computed it and Arca is
    not trained); rows without a translation are flagged, so the head drops their English slot."""
    if t.paths is not None and not joint:
        return distributed.to_device(t.paths, distributed.module_device(arca))
    t = distributed.to_device(t, distributed.module_device(arca))
    with torch.set_grad_enabled(joint and torch.is_grad_enabled()):
        e_lr = arca.embed_lr(t.x)
        return compose(e_lr, arca.embed_en(t.y), t.has)


def _with_paths(value: Any, arca: ArcaModel | None) -> Any:
    """``value`` (a ``Texts``, or a list or dict of them, or anything else, returned as it is) with each
    ``Texts``' dual path computed by ``arca`` (None: cleared; kept where ``arca`` computed it already)."""
    if isinstance(value, Texts):
        if arca is not None and value.paths is not None and value.paths_of is arca:
            return value
        paths = None if arca is None else _z(arca, replace(value, paths=None), False)
        return replace(value, paths=paths, paths_of=arca)
    if isinstance(value, list) and any(isinstance(v, Texts) for v in value):
        return [_with_paths(v, arca) for v in value]
    if isinstance(value, dict) and any(isinstance(v, Texts) for v in value.values()):
        return {k: _with_paths(v, arca) for k, v in value.items()}
    return value


@torch.no_grad()
def frozen_paths(data: Any, arca: ArcaModel | None) -> Any:
    """Task data (``lira.training.lasr_data``; None passes through) whose texts carry their dual path through
    ``arca`` (``Texts.paths``), computed once in eval mode, so a frozen Arca is not run again at every step and
    dev evaluation; ``arca=None`` clears them (an Arca trained jointly changes its dual path at every step)."""
    if data is None:
        return None
    was_training = arca is not None and arca.training
    if arca is not None:
        arca.eval()
    try:
        return replace(data, **{f.name: _with_paths(getattr(data, f.name), arca) for f in fields(data)})
    finally:
        if was_training and arca is not None:
            arca.train()


def _consistency(config: LaSRTrainConfig, head: LaSRHead) -> bool:
    """Consistency compares the dual path with its single-path variants: off for a single-path head."""
    return bool(config.consistency and config.mu and head.config.paths == "dual")


def _gen(seed: int, step: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed * 1_000_003 + step)


# The path variants one consistency batch holds, in ``ConsistencyLoss`` order: the dual path, the LRL path alone
# (English dropped) and the English path alone.
CONSISTENCY_DROPS = (None, "en", "lrl")


def _variants(rows: list[int], consistent: bool) -> tuple[list[int], list[str | None]]:
    """``rows`` once (no consistency) or once per path variant, with the ``drop`` of each row: every variant
    goes through the head in one batch."""
    drops = CONSISTENCY_DROPS if consistent else (None,)
    return rows * len(drops), [d for d in drops for _ in rows]


def retrieval_step(head: LaSRHead, arca: ArcaModel, data: RetrievalData, step: int, config: LaSRTrainConfig,
                   loss_fn: DocQueueLoss, queues: dict[str, DocQueue]) -> torch.Tensor:
    """One retrieval batch from one language (languages in turn): queries, their positives and random docs."""
    langs = sorted(data.queries)
    lang = langs[step % len(langs)]
    g = _gen(config.seed, step)
    qids = data.query_ids[lang]
    pick = torch.randperm(len(qids), generator=g)[: config.batch_size].tolist()
    doc_index = {d: j for j, d in enumerate(data.doc_ids[lang])}
    chosen: list[int] = []
    for i in pick:
        judged = sorted(data.qrels[lang][qids[i]].items(), key=lambda kv: (-kv[1], kv[0]))
        chosen += [doc_index[d] for d, grade in judged[: config.docs_per_query] if grade > 0]
    chosen += torch.randint(len(doc_index), (config.random_docs,), generator=g).tolist()
    chosen = list(dict.fromkeys(chosen))
    ids = [data.doc_ids[lang][j] for j in chosen]
    gains = torch.tensor([[float(data.qrels[lang][qids[i]].get(d, 0)) for d in ids] for i in pick],
                         device=distributed.module_device(arca))
    consistent = _consistency(config, head)
    batch, drops = _variants(pick, consistent)
    paths = head(_z(arca, data.queries[lang].rows(batch), config.joint), lang, drop=drops).embedding.split(len(pick))
    zd = _z(arca, data.docs[lang].rows(chosen), config.joint)
    d = head(zd, data.docs[lang].lang).embedding
    positives = [[d for d, grade in data.qrels[lang][qids[i]].items() if grade > 0] for i in pick]
    loss_fn.queue = queues.get(lang)
    loss = loss_fn(paths[0], d, gains, ids, positive_ids=positives)
    if consistent:
        loss = loss + config.mu * ConsistencyLoss.cosine(list(paths))
    return loss


def _pair_batch(data: PairData, step: int, config: LaSRTrainConfig) -> tuple[int, list[int]]:
    group = step % len(data.first)
    n = len(data.targets[group])
    return group, torch.randperm(n, generator=_gen(config.seed, step))[: config.batch_size].tolist()


def _pair_forward(head: LaSRHead, arca: ArcaModel, data: PairData, group: int, rows: list[int],
                  joint: bool, drop: str | None | list[str | None] = None):
    first = data.first[group].rows(rows)
    z = _z(arca, first, joint)
    second = data.second[group]
    if second is None:
        return head(z, first.lang, drop=drop)
    other = second.rows(rows)
    align = data.align[group][rows] if data.align else None
    return head(z, first.lang, z2=_z(arca, other, joint), langs2=other.lang, drop=drop, align=align)


def pair_step(head: LaSRHead, arca: ArcaModel, data: PairData, step: int, config: LaSRTrainConfig,
              task: str, corr: CorrLoss | None) -> torch.Tensor:
    """One STS / NLI / classification batch from one language group (groups in turn)."""
    group, rows = _pair_batch(data, step, config)
    target = data.targets[group][rows].to(distributed.module_device(arca))
    consistent = _consistency(config, head)
    batch, drops = _variants(rows, consistent)
    out = _pair_forward(head, arca, data, group, batch, config.joint, drops)
    if task == "sts":
        scores = list(out.score.split(len(rows)))
        loss = corr(scores[0], target) if corr is not None else F.mse_loss(scores[0], target)
        return loss + config.mu * ConsistencyLoss.mse(scores) if consistent else loss
    logits = list(out.logits.split(len(rows)))
    loss = F.cross_entropy(logits[0], target)
    return loss + config.mu * ConsistencyLoss.logits(logits) if consistent else loss


def _option_outputs(head: LaSRHead, arca: ArcaModel, data: ChoiceData, group: int, rows: list[int],
                    joint: bool, drop: str | None | list[str | None] = None) -> LaSROutput:
    """The head's outputs for every option of ``rows`` of one group with its premise (``n * m`` rows)."""
    m = data.n_options[group]
    premises = data.premises[group].rows(rows)
    option_rows = [i * m + j for i in rows for j in range(m)]
    zo = _z(arca, data.options[group].rows(option_rows), joint).z
    zo = zo.reshape(len(rows), m, *zo.shape[1:])
    align = data.align[group][option_rows] if data.align else None
    return head.option_outputs(_z(arca, premises, joint), zo, premises.lang, drop=drop, align=align)


def choice_scores(head: LaSRHead, arca: ArcaModel, data: ChoiceData, group: int, rows: list[int],
                  joint: bool, drop: str | None | list[str | None] = None) -> torch.Tensor:
    """Option scores ``[n, m]`` for rows of one group."""
    out = _option_outputs(head, arca, data, group, rows, joint, drop)
    return out.score.reshape(len(rows), data.n_options[group])


@torch.no_grad()
def probe_training_set(head: LaSRHead, arca: ArcaModel, task: str, data: Any) -> tuple[np.ndarray, np.ndarray]:
    """What the head's linear path reads for every training example, with its label: ``(features [n, D],
    labels [n])``; class indices for classification and NLI, 1 for the right option and 0 for the others for
    multiple choice (one row per option)."""
    head.eval()
    features, labels = [], []
    if task == "choice":
        for group in range(len(data.premises)):
            rows = list(range(len(data.targets[group])))
            out = _option_outputs(head, arca, data, group, rows, False)
            m = data.n_options[group]
            features.append(out.features)
            labels.append((torch.arange(m)[None, :] == data.targets[group][:, None]).long().flatten())
    else:
        for group in range(len(data.first)):
            rows = list(range(len(data.targets[group])))
            features.append(_pair_forward(head, arca, data, group, rows, False).features)
            labels.append(data.targets[group])
    present = [f for f in features if f is not None]
    if len(present) < len(features):
        raise ValueError("this head has no linear path (probe='none')")
    return torch.cat(present).cpu().numpy(), torch.cat(labels).numpy()


def choice_step(head: LaSRHead, arca: ArcaModel, data: ChoiceData, step: int,
                config: LaSRTrainConfig) -> torch.Tensor:
    """One multiple-choice batch: cross-entropy over the option scores (+ consistency on their softmax)."""
    group = step % len(data.premises)
    rows = torch.randperm(len(data.targets[group]), generator=_gen(config.seed, step))[: config.batch_size].tolist()
    consistent = _consistency(config, head)
    batch, drops = _variants(rows, consistent)
    paths = list(choice_scores(head, arca, data, group, batch, config.joint, drops).split(len(rows)))
    loss = F.cross_entropy(paths[0], data.targets[group][rows].to(paths[0].device))
    return loss + config.mu * ConsistencyLoss.logits(paths) if consistent else loss


@torch.no_grad()
def evaluate_retrieval(head: LaSRHead, arca: ArcaModel, data: RetrievalData, items: bool = False) -> dict[str, Any]:
    """nDCG@10 etc. per language (exact search over each language's corpus) and their mean; ``items``: also
    ``{"items": {lang: [nDCG@10 per query, by query id]}}``."""
    head.eval()
    per_query: dict[str, dict[str, dict[str, float]]] = {}
    for lang in sorted(data.queries):
        q = head(_z(arca, data.queries[lang], False), lang).embedding.cpu().numpy()
        d = head(_z(arca, data.docs[lang], False), data.docs[lang].lang).embedding.cpu().numpy()
        run = search_run(data.query_ids[lang], q, data.doc_ids[lang], d, k=100)
        per_query[lang] = per_query_scores(data.qrels[lang], run)
    out = language_metrics(per_query)
    if not items:
        return out
    return {**out, "items": {lang: [s["ndcg@10"][q] for q in sorted(s["ndcg@10"])] for lang, s in per_query.items()}}


@torch.no_grad()
def evaluate_pairs(head: LaSRHead, arca: ArcaModel, data: PairData, task: str, items: bool = False) -> dict[str, Any]:
    """STS: Pearson and Spearman of the head's score; NLI/classification: accuracy of the top logit (``items``:
    also the 1/0 correctness of each example); both from ``lira.metrics``, as the evaluators score the test."""
    head.eval()
    preds, golds = [], []
    for group in range(len(data.first)):
        rows = list(range(len(data.targets[group])))
        out = _pair_forward(head, arca, data, group, rows, False)
        preds.append(out.score.cpu() if task == "sts" else top1_correct(out.logits.cpu(), data.targets[group]))
        golds.append(data.targets[group])
    if task == "sts":
        return correlation_metrics(torch.cat(preds), torch.cat(golds))
    correct = torch.cat(preds).float()
    result: dict[str, Any] = accuracy_metrics(correct)
    return {**result, "items": correct.tolist()} if items else result


@torch.no_grad()
def evaluate_choice(head: LaSRHead, arca: ArcaModel, data: ChoiceData, items: bool = False) -> dict[str, Any]:
    """Accuracy of the highest-scoring option (``lira.metrics``; ``items``: also the 1/0 correctness of each
    question)."""
    head.eval()
    correct: list[float] = []
    for group in range(len(data.premises)):
        rows = list(range(len(data.targets[group])))
        scores = choice_scores(head, arca, data, group, rows, False).cpu()
        correct += top1_correct(scores, data.targets[group]).float().tolist()
    out: dict[str, Any] = accuracy_metrics(np.array(correct))
    return {**out, "items": correct} if items else out


# The dev metric that selects the kept checkpoint, per task.
PRIMARY = {"retrieval": "mean_ndcg@10", "sts": "spearman", "nli": "accuracy", "classification": "accuracy",
           "choice": "accuracy"}


def evaluate_task(head: LaSRHead, arca: ArcaModel, task: str, data: Any, items: bool = False) -> dict[str, Any]:
    """The task's dev metrics (``PRIMARY[task]`` among them; ``items``: also the per-item scores under "items",
    except for STS, whose correlation has none)."""
    if task == "retrieval":
        return evaluate_retrieval(head, arca, data, items)
    if task == "choice":
        return evaluate_choice(head, arca, data, items)
    return evaluate_pairs(head, arca, data, task, items)


def train_lasr(task: str, train: Any, dev: Any | None, *, head: LaSRHead, arca: ArcaModel,
               config: LaSRTrainConfig, out_dir: str | Path, resume: bool = False,
               show_progress: bool | None = None) -> tuple[LaSRHead, ArcaModel, list[dict[str, Any]]]:
    """Train on ``train`` (task data from ``lira.training.lasr_data``) and return head, Arca and dev history.

    With ``dev``, the returned (and checkpointed ``best/``) weights are those of the best dev ``PRIMARY[task]``
    score seen, step 0 included (``lira.training.selection``); the history's last entry, ``{"selected": ...}``,
    says which step was kept.

    Trains on ``distributed.training_device()``: the head and Arca (frozen or not) are moved there, and each
    batch; both are back on the CPU when this returns (or raises)."""
    out_dir = Path(out_dir)
    device = distributed.training_device()
    use_torch_threads()  # as the backbones do, also when every feature came from the cache (lira.backbones.threads)
    torch.manual_seed(config.seed)
    checkpoint = latest_checkpoint(out_dir) if resume else None
    if resume and checkpoint is None:
        raise FileNotFoundError(f"--resume: no checkpoint under {out_dir / 'checkpoints'}")
    if checkpoint is not None:
        head = LaSRHead.load(checkpoint / "model" / "lasr")
        if config.joint:
            arca = ArcaModel.load(checkpoint / "model" / "arca")
    head.to(device)  # before the optimizer is built (and loads its state, which follows the parameters)
    arca.to(device)
    try:
        return _train_lasr_on_device(task, train, dev, head=head, arca=arca, config=config, out_dir=out_dir,
                                     checkpoint=checkpoint, show_progress=show_progress)
    finally:
        head.cpu()  # callers and saved models expect the CPU
        arca.cpu()


def _train_lasr_on_device(task: str, train: Any, dev: Any | None, *, head: LaSRHead, arca: ArcaModel,
                          config: LaSRTrainConfig, out_dir: Path, checkpoint: Path | None,
                          show_progress: bool | None) -> tuple[LaSRHead, ArcaModel, list[dict[str, Any]]]:
    """``train_lasr``'s loop, with ``head`` and ``arca`` already on the training device."""
    frozen = None if config.joint else arca
    train, dev = frozen_paths(train, frozen), frozen_paths(dev, frozen)
    for p in arca.parameters():
        p.requires_grad_(config.joint)
    params = list(head.parameters()) + (list(arca.parameters()) if config.joint else [])
    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    # one DocQueue per corpus (language): queued documents are negatives only for queries of their own corpus
    doc_queues = {lang: DocQueue(config.queue_size, head.config.embed_dim or head.config.dim)
                  for lang in getattr(train, "docs", {})} if config.use_queues else {}
    corr_queue = CorrQueue(config.queue_size) if config.use_queues else None
    doc_loss = DocQueueLoss(k=config.k, temperature=config.temperature, lambda_h=config.lambda_h)
    corr_loss = CorrLoss(alpha=config.corr_alpha, temperature=config.temperature, queue=corr_queue)
    history: list[dict[str, Any]] = []
    start = 0
    keeper = BestWeights(out_dir, "lasr", {"head": head, **({"arca": arca} if config.joint else {})}, PRIMARY[task],
                         one_se=config.one_se)
    if checkpoint is not None:
        load_optimizer_state(checkpoint, optimizer)
        state = load_trainer_state(checkpoint)
        start, history = state["step"], [h for h in state["history"] if "selected" not in h]
        log.info("lasr (%s): resuming from %s at step %d of %d", out_dir, checkpoint, start, config.steps)
        keeper.resume()
        queues = load_extra_tensors(checkpoint)
        for lang, queue in doc_queues.items():
            if f"doc_emb.{lang}" in queues:
                queue.load_state_dict({"emb": queues[f"doc_emb.{lang}"], "ids": state["doc_queue_ids"][lang]})
        if corr_queue is not None and "corr_pred" in queues:
            corr_queue.load_state_dict({"pred": queues["corr_pred"], "gold": queues["corr_gold"]})
    elif dev is not None:
        history.append({"step": 0, **evaluate_task(head, arca, task, dev)})
        keeper.update(0, history[-1])
    modules = _Modules(head, arca, config.joint)
    metric = PRIMARY[task]

    def spent() -> bool:  # early stopping on the dev history (a resumed run that had stopped stays stopped)
        return patience_spent([h[metric] for h in history if metric in h], config.patience)

    done = start
    bar = tqdm(range(start, start if spent() else config.steps), initial=start, total=config.steps,
               desc=f"train lasr ({task})", disable=None if show_progress is None else not show_progress, leave=False)
    for step in bar:
        head.train()
        arca.train(config.joint)
        torch.manual_seed(config.seed * 1_000_003 + step)
        step_head = distributed.data_parallel(head)  # the head's rows split by rank under accelerate launch
        if task == "retrieval":
            loss = retrieval_step(step_head, arca, train, step, config, doc_loss, doc_queues)
        elif task == "choice":
            loss = choice_step(step_head, arca, train, step, config)
        else:
            loss = pair_step(step_head, arca, train, step, config, task, corr_loss if config.use_queues else None)
        if not torch.isfinite(loss):
            stop_non_finite(f"non-finite loss {loss.item()} at step {step + 1}", out_dir)
        optimizer.zero_grad()
        loss.backward()
        distributed.sync_gradients(params, loss)  # averaged over ranks under accelerate launch
        optimizer.step()
        bar.set_postfix(loss=f"{loss.item():.4f}")
        done = step + 1
        stop = False  # the patience can only run out at a dev evaluation
        if dev is not None and (done % config.eval_every == 0 or done == config.steps):
            history.append({"step": done, **evaluate_task(head, arca, task, dev)})
            keeper.update(done, history[-1])
            stop = spent()
        if done % config.checkpoint_every == 0 or done == config.steps or stop:
            doc_states = {lang: queue.state_dict() for lang, queue in doc_queues.items()}
            tensors = {f"doc_emb.{lang}": s["emb"].contiguous() for lang, s in doc_states.items()}
            if corr_queue is not None:
                corr_state = corr_queue.state_dict()
                tensors |= {"corr_pred": corr_state["pred"], "corr_gold": corr_state["gold"]}
            queue_ids = {lang: s["ids"] for lang, s in doc_states.items()}
            save_checkpoint(out_dir, done, modules, optimizer, {"history": history, "doc_queue_ids": queue_ids},
                            keep=config.keep_checkpoints, extra_tensors=tensors)
        if stop:
            log.info("lasr (%s): dev %s did not improve in %d evaluations; stopped early at step %d of %d", out_dir,
                     metric, config.patience, done, config.steps)
            break
    bar.close()
    keeper.restore()
    head.eval()
    history.append({"selected": {"lasr": {**keeper.summary(), "steps_run": done, "steps": config.steps}}})
    write_json(out_dir / "history.json", history)
    return head, arca, history

