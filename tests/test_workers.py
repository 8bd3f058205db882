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
