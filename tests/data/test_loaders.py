import json

import pytest

from lira.data.errors import DataFormatError
from lira.data.formats import Document, Query, RetrievalDataset
from lira.data.loaders import (
    load_beir,
    load_choice,
    load_classification,
    load_nli,
    load_parallel,
    load_sts,
    save_beir,
)


def write(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_parallel_jsonl_and_tsv(tmp_path):
    rows = load_parallel(write(tmp_path / "p.jsonl", [
        {"lang": "th", "text": "รองเท้า", "en": "shoes", "translations": ["footwear"]}]))
    assert rows[0].lang == "tha" and rows[0].translations == ("footwear",)
    (tmp_path / "p.tsv").write_text("text\ten\ten_2\nsepatu\tshoes\tfootwear\n")
    rows = load_parallel(tmp_path / "p.tsv", lang="id")
    assert (rows[0].lang, rows[0].en, rows[0].translations) == ("ind", "shoes", ("footwear",))


def test_missing_field_and_language_are_located(tmp_path):
    with pytest.raises(DataFormatError, match=r"p.jsonl:2 field 'en': missing"):
        load_parallel(write(tmp_path / "p.jsonl", [{"text": "a", "en": "b"}, {"text": "c"}]), lang="vi")
    with pytest.raises(DataFormatError, match=r"p.jsonl:1 field 'lang': .*unknown language code 'xx'"):
        load_parallel(write(tmp_path / "p.jsonl", [{"text": "a", "en": "b", "lang": "xx"}]))
    with pytest.raises(DataFormatError, match=r"field 'lang': no language"):
        load_parallel(write(tmp_path / "p.jsonl", [{"text": "a", "en": "b"}]))
    with pytest.raises(DataFormatError, match=r"p.jsonl:1 field 'text': must be a non-empty string"):
        load_parallel(write(tmp_path / "p.jsonl", [{"text": "  ", "en": "b"}]), lang="vi")


def test_sts_cross_lingual(tmp_path):
    rows = load_sts(write(tmp_path / "s.jsonl", [
        {"text1": "a cat", "text2": "แมว", "score": "4.5", "lang1": "en", "lang2": "th"}]))
    assert (rows[0].lang1, rows[0].lang2, rows[0].score) == ("eng", "tha", 4.5)
    with pytest.raises(DataFormatError, match=r"s.jsonl:1 field 'score': must be a number"):
        load_sts(write(tmp_path / "s.jsonl", [{"text1": "a", "text2": "b", "score": "high"}]), lang="th")


def test_nli_labels(tmp_path):
    rows = load_nli(write(tmp_path / "n.jsonl", [{"premise": "p", "hypothesis": "h", "label": "e"},
                                                 {"premise": "p", "hypothesis": "h", "label": 2}]), lang="ind")
    assert [r.label for r in rows] == ["entailment", "contradiction"]
    with pytest.raises(DataFormatError, match=r"n.jsonl:1 field 'label': unknown NLI label 'maybe'"):
        load_nli(write(tmp_path / "n.jsonl", [{"premise": "p", "hypothesis": "h", "label": "maybe"}]), lang="ind")


def test_choice_numbered_and_list(tmp_path):
    rows = load_choice(write(tmp_path / "c.jsonl", [
        {"premise": "p", "choice1": "a", "choice2": "b", "label": 1, "question": "cause"},
        {"premise": "p", "choices": ["a", "b", "c"], "label": 2, "choices_en": ["x", "y", "z"]}]), lang="vi")
    assert rows[0].choices == ("a", "b") and rows[0].question == "cause" and rows[1].choices_en == ("x", "y", "z")
    with pytest.raises(DataFormatError, match=r"c.jsonl:1 field 'label': must be in 0..1"):
        load_choice(write(tmp_path / "c.jsonl", [{"premise": "p", "choices": ["a", "b"], "label": 5}]), lang="vi")


def test_classification(tmp_path):
    (tmp_path / "c.tsv").write_text("text\tlabel\tlang\nข่าว\tsports\tth\n", encoding="utf-8")
    assert load_classification(tmp_path / "c.tsv")[0].label == "sports"


def _dataset():
    return RetrievalDataset(name="toy", lang="vie",
                            corpus={"d1": Document("Giày", "Shoes", en="Shoes"), "d2": Document("", "Phone")},
                            queries={"q1": Query("giày", en="shoes", meta={"style": "keyword"})},
                            qrels={"test": {"q1": {"d1": 2, "d2": 0}}, "dev": {"q1": {"d1": 1}}})


def test_beir_round_trip(tmp_path):
    folder = save_beir(_dataset(), tmp_path / "toy")
    loaded = load_beir(folder, lang="vi")
    assert loaded.corpus == _dataset().corpus and loaded.queries == _dataset().queries
    assert loaded.qrels == _dataset().qrels


def test_beir_unknown_document_is_located(tmp_path):
    folder = save_beir(_dataset(), tmp_path / "toy")
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td9\t1\n")
    with pytest.raises(DataFormatError, match=r"test.tsv:2 field 'corpus-id': unknown document id 'd9'"):
        load_beir(folder, lang="vi")


@pytest.mark.parametrize(("loader", "row", "message"), [
    ("load_choice", {"premise": "p", "choices": ["a", "b"], "label": 1.7}, "must be an integer, got 1.7"),
    ("load_choice", {"premise": "p", "choices": ["a", "b"], "label": True}, "must be an integer"),
    ("load_sts", {"text1": "a", "text2": "b", "score": "nan"}, "must be a finite number"),
    ("load_sts", {"text1": "a", "text2": "b", "score": "inf"}, "must be a finite number"),
    ("load_classification", {"text": "a", "label": ""}, "must be a non-empty class label"),
])
def test_numbers_and_labels_are_never_changed_silently(tmp_path, loader, row, message):
    import json

    from lira.data import loaders

    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=message) as error:
        getattr(loaders, loader)(path, lang="vie")
    assert "rows.jsonl:1 field" in str(error.value)


@pytest.mark.parametrize(("loader", "row"), [
    ("load_parallel", {"text": "a", "en": "b"}),
    ("load_sts", {"text1": "a", "text2": "b", "score": 1}),
    ("load_nli", {"premise": "p", "hypothesis": "h", "label": "e"}),
    ("load_choice", {"premise": "p", "choices": ["a", "b"], "label": 0}),
    ("load_classification", {"text": "a", "label": "x"}),
])
def test_no_language_names_the_column_the_cli_option_and_the_argument(tmp_path, loader, row):
    from lira.data import loaders

    with pytest.raises(DataFormatError, match=r"rows.jsonl:1 field 'lang': no language: add a 'lang' column") as error:
        getattr(loaders, loader)(write(tmp_path / "rows.jsonl", [row]))
    message = str(error.value)
    assert message.endswith(f", or {loaders.GIVE_LANGUAGE}")
    assert "--lang on the command line" in message and "lang=... in Python" in message


def test_no_language_in_an_empty_cell_names_that_column(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("text,label,lang\nข่าว,sports,th\nข่าว,sports,\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"c.csv:3 field 'lang': no language: 'lang' is empty here; fill it "
                                              r"in, or give the language: --lang on the command line"):
        load_classification(path)
    assert [r.lang for r in load_classification(path, lang="vi")] == ["tha", "vie"]
    with pytest.raises(DataFormatError, match=r"s.jsonl:1 field 'lang': no language: add a 'lang' column \(or "
                                              r"'lang1' and 'lang2'\), or give the language: --lang"):
        load_sts(write(tmp_path / "s.jsonl", [{"text1": "a", "text2": "b", "score": 1}]))


def test_sts_language_errors_name_the_column_in_the_file(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("text1\ttext2\tscore\tlang\nแมว\tแมวดำ\t4\tthai\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"pairs.tsv:2 field 'lang': unknown language code 'thai'"):
        load_sts(path)
    path.write_text("text1\ttext2\tscore\tlang\tlang2\nแมว\tcat\t4\tth\tenglish\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"pairs.tsv:2 field 'lang2': unknown language code 'english'"):
        load_sts(path)
    path.write_text("text1\ttext2\tscore\tlang\tlang2\nแมว\tcat\t4\tth\ten\nแมว\tแมวดำ\t4\tth\t\n", encoding="utf-8")
    assert [(p.lang1, p.lang2) for p in load_sts(path)] == [("tha", "eng"), ("tha", "tha")]


def test_a_bad_lang_argument_is_not_blamed_on_a_column(tmp_path):
    with pytest.raises(DataFormatError, match=r"s.jsonl:1 field 'lang': no language in the row, and the one given "
                                              r"\(lang='thai'\) is not valid: unknown language code 'thai'"):
        load_sts(write(tmp_path / "s.jsonl", [{"text1": "a", "text2": "b", "score": 1}]), lang="thai")
    with pytest.raises(DataFormatError, match=r"p.jsonl:1 field 'lang': must be a language code \(a string\), got 7"):
        load_parallel(write(tmp_path / "p.jsonl", [{"text": "a", "en": "b", "lang": 7}]))


def test_translation_and_choice_errors_name_the_numbered_columns(tmp_path):
    path = tmp_path / "p.tsv"
    path.write_text("text\ten\ten_2\ten_10\ten_3\nsepatu\tshoes\tfootwear\tten\tthree\n", encoding="utf-8")
    assert load_parallel(path, lang="id")[0].translations == ("footwear", "three", "ten")
    path.write_text("text\ten\ten_2\nsepatu\tshoes\t  \n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"p.tsv:2 field 'en_2': must be a non-empty string"):
        load_parallel(path, lang="id")
    path = tmp_path / "c.tsv"
    path.write_text("premise\tchoice1\tchoice2\tchoice_en1\tchoice_en2\tchoice_en3\tlabel\np\ta\tb\tx\ty\tz\t0\n")
    with pytest.raises(DataFormatError, match=r"c.tsv:2 field 'choice_en1': 3 English choices "
                                              r"\(choice_en1..choice_en3\) for 2 choices \(choice1..choice2\)"):
        load_choice(path, lang="vi")
    path.write_text('premise\tchoices\tlabel\np\t["a", "b"\t0\n')
    with pytest.raises(DataFormatError, match=r"c.tsv:2 field 'choices': malformed JSON list"):
        load_choice(path, lang="vi")


@pytest.mark.parametrize("name", ["cls.txt", "cls.tsv"])
def test_a_csv_read_as_tsv_says_why_and_lists_the_extensions(tmp_path, name):
    path = tmp_path / name
    path.write_text("text,label,lang\r\nข่าว,sports,th\r\n", encoding="utf-8")
    suffix = path.suffix
    with pytest.raises(DataFormatError, match=rf"{name}:1: read as tab-separated because of its extension "
                                              rf"'\{suffix}', but found no tab in the header 'text,label,lang': it "
                                              r"holds commas, so the file looks comma-separated; accepted extensions: "
                                              r"\.jsonl or \.json .*\.tsv or \.txt .*\.csv"):
        load_classification(path)
    path.write_text('"text","label"\nข่าว,sports\n', encoding="utf-8")  # quoted: the header alone fails to parse
    with pytest.raises(DataFormatError, match=rf"{name}:1: read as tab-separated .*it holds commas"):
        load_classification(path, lang="th")


def test_tsv_content_in_a_txt_file_and_a_tsv_read_as_csv(tmp_path):
    path = tmp_path / "cls.txt"
    path.write_text("text\tlabel\tlang\nข่าว\tsports\tth\n", encoding="utf-8")
    assert load_classification(path)[0].label == "sports"
    path = tmp_path / "cls.csv"
    path.write_text("text\tlabel\tlang\nข่าว\tsports\tth\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"cls.csv:1: read as comma-separated because of its extension '.csv', "
                                              r"but found no comma in the header 'text\\tlabel\\tlang': it holds "
                                              r"tabs, so the file looks tab-separated"):
        load_classification(path)
    path = tmp_path / "cls.dat"
    path.write_text("text\tlabel\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"cls.dat: unsupported file type '.dat': the format is told by the "
                                              r"extension; accepted extensions: \.jsonl or \.json"):
        load_classification(path, lang="th")
    with pytest.raises(DataFormatError, match=r"cls: no file extension"):
        load_classification(tmp_path / "cls", lang="th")


def test_qrels_with_commas_say_they_are_read_as_tsv(tmp_path):
    folder = save_beir(_dataset(), tmp_path / "toy")
    (folder / "qrels" / "test.tsv").write_text("query-id,corpus-id,score\nq1,d1,1\n")
    with pytest.raises(DataFormatError, match=r"test.tsv:1: read as tab-separated as BEIR qrels are, but found no "
                                              r"tab .*it holds commas"):
        load_beir(folder, lang="vi")
