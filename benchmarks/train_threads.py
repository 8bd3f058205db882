"""Seed 0's training on one thread and on every CPU, from a filled feature cache.

A cold ``lira benchmark`` trains seed 0's models in its main process on every CPU, where it fills the feature cache,
and seeds 1 and 2 in one-thread worker processes side by side (``Benchmark.train_ahead``). This script times the
same training, seed 0's models of the main setting (stage 1 per English space, the LaSR heads with their step-0
fits, the distillation peers), in a ``lira.workers.worker_pool`` process of each ``--threads`` value, one after the
other, each into a fresh folder under ``--out``. ``--cache-dir`` should be a cache that a full run filled, so that
nothing is encoded: the table shows what encoding there was apart. Timings depend on the machine's load: run it on
an idle machine. Usage::

    python benchmarks/train_threads.py --data-dir ../shared/data --cache-dir DIR --out DIR [--threads 1 2]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from lira.benchmark.models import DISTILL_PART, LASR_PART, STAGE1_PART

COLUMNS = (STAGE1_PART, LASR_PART, DISTILL_PART)  # the parts of the run's time table that training fills


def train_seconds(data_dir: Path, cache_dir: Path, out: Path) -> dict[str, float]:
    """Seconds to train seed 0's main-setting models in this process: ``wall``, each part of the run's time table
    (``COLUMNS``) and ``encoding`` (every backbone)."""
    from lira.benchmark.config import FULL, BenchmarkConfig
    from lira.benchmark.runner import Benchmark, Training

    bench = Benchmark(BenchmarkConfig(data_dir=data_dir, out_dir=out, cache_dir=cache_dir))
    start = time.perf_counter()
    bench.train(Training(FULL, 0, [t.name for t in bench.tasks]), distillation=True)
    wall = time.perf_counter() - start
    encoding = sum(seconds for seconds, _ in bench.ledger.encoding().values())
    return {"wall": wall, **{label: bench.ledger.parts.get(label, 0.0) for label in COLUMNS}, "encoding": encoding}


def main() -> None:
    from lira.workers import worker_pool

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--cache-dir", type=Path, required=True, help="a feature cache a full run filled")
    parser.add_argument("--out", type=Path, required=True, help="a folder for the trained models (one per count)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    rows = []
    for threads in args.threads:
        out = args.out / f"threads-{threads}"
        if out.exists() and any(out.iterdir()):
            raise SystemExit(f"{out}: not empty; give a new --out")
        with worker_pool(1, threads) as pool:
            rows.append((threads, pool.submit(train_seconds, args.data_dir, args.cache_dir, out).result()))
    print("| threads | wall (s) | stage 1 | LaSR heads | distillation | encoding |")
    print("|---|---|---|---|---|---|")
    for threads, r in rows:
        print(f"| {threads} | {r['wall']:.1f} | " + " | ".join(f"{r[c]:.1f}" for c in COLUMNS)
              + f" | {r['encoding']:.1f} |")
    base = rows[0][1]["wall"]
    for threads, r in rows[1:]:
        print(f"\n{threads} threads: x{base / r['wall']:.2f} the speed of {rows[0][0]}")


if __name__ == "__main__":
    main()
