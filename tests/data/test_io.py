from pathlib import Path

import pytest

from lira.data.errors import DataFormatError
from lira.data.io import iter_delimited, iter_jsonl, read_text


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


def test_default_data_dir_follows_the_environment_then_the_checkout(monkeypatch, tmp_path):
    from lira.data.io import default_data_dir

    monkeypatch.setenv("LIRA_DATA_DIR", str(tmp_path))
    assert default_data_dir() == tmp_path
    monkeypatch.delenv("LIRA_DATA_DIR")
    found = default_data_dir()
    assert found == Path("../shared/data") or (found.is_dir() and found.parts[-2:] == ("shared", "data"))


def test_header_without_the_delimiter_is_reported_only_when_asked(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_text("\na;b;c\n1;2;3\n")
    assert list(iter_delimited(path)) == [(3, {"a;b;c": "1;2;3"})]  # benchmarks' readers: unchanged
    with pytest.raises(DataFormatError, match=r"x.tsv:2: read as tab-separated because I said so, but found no tab "
                                              r"in the header 'a;b;c': it holds semicolons, so the file looks "
                                              r"semicolon-separated; fix it$"):
        list(iter_delimited(path, assumed="because I said so", hint="fix it"))
    path.write_text("single\nvalue\n")  # one column and no other delimiter: read as is
    assert list(iter_delimited(path, assumed="because I said so")) == [(2, {"single": "value"})]
