"""benchmarks/train_threads.py: seed 0's training timed in a worker process of each thread count."""

import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest

import lira.workers
from tests.benchmark import load_script


def _fake(monkeypatch, script, pools, trained):
    @contextmanager
    def pool_of_threads(workers, threads):  # the script's logic, without spawning
        pools.append((workers, threads))
        with ThreadPoolExecutor(workers) as pool:
            yield pool

    def train_seconds(data_dir, cache_dir, out):
        trained.append(out.name)
        wall = 100.0 if len(trained) == 1 else 80.0
        return {"wall": wall, **{c: wall / 4 for c in script.COLUMNS}, "encoding": 0.0}

    monkeypatch.setattr(lira.workers, "worker_pool", pool_of_threads)
    monkeypatch.setattr(script, "train_seconds", train_seconds)


def test_each_thread_count_trains_in_its_own_process_and_folder(tmp_path, monkeypatch, capsys):
    script, pools, trained = load_script("train_threads"), [], []
    _fake(monkeypatch, script, pools, trained)
    monkeypatch.setattr(sys, "argv", ["train_threads.py", "--cache-dir", str(tmp_path / "c"), "--out",
                                      str(tmp_path / "o"), "--threads", "1", "2"])
    script.main()
    assert pools == [(1, 1), (1, 2)] and trained == ["threads-1", "threads-2"]
    out = capsys.readouterr().out
    assert "| 1 | 100.0 | 25.0 | 25.0 | 25.0 | 0.0 |" in out and "| 2 | 80.0 | 20.0 | 20.0 | 20.0 | 0.0 |" in out
    assert "2 threads: x1.25 the speed of 1" in out


def test_a_folder_with_models_in_it_is_refused(tmp_path, monkeypatch):
    script = load_script("train_threads")
    _fake(monkeypatch, script, [], [])
    (tmp_path / "o" / "threads-1").mkdir(parents=True)
    (tmp_path / "o" / "threads-1" / "models").mkdir()
    monkeypatch.setattr(sys, "argv", ["train_threads.py", "--cache-dir", "c", "--out", str(tmp_path / "o")])
    with pytest.raises(SystemExit, match="threads-1: not empty; give a new --out"):
        script.main()
