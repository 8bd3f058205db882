"""Aggregates of benchmark rows shared by the report and the plots: per-seed means over subsets and the
ablation columns."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from typing import Any


def seed_means(rows: list[dict], subsets: Sequence[str], **where: Any) -> list[float]:
    """Per seed (or the single unseeded run), the mean main score over ``subsets``."""
    by_seed: dict[Any, dict[str, float]] = defaultdict(dict)
    for r in rows:
        if all(r[k] == v for k, v in where.items()):
            by_seed[r["seed"]][r["subset"]] = r["main_score"]
    return [statistics.mean(v[s] for s in subsets) for v in by_seed.values() if all(s in v for s in subsets)]


def on_seeds_of(rows: list[dict], setting_rows: list[dict]) -> list[dict]:
    """``rows`` restricted to the seeds of ``setting_rows`` (unseeded rows kept): a setting that ran fewer seeds
    than the main setting (``BenchmarkConfig.setting_seeds``) is compared with the main rows of those seeds."""
    seeds = {r["seed"] for r in setting_rows}
    return [r for r in rows if r["seed"] is None or r["seed"] in seeds]


def ablation_columns(bench: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """``(label, task, where-clause of the full method)`` per ablation column: each ablation task, and each
    ablation task scored again under noise (the full method's row there is its noise-setting row)."""
    rows = bench.rows
    cols = [(t, t, {"setting": "main"}) for t in dict.fromkeys(r["task"] for r in rows if r["setting"] == "ablation")]
    noise = bench.config.ablation_noise
    cols += [(f"{t} (noise {noise})", t, {"setting": "noise", "value": noise})
             for t in dict.fromkeys(r["task"] for r in rows if r["setting"] == "ablation-noise")]
    return cols


def ablation_scores(bench: Any, name: str, task: str, full: dict[str, Any]) -> list[float]:
    """Per-seed means over subsets of one LiRA variant (``full`` or an ablation) in one ablation column; the full
    method's over the seeds the ablations ran (``BenchmarkConfig.setting_seeds`` may run fewer than the main
    setting)."""
    rows = [r for r in bench.rows if r["method"] == "lira"]
    if name == "full":
        ablated = [r for r in rows if r["task"] == task and r["setting"] in ("ablation", "ablation-noise")]
        return seed_means(on_seeds_of(rows, ablated), bench.subsets[task], task=task, **full)
    setting = "ablation" if full["setting"] == "main" else "ablation-noise"
    return seed_means(rows, bench.subsets[task], task=task, setting=setting, value=name)
