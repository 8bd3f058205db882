"""Stage 1's step count, chosen on its dev split (DESIGN.md section 7).

Trains the benchmark's stage 1 (``lira.benchmark.models.stage1_config``: all the parallel training data, the
same pools, critics and batch size; ``--seed``, default 0) for ``--steps`` steps in each English anchor space
and reads its dev curve (SIB-200 dev, NusaX valid, the product set's dev; evaluated every 50 steps): the
adaptor's bitext retrieval accuracy and the Actor's candidate-choice accuracy. For each space and metric it
gives the best step and the first step within one binomial standard error of the best score (the
one-standard-error rule of Hastie, Tibshirani & Friedman 2009, section 7.10: the fewest steps as good as the
most, within noise); a space's steps are the larger of its two metrics' (the adaptor and the Actor are each kept
at their own best dev step, so the run must reach both). A best at the last step evaluated is marked "the last"
(the curve may still rise). Prints a Markdown table (x100) and writes the curves as JSON.

``--add-source`` trains on more parallel sources of ``lira.tasks`` beside the benchmark's (e.g. ``xnli``,
``myxnli``) while the dev split stays the benchmark's, so two runs' curves score the same dev pairs;
``--batch-size`` replaces the benchmark's batch (``ArcaTrainConfig.batch_size``: more in-batch negatives per
step), ``--weight-decay`` its AdamW weight decay, and ``--adaptor-layers``, ``--adaptor-hidden`` and
``--adaptor-dropout`` the shape of the shared adaptor (``lira.arca.adaptor.AdaptorConfig``; one layer is the
linear map alone). Usage::

    python benchmarks/stage1_steps_dev.py --data-dir ../shared/data --out runs/stage1-steps [--steps 2000]
        [--add-source xnli --add-source myxnli] [--batch-size 128] [--weight-decay 0.05]
        [--adaptor-layers 1] [--adaptor-hidden 1024] [--adaptor-dropout 0.1] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from lira.backbones import ENGLISH_SPACES, english_spec
from lira.benchmark.config import BenchmarkConfig
from lira.benchmark.models import stage1_config, stage1_specs
from lira.io import write_json
from lira.metrics import accuracy_se
from lira.tasks import get_parallel
from lira.tasks.spec import ParallelSpec
from lira.training.arca_run import ArcaRunConfig, train_stage1

METRICS = ("retrieval_accuracy", "choice_accuracy")


def one_se_step(curve: list[dict[str, Any]], metric: str) -> dict[str, Any]:
    """``{"best_step", "best", "se", "step", "score"}`` of ``metric`` on a dev ``curve`` (``[{"step", metric,
    "n"}]``, step 0 included): the best score (ties: the earlier step), its binomial standard error on ``n``
    items, and the first step whose score is within that error of the best."""
    best = max(curve, key=lambda h: h[metric])  # max keeps the first of equal scores
    se = accuracy_se(best[metric], best["n"])
    first = next(h for h in curve if h[metric] >= best[metric] - se)
    return {"best_step": best["step"], "best": best[metric], "se": se, "step": first["step"], "score": first[metric]}


def train_only(source: ParallelSpec) -> ParallelSpec:
    """``source`` with its training pairs and no dev pairs."""
    def load(data_dir: Any, lang: str, split: str, **options: Any) -> list:
        return [] if split == "dev" else source.load(data_dir, lang, split, **options)
    return replace(source, load=load)


def with_overrides(run: ArcaRunConfig, args: argparse.Namespace) -> ArcaRunConfig:
    """``run`` with the options the command line gave (``batch_size``, ``weight_decay``, ``adaptor_layers``,
    ``adaptor_hidden``, ``adaptor_dropout``; None keeps the benchmark's value)."""
    train = {k: v for k, v in (("batch_size", args.batch_size), ("weight_decay", args.weight_decay)) if v is not None}
    adaptor = {k: v for k, v in (("layers", args.adaptor_layers), ("hidden", args.adaptor_hidden),
                                 ("dropout", args.adaptor_dropout)) if v is not None}
    return replace(run, train=replace(run.train, **train),
                   model=replace(run.model, adaptor=replace(run.model.adaptor, **adaptor)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("runs/stage1-steps"))
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--space", action="append", choices=list(ENGLISH_SPACES), help="default: all")
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--backbone", default=BenchmarkConfig.backbone)
    parser.add_argument("--add-source", action="append", default=[],
                        help="another parallel source to train on (its dev pairs are not scored); repeatable")
    parser.add_argument("--batch-size", type=int, default=None, help="default: the benchmark's")
    parser.add_argument("--weight-decay", type=float, default=None, help="AdamW's; default: the benchmark's")
    parser.add_argument("--adaptor-layers", type=int, default=None,
                        help="layers of the adaptor (1: the linear map alone); default: the benchmark's")
    parser.add_argument("--adaptor-hidden", type=int, default=None,
                        help="hidden width of the adaptor's MLP; default: the benchmark's")
    parser.add_argument("--adaptor-dropout", type=float, default=None, help="default: the benchmark's")
    parser.add_argument("--seed", type=int, default=0, help="stage 1's seed (the benchmark trains 0, 1, 2)")
    args = parser.parse_args()
    start = time.perf_counter()
    config = BenchmarkConfig(data_dir=args.data_dir, backbone=args.backbone, out_dir=args.out,
                             cache_dir=args.cache_dir, eval_every=50)
    benchmark_sources = stage1_specs(config)  # the dev pairs are theirs
    sources = benchmark_sources + [train_only(get_parallel(name)) for name in args.add_source]
    print("training sources:", " + ".join(s.source for s in sources), "; dev:",
          " + ".join(s.source for s in benchmark_sources))
    curves, chosen = {}, {}
    lines = ["| space | metric | step 0 | at the benchmark's steps | best (step) | within one SE of it (step) |",
             "|---|---|---|---|---|---|"]
    for space in args.space or list(ENGLISH_SPACES):
        spec = english_spec(space, config.backbone)
        run = with_overrides(stage1_config(config, spec, seed=args.seed, steps=args.steps), args)
        train_stage1(sources, run, args.out / space, overwrite=True, cache_dir=config.cache_dir)
        history = json.loads((args.out / space / "history.json").read_text(encoding="utf-8"))
        curves[space] = curve = [h for h in history if "step" in h and METRICS[0] in h]
        at = {h["step"]: h for h in curve}
        steps = []
        for metric in METRICS:
            r = one_se_step(curve, metric)
            rising = ", the last" if r["best_step"] == curve[-1]["step"] else ""
            steps_now = config.stage1_steps(spec)
            now = at.get(steps_now, {}).get(metric)
            lines.append(f"| {space} | {metric} | {100 * curve[0][metric]:.2f} | "
                         + (f"{100 * now:.2f} ({steps_now})" if now is not None else "-")
                         + f" | {100 * r['best']:.2f} ({r['best_step']}{rising}) | {100 * r['score']:.2f} "
                         f"({r['step']}; SE {100 * r['se']:.2f}) |")
            steps.append(r["step"])
        chosen[space] = max(steps)
    print("\n".join(lines))
    print("steps per space (the larger of its two metrics' one-SE steps):", chosen)
    print(f"wall time {time.perf_counter() - start:.0f} s")
    write_json(args.out / "stage1_steps_dev.json", {"curves": curves, "chosen": chosen, "steps": args.steps,
                                                    "sources": [s.source for s in sources]})


if __name__ == "__main__":
    main()
