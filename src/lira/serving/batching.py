"""``DynamicBatcher``: the requests that arrive together are answered by one call.

Requests hand their work (a group key and a payload) to one worker thread and wait. The worker takes every
request queued at that moment (at most ``max_batch``), splits them by key and calls ``handle(key, payloads)``
once per key, which returns one result per payload. No request waits for a timer: a batch is whatever queued
while the previous one ran, so a lone request is answered at once and a busy server pays a fixed cost once per
batch instead of once per request. This is the dynamic batching of model servers (for example NVIDIA Triton's
dynamic batcher). The search service uses it twice:

- ``search_batch``: one pass over the index for the queued searches (exact search over 100k 768-d vectors reads
  307 MB per pass and is bound by memory bandwidth). The top ``k`` of a batch searched with a larger ``k`` are the
  top ``k`` of the request's own search: exactly for flat (exact) indexes, and for HNSW as long as both ``k`` are
  at most ``efSearch`` (the candidate list is the same).
- query encoding: one backbone batch per language for the queued new queries (a text's vector does not depend
  on its batch mates beyond float rounding, ``lira.backbones.base.BATCH_TOLERANCE``).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lira.serving.corpus import IndexDoc
from lira.serving.index import LoadedIndex

Hits = list[list[tuple[IndexDoc, float]]]


@dataclass
class _Job:
    key: Hashable
    payload: Any
    future: Future = field(default_factory=Future)


class DynamicBatcher:
    """One worker thread (named ``name``) answering queued jobs in batches (see the module docstring).
    ``handle(key, payloads)`` returns one result per payload (an exception fails that key's jobs, and only
    them); ``on_batch(n)`` is called with the size of every batch (for a metric)."""

    def __init__(self, handle: Callable[[Hashable, list[Any]], Sequence[Any]], *, max_batch: int = 64,
                 on_batch: Callable[[int], None] | None = None, name: str = "lira-batch") -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be >= 1, got {max_batch}")
        self.handle, self.max_batch, self.on_batch = handle, max_batch, on_batch
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, key: Hashable, payload: Any) -> Any:
        """The result of ``payload``, answered in a batch with the other jobs of ``key`` waiting."""
        if self._closed:
            raise RuntimeError("the batcher is closed")
        job = _Job(key, payload)
        self._queue.put(job)
        return job.future.result()

    def _take(self, first: _Job) -> tuple[list[_Job], bool]:
        jobs, stop = [first], False
        while len(jobs) < self.max_batch:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is None:
                stop = True
                break
            jobs.append(job)
        return jobs, stop

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            jobs, stop = self._take(first)
            if self.on_batch is not None:
                self.on_batch(len(jobs))
            groups: dict[Hashable, list[_Job]] = {}
            for job in jobs:
                groups.setdefault(job.key, []).append(job)
            for key, group in groups.items():
                try:
                    results = self.handle(key, [job.payload for job in group])
                    if len(results) != len(group):
                        raise RuntimeError(f"the batch handler gave {len(results)} results for {len(group)} jobs")
                except Exception as e:  # noqa: BLE001 - each job of the group gets the failure, the worker goes on
                    for job in group:
                        job.future.set_exception(e)
                    continue
                for job, result in zip(group, results, strict=True):
                    job.future.set_result(result)
            if stop:
                return

    def close(self) -> None:
        """Answer what is queued, then stop the worker."""
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._thread.join(timeout=30)


def search_together(key: Hashable, payloads: list[tuple[LoadedIndex, np.ndarray, int]]) -> list[Hits]:
    """``DynamicBatcher`` handler: ``(index, vectors [n, dim], k)`` payloads of one index (the key: a reload may
    put two versions in one batch) searched in one pass with the largest ``k``, each cut to its own ``k``."""
    index = payloads[0][0]
    stacked = np.concatenate([vectors for _, vectors, _ in payloads]) if len(payloads) > 1 else payloads[0][1]
    hits = index.search(stacked, max(k for _, _, k in payloads))
    out, row = [], 0
    for _, vectors, k in payloads:
        out.append([ranked[:k] for ranked in hits[row:row + len(vectors)]])
        row += len(vectors)
    return out


def batched_search(batcher: DynamicBatcher | None, index: LoadedIndex, vectors: np.ndarray, k: int) -> Hits:
    """``index.search(vectors, k)`` through ``batcher`` (a ``search_together`` batcher; None: directly). A batched
    request's shape is checked before it joins a batch, so one bad request fails alone."""
    if batcher is None:
        return index.search(vectors, k)  # which checks the shape itself
    if vectors.ndim != 2 or vectors.shape[1] != index.dim:
        raise ValueError(f"query vectors of shape {vectors.shape}; the index holds {index.dim}-d vectors")
    return batcher.submit(id(index), (index, vectors, k))
