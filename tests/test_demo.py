"""``lira.demo``: progress goes through logging, which the CLI shows as ``info:`` lines."""

from __future__ import annotations

import io
import logging
import warnings
from pathlib import Path

import pytest
import torch

import lira.demo
from lira.backbones.threads import ENV
from lira.cli_logging import setup_logging
from lira.demo import DemoConfig, _train_seeds, run_demo
from tests.evaluation.test_methods import WordBackbone


def test_the_demo_reports_progress_as_log_lines_the_cli_shows(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(lira.demo, "load_backbone", lambda spec: WordBackbone(spec))
    logger = logging.getLogger("lira")
    for name in ("handlers", "propagate", "level"):  # restored after the test
        monkeypatch.setattr(logger, name, list(logger.handlers) if name == "handlers" else getattr(logger, name))
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)
    shown = io.StringIO()
    setup_logging(stream=shown)  # what the CLI does before each command
    run_dir = run_demo(DemoConfig(langs=("vie",), out_dir=tmp_path, cache_dir=tmp_path / "cache", train=False))
    lines = shown.getvalue().splitlines()
    assert lines[0].startswith("info: frozen backbone: mean nDCG@10 ")
    assert lines[1].startswith("info: demo done in ") and lines[1].endswith(str(run_dir / "report.md"))
    assert any(line.startswith("| vie | Vietnamese |") for line in lines)
    assert capsys.readouterr().out == ""  # nothing printed past logging


@pytest.mark.slow
def test_seeds_after_the_first_train_in_worker_processes_as_they_would_in_one(tmp_path, monkeypatch, caplog):
    """With 2 threads, seeds 1 and 2 train in two worker processes of one thread each, after seed 0 filled the
    cache: their weights equal those of a run on one thread in this process, and the workers' log lines reach
    this process's loggers."""
    config = DemoConfig(langs=("vie",), cache_dir=tmp_path / "cache", seeds=(0, 1, 2), arca_steps=4, lasr_steps=4,
                        max_per_lang=12)
    monkeypatch.setenv(ENV, "2")
    with caplog.at_level(logging.INFO, logger="lira"):
        parallel = _train_seeds(config, tmp_path / "parallel")
    assert {r.processName for r in caplog.records} - {"MainProcess"}, "no log record came from a worker"
    monkeypatch.setenv(ENV, "1")
    threads = torch.get_num_threads()
    try:
        alone = _train_seeds(config, tmp_path / "alone")
    finally:
        torch.set_num_threads(threads)  # the trainers set it from $LIRA_NUM_THREADS
    assert [Path(f).relative_to(tmp_path / "parallel") for f in parallel] == [
        Path(f).relative_to(tmp_path / "alone") for f in alone]
    for seed in (1, 2):
        files = sorted((tmp_path / "parallel" / f"seed-{seed}").rglob("*.safetensors"))
        assert files
        for file in files:
            mirror = tmp_path / "alone" / file.relative_to(tmp_path / "parallel")
            assert file.read_bytes() == mirror.read_bytes(), file
