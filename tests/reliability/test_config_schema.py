"""``lira.config_fields``: configs are parsed by one strict typed schema; errors name the file, the field path,
the bad value and what is valid."""

from __future__ import annotations

import pytest

from lira.cli import main
from lira.config_fields import ConfigError, parse_fields, read_yaml
from lira.training.arca_run import load_run_config
from lira.training.arca_trainer import ArcaTrainConfig
from lira.training.lasr_run import load_lasr_config


def test_types_are_checked_against_the_annotations():
    assert parse_fields(ArcaTrainConfig, {"steps": "5"}, "x").steps == 5  # a numeric string is read as a number
    for bad, field in (({"steps": "many"}, "steps"), ({"steps": 1.7}, "steps"), ({"lr": "fast"}, "lr")):
        with pytest.raises(ConfigError, match=rf"^where: field {field}: .*\(got "):
            parse_fields(ArcaTrainConfig, bad, "where")
    with pytest.raises(ConfigError, match=r"where: unknown field\(s\) \['stepz'\]; valid: \["):
        parse_fields(ArcaTrainConfig, {"stepz": 3}, "where")


def test_yaml_files_name_the_file_line_and_section(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("train:\n  steps: [1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.yaml:\d+: not valid YAML"):
        read_yaml(bad)
    bad.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="expected a mapping"):
        read_yaml(bad)
    bad.write_text("train:\n  steps: many\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.yaml train: field steps: .*'many'"):
        load_run_config(bad)
    bad.write_text("train:\n  batch_size: 2.5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.yaml train: field batch_size"):
        load_lasr_config(bad)


def test_the_cli_prints_one_line_and_exits_2_before_any_work(tmp_path, monkeypatch, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("train:\n  steps: many\n", encoding="utf-8")
    monkeypatch.setattr("sys.argv", ["lira", "train", "arca", "--config", str(bad), "--out", str(tmp_path / "run")])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "bad.yaml train: field steps" in lines[0]
    assert not (tmp_path / "run" / "checkpoints").exists()
