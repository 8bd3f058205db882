"""``lira.workers``: how many worker processes, of how many threads, a number of trainings gets."""

from __future__ import annotations

import pytest

from lira.backbones.threads import ENV
from lira.workers import worker_plan


@pytest.mark.parametrize(("threads", "jobs", "plan"), [("2", 2, (2, 1)), ("2", 5, (2, 1)), ("2", 1, (1, 2)),
                                                       ("2", 0, (1, 2)), ("1", 3, (1, 1)), ("4", 2, (2, 2)),
                                                       ("4", 3, (3, 1))])
def test_one_worker_per_thread_and_at_most_one_per_job(threads, jobs, plan, monkeypatch):
    monkeypatch.setenv(ENV, threads)
    assert worker_plan(jobs) == plan


def test_a_worker_limits_every_native_thread_pool():
    """A one-thread worker runs its BLAS and OpenMP pools (NumPy, SciPy, scikit-learn, torch) on one thread: two
    such workers on 2 CPUs must not each run two-thread products."""
    from threadpoolctl import threadpool_info

    from lira.workers import worker_pool

    with worker_pool(1, 1) as pool:
        pools = pool.submit(threadpool_info).result()
    assert {p["internal_api"] for p in pools} >= {"openblas", "openmp"}
    assert [p["num_threads"] for p in pools] == [1] * len(pools)
