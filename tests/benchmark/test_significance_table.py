"""benchmarks/significance_table.py: the significance table recomputed from a saved results.json."""

import json
import sys

import pytest

from lira.benchmark.report import significance, significance_table
from tests.benchmark import load_script


def _rows() -> list[dict]:
    base = {"task": "t", "subset": "a", "setting": "main", "value": None, "variant": "full", "gold": None}
    return [{**base, "method": "lira", "seed": 0, "main_score": 0.9, "items": [1.0] * 27 + [0.0] * 3},
            {**base, "method": "frozen", "seed": None, "main_score": 0.5, "items": [1.0, 0.0] * 15}]


def test_it_prints_the_report_s_table_of_the_saved_rows(tmp_path, monkeypatch, capsys):
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"rows": _rows()}))
    monkeypatch.setattr(sys, "argv", ["significance_table.py", str(results)])
    load_script("significance_table").main()
    assert capsys.readouterr().out == significance_table(significance(_rows())) + "\n"


def test_a_file_that_is_not_a_results_json_is_named(tmp_path, monkeypatch):
    bad = tmp_path / "report.md"
    bad.write_text("# not json")
    monkeypatch.setattr(sys, "argv", ["significance_table.py", str(bad)])
    with pytest.raises(SystemExit, match="report.md: not a lira benchmark results.json"):
        load_script("significance_table").main()
