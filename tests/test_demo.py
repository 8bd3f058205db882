"""``lira.demo``: progress goes through logging, which the CLI shows as ``info:`` lines."""

from __future__ import annotations

import io
import logging
import warnings

import lira.demo
from lira.cli_logging import setup_logging
from lira.demo import DemoConfig, run_demo
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
