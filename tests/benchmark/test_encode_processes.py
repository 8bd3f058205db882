"""benchmarks/encode_processes.py: one encoder process on every CPU against one-thread processes side by side."""

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import lira.workers
from tests.benchmark import load_script


def test_throughput_times_all_the_texts_both_ways(tiny_bert_dir, monkeypatch):
    script = load_script("encode_processes")
    pools: list[tuple[int, int]] = []

    @contextmanager
    def threads_for_processes(workers, threads):  # the script's logic, without spawning (its function is local)
        pools.append((workers, threads))
        with ThreadPoolExecutor(workers) as pool:
            yield pool

    monkeypatch.setattr(lira.workers, "worker_pool", threads_for_processes)
    encoded: list[int] = []
    seconds = script.encode_seconds

    def counted(spec, texts):
        encoded.append(len(texts))
        return seconds(spec, texts)

    monkeypatch.setattr(script, "encode_seconds", counted)
    texts = [f"sentence number {i} " * (1 + i % 5) for i in range(30)]
    result = script.throughput(f"hf:{tiny_bert_dir}", texts, 2)
    assert pools == [(1, 2), (2, 1)]
    # a warm-up in each process, then all 30 texts in one, and shares of 15 side by side
    assert encoded == [8, 30, 8, 8, 15, 15]
    assert result["texts"] == 30
    assert result["one_process_per_s"] > 0 and result["side_by_side_per_s"] > 0
    assert result["ratio"] == result["side_by_side_per_s"] / result["one_process_per_s"]
