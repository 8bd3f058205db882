"""The benchmark's PNG plots (matplotlib, Agg): the noise curve, the few-shot curve, per-language bars and
ablation bars. Each is written atomically; a setting that did not run gives no plot."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from lira.extras import needs_extra

with needs_extra("bench", "plotting the benchmark"):  # an optional extra: the core install does not plot
    import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from lira.benchmark.aggregate import ablation_columns, ablation_scores, seed_means  # noqa: E402
from lira.benchmark.config import METHOD_LABELS, METHODS  # noqa: E402
from lira.io import atomic_write  # noqa: E402


def _save(fig: Any, path: Path) -> Path:
    with atomic_write(path, "wb") as f:
        fig.savefig(f, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def _curve(bench: Any, setting: str, methods: tuple[str, ...], xlabel: str, path: Path) -> Path | None:
    rows = [r for r in bench.rows if r["setting"] == setting]
    tasks = list(dict.fromkeys(r["task"] for r in rows))
    if not tasks:
        return None
    fig, axes = plt.subplots(1, len(tasks), figsize=(5 * len(tasks), 3.6), squeeze=False)
    for ax, task in zip(axes[0], tasks, strict=True):
        values = sorted({r["value"] for r in rows if r["task"] == task})
        for m in methods:
            means, stds = [], []
            for v in values:
                s = seed_means(rows, bench.subsets[task], task=task, method=m, value=v)
                means.append(100 * statistics.mean(s) if s else float("nan"))
                stds.append(100 * statistics.stdev(s) if len(s) > 1 else 0.0)
            if any(x == x for x in means):
                ax.errorbar([str(v) for v in values], means, yerr=stds, marker="o", capsize=3, label=METHOD_LABELS[m])
        ax.set_title(task)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(bench.tasks[[t.name for t in bench.tasks].index(task)].main_score + " x100")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    return _save(fig, path)


def _per_language(bench: Any, path: Path) -> Path | None:
    rows = [r for r in bench.rows if r["setting"] == "main"]
    tasks = [t for t in bench.tasks if any(r["task"] == t.name for r in rows)]
    if not tasks:
        return None
    fig, axes = plt.subplots(len(tasks), 1, figsize=(11, 2.8 * len(tasks)), squeeze=False)
    for ax, task in zip(axes[:, 0], tasks, strict=True):
        subsets = bench.subsets[task.name]
        methods = [m for m in METHODS if any(r["task"] == task.name and r["method"] == m for r in rows)]
        width = 0.8 / max(len(methods), 1)
        for j, m in enumerate(methods):
            vals = []
            for s in subsets:
                v = [r["main_score"] for r in rows if r["task"] == task.name and r["subset"] == s and r["method"] == m]
                vals.append(100 * statistics.mean(v) if v else 0.0)
            ax.bar([i + j * width for i in range(len(subsets))], vals, width, label=METHOD_LABELS[m])
        ax.set_xticks([i + width * (len(methods) - 1) / 2 for i in range(len(subsets))], subsets)
        ax.set_title(f"{task.name} ({task.main_score} x100)", fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    axes[0, 0].legend(fontsize=7, ncol=len(METHODS))
    return _save(fig, path)


def _ablations(bench: Any, path: Path) -> Path | None:
    cols = ablation_columns(bench)
    if not cols:
        return None
    names = ["full", *(v.name for v in bench.config.ablations)]
    fig, axes = plt.subplots(1, len(cols), figsize=(4.2 * len(cols), 3.8), squeeze=False)
    for ax, (label, task, full) in zip(axes[0], cols, strict=True):
        means, stds = [], []
        for name in names:
            s = ablation_scores(bench, name, task, full)
            means.append(100 * statistics.mean(s) if s else 0.0)
            stds.append(100 * statistics.stdev(s) if len(s) > 1 else 0.0)
        ax.barh(names, means, xerr=stds, color=["tab:green", *["tab:gray"] * (len(names) - 1)])
        ax.invert_yaxis()
        ax.set_title(label, fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    for ax in axes[0][1:]:
        ax.set_yticklabels([])
    return _save(fig, path)


PLOTS = ("noise_curve.png", "few_shot_curve.png", "per_language.png", "ablations.png")


def write_plots(bench: Any, out: Path) -> list[Path]:
    """Write the ``PLOTS`` the run has rows for; one of them left in ``out`` by an earlier run that this one has
    no rows for is removed, so the folder never shows another run's plot beside this run's report."""
    noise, few_shot, per_language, ablations = (out / name for name in PLOTS)
    made = [_curve(bench, "noise", ("translate-test", "dual-path", "lira"), "noise rate", noise),
            _curve(bench, "few-shot", METHODS, "training examples per language", few_shot),
            _per_language(bench, per_language), _ablations(bench, ablations)]
    for path in (noise, few_shot, per_language, ablations):
        if path not in made:
            path.unlink(missing_ok=True)
    return [p for p in made if p is not None]
