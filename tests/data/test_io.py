from pathlib import Path

import pytest

from lira.data.errors import DataFormatError
from lira.data.io import atomic_write, iter_delimited, iter_jsonl, read_text, write_jsonl


def test_invalid_utf8_names_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"text": "ok"}\n{"text": "\xff"}\n')
    with pytest.raises(DataFormatError, match=r"bad.jsonl:2: invalid UTF-8"):
        read_text(path)


def test_malformed_jsonl_line(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"a": 1}\n\n{"a": \n')
    with pytest.raises(DataFormatError, match=r"x.jsonl:3: malformed JSON"):
        list(iter_jsonl(path))


def test_tsv_field_count(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_text("a\tb\n1\t2\n3\n")
    with pytest.raises(DataFormatError, match=r"x.tsv:3: expected 2 fields"):
        list(iter_delimited(path))


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.jsonl"
    with pytest.raises(RuntimeError), atomic_write(target) as f:
        f.write("partial")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    write_jsonl(target, [{"a": "é"}])
    assert list(iter_jsonl(target)) == [(1, {"a": "é"})]


def test_atomic_write_respects_the_umask(tmp_path):
    import os

    from lira.data.io import write_json

    old = os.umask(0o022)
    try:
        write_json(tmp_path / "a.json", {"x": 1})
    finally:
        os.umask(old)
    assert (tmp_path / "a.json").stat().st_mode & 0o777 == 0o644


def test_default_data_dir_follows_the_environment_then_the_checkout(monkeypatch, tmp_path):
    from lira.data.io import default_data_dir

    monkeypatch.setenv("LIRA_DATA_DIR", str(tmp_path))
    assert default_data_dir() == tmp_path
    monkeypatch.delenv("LIRA_DATA_DIR")
    found = default_data_dir()
    assert found == Path("../shared/data") or (found.is_dir() and found.parts[-2:] == ("shared", "data"))
