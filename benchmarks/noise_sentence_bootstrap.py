"""The noise setting's significance with one item per source sentence, from a finished ``lira benchmark`` run.

The report's noise table (``lira.benchmark.report.noise_significance``) pools the test rows of a task's subsets and
resamples them as independent items. In SIB-200 every language's test split holds the same 204 FLORES sentences,
so one sentence is 14 rows, with one English: their errors go together, and the pooled bootstrap overstates the
evidence both ways. This recomputes LiRA against each method of the noise setting with the rows grouped by the
test record's id (the SIB-200 ``index_id``): each sentence's score is the mean over its rows (and over the noise
seeds), and the paired bootstrap (``paired_bootstrap``, the report's) resamples sentences, a cluster bootstrap
(Cameron & Miller 2015). Only tasks whose test records carry ids in the order of the run's items are read. Test
rows only, no training. Usage::

    python benchmarks/noise_sentence_bootstrap.py RUN_DIR/results.json --data-dir ../shared/data [--task sib200]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from lira.benchmark.config import NOISE_METHODS
from lira.benchmark.report import mean_items, p_cell
from lira.benchmark.significance import paired_bootstrap
from lira.tasks import get_task


def by_sentence(rows: list[dict[str, Any]], ids: dict[str, list[str]], method: str, rate: float) -> dict[str, float]:
    """Each test record id's mean score over the rows of ``method`` at noise ``rate`` (every subset and seed)."""
    found: dict[str, list[float]] = {}
    for subset, keys in ids.items():
        here = [r for r in rows if r["method"] == method and r["value"] == rate and r["subset"] == subset]
        if not here:
            continue
        items = mean_items(here)
        if len(items) != len(keys):
            raise SystemExit(f"{subset}: {len(items)} items in the run against {len(keys)} test records")
        for key, score in zip(keys, items, strict=True):
            found.setdefault(key, []).append(float(score))
    return {key: float(np.mean(scores)) for key, scores in found.items()}


def table(rows: list[dict[str, Any]], ids: dict[str, list[str]], task: str) -> list[str]:
    """Markdown rows: per noise rate and method, LiRA's difference and its p with sentences as the items."""
    lines = []
    noise = [r for r in rows if r["setting"] == "noise" and r["task"] == task and r.get("items") is not None]
    for rate in sorted({r["value"] for r in noise}):
        lira = by_sentence(noise, ids, "lira", rate)
        for method in (m for m in NOISE_METHODS if m != "lira"):
            other = by_sentence(noise, ids, method, rate)
            keys = sorted(set(lira) & set(other))
            if len(keys) < 2:
                continue
            result = paired_bootstrap([lira[k] for k in keys], [other[k] for k in keys])
            lines.append(f"| {task} | {rate} | {method} | {100 * result['delta']:+.2f} | {p_cell(result['p'])} | "
                         f"{len(keys)} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results", type=Path, help="results.json of a lira benchmark run")
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--task", nargs="+", default=["sib200"], help="tasks of the noise setting (default: sib200)")
    args = parser.parse_args()
    try:
        rows = json.loads(args.results.read_text())["rows"]
    except (OSError, ValueError, KeyError) as err:
        raise SystemExit(f"{args.results}: not a lira benchmark results.json ({err})") from None
    lines = ["| task | noise | against | LiRA's difference | p over sentences | sentences |",
             "|---|---|---|---|---|---|"]
    for name in args.task:
        task = get_task(name)
        subsets = dict.fromkeys(r["subset"] for r in rows if r["setting"] == "noise" and r["task"] == name)
        ids = {s: [str(rec.id) for rec in task.load(args.data_dir, s, "test")] for s in subsets}
        lines += table(rows, ids, name)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
