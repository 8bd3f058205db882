"""How LiRA at step 0 chooses its start when the starts are scored on dev alone and by cross-validation.

The heads with a probe (SIB-200 classification, XNLI, myXNLI, IndoNLI, XCOPA) choose their start at step 0 (the
dual path's English weight and what a pair probe reads; ``lira.training.lasr_run.choose_english_weight``). This
builds LiRA at step 0 of each such family as ``lira benchmark`` does (seed 0; nothing trained, so the start is the
model) twice: with the starts scored on the dev split alone (``start_folds=0``, the rule before this script) and
by 3-fold cross-validation over train and dev, grouped by item (``lira.training.start_cv``, the benchmark's
default). It prints each start's score (x100) under both, and the start each chose, as Markdown, and writes them
as JSON. No test split is read. ``--probe-c``: one C for every family's probe instead of the benchmark's
(``lira.benchmark.config.PROBE_C``). Usage::

    python benchmarks/start_scoring_dev.py --data-dir ../shared/data --out runs/start-scoring [--cache-dir DIR]
        [--task sib200 ...] [--probe-c 4]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from lira.benchmark.config import BenchmarkConfig
from lira.benchmark.runner import Benchmark
from lira.io import write_json
from lira.tasks import get_task
from lira.training.card_keys import START_SCORE, start_name

TASKS = ("sib200", "xnli", "myxnli", "indonli", "xcopa")
SCORINGS = {"dev alone": 0, "cross-validated": 3}


def starts(task: str, folds: int, args: argparse.Namespace) -> dict[str, Any]:
    """``{"scores": {start: score}, "chosen": start}`` of ``task``'s LiRA at step 0 with ``folds``."""
    probe_c = {} if args.probe_c is None else {"probe_c": {get_task(task).family: (args.probe_c,)}}
    config = BenchmarkConfig(data_dir=args.data_dir, out_dir=args.out / f"folds-{folds}", cache_dir=args.cache_dir,
                             seeds=(0,), tasks=(task,), start_folds=folds, **probe_c)
    model = Benchmark(config).seed_models(0).model(task, step0=True)
    head = model.lasr.config
    scores = {m["start"]: v for k, v in model.config.metrics.items() if (m := START_SCORE.match(k))}
    chosen = start_name(head.english_weight, head.alignment, head.pair_vectors, head.pair_cosine)
    return {"scores": scores, "chosen": chosen}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("runs/start-scoring"))
    parser.add_argument("--cache-dir", type=Path, default=None, help="the feature cache (default: none)")
    parser.add_argument("--task", nargs="+", choices=TASKS, default=list(TASKS), help="the families (default: all)")
    parser.add_argument("--probe-c", type=float, default=None,
                        help="one C for every family's probe (default: the benchmark's, PROBE_C)")
    args = parser.parse_args()
    begin = time.perf_counter()
    result = {task: {name: starts(task, folds, args) for name, folds in SCORINGS.items()} for task in args.task}
    lines = ["| family | start | " + " | ".join(SCORINGS) + " |", "|---|---|" + "---|" * len(SCORINGS)]
    for task, by_scoring in result.items():
        names = dict.fromkeys(n for r in by_scoring.values() for n in r["scores"])
        for name in names:
            cells = [f"{100 * r['scores'][name]:.2f}" + (" (chosen)" if r["chosen"] == name else "")
                     if name in r["scores"] else "-" for r in by_scoring.values()]
            lines.append(f"| {task} | {name} | " + " | ".join(cells) + " |")
    print("\n".join(lines))
    print(f"wall time {time.perf_counter() - begin:.0f} s")
    args.out.mkdir(parents=True, exist_ok=True)
    write_json(args.out / "start_scoring_dev.json", result)


if __name__ == "__main__":
    main()
