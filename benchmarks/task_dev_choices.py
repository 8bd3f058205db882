"""Stage-2 learning rates of the benchmark's task families, chosen on dev splits only (never on test).

Trains LiRA (seed 0) exactly as ``lira benchmark`` does, with the LaSR learning rate of every head set to each
value of ``--lr``, and reports per task family the dev score at step 0 (nothing trained), the dev score of the
kept step (the best seen on dev, step 0 included, a trained step kept only when it beats step 0 by one standard
error) and that step, and the best dev score of a trained step with its step (kept or not). Dev splits:
SIB-200 dev (bitext: the embedding family; classification), 20% of the XNLI / myXNLI training half, 20% of
IndoNLI and XCOPA val, the product set's dev queries (for the held-out setting translated without their
dev-only lexicon terms). Usage::

    python benchmarks/task_dev_choices.py --data-dir ../shared/data --out runs/task-dev [--lr 1e-4 3e-4 1e-3]
        [--cache-dir DIR] [--task products ...] [--steps N]

``--steps`` replaces the benchmark's stage-2 step count (the heads still stop early by its patience), to see whether
a family whose best dev score is at the last step would gain from more; ``--task`` keeps only the named tasks.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from lira.benchmark.config import BenchmarkConfig
from lira.benchmark.runner import Benchmark
from lira.tasks import get_task

TASKS = ("sib200-bitext", "sib200", "nusax-sentiment", "xnli", "myxnli", "indonli", "xcopa", "products",
         "products-heldout")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("runs/task-dev"))
    parser.add_argument("--lr", type=float, nargs="+", default=[1e-4, 3e-4, 1e-3])
    parser.add_argument("--cache-dir", type=Path, help="the feature cache (default: none kept on disk)")
    parser.add_argument("--task", nargs="+", choices=TASKS, default=list(TASKS),
                        help="the tasks to train (default: all)")
    parser.add_argument("--steps", type=int, default=BenchmarkConfig.lasr_steps,
                        help="stage-2 steps per head (default: the benchmark's)")
    parser.add_argument("--backbone", default=BenchmarkConfig.backbone,
                        help="the multilingual backbone (default: the benchmark's, as in BENCHMARKS.md's table)")
    args = parser.parse_args()
    start = time.perf_counter()
    table: dict[str, dict[str, dict[str, float]]] = {}
    for lr in args.lr:
        config = BenchmarkConfig(data_dir=args.data_dir, backbone=args.backbone,
                                 out_dir=args.out / f"lr{lr}", seeds=(0,), tasks=tuple(args.task),
                                 cache_dir=args.cache_dir, lasr_lr=lr, lasr_lr_heads=lr, lasr_lr_families={},
                                 lasr_steps=args.steps)
        bench = Benchmark(config)
        bench.tasks = [get_task(name).dev_view() for name in args.task]
        models = bench.seed_models(0)
        for name in args.task:
            models.model(name)  # trains the family's head, selecting its step on the family's dev split
            family = get_task(name).family
            kept = models.kept[family]
            history = json.loads((models.folder / family / "history.json").read_text())
            trained = [(h[kept["metric"]], h["step"]) for h in history if h.get("step") and kept["metric"] in h]
            kept["dev_best_trained"], kept["best_trained_step"] = max(trained, key=lambda t: (t[0], -t[1]))
            table.setdefault(family, {})[f"lr {lr}"] = kept
            print(f"lr {lr} {family}: dev {kept['metric']} step 0 {100 * kept['dev_step0']:.2f}, kept step "
                  f"{kept['kept_step']} {100 * kept['dev_kept']:.2f}, best trained step {kept['best_trained_step']} "
                  f"{100 * kept['dev_best_trained']:.2f}", flush=True)
    columns = [f"lr {lr}: kept (step); best trained (step)" for lr in args.lr]
    lines = ["| family | dev metric | step 0 | " + " | ".join(columns) + " |",
             "|---|---|---|" + "---|" * len(args.lr)]
    for family, by_lr in table.items():
        first = next(iter(by_lr.values()))
        cells = [f"{100 * k['dev_kept']:.2f} ({k['kept_step']}); {100 * k['dev_best_trained']:.2f} "
                 f"({k['best_trained_step']})" for k in (by_lr[f"lr {lr}"] for lr in args.lr)]
        lines.append(f"| {family} | {first['metric']} | {100 * first['dev_step0']:.2f} | " + " | ".join(cells) + " |")
    print("\n".join(lines))
    print(f"wall time {time.perf_counter() - start:.0f} s")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "task_dev_choices.json").write_text(json.dumps(table, indent=2))


if __name__ == "__main__":
    main()
