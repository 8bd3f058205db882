"""The LaSR heads' early-stopping patience, chosen on the dev histories of a finished benchmark run.

Every LaSR head of ``lira benchmark`` writes its dev history (``models/<variant>/seed-<n>/<family>/history.json``:
the dev score at step 0 and every ``eval_every`` steps). For each patience P this replays the run as if each head
had stopped once P evaluations in a row had not raised its best dev score (``lira.training.selection.
patience_spent``) and reports the share of training steps it would have skipped and the heads whose kept step
(``BestWeights`` itself replays them: best dev score, one-standard-error rule against step 0) would change. The
benchmark's ``lasr_patience`` is the smallest P that changes no kept step of the full method. Dev scores only;
nothing here reads a test split. Usage::

    python benchmarks/patience_dev.py RUN_DIR [--patience 1 2 3 4 5]

where RUN_DIR is the ``--out`` folder of a benchmark run trained without early stopping (``lira benchmark
--patience 0``), or of one that stopped early with patience R (its ``results.json`` says which): a head stopped
with patience R holds every evaluation a smaller patience would have made, so patiences up to R replay exactly.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from lira.training.selection import BestWeights, patience_spent


def kept_step(evals: list[dict[str, Any]], metric: str) -> int | None:
    """The step ``BestWeights`` keeps from ``evals`` (step 0 first), by feeding them to one that holds no modules
    (its kept-weights files go to a temporary folder)."""
    with tempfile.TemporaryDirectory() as folder:
        keeper = BestWeights(folder, "replay", {}, metric)
        for e in evals:
            keeper.update(e["step"], e)
        return keeper.step


def run_patience(run: Path) -> int | None:
    """The ``lasr_patience`` ``run`` trained with (its ``results.json``; None: without early stopping, or unknown)."""
    results = run / "results.json"
    if not results.is_file():
        return None
    return json.loads(results.read_text(encoding="utf-8")).get("config", {}).get("lasr_patience") or None


def heads(run: Path, longest: int) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """``(variant, name, dev evaluations)`` of every stage-2 head of ``run`` that trained (more than step 0); a
    head that stopped early is kept where ``longest`` (the largest patience to replay) is at most the run's."""
    out, trained_with = [], run_patience(run)
    for path in sorted(run.glob("models/*/seed-*/*/history.json")):
        history = json.loads(path.read_text(encoding="utf-8"))
        selected = history[-1].get("selected", {}).get("lasr") if history else None
        evals = [h for h in history if "step" in h]
        stopped = selected and selected.get("steps_run", evals[-1]["step"]) < selected.get("steps", evals[-1]["step"])
        if stopped and (trained_with is None or longest > trained_with):
            raise SystemExit(f"{path}: this head stopped early (lasr_patience {trained_with or 'unknown'}); replay "
                             f"patiences up to {trained_with or 'that'} only, or a run trained without early stopping")
        if selected and len(evals) > 1:
            variant, seed, family = path.parts[-4], path.parts[-3], path.parts[-2]
            out.append((variant, f"{seed}/{family}", [{"metric": selected["metric"], **e} for e in evals]))
    return out


def replay(evals: list[dict[str, Any]], patience: int) -> list[dict[str, Any]]:
    """The evaluations a run with ``patience`` would have made before stopping."""
    metric = evals[0]["metric"]
    for n in range(1, len(evals) + 1):
        if patience_spent([e[metric] for e in evals[:n]], patience):
            return evals[:n]
    return evals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", type=Path, help="a benchmark run's --out folder (trained without early stopping)")
    parser.add_argument("--patience", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    args = parser.parse_args()
    found = heads(args.run, max(args.patience))
    if not found:
        raise SystemExit(f"{args.run}: no LaSR history.json under models/*/seed-*/*/ (a benchmark run's --out?)")
    total = sum(evals[-1]["step"] for _, _, evals in found)
    print(f"{len(found)} trained heads, {total} steps in all\n")
    print("| patience | steps run | kept step changed: full method | kept step changed: ablations |")
    print("|---|---|---|---|")
    smallest = None
    for p in sorted(args.patience):
        run, changed = 0, {"full": [], "other": []}
        for variant, name, evals in found:
            metric = evals[0]["metric"]
            short = replay(evals, p)
            run += short[-1]["step"]
            before, after = kept_step(evals, metric), kept_step(short, metric)
            if before != after:
                changed["full" if variant == "full" else "other"].append(f"{variant} {name}: {before} -> {after}")
        if not changed["full"] and smallest is None:
            smallest = p
        print(f"| {p} | {run} ({run / total:.0%}) | {'; '.join(changed['full']) or 'none'} "
              f"| {'; '.join(changed['other']) or 'none'} |")
    print(f"\nsmallest patience that changes no kept step of the full method: {smallest}")


if __name__ == "__main__":
    main()
