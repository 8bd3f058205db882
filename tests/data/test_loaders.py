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
