"""Logistic-regression probe fits alone and side by side: what the BLAS and OpenMP thread pools change.

A parallel ``lira benchmark`` trains in one-thread worker processes (``lira.workers``); each fits the
logistic-regression probes its heads start from (``lira.lasr.linear_probe.fit_logistic``). NumPy's and SciPy's
OpenBLAS and scikit-learn's OpenMP start with one thread per CPU, so two workers on 2 CPUs each ran two-thread
products until the workers limited them (``lira.backbones.threads.limit_native_threads``); a process with every
CPU still fitted on all of them until ``fit_logistic`` took one BLAS thread itself. This script fits the same probe
(synthetic features shaped like an NLI head's pair features: ``--rows`` x ``--dim``, 3 classes, fixed seed) in four
ways and prints the seconds per fit:

- ``alone, default pools``: one process, scikit-learn's ``LogisticRegression`` on pools as they start (one thread
  per CPU);
- ``alone, fit_logistic``: the same fit through ``fit_logistic`` (one BLAS thread);
- ``side by side, default pools``: ``--workers`` spawned processes at once, ``LogisticRegression`` on pools as they
  start (the first workers);
- ``side by side, limited``: ``fit_logistic`` in ``lira.workers.worker_pool`` (one thread each, pools limited).

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


def fit_seconds(rows: int, dim: int, default_pools: bool = False) -> float:
    """Seconds of one ``fit_logistic`` (``default_pools``: of scikit-learn's ``LogisticRegression`` with the same
    settings on the process's pools) on seeded synthetic features ``[rows, dim]`` with 3 noisy linear classes."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from lira.lasr.linear_probe import fit_logistic

    rng = np.random.default_rng(0)
    w = rng.normal(size=(dim, 3)).astype(np.float32)
    x = (rng.normal(size=(rows, dim)) * 4 / np.sqrt(dim)).astype(np.float32)
    y = np.argmax(x @ w + 2 * rng.normal(size=(rows, 3)), axis=1)
    start = time.perf_counter()
    if default_pools:
        LogisticRegression(max_iter=1000).fit(x, y)
    else:
        fit_logistic(x, y)
    return time.perf_counter() - start


def side_by_side(pool: ProcessPoolExecutor, workers: int, rows: int, dim: int, default_pools: bool) -> list[float]:
    pool.submit(fit_seconds, 200, 8).result()  # every process started and its libraries loaded
    futures = [pool.submit(fit_seconds, rows, dim, default_pools) for _ in range(workers)]
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
               "alone, default pools": [fit_seconds(args.rows, args.dim, default_pools=True)],
               "alone, fit_logistic": [fit_seconds(args.rows, args.dim)]}
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(args.workers, mp_context=spawn) as pool:
        results["side by side, default pools"] = side_by_side(pool, args.workers, args.rows, args.dim, True)
    with worker_pool(args.workers, 1) as pool:
        results["side by side, limited"] = side_by_side(pool, args.workers, args.rows, args.dim, False)
    print(f"{args.workers} fits of a {args.rows} x {args.dim} probe (3 classes), {results['cpus']} CPUs")
    print("| how | seconds per fit |\n|---|---|")
    for name in ("alone, default pools", "alone, fit_logistic", "side by side, default pools",
                 "side by side, limited"):
        print(f"| {name} | {', '.join(f'{s:.2f}' for s in results[name])} |")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.out.with_suffix(".tmp")
        tmp.write_text(json.dumps(results, indent=1))
        tmp.replace(args.out)


if __name__ == "__main__":
    main()
