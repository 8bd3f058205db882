"""Corpora for the index: the built-in product set by name and BEIR corpus.jsonl files, with errors that name the
file, line and field."""

import hashlib

import pytest

from lira.data.errors import DataFormatError
from lira.data.products import load_catalogue
from lira.serving.corpus import docs_sha256, load_corpus
from tests.serving.conftest import DOCS, write_corpus


def test_products_english_catalogue_and_a_language():
    english = load_corpus("products")
    catalogue = load_catalogue()
    assert english.lang == "eng" and len(english.docs) == len(catalogue)
    assert english.docs[0].id == catalogue[0].id and english.docs[0].title == catalogue[0].title
    assert english.english()[0] == english.docs[0].full_text  # English documents are their own English side
    assert english.sha256 == docs_sha256(english.docs)
    thai = load_corpus("products:th")
    assert thai.lang == "tha" and thai.source == "products:tha" and len(thai.docs) == len(catalogue)
    assert all(d.en for d in thai.docs) and thai.english() == [d.en for d in thai.docs]
    assert thai.sha256 != english.sha256
    with pytest.raises(ValueError, match="no language 'hin'"):
        load_corpus("products:hin")
    with pytest.raises(ValueError, match="--lang does not apply"):
        load_corpus("products", lang="tha")


def test_jsonl_corpus_checksum_and_errors(tmp_path):
    path = write_corpus(tmp_path / "corpus.jsonl", DOCS)
    corpus = load_corpus(str(path), lang="vi")
    assert corpus.lang == "vie" and [d.id for d in corpus.docs] == [d["_id"] for d in DOCS]
    assert corpus.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert corpus.english() == [None] * len(DOCS)  # Vietnamese documents without an en field
    write_corpus(path, [*DOCS, {"_id": "d1", "title": "again"}])
    with pytest.raises(DataFormatError, match=r"corpus.jsonl:7.*_id.*duplicate document id 'd1'"):
        load_corpus(str(path))
    write_corpus(path, [{"_id": "x", "title": " ", "text": ""}])
    with pytest.raises(DataFormatError, match=r":1.*text.*neither title nor text"):
        load_corpus(str(path))
    write_corpus(path, [{"_id": "x", "title": "t", "en": 3}])
    with pytest.raises(DataFormatError, match=r":1.*en.*non-empty string"):
        load_corpus(str(path))
    with pytest.raises(ValueError, match="give a BEIR corpus.jsonl"):
        load_corpus(str(tmp_path / "corpus.tsv"))
    with pytest.raises(FileNotFoundError, match="corpus file not found"):
        load_corpus(str(tmp_path / "missing.jsonl"))


def test_jsonl_corpus_names_unindexed_fields_and_refuses_another_row_language(tmp_path):
    path = write_corpus(tmp_path / "corpus.jsonl", [{**DOCS[0], "price": 19.99, "url": "u"}, {**DOCS[1], "lang": "en"}])
    with pytest.warns(UserWarning) as caught:
        assert len(load_corpus(str(path)).docs) == 2  # a row's lang equal to the corpus language is fine
    assert [str(w.message) for w in caught] == [
        f"{path}: field(s) price, url are not indexed (an index keeps _id, title, text and en); /search returns "
        "each hit's _id for joining them back"]
    write_corpus(path, [DOCS[0], {**DOCS[1], "lang": "vi"}])
    with pytest.raises(DataFormatError) as e:
        load_corpus(str(path))
    assert str(e.value) == (f"{path}:2 field 'lang': the row is in vie but the corpus is built as eng (--lang, "
                            "default eng); one build embeds every document as one language: pass --lang for a "
                            "one-language corpus, or build one index per language")


def test_blank_or_non_scalar_document_ids_are_refused(tmp_path):
    from lira.serving.corpus import load_jsonl_corpus

    for bad in ('""', '"  "', '{"a": 1}'):
        path = tmp_path / "c.jsonl"
        path.write_text('{"_id": "d1", "title": "giày"}\n{"_id": ' + bad + ', "title": "nồi"}\n', encoding="utf-8")
        with pytest.raises(DataFormatError, match=r"c.jsonl:2 field '_id'"):
            load_jsonl_corpus(path)
