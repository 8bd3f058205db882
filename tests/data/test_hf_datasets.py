import pytest

datasets = pytest.importorskip("datasets")
from datasets import Dataset, DatasetDict  # noqa: E402

from lira.data.errors import DataFormatError  # noqa: E402
from lira.data.formats import Document, Query, RetrievalDataset  # noqa: E402
from lira.data.hf_datasets import dataset_source, parse_columns, with_columns  # noqa: E402
from lira.data.lexicon import load_lexicon  # noqa: E402
from lira.data.loaders import (  # noqa: E402
    load_beir,
    load_choice,
    load_classification,
    load_nli,
    load_parallel,
    load_sts,
    save_beir,
)


def test_every_loader_reads_a_dataset_with_named_columns():
    pairs = load_parallel(Dataset.from_dict({"text": ["รองเท้า"], "en": ["shoes"], "translations": [["footwear"]]}),
                          lang="th")
    assert (pairs[0].lang, pairs[0].en, pairs[0].translations, pairs[0].id) == ("tha", "shoes", ("footwear",),
                                                                                  "dataset:0")
    sts = load_sts(Dataset.from_dict({"text1": ["a"], "text2": ["b"], "score": [4.5], "lang": ["vi"]}))
    assert (sts[0].lang1, sts[0].score) == ("vie", 4.5)
    nli = load_nli(Dataset.from_dict({"premise": ["p"], "hypothesis": ["h"], "label": [2]}), lang="ind")
    assert nli[0].label == "contradiction"
    choice = load_choice(Dataset.from_dict({"premise": ["p"], "choice1": ["a"], "choice2": ["b"], "label": [1]}),
                         lang="ind")
    assert (choice[0].choices, choice[0].label) == (("a", "b"), 1)
    topics = load_classification(Dataset.from_dict({"text": ["x", "y"], "label": ["sport", "food"]}), lang="tha")
    assert [t.label for t in topics] == ["sport", "food"]
    lexicon = load_lexicon(Dataset.from_dict({"term": ["ร้อน"], "translation": ["hot"]}))
    assert lexicon["ร้อน"][0].translation == "hot" and lexicon["ร้อน"][0].note == ""


def test_column_mapping_for_datasets_and_files(tmp_path):
    ds = Dataset.from_dict({"sentence": ["sepatu"], "english": ["shoes"]})
    pairs = load_parallel(with_columns(ds, {"text": "sentence", "en": "english"}), lang="id")
    assert (pairs[0].text, pairs[0].en) == ("sepatu", "shoes")
    path = tmp_path / "p.tsv"
    path.write_text("sentence\tenglish\nsepatu\tshoes\n", encoding="utf-8")
    pairs = load_parallel(with_columns(path, {"text": "sentence", "en": "english"}), lang="id")
    assert (pairs[0].text, pairs[0].en, pairs[0].id) == ("sepatu", "shoes", "p.tsv:2")
    assert parse_columns(["text=sentence", "en = english"]) == {"text": "sentence", "en": "english"}
    with pytest.raises(ValueError, match="expected FIELD=COLUMN"):
        parse_columns(["text"])
    with pytest.raises(DataFormatError, match=r"column 'sentense' \(mapped to field 'text'\) not found; columns "
                                              r"present: sentence, english"):
        with_columns(ds, {"text": "sentense"})


def test_missing_column_is_named_with_the_columns_present():
    ds = Dataset.from_dict({"sentence": ["sepatu"], "en": ["shoes"]})
    with pytest.raises(DataFormatError) as error:
        load_parallel(ds, lang="id")
    assert str(error.value) == (
        "Dataset: no column 'text'; columns present: sentence, en; map another column to it: "
        "lira.data.hf_datasets.with_columns(data, {'text': 'COLUMN'}) in Python, --column text=COLUMN on the "
        "command line")
    # what the hint names works: the import path, and the command line's parser of --column
    import lira.data.hf_datasets

    assert load_parallel(lira.data.hf_datasets.with_columns(ds, {"text": "sentence"}), lang="id")[0].text == "sepatu"
    assert load_parallel(with_columns(ds, parse_columns(["text=sentence"])), lang="id")[0].text == "sepatu"
    with pytest.raises(DataFormatError, match=r"no column 'choices' or 'choice1'; columns present: premise, label; "
                                              r"map another column to it: lira\.data\.hf_datasets\.with_columns\(data, "
                                              r"\{'choices': 'COLUMN'\}\) in Python, --column choices=COLUMN on the "
                                              r"command line$"):
        load_choice(Dataset.from_dict({"premise": ["p"], "label": [0]}), lang="ind")


def test_missing_column_of_a_retrieval_dataset_names_load_beir_columns():
    dd = DatasetDict({"corpus": Dataset.from_dict({"id": ["d1"], "text": ["nike"]}),
                      "queries": Dataset.from_dict({"_id": ["q1"], "text": ["nike"]}),
                      "test": Dataset.from_dict({"query-id": ["q1"], "corpus-id": ["d1"], "score": [1]})})
    with pytest.raises(DataFormatError) as error:
        load_beir(dd, lang="th")
    assert str(error.value) == (
        "DatasetDict split 'corpus': no column '_id'; columns present: id, text; map another column to it: "
        "load_beir(..., columns={'_id': 'COLUMN'}) in Python, --column _id=COLUMN on the command line")
    assert list(load_beir(dd, lang="th", columns={"_id": "id"}).corpus) == ["d1"]


def test_null_in_a_text_column_names_row_and_column():
    ds = Dataset.from_dict({"sentence": ["a", None, "c"], "en": ["x", "y", "z"]})
    with pytest.raises(DataFormatError, match=r"^Dataset row 1 column 'sentence' \(field 'text'\): null value"):
        load_parallel(with_columns(ds, {"text": "sentence"}), lang="id")
    # an optional column may hold nulls
    rows = load_classification(Dataset.from_dict({"text": ["a", "b"], "label": ["x", "y"], "en": [None, "B"]}),
                               lang="ind")
    assert [r.en for r in rows] == [None, "B"]
    # a blank value is located the same way
    with pytest.raises(DataFormatError, match=r"Dataset row 0 column 'text': must be a non-empty string"):
        load_classification(Dataset.from_dict({"text": [" "], "label": ["x"]}), lang="ind")


def test_dataset_dict_and_save_to_disk_folder(tmp_path):
    dd = DatasetDict({"train": Dataset.from_dict({"text": ["a"], "label": ["x"]}),
                      "test": Dataset.from_dict({"text": ["b", "c"], "label": ["y", "x"]})})
    with pytest.raises(DataFormatError) as error:
        load_classification(dd, lang="ind")
    assert str(error.value) == ("DatasetDict: splits train, test, and LiRA reads one split: pass one split, e.g. "
                                "data['test'] (the loaders take no split=)")
    assert len(load_classification(dd["test"], lang="ind")) == 2  # what the message says
    assert len(load_classification(dataset_source(dd, split="test"), lang="ind")) == 2
    assert len(load_classification(with_columns(dd, {}, split="test"), lang="ind")) == 2
    dd.save_to_disk(str(tmp_path / "dd"))
    folder = tmp_path / "dd"
    with pytest.raises(DataFormatError) as error:
        load_classification(folder, lang="ind")
    assert str(error.value) == (f"{folder}: a DatasetDict with splits train, test, and LiRA reads one split: give "
                                f"that split's own folder, e.g. {folder / 'test'} (on the command line too; in "
                                "Python, load_from_disk(...)['test'] also works)")
    assert len(load_classification(datasets.load_from_disk(str(folder))["test"], lang="ind")) == 2
    source = dataset_source(tmp_path / "dd", prefer=("train",))
    rows = load_classification(source, lang="ind")
    assert [(r.text, r.id) for r in rows] == [("a", "train:0")]
    assert len(load_classification(tmp_path / "dd" / "test", lang="ind")) == 2  # a split's own folder
    with pytest.raises(DataFormatError, match="no split 'dev'; splits present: train, test"):
        dataset_source(tmp_path / "dd", split="dev")
    # the command line's choice (lira.cli_eval: prefer 'train' for --train, 'test' for the others)
    assert len(load_classification(dataset_source(folder, prefer=("test",)), lang="ind")) == 2
    DatasetDict({"dev": dd["train"], "eval": dd["test"]}).save_to_disk(str(tmp_path / "no_test"))
    with pytest.raises(DataFormatError) as error:
        dataset_source(tmp_path / "no_test", prefer=("test",))
    assert str(error.value) == (f"{tmp_path / 'no_test'}: a DatasetDict with splits dev, eval (none named 'test'), "
                                f"and LiRA reads one split: give that split's own folder, e.g. "
                                f"{tmp_path / 'no_test' / 'dev'} (on the command line too; in Python, "
                                "load_from_disk(...)['dev'] also works)")
    assert len(load_classification(dataset_source(tmp_path / "no_test" / "dev", prefer=("test",)), lang="ind")) == 1
    DatasetDict({"eval": dd["test"]}).save_to_disk(str(tmp_path / "one"))  # the only split, whatever its name
    assert len(load_classification(dataset_source(tmp_path / "one", prefer=("test",)), lang="ind")) == 2
    assert len(load_classification(tmp_path / "one", lang="ind")) == 2
    (tmp_path / "plain").mkdir()
    with pytest.raises(DataFormatError, match="a folder, but not one written by save_to_disk"):
        load_classification(tmp_path / "plain", lang="ind")


def test_beir_dataset_dict_matches_the_beir_folder(tmp_path):
    dataset = RetrievalDataset(
        name="toy", lang="tha",
        corpus={"d1": Document("รองเท้า", "nike", en="shoes"), "d2": Document("", "หม้อ")},
        queries={"q1": Query("รองเท้า nike", en="nike shoes"), "q2": Query("หม้อหุงข้าว")},
        qrels={"test": {"q1": {"d1": 2}, "q2": {"d2": 1, "d1": 0}}})
    save_beir(dataset, tmp_path / "beir")
    dd = DatasetDict({
        "corpus": Dataset.from_dict({"id": ["d1", "d2"], "title": ["รองเท้า", ""], "text": ["nike", "หม้อ"],
                                     "en": ["shoes", None]}),
        "queries": Dataset.from_dict({"id": ["q1", "q2"], "text": ["รองเท้า nike", "หม้อหุงข้าว"],
                                      "en": ["nike shoes", None]}),
        "test": Dataset.from_dict({"query-id": ["q1", "q2", "q2"], "corpus-id": ["d1", "d2", "d1"],
                                   "score": [2, 1, 0]})})
    dd.save_to_disk(str(tmp_path / "dd"))
    from_files = load_beir(tmp_path / "beir", lang="th")
    from_dataset = load_beir(tmp_path / "dd", lang="th", columns={"_id": "id"})
    assert (from_dataset.corpus, from_dataset.queries, from_dataset.qrels) == \
        (from_files.corpus, from_files.queries, from_files.qrels)
    with pytest.raises(DataFormatError, match="needs splits corpus, queries and at least one qrels split"):
        load_beir(DatasetDict({"corpus": dd["corpus"], "queries": dd["queries"]}), lang="th")


def test_language_errors_name_the_dataset_column(tmp_path):
    ds = Dataset.from_dict({"text1": ["a"], "text2": ["b"], "score": [4.0], "language": ["thai"]})
    with pytest.raises(DataFormatError, match=r"^Dataset row 0 column 'language' \(field 'lang'\): unknown language "
                                              r"code 'thai'"):
        load_sts(with_columns(ds, {"lang": "language"}))
    with pytest.raises(DataFormatError, match=r"^Dataset row 0 column 'lang': no language: add a 'lang' column, or "
                                              r"give the language: --lang on the command line, lang=\.\.\. in Python"):
        load_classification(Dataset.from_dict({"text": ["a"], "label": ["x"]}))
    path = tmp_path / "pairs.tsv"
    path.write_text("text1\ttext2\tscore\tlanguage\na\tb\t4\tthai\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"pairs.tsv:2 column 'language' \(field 'lang'\): unknown language"):
        load_sts(with_columns(path, {"lang": "language"}))


def test_every_missing_column_is_named_in_one_error():
    ds = Dataset.from_dict({"sentence": ["sepatu"], "english": ["shoes"]})
    with pytest.raises(DataFormatError) as error:
        load_parallel(ds, lang="id")
    assert str(error.value) == (
        "Dataset: no columns 'text', 'en'; columns present: sentence, english; map another column to each: "
        "lira.data.hf_datasets.with_columns(data, {'text': 'COLUMN', 'en': 'COLUMN'}) in Python, "
        "--column text=COLUMN --column en=COLUMN on the command line")
    mapped = with_columns(ds, parse_columns(["text=sentence", "en=english"]))
    assert (load_parallel(mapped, lang="id")[0].en) == "shoes"
