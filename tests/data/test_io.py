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


def test_tsv_has_no_quoting_but_csv_keeps_it(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_text('text\ten\n"Hello there\ta\nTV 55"\tb\nc\td\n', encoding="utf-8")
    assert [r["text"] for _, r in iter_delimited(path)] == ['"Hello there', 'TV 55"', "c"]
    path = tmp_path / "x.csv"
    path.write_text('text,en\n"a, b",c\n"open,d\n', encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"x.csv:3: malformed CSV \(unexpected end of data\)"):
        list(iter_delimited(path, delimiter=","))
    path.write_text('text,en\n"a, b",c\n', encoding="utf-8")
    assert list(iter_delimited(path, delimiter=",")) == [(2, {"text": "a, b", "en": "c"})]


@pytest.mark.parametrize(("header", "message"), [
    ("text\tlabel\tlabel", r"x.tsv:1 field 'label': column 'label' appears twice in the header \(columns 2 and 3\); "
                           r"rename one$"),
    ("text\tlabel\t", r"x.tsv:1: column 3 of the header has no name; name it or remove the column$"),
])
def test_header_with_a_repeated_or_empty_column_name(tmp_path, header, message):
    path = tmp_path / "x.tsv"
    path.write_text(f"{header}\na\tx\ty\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=message):
        list(iter_delimited(path))
    path.write_text(",a\n0,x\n", encoding="utf-8")  # a pandas index column, where asked for
    assert list(iter_delimited(path, delimiter=",", unnamed=True)) == [(2, {"": "0", "a": "x"})]


@pytest.mark.parametrize("bom", [b"\xff\xfe", b"\xfe\xff"])
def test_utf16_is_named_as_such(tmp_path, bom):
    path = tmp_path / "x.tsv"
    path.write_bytes(bom + "text\tlabel\n".encode("utf-16-le" if bom == b"\xff\xfe" else "utf-16-be"))
    with pytest.raises(DataFormatError, match=r"x.tsv:1: looks like UTF-16 \(it starts with a UTF-16 byte order "
                                              r"mark\); save it as UTF-8$"):
        read_text(path)


def test_missing_field_lists_the_columns_present(tmp_path):
    from lira.data.io import require

    with pytest.raises(DataFormatError, match=r"x.jsonl:1 field 'text': missing; columns present: ' text', "
                                              r"'label'$"):
        require({" text": "a", "label": "b"}, "text", path=tmp_path / "x.jsonl", line=1)
    with pytest.raises(DataFormatError, match=r"x.jsonl:1 field 'text': missing$"):  # present, but null
        require({"text": None}, "text", path=tmp_path / "x.jsonl", line=1)
