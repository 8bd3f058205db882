"""The regularisation (scikit-learn's C) of each probe family's start, chosen on train + dev only (never on test).

The heads with a probe (SIB-200 classification, XNLI, myXNLI, IndoNLI, XCOPA) start from a logistic-regression probe
on the untrained dual path (``lira.training.lasr_run.choose_english_weight``). This builds LiRA at step 0 of each
such family as ``lira benchmark`` does (seed 0; nothing trained, so the start is the model) with the start also
choosing the probe's C among ``--c`` (``LaSRTrainConfig.probe_cs``): after the English weight and what a pair probe
reads are chosen at C = 1, the first C stays unless another beats it by the one-standard-error margin of their
paired per-item difference (Bonferroni-corrected for the other Cs), the scores being the benchmark's 3-fold
cross-validation over train and dev, grouped by item (``lira.training.start_cv``). It prints, per family, the score
(x100) of the chosen start at each C, the C kept and the margin, as Markdown, and writes them as JSON; the C kept
is what ``lira.benchmark.config.PROBE_C`` holds. No test split is read. Usage::

    python benchmarks/probe_c_dev.py --data-dir ../shared/data --out runs/probe-c [--cache-dir DIR] [--c 1 0.25 4]
        [--task sib200 ...]
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
from lira.training.card_keys import START_SCORE, probe_c_margin_key, start_name

TASKS = ("sib200", "nusax-sentiment", "xnli", "myxnli", "indonli", "xcopa")


def probe_cs(task: str, cs: list[float], args: argparse.Namespace) -> dict[str, Any]:
    """``{"start", "scores": {C: score}, "chosen", "margin"}`` of ``task``'s LiRA at step 0 choosing among ``cs``."""
    family = get_task(task).family
    config = BenchmarkConfig(data_dir=args.data_dir, out_dir=args.out, cache_dir=args.cache_dir, seeds=(0,),
                             tasks=(task,), probe_c={family: tuple(cs)})
    model = Benchmark(config).seed_models(0).model(task, step0=True)
    head, metrics = model.lasr.config, model.config.metrics
    scored = [m for k in metrics if (m := START_SCORE.match(k))]
    scores = {m["start"]: metrics[m.string] for m in scored}
    start = (head.english_weight, head.alignment, head.pair_vectors, head.pair_cosine)
    return {"start": start_name(*start), "scores": {c: scores[start_name(*start, c)] for c in cs},
            "chosen": head.probe_c, "margin": metrics[probe_c_margin_key(scored[0]["scored_on"])]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("runs/probe-c"))
    parser.add_argument("--cache-dir", type=Path, default=None, help="the feature cache (default: none)")
    parser.add_argument("--c", type=float, nargs="+", default=[1.0, 0.25, 4.0],
                        help="the Cs tried, the first kept unless another beats it (default: 1 0.25 4)")
    parser.add_argument("--task", nargs="+", choices=TASKS, default=list(TASKS), help="only these (default: all)")
    args = parser.parse_args()
    begin = time.perf_counter()
    result = {task: probe_cs(task, args.c, args) for task in args.task}
    lines = ["| family | start (chosen at C = 1) | " + " | ".join(f"C = {c:g}" for c in args.c)
             + " | C kept | margin |", "|---|---|" + "---|" * (len(args.c) + 2)]
    for task, r in result.items():
        cells = [f"{100 * r['scores'][c]:.2f}" for c in args.c]
        lines.append(f"| {task} | {r['start']} | " + " | ".join(cells) + f" | {r['chosen']:g} | "
                     f"{100 * r['margin']:.2f} |")
    print("\n".join(lines))
    print(f"wall time {time.perf_counter() - begin:.0f} s")
    args.out.mkdir(parents=True, exist_ok=True)
    write_json(args.out / "probe_c_dev.json", result)


if __name__ == "__main__":
    main()
