"""``lira eval`` reading Hugging Face dataset folders (``save_to_disk``) and ``--column`` mappings: the same
scores as the same rows in files; a missing column and a null text are one-line errors naming the place."""

from __future__ import annotations

import sys

import pytest

datasets = pytest.importorskip("datasets")
from datasets import Dataset, DatasetDict  # noqa: E402

from lira.cli import main  # noqa: E402
from tests.evaluation.test_eval_cli import SRC, TGT, invoke, jsonl, saved, tsv  # noqa: E402
from tests.evaluation.test_methods import fake_backbones  # noqa: E402, F401

TRAIN = [["goal match", "sports"], ["soup rice", "food"], ["goal day", "sports"], ["rice pot", "food"]]
TEST = [["goal bóng", "sports"], ["rice cơm", "food"]]


def scores(path) -> dict:
    """The saved results without their timings and the items' ids (a file's name their rows', a folder's not)."""
    return {lang: {k: v for k, v in r.items() if k not in ("seconds", "ids")}
            for lang, r in saved(path)["results"].items()}


def test_bitext_pairs_from_a_dataset_folder_match_the_file(fake_backbones, tmp_path):  # noqa: F811
    pairs = jsonl(tmp_path / "pairs.jsonl", [{"text": s, "en": t} for s, t in zip(SRC, TGT, strict=True)])
    Dataset.from_dict({"sentence": SRC, "english": TGT}).save_to_disk(str(tmp_path / "ds"))
    from_file, from_dataset = tmp_path / "a.json", tmp_path / "b.json"
    invoke("bitext", "--pairs", pairs, "--lang", "vi", "--out", from_file, "--items")
    output = invoke("bitext", "--pairs", tmp_path / "ds", "--lang", "vi", "--column", "text=sentence",
                    "--column", "en=english", "--out", from_dataset, "--items")
    assert "| vie | 4 | 75.00 | 66.67 |" in output
    assert scores(from_dataset) == scores(from_file)


def test_classify_reads_the_train_and_test_splits_of_one_dataset_dict(fake_backbones, tmp_path):  # noqa: F811
    train = tsv(tmp_path / "train.tsv", ["text", "label"], TRAIN)
    test = tsv(tmp_path / "test.tsv", ["text", "label"], TEST)
    DatasetDict({"train": Dataset.from_dict({"sentence": [r[0] for r in TRAIN], "topic": [r[1] for r in TRAIN]}),
                 "test": Dataset.from_dict({"sentence": [r[0] for r in TEST], "topic": [r[1] for r in TEST]})}
                ).save_to_disk(str(tmp_path / "dd"))
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    invoke("classify", "--train", train, "--test", test, "--lang", "vi", "--out", a, "--items")
    output = invoke("classify", "--train", tmp_path / "dd", "--test", tmp_path / "dd", "--lang", "vi",
                    "--column", "text=sentence", "--column", "label=topic", "--out", b, "--items")
    assert "| vie | 2 | 4 | 100.00 |" in output
    assert scores(b) == scores(a)
    assert "expected FIELD=COLUMN" in invoke("classify", "--test", test, "--lang", "vi", "--column", "text",
                                             code=2)
    assert "not of the built-in product set" in invoke("retrieval", "--column", "text=query", code=2)


def _run(monkeypatch, capsys, *args: str) -> str:
    monkeypatch.setattr(sys, "argv", ["lira", "eval", *args])
    capsys.readouterr()  # leaves out save_to_disk's progress bars
    with pytest.raises(SystemExit) as e:
        main()
    err = capsys.readouterr().err
    assert e.value.code == 2 and "Traceback" not in err and err.strip().count("\n") == 0  # one line
    return err


def test_missing_column_and_null_text_are_one_line_errors(fake_backbones, tmp_path, monkeypatch,  # noqa: F811
                                                          capsys):
    Dataset.from_dict({"sentence": ["a b"], "label": ["x"]}).save_to_disk(str(tmp_path / "nocol"))
    err = _run(monkeypatch, capsys, "classify", "--test", str(tmp_path / "nocol"), "--lang", "vi")
    assert f"{tmp_path / 'nocol'}: no column 'text'; columns present: sentence, label" in err
    Dataset.from_dict({"text": ["a b", None], "label": ["x", "y"]}).save_to_disk(str(tmp_path / "null"))
    err = _run(monkeypatch, capsys, "classify", "--test", str(tmp_path / "null"), "--lang", "vi")
    assert f"{tmp_path / 'null'} row 1 column 'text': null value" in err
    (tmp_path / "plain").mkdir()
    err = _run(monkeypatch, capsys, "classify", "--test", str(tmp_path / "plain"), "--lang", "vi")
    assert "a folder, but not one written by save_to_disk" in err
