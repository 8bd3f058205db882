"""Tests for lira.data.benchmarks: real counts and values on ../shared/data, and error handling on fake folders."""

from __future__ import annotations

import inspect
import os
import warnings
from pathlib import Path

import pytest

from lira.data import benchmarks
from lira.data.errors import DataFormatError
from lira.data.formats import NLI_LABELS

_DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
DATA_DIR = Path(os.environ["LIRA_DATA_DIR"]) if os.environ.get("LIRA_DATA_DIR") else _DEFAULT_DATA


@pytest.fixture
def data_dir() -> Path:
    if not DATA_DIR.is_dir():
        pytest.skip(f"../shared/data not found: {DATA_DIR} (set LIRA_DATA_DIR to run the real-data tests)")
    return DATA_DIR


def _no_warnings(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args, **kwargs)


# ------------------------------------------------------------------------------------------- real data

@pytest.mark.parametrize(("lang", "count"), [("tha", 548), ("khm", 722), ("tam", 307), ("zsm", 1000), ("tl", 1000)])
def test_tatoeba_counts(data_dir, lang, count):
    pairs = _no_warnings(benchmarks.tatoeba, data_dir, lang=lang)
    assert len(pairs) == count
    assert all(p.text.strip() and p.en.strip() and p.lang in ("tha", "khm", "tam", "zsm", "tgl") for p in pairs)


def test_tatoeba_first_row(data_dir):
    first = benchmarks.tatoeba(data_dir, lang="th")[0]
    assert (first.lang, first.text, first.en) == ("tha", "เหลือเวลาอีกกี่ชั่วโมงกว่าจะเดินทางไปถึง?",
                                                  "How many hours left till arrival?")
    assert benchmarks.tatoeba(data_dir, lang="km")[0].en == "What about Jack?"


def test_tatoeba_language_without_set(data_dir):
    with pytest.raises(ValueError, match="mya"):
        benchmarks.tatoeba(data_dir, lang="my")


@pytest.mark.parametrize(("split", "count"), [("train", 701), ("dev", 99), ("test", 204)])
def test_sib200_tha_counts_with_english(data_dir, split, count):
    rows = _no_warnings(benchmarks.sib200, data_dir, lang="tha_Thai", split=split)
    assert len(rows) == count
    assert all(r.lang == "tha" and r.en and r.text and r.id for r in rows)
    assert len({r.label for r in rows}) == 7


def test_sib200_values(data_dir):
    first = benchmarks.sib200(data_dir, lang="th", split="train")[0]
    assert (first.id, first.label) == ("431", "geography")
    assert first.en.startswith("Turkey is encircled by seas on three sides")
    # CSV-quoted field decoded once, as SIB-200's own pandas loader does.
    english = {r.id: r.text for r in benchmarks.sib200(data_dir, lang="eng", split="train")}
    assert english["1239"].startswith('"She’s very cute and sings quite well, too," he said')


@pytest.mark.parametrize("lang", ["mya", "lao", "npi", "sin"])
def test_sib200_parallel_all_languages(data_dir, lang):
    pairs = _no_warnings(benchmarks.sib200_parallel, data_dir, lang=lang, split="dev")
    assert len(pairs) == 99
    assert all(p.lang == lang and p.en and p.text != p.en for p in pairs)


@pytest.mark.parametrize("lang", ["th", "vie", "hi", "ur"])
def test_xnli_aligned_with_english(data_dir, lang):
    rows = benchmarks.xnli(data_dir, lang=lang)
    assert len(rows) == 2490
    assert all(r.premise_en and r.hypothesis_en and r.label in NLI_LABELS for r in rows)
    assert rows[0].premise_en == "And he said, Mama, I'm home."
    assert rows[0].label == "neutral"


def test_xnli_thai_first_row(data_dir):
    first = benchmarks.xnli(data_dir, lang="tha")[0]
    assert first.premise == "และเขาพูดว่า, ม่าม๊า ผมอยู่บ้าน"
    assert first.hypothesis_en == "He called his mom as soon as the school bus dropped him off."


def test_myxnli(data_dir):
    rows = benchmarks.myxnli(data_dir)
    assert len(rows) == 2490
    assert {r.lang for r in rows} == {"mya"}
    assert rows[0].label == "neutral" and rows[0].premise_en == "And he said, Mama, I'm home."
    assert sum(r.label == "entailment" for r in rows) == 830


@pytest.mark.parametrize(("split", "count"), [("val", 2197), ("test_lay", 2201), ("test_expert", 2984)])
def test_indonli_counts(data_dir, split, count):
    rows = benchmarks.indonli(data_dir, split=split)
    assert len(rows) == count
    assert all(r.lang == "ind" and r.premise_en is None and r.label in NLI_LABELS for r in rows)


def test_indonli_first_row(data_dir):
    first = benchmarks.indonli(data_dir, split="val")[0]
    assert (first.id, first.label, first.hypothesis) == ("119373", "contradiction",
                                                        "Manuskrip tersebut tidak mencatat laporan kematian.")


@pytest.mark.parametrize(("lang", "split", "count"),
                         [("id", "test", 500), ("id", "val", 100), ("ta", "test", 500), ("th", "val", 100),
                          ("vi", "val", 100)])
def test_xcopa_counts_with_english(data_dir, lang, split, count):
    rows = _no_warnings(benchmarks.xcopa, data_dir, lang=lang, split=split)
    assert len(rows) == count
    assert all(r.premise_en and r.choices_en and len(r.choices_en) == 2 and r.label in (0, 1)
               and r.question in ("cause", "effect") for r in rows)


def test_xcopa_first_row(data_dir):
    first = benchmarks.xcopa(data_dir, lang="ind", split="test")[0]
    assert first.premise == "Barang itu dikemas dalam bungkus gelembung."
    assert first.choices_en == ("Stuff is fragile.", "That stuff is small.")
    assert (first.label, first.question, first.id) == (0, "cause", "0")


def test_xcopa_no_thai_test(data_dir):
    with pytest.raises(ValueError, match="val"):
        benchmarks.xcopa(data_dir, lang="th", split="test")


def test_thai_stsb(data_dir):
    rows = benchmarks.thai_stsb(data_dir, pairing="th-th")
    assert len(rows) == 1379
    assert all(0.0 <= r.score <= 5.0 and r.en1 and r.en2 and r.lang1 == r.lang2 == "tha" for r in rows)
    assert (rows[0].score, rows[0].en1) == (2.5, "A girl is styling her hair.")
    # English STS-B is read with QUOTE_NONE: an unbalanced quote stays in the sentence.
    assert rows[648].en2 == 'I always go by the rule "When in doubt, throw it out!'
    cross = benchmarks.thai_stsb(data_dir, pairing="en-th")
    assert len(cross) == 1379
    assert (cross[0].text1, cross[0].text2, cross[0].lang1, cross[0].lang2) == (
        "A girl is styling her hair.", rows[0].text2, "eng", "tha")


@pytest.mark.parametrize("pairing", ["hi-hi", "en-hi"])
def test_hindi_stsb(data_dir, pairing):
    rows = _no_warnings(benchmarks.hindi_stsb, data_dir, pairing=pairing)
    assert len(rows) == 1374
    assert all(0.0 <= r.score <= 1.0 and r.en1 and r.en2 for r in rows)
    assert (rows[0].id, rows[0].score, rows[0].en1) == ("0", 0.5, "A girl is styling her hair.")
    assert rows[0].lang1 == ("hin" if pairing == "hi-hi" else "eng") and rows[0].lang2 == "hin"


@pytest.mark.parametrize(("lang", "split", "count"),
                         [("ind", "dev", 144), ("ind", "test", 360), ("hin", "dev", 288), ("hi", "test", 968)])
def test_semrel_counts(data_dir, lang, split, count):
    rows = benchmarks.semrel(data_dir, lang=lang, split=split)
    assert len(rows) == count
    assert all(0.0 <= r.score <= 1.0 and r.text1.strip() and r.text2.strip() and "\n" not in r.text1 + r.text2
               for r in rows)


def test_semrel_first_row(data_dir):
    first = benchmarks.semrel(data_dir, lang="id", split="dev")[0]
    assert first.id == "ind_dev_00001" and first.score == 0.0
    assert first.text1.startswith("Enam tersangka itu keluar bergantian")
    assert first.text2.startswith("Kami ada di belakang pajak")


@pytest.mark.parametrize(("split", "count"), [("train", 500), ("valid", 100), ("test", 400)])
def test_nusax_mt(data_dir, split, count):
    rows = benchmarks.nusax_mt(data_dir, split=split)
    assert len(rows) == count
    assert all(r.lang == "ind" and r.text and r.en for r in rows)


def test_nusax_first_row(data_dir):
    first = benchmarks.nusax_mt(data_dir, split="train")[0]
    assert first.id == "0"
    assert first.en.startswith("Enjoy 0% instalment for up to 12 months")


@pytest.mark.parametrize(("split", "count"), [("train", 500), ("valid", 100), ("test", 400)])
def test_nusax_sentiment_is_the_mt_sentences_with_labels(data_dir, split, count):
    rows = _no_warnings(benchmarks.nusax_sentiment, data_dir, split=split)
    mt = benchmarks.nusax_mt(data_dir, split=split)
    assert len(rows) == count and {r.lang for r in rows} == {"ind"}
    assert {r.label for r in rows} == set(benchmarks.NUSAX_SENTIMENT_LABELS)
    assert [(r.text, r.en) for r in rows] == [(p.text, p.en) for p in mt]  # the same sentences, in the same order


def test_nusax_sentiment_first_row(data_dir):
    first = benchmarks.nusax_sentiment(data_dir, split="train")[0]
    assert (first.id, first.label) == ("219", "neutral")
    assert first.en.startswith("Enjoy 0% instalment for up to 12 months")


@pytest.mark.parametrize(("lang", "code"), [("th", "tha"), ("bn", "ben"), ("eng", "eng")])
def test_mgsm_aligned_with_english(data_dir, lang, code):
    rows = _no_warnings(benchmarks.mgsm, data_dir, lang=lang)
    english = benchmarks.mgsm(data_dir, lang="en")
    assert len(rows) == 250 and {r.lang for r in rows} == {code}
    assert [r.en for r in rows] == [e.question for e in english] and [r.answer for r in rows] == [
        e.answer for e in english]
    assert rows[0].answer == 18.0 and rows[0].en.startswith("Janet’s ducks lay 16 eggs per day.")
    assert rows[0].id == f"mgsm_{lang[:2]}.tsv:1" and all(r.question.strip() and r.en for r in rows)
    assert rows[-1].answer == 5600.0  # "5,600" in the file: thousands commas parsed
    assert sum(r.answer >= 1000 for r in rows) == 23 and all(r.answer == int(r.answer) for r in rows)


def test_mgsm_thai_first_row(data_dir):
    first = benchmarks.mgsm(data_dir, lang="tha")[0]
    assert first.question.startswith("เป็ดของเจเน็ตวางไข่วันละ 16 ฟอง")


# ------------------------------------------------------------------------------------------- no real data

def test_datasets_registry_names_functions():
    assert set(benchmarks.DATASETS) == {"tatoeba", "sib200", "sib200_parallel", "xnli", "myxnli", "indonli",
                                        "xcopa", "thai_stsb", "hindi_stsb", "semrel", "nusax_mt", "nusax_sentiment",
                                        "mgsm"}
    for name in benchmarks.DATASETS:
        fn = getattr(benchmarks, name)
        assert fn.__doc__
        assert next(iter(inspect.signature(fn).parameters)) == "data_dir"


def test_missing_folder_names_path(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError, match="nowhere"):
        benchmarks.tatoeba(missing, lang="tha")
    with pytest.raises(FileNotFoundError, match="nowhere"):
        benchmarks.myxnli(missing)


def test_missing_file_names_expected_path(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        benchmarks.tatoeba(tmp_path, lang="tha")
    assert str(tmp_path / "tatoeba/data/tatoeba/v1/tatoeba.tha-eng.tha") in str(info.value)
    with pytest.raises(FileNotFoundError, match="sib200/data/annotated/khm_Khmr/dev.tsv"):
        benchmarks.sib200(tmp_path, lang="km", split="dev")


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="train"):
        benchmarks.sib200(tmp_path, lang="tha", split="validation")
    with pytest.raises(ValueError, match="unknown language"):
        benchmarks.sib200(tmp_path, lang="xx", split="dev")
    with pytest.raises(ValueError, match="th-th"):
        benchmarks.thai_stsb(tmp_path, pairing="th-en")


def _tatoeba_folder(root: Path, src: bytes, eng: bytes) -> Path:
    folder = root / "tatoeba/data/tatoeba/v1"
    folder.mkdir(parents=True)
    (folder / "tatoeba.tha-eng.tha").write_bytes(src)
    (folder / "tatoeba.tha-eng.eng").write_bytes(eng)
    return folder


def test_tatoeba_invalid_utf8_names_file_and_line(tmp_path):
    folder = _tatoeba_folder(tmp_path, "สวัสดี\n".encode() + b"\xff\xfe bad\n", b"Hello\nBad\n")
    with pytest.raises(DataFormatError) as info:
        benchmarks.tatoeba(tmp_path, lang="tha")
    assert info.value.line == 2
    assert Path(info.value.path) == folder / "tatoeba.tha-eng.tha"
    assert "tatoeba.tha-eng.tha:2" in str(info.value)


def test_tatoeba_misaligned_files(tmp_path):
    _tatoeba_folder(tmp_path, "หนึ่ง\nสอง\n".encode(), b"One\n")
    with pytest.raises(DataFormatError, match="line-aligned"):
        benchmarks.tatoeba(tmp_path, lang="tha")


def test_tatoeba_fake_folder_reads(tmp_path):
    _tatoeba_folder(tmp_path, "หนึ่ง\nสอง\n".encode(), b"One\nTwo\n")
    pairs = benchmarks.tatoeba(tmp_path, lang="th")
    assert [(p.text, p.en, p.lang) for p in pairs] == [("หนึ่ง", "One", "tha"), ("สอง", "Two", "tha")]


def _xnli_folder(root: Path, lang_text: str, en_text: str) -> Path:
    folder = root / "xnli_xtreme/data/xnli"
    folder.mkdir(parents=True)
    (folder / "dev-th.tsv").write_text(lang_text, encoding="utf-8")
    (folder / "dev-en.tsv").write_text(en_text, encoding="utf-8")
    return folder


def test_xnli_malformed_row_names_file_and_line(tmp_path):
    folder = _xnli_folder(tmp_path, "ก\tข\tneutral\nค\tentailment\n", "a\tb\tneutral\nc\td\tentailment\n")
    with pytest.raises(DataFormatError) as info:
        benchmarks.xnli(tmp_path, lang="th")
    assert (Path(info.value.path), info.value.line) == (folder / "dev-th.tsv", 2)


def test_xnli_label_misalignment(tmp_path):
    _xnli_folder(tmp_path, "ก\tข\tneutral\n", "a\tb\tcontradiction\n")
    with pytest.raises(DataFormatError, match="not aligned"):
        benchmarks.xnli(tmp_path, lang="th")


def test_indonli_bad_label(tmp_path):
    folder = tmp_path / "indonli/data/indonli"
    folder.mkdir(parents=True)
    (folder / "val.jsonl").write_text('{"pair_id": 1, "premise": "a", "hypothesis": "b", "label": "e"}\n'
                                      '{"pair_id": 2, "premise": "a", "hypothesis": "b", "label": "x"}\n',
                                      encoding="utf-8")
    with pytest.raises(DataFormatError) as info:
        benchmarks.indonli(tmp_path, split="val")
    assert (info.value.line, info.value.field) == (2, "label")


def _semrel_file(root: Path, data: bytes) -> Path:
    folder = root / "semrel2024/Track B/ind"
    folder.mkdir(parents=True)
    path = folder / "ind_dev_with_labels.csv"
    path.write_bytes(data)
    return path


def test_semrel_multiline_field_and_physical_lines(tmp_path):
    _semrel_file(tmp_path, b'PairID,Text,Score\nA,"satu\ndua",0.5\nB,"tiga, ""empat""\nlima",1.0\n')
    rows = benchmarks.semrel(tmp_path, lang="ind", split="dev")
    assert [(r.id, r.text1, r.text2, r.score) for r in rows] == [("A", "satu", "dua", 0.5),
                                                                 ("B", 'tiga, "empat"', "lima", 1.0)]


def test_semrel_malformed_row_reports_start_line(tmp_path):
    path = _semrel_file(tmp_path, b'PairID,Text,Score\nA,"satu\ndua",0.5\nB,"tiga tanpa baris kedua",0.2\n')
    with pytest.raises(DataFormatError) as info:
        benchmarks.semrel(tmp_path, lang="ind", split="dev")
    assert (Path(info.value.path), info.value.line, info.value.field) == (path, 4, "Text")


def test_semrel_invalid_utf8_and_bad_score(tmp_path):
    path = _semrel_file(tmp_path, b'PairID,Text,Score\nA,"satu\ndua",0.5\nB,"\xc3\x28\ndua",0.5\n')
    with pytest.raises(DataFormatError, match=r"ind_dev_with_labels\.csv:4"):
        benchmarks.semrel(tmp_path, lang="ind", split="dev")
    path.write_bytes(b'PairID,Text,Score\nA,"satu\ndua",1.5\n')
    with pytest.raises(DataFormatError, match="outside"):
        benchmarks.semrel(tmp_path, lang="ind", split="dev")


def test_hindi_stsb_skips_row_without_english_with_one_warning(tmp_path):
    folder = tmp_path / "stsb_multi_hi/derived"
    folder.mkdir(parents=True)
    header = "orig_index\tscore_0_1\tsentence1\tsentence2\n"
    (folder / "stsb_test_en.tsv").write_text(header + '0\t0.5\tA "girl".\tA girl.\n', encoding="utf-8")
    (folder / "stsb_test_hi.tsv").write_text(header + "0\t0.5\tएक लड़की।\tलड़की।\n1\t0.2\tक\tख\n2\t0.1\tग\tघ\n",
                                             encoding="utf-8")
    with pytest.warns(UserWarning, match="skipped 2 row") as record:
        rows = benchmarks.hindi_stsb(tmp_path, pairing="en-hi")
    assert len(record) == 1
    assert [(r.id, r.text1, r.text2, r.score) for r in rows] == [("0", 'A "girl".', "लड़की।", 0.5)]


def _mgsm_folder(root: Path, lang_text: str, en_text: str) -> Path:
    folder = root / "mgsm/mgsm"
    folder.mkdir(parents=True)
    (folder / "mgsm_bn.tsv").write_text(lang_text, encoding="utf-8")
    (folder / "mgsm_en.tsv").write_text(en_text, encoding="utf-8")
    return folder


def test_mgsm_fake_folder_reads_numbers_strictly(tmp_path):
    _mgsm_folder(tmp_path, "এক\t1,250\nদুই\t-2.5\n", "One\t1250\nTwo\t-2.50\n")
    rows = benchmarks.mgsm(tmp_path, lang="bn")
    assert [(r.lang, r.question, r.answer, r.en, r.id) for r in rows] == [
        ("ben", "এক", 1250.0, "One", "mgsm_bn.tsv:1"), ("ben", "দুই", -2.5, "Two", "mgsm_bn.tsv:2")]


@pytest.mark.parametrize("answer", ["12 apples", "1,25", "", "1.2.3", "১২"])
def test_mgsm_bad_answer_names_file_line_and_field(tmp_path, answer):
    folder = _mgsm_folder(tmp_path, f"এক\t1\nদুই\t{answer}\n", "One\t1\nTwo\t2\n")
    with pytest.raises(DataFormatError) as info:
        benchmarks.mgsm(tmp_path, lang="ben")
    assert (Path(info.value.path), info.value.line, info.value.field) == (folder / "mgsm_bn.tsv", 2, "answer")


def test_mgsm_misaligned_and_missing_files(tmp_path):
    _mgsm_folder(tmp_path, "এক\t1\nদুই\t2\n", "One\t1\n")
    with pytest.raises(DataFormatError, match="must be aligned"):
        benchmarks.mgsm(tmp_path, lang="bn")
    (tmp_path / "mgsm/mgsm/mgsm_en.tsv").write_text("One\t1\nTwo\t3\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="not aligned") as info:
        benchmarks.mgsm(tmp_path, lang="bn")
    assert (info.value.line, info.value.field) == (2, "answer")
    with pytest.raises(FileNotFoundError, match="mgsm/mgsm/mgsm_th.tsv"):
        benchmarks.mgsm(tmp_path, lang="th")
    with pytest.raises(ValueError, match="tha, ben, eng"):
        benchmarks.mgsm(tmp_path, lang="vie")


def test_thai_stsb_dev_is_aligned_with_english_dev(data_dir):
    rows = benchmarks.thai_stsb(data_dir, pairing="th-th", split="dev")
    assert len(rows) == 1499  # the English dev file's first row has no Thai row; scores are checked row by row
    assert (rows[0].score, rows[0].en1) == (4.75, "A young child is riding a horse.")
    cross = benchmarks.thai_stsb(data_dir, pairing="en-th", split="dev")
    assert [(r.text1, r.text2, r.score) for r in cross[:3]] == [(r.en1, r.text2, r.score) for r in rows[:3]]
    with pytest.raises(ValueError, match="Thai STS-B split"):
        benchmarks.thai_stsb(data_dir, split="train")


def _nusax_sentiment_folder(root: Path, indonesian: str, english: str) -> Path:
    folder = root / "nusax/datasets/sentiment"
    for lang, text in (("indonesian", indonesian), ("english", english)):
        (folder / lang).mkdir(parents=True)
        (folder / lang / "valid.csv").write_text(text, encoding="utf-8")
    return folder


def test_nusax_sentiment_joins_by_id(tmp_path):
    _nusax_sentiment_folder(tmp_path, 'id,text,label\n7,"bagus, murah",positive\n3,biasa,neutral\n',
                            "id,text,label\n3,so-so,neutral\n7,\"good, cheap\",positive\n")
    rows = benchmarks.nusax_sentiment(tmp_path, split="valid")
    assert [(r.id, r.text, r.en, r.label) for r in rows] == [("7", "bagus, murah", "good, cheap", "positive"),
                                                             ("3", "biasa", "so-so", "neutral")]


@pytest.mark.parametrize(("indonesian", "english", "where", "line", "field", "message"), [
    ("id,text,label\n1,a,positive\n2,b,happy\n", "id,text,label\n1,x,positive\n2,y,happy\n", "indonesian", 3,
     "label", "unknown label 'happy'; valid: negative, neutral, positive"),
    ("id,text,label\n1,a,positive\n1,b,negative\n", "id,text,label\n1,x,positive\n", "indonesian", 3, "id",
     "duplicate id '1' \\(first at line 2\\)"),
    ("id,text,label\n1,a,positive\n2,b,negative\n", "id,text,label\n1,x,positive\n", "indonesian", 3, "id",
     "1 id\\(s\\) have no row in .*english/valid.csv \\(first: '2'\\)"),
    ("id,text,label\n1,a,positive\n", "id,text,label\n1,x,positive\n9,y,negative\n", "english", 3, "id",
     "1 id\\(s\\) have no row in .*indonesian/valid.csv \\(first: '9'\\)"),
    ("id,text,label\n1,a,positive\n", "id,text,label\n1,x,negative\n", "indonesian", 2, "label",
     "label 'positive' differs from valid.csv line 2 \\('negative', same id\\)"),
    ("id,text,label\n1, ,positive\n", "id,text,label\n1,x,positive\n", "indonesian", 2, "text", "non-empty"),
])
def test_nusax_sentiment_bad_rows_name_file_line_and_field(tmp_path, indonesian, english, where, line, field,
                                                           message):
    folder = _nusax_sentiment_folder(tmp_path, indonesian, english)
    with pytest.raises(DataFormatError, match=message) as info:
        benchmarks.nusax_sentiment(tmp_path, split="valid")
    assert (Path(info.value.path), info.value.line, info.value.field) == (folder / where / "valid.csv", line, field)


def test_nusax_sentiment_bad_split_and_missing_file(tmp_path):
    with pytest.raises(ValueError, match="NusaX sentiment split: unknown 'dev'; valid: train, valid, test"):
        benchmarks.nusax_sentiment(tmp_path, split="dev")
    with pytest.raises(FileNotFoundError, match="nusax/datasets/sentiment/indonesian/test.csv"):
        benchmarks.nusax_sentiment(tmp_path, split="test")
