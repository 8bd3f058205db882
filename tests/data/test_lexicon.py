import pytest

from lira.data.errors import DataFormatError
from lira.data.lexicon import load_lexicon


def test_senses_in_file_order(tmp_path):
    path = tmp_path / "lex.tsv"
    path.write_text("term\ttranslation\tnote\nốp\tcase\t\nỐp\tcover\tsense 2\nđen\tblack\tcolour\n", encoding="utf-8")
    lex = load_lexicon(path)
    assert [e.translation for e in lex["ốp"]] == ["case", "cover"] and lex["đen"][0].note == "colour"


@pytest.mark.parametrize("body,match", [
    ("ốp\tcase\t\nốp\tcase\tagain\n", r"lex.tsv:3: duplicate row 'ốp' -> 'case' \(first on line 2\)"),
    ("ốp\tcase\n", r"lex.tsv:2: expected 3 fields"),
    ("ốp\t \t\n", r"lex.tsv:2 field 'translation': empty"),
])
def test_bad_rows_name_the_line(tmp_path, body, match):
    path = tmp_path / "lex.tsv"
    path.write_text("term\ttranslation\tnote\n" + body, encoding="utf-8")
    with pytest.raises(DataFormatError, match=match):
        load_lexicon(path)


def test_bad_header(tmp_path):
    path = tmp_path / "lex.tsv"
    path.write_text("src\ttgt\tnote\na\tb\t\n")
    with pytest.raises(DataFormatError, match="header must be"):
        load_lexicon(path)
