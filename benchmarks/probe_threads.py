"""Logistic-regression probe fits side by side: what limiting each worker's BLAS and OpenMP pools changes.

A parallel ``lira benchmark`` trains in one-thread worker processes (``lira.workers``); each fits the
logistic-regression probes its heads start from (``lira.lasr.linear_probe.fit_logistic``). NumPy's and SciPy's
OpenBLAS and scikit-learn's OpenMP start with one thread per CPU, so two workers on 2 CPUs each ran two-thread
products until the workers limited them (``lira.backbones.threads.limit_native_threads``). This script fits the
same probe (synthetic features shaped like an NLI head's pair features: ``--rows`` x ``--dim``, 3 classes, fixed
seed) in three ways and prints the seconds per fit:

- ``alone``: one process, default pools;
- ``side by side, default pools``: ``--workers`` spawned processes at once, pools as they start (the old workers);
- ``side by side, limited``: the same in ``lira.workers.worker_pool`` (one thread each, pools limited).

Timings depend on the machine's load: run it on an idle machine. Usage::

    python benchmarks/probe_threads.py [--workers 2] [--rows 12000] [--dim 3072] [--out runs/probe-threads.json]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def fit_seconds(rows: int, dim: int) -> float:
    """Seconds of one ``fit_logistic`` on seeded synthetic features ``[rows, dim]`` with 3 noisy linear classes."""
    import numpy as np

    from lira.lasr.linear_probe import fit_logistic

    rng = np.random.default_rng(0)
    w = rng.normal(size=(dim, 3)).astype(np.float32)
    x = (rng.normal(size=(rows, dim)) * 4 / np.sqrt(dim)).astype(np.float32)
    y = np.argmax(x @ w + 2 * rng.normal(size=(rows, 3)), axis=1)
    start = time.perf_counter()
    fit_logistic(x, y)
    return time.perf_counter() - start


def side_by_side(pool: ProcessPoolExecutor, workers: int, rows: int, dim: int) -> list[float]:
    pool.submit(fit_seconds, 200, 8).result()  # every process started and its libraries loaded
    futures = [pool.submit(fit_seconds, rows, dim) for _ in range(workers)]
    return [f.result() for f in futures]


def main() -> None:
    from lira.workers import worker_pool

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rows", type=int, default=12000)
    parser.add_argument("--dim", type=int, default=3072)
    parser.add_argument("--out", type=Path, default=None, help="Also write the seconds as JSON here.")
    args = parser.parse_args()
    results = {"cpus": len(os.sched_getaffinity(0)), "workers": args.workers, "rows": args.rows, "dim": args.dim,
               "alone": [fit_seconds(args.rows, args.dim)]}
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(args.workers, mp_context=spawn) as pool:
        results["side by side, default pools"] = side_by_side(pool, args.workers, args.rows, args.dim)
    with worker_pool(args.workers, 1) as pool:
        results["side by side, limited"] = side_by_side(pool, args.workers, args.rows, args.dim)
    print(f"{args.workers} fits of a {args.rows} x {args.dim} probe (3 classes), {results['cpus']} CPUs")
    print("| how | seconds per fit |\n|---|---|")
    for name in ("alone", "side by side, default pools", "side by side, limited"):
        print(f"| {name} | {', '.join(f'{s:.2f}' for s in results[name])} |")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.out.with_suffix(".tmp")
        tmp.write_text(json.dumps(results, indent=1))
        tmp.replace(args.out)


if __name__ == "__main__":
    main()
