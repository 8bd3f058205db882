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


def test_quotes_in_a_tsv_are_text_and_a_json_list_still_parses(tmp_path):
    path = tmp_path / "p.tsv"
    path.write_text('text\ten\tlang\nสวัสดี\t"Hello there\tth\nขอบคุณ\tthanks\tth\nทีวี\tTV 55"\tth\nลาก่อน\tbye\tth\n',
                    encoding="utf-8")
    assert [r.en for r in load_parallel(path)] == ['"Hello there', "thanks", 'TV 55"', "bye"]
    path = tmp_path / "c.tsv"
    path.write_text('premise\tchoices\tlabel\n"p"\t["a \\"x\\"", "b"]\t1\n', encoding="utf-8")
    assert load_choice(path, lang="vi")[0].choices == ('a "x"', "b")


def test_classification_labels_are_stripped_scalars_and_case_clashes_warn(tmp_path):
    path = tmp_path / "labels.tsv"
    path.write_text("text\tlabel\na\tPositive\nb\tpositive\nc\tpositive \nd\t positive\n", encoding="utf-8")
    with pytest.warns(UserWarning) as caught:
        rows = load_classification(path, lang="vi")
    assert [r.label for r in rows] == ["Positive", "positive", "positive", "positive"]
    assert [str(w.message) for w in caught] == [
        f"{path}: labels differing only in letter case are kept as different classes: 'Positive' (line 2) and "
        "'positive' (line 3); spell them the same if they are one class"]
    rows = load_classification(write(tmp_path / "n.jsonl", [{"text": "a", "label": 1}, {"text": "b", "label": 1.0},
                                                            {"text": "c", "label": "1"}]), lang="vi")
    assert [r.label for r in rows] == ["1", "1", "1"]


@pytest.mark.parametrize(("label", "shown"), [("true", "True"), ('{"x": 1}', "{'x': 1}"), ("[1]", r"\[1\]"),
                                              ("NaN", "nan")])
def test_classification_label_must_be_a_string_or_a_finite_number(tmp_path, label, shown):
    path = tmp_path / "n.jsonl"
    path.write_text(f'{{"text": "a", "label": "ok"}}\n{{"text": "b", "label": {label}}}\n', encoding="utf-8")
    with pytest.raises(DataFormatError, match=rf"n.jsonl:2 field 'label': must be a string or a finite number, "
                                              rf"got {shown}$"):
        load_classification(path, lang="vi")


def test_parallel_translations_as_a_json_list_and_unknown_columns_warn(tmp_path):
    path = tmp_path / "p.tsv"
    path.write_text('text\ten\ttranslations\na\tb\t["x","y"]\n', encoding="utf-8")
    assert load_parallel(path, lang="vi")[0].translations == ("x", "y")
    path.write_text('text\ten\ttranslations\na\tb\t["x",\n', encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"p.tsv:2 field 'translations': malformed JSON list"):
        load_parallel(path, lang="vi")
    rows = load_parallel(write(tmp_path / "p.jsonl", [{"text": "a", "en": "b", "translations": '["x","y"]'},
                                                      {"text": "a", "en": "b", "translations": "x"}]), lang="vi")
    assert [r.translations for r in rows] == [("x", "y"), ("x",)]
    path.write_text("text\ten\ten_fr\ten1\ten_2\na\tb\tbonjour\tother\tc\n", encoding="utf-8")
    with pytest.warns(UserWarning) as caught:
        assert load_parallel(path, lang="vi")[0].translations == ("c",)
    assert [str(w.message) for w in caught] == [
        f"{path}:2: ignored column(s) 'en_fr', 'en1'; the columns read are text, en, lang, id, translations and "
        "en_2, en_3, ... (extra English candidates)"]


@pytest.mark.parametrize(("rows", "message"), [
    ([{"premise": "a", "choices": ["x", "y"], "choice1": "z", "label": 0}],
     r"c.jsonl:1 field 'choice1': give either 'choices' or the numbered columns \(choice1\), not both$"),
    ([{"premise": "a", "choice1": "x", "choice2": "y", "choice10": "z", "label": 1}],
     r"c.jsonl:1 field 'choice10': numbered columns must run choice1, choice2, \.\.\. without a gap; found choice1, "
     r"choice2, choice10$"),
    ([{"premise": "a", "choices": ["x", "y"], "choice_en2": "y", "choice_en3": "z", "label": 1}],
     r"c.jsonl:1 field 'choice_en2': numbered columns must run choice_en1, choice_en2, \.\.\. without a gap"),
])
def test_choice_columns_in_both_forms_or_with_a_gap_are_refused(tmp_path, rows, message):
    with pytest.raises(DataFormatError, match=message):
        load_choice(write(tmp_path / "c.jsonl", rows), lang="vi")


@pytest.mark.parametrize(("doc_id", "message"), [
    ("", "must be a non-empty string"), ("  ", "must be a non-empty string"),
    ({"a": 1}, r"must be a string or a finite number, got \{'a': 1\}"),
])
def test_blank_and_non_scalar_ids_are_refused(tmp_path, doc_id, message):
    folder = save_beir(_dataset(), tmp_path / "toy")
    write(folder / "corpus.jsonl", [{"_id": "d1", "title": "", "text": "x"}, {"_id": doc_id, "title": "", "text": "x"}])
    with pytest.raises(DataFormatError, match=rf"corpus.jsonl:2 field '_id': {message}$"):
        load_beir(folder, lang="vi")
    path = write(tmp_path / "c.jsonl", [{"id": doc_id, "text": "a", "label": "x"}])
    if doc_id == "":  # an optional id left empty (an empty TSV cell): the row is named by its line
        assert load_classification(path, lang="vi")[0].id == "c.jsonl:1"
        return
    with pytest.raises(DataFormatError, match=rf"c.jsonl:1 field 'id': {message}$"):
        load_classification(path, lang="vi")


def test_duplicate_ids_are_refused_and_id_zero_is_kept(tmp_path):
    path = tmp_path / "c.tsv"
    path.write_text("id\ttext\tlabel\n1\ta\tx\n1\tb\ty\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"c.tsv:3 field 'id': duplicate id '1' \(first on line 2\)$"):
        load_classification(path, lang="vi")
    rows = [{"text1": "a", "text2": "b", "score": 1, "id": 0}] * 2
    with pytest.raises(DataFormatError, match=r"s.jsonl:2 field 'id': duplicate id '0' \(first on line 1\)$"):
        load_sts(write(tmp_path / "s.jsonl", rows), lang="vi")
    assert load_sts(write(tmp_path / "s.jsonl", rows[:1]), lang="vi")[0].id == "0"


def test_headerless_qrels_say_the_first_line_is_the_header(tmp_path):
    folder = save_beir(_dataset(), tmp_path / "toy")
    (folder / "qrels" / "test.tsv").write_text("q1\td1\t1\n")
    with pytest.raises(DataFormatError, match=r"test.tsv:1: the first line is read as the header and must be "
                                              r"query-id<TAB>corpus-id<TAB>score; found 'q1<TAB>d1<TAB>1'$"):
        load_beir(folder, lang="vi")


def test_a_pair_judged_twice_names_both_lines(tmp_path):
    folder = save_beir(_dataset(), tmp_path / "toy")
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td1\t0\n")
    with pytest.raises(DataFormatError, match=r"test.tsv:3 field 'corpus-id': query 'q1' and document 'd1' are judged "
                                              r"twice \(first on line 2\)$"):
        load_beir(folder, lang="vi")
