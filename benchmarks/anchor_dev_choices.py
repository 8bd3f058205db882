"""The English anchor space of each task family, chosen on dev splits only (DESIGN.md section 7).

For each English space (``e5``: multilingual-e5 reading the English, ``minilm``: all-MiniLM-L6-v2, ``both``:
the two side by side) and each task family of ``lira benchmark``, scores LiRA at step 0 (nothing trained: for
tasks that read English it is the untrained dual path with its probe, for the embedding family the bitext
embedding) and, beside it, the untrained dual path and translate-test, on the family's dev split:
SIB-200 dev (bitext, classification), 20% of the XNLI / myXNLI training half, 20% of XCOPA val, the product
set's dev queries (for the held-out lexicon, read without their dev-only terms, as test queries are read without
their test-only ones). IndoNLI has no English path, so its space only changes nothing and it follows the embedding
family. Prints a Markdown table (x100) and the space chosen per family, and writes them as JSON.

The rule is the one every other dev choice in LiRA follows (``lira.training.selection.selection_margin``): ``e5``
is the default, since the backbone itself then reads the English and no second encoder is needed; the space with
the best LiRA-at-step-0 dev score replaces it only when it beats it by more than the Bonferroni-corrected one
standard error of the paired difference (per-item dev scores, a mean over the family's subsets of each subset's
mean; 2 looks, one per alternative). Usage::

    python benchmarks/anchor_dev_choices.py --data-dir ../shared/data --out runs/anchor-dev [--quick] [--task T ...]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

from lira.backbones import ENGLISH_SPACES
from lira.benchmark.config import BenchmarkConfig, task_families
from lira.benchmark.runner import Benchmark, not_applicable
from lira.io import write_json
from lira.metrics import paired_se
from lira.tasks import get_task
from lira.training.selection import selection_margin

TASKS = ("sib200-bitext", "sib200", "nusax-sentiment", "xnli", "myxnli", "xcopa", "products", "products-heldout")
METHODS = ("translate-test", "dual-path", "lira-step0")
DEFAULT = "e5"  # the backbone reads the English itself: no second encoder


def choose(items: dict[str, dict[str, list[float]]], default: str = DEFAULT) -> dict[str, Any]:
    """One family's space from LiRA at step 0's per-item dev scores ``{space: {subset: [score per item]}}``:
    ``{"chosen", "best", "gain" (best's mean minus the default's), "margin"}``. The best space (the mean over
    subsets of each subset's mean; a tie keeps the default, then the first) replaces ``default`` only when its gain
    is above ``selection_margin`` of the paired difference's standard error, with one look per alternative."""
    mean = {space: statistics.mean(statistics.mean(v) for v in by_subset.values())
            for space, by_subset in items.items()}
    best = max([default, *(s for s in items if s != default)], key=lambda space: mean[space])
    margin = selection_margin(paired_se(items[best], items[default]), len(items) - 1) if best != default else 0.0
    gain = mean[best] - mean[default]
    return {"chosen": best if gain > margin else default, "best": best, "gain": gain, "margin": margin}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("runs/anchor-dev"))
    parser.add_argument("--quick", action="store_true", help="first subset of each task, 30 dev items")
    parser.add_argument("--task", action="append", choices=TASKS, help="only these tasks (default: all)")
    parser.add_argument("--backbone", default=BenchmarkConfig.backbone,
                        help="the multilingual backbone (default: the benchmark's, as BENCHMARKS.md's table)")
    args = parser.parse_args()
    start = time.perf_counter()
    tasks = tuple(args.task or TASKS)
    scores: dict[str, dict[str, dict[str, float]]] = {}
    items: dict[str, dict[str, dict[str, list[float]]]] = {}  # LiRA at step 0: family -> space -> subset -> items
    for space in ENGLISH_SPACES:
        config = BenchmarkConfig(data_dir=args.data_dir, backbone=args.backbone,
                                 out_dir=args.out / space, seeds=(0,), tasks=tasks,
                                 english_spaces=dict.fromkeys(task_families(), space),
                                 **({"subsets": 1, "max_test": 30, "max_train": 48} if args.quick else {}))
        bench = Benchmark(config)
        bench.tasks = [get_task(name).dev_view() for name in tasks]
        bench.eval_split = "dev"
        for s in bench.subjects():
            for method in METHODS:
                if not not_applicable(s.task, method):
                    bench.score(s, method, None, "dev")
            print(f"{space} {s.task.name}/{s.subset} done", flush=True)
        for row in bench.rows:
            cell = scores.setdefault(get_task(row["task"]).family, {}).setdefault(row["method"], {})
            cell.setdefault(space, []).append(row["main_score"])  # type: ignore[attr-defined]
            if row["method"] == "lira-step0":
                family = items.setdefault(get_task(row["task"]).family, {}).setdefault(space, {})
                family[f"{row['task']}/{row['subset']}"] = row["items"]
    table = {family: {method: {space: statistics.mean(v) for space, v in by_space.items()}  # type: ignore[arg-type]
                      for method, by_space in methods.items()} for family, methods in scores.items()}
    rule = {family: choose(by_space) for family, by_space in items.items()}
    chosen = {family: r["chosen"] for family, r in rule.items()}
    chosen["indonli"] = chosen.get("embed", DEFAULT)
    lines = ["| family | method | " + " | ".join(ENGLISH_SPACES) + " |", "|---|---|" + "---|" * len(ENGLISH_SPACES)]
    for family, methods in table.items():
        for method, by_space in methods.items():
            lines.append(f"| {family} | {method} | " + " | ".join(
                f"{100 * by_space[sp]:.2f}" if sp in by_space else "-" for sp in ENGLISH_SPACES) + " |")
    lines += ["", "| family | best | gain over e5 | margin | chosen |", "|---|---|---|---|---|"]
    lines += [f"| {family} | {r['best']} | {100 * r['gain']:+.2f} | {100 * r['margin']:.2f} | {r['chosen']} |"
              for family, r in rule.items()]
    print("\n".join(lines))
    print("chosen (LiRA at step 0 on dev; e5 unless the best beats it by the margin):", chosen)
    print(f"wall time {time.perf_counter() - start:.0f} s")
    args.out.mkdir(parents=True, exist_ok=True)
    write_json(args.out / "anchor_dev_choices.json", {"dev": table, "rule": rule, "chosen": chosen})


if __name__ == "__main__":
    main()
