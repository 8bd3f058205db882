"""Shared fixtures of the serving tests: a small English corpus, a Vietnamese lexicon (a real file-based
translator), an index built with the dual path over the bag-of-words ``WordBackbone`` (no neural encoder runs),
and a service over it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.evaluation.test_methods import fake_backbones  # noqa: F401  (a fixture used by the tests here)

DOCS = [
    {"_id": "d1", "title": "black running shoes", "text": "Brand: Nike."},
    {"_id": "d2", "title": "red running shoes", "text": "Brand: Adidas."},
    {"_id": "d3", "title": "rice cooker", "text": "Brand: Sharp. Size: 1.8 litre."},
    {"_id": "d4", "title": "phone case", "text": "Colour: blue."},
    {"_id": "d5", "title": "cotton t-shirt", "text": "Colour: white."},
    {"_id": "d6", "title": "electric kettle", "text": "Brand: Philips."},
]
NEW_DOC = {"_id": "d7", "title": "wireless earbuds", "text": "Brand: Sony."}
LEXICON = [("giày", "shoes"), ("chạy", "running"), ("đen", "black"), ("đỏ", "red"), ("nồi cơm điện", "rice cooker"),
           ("ốp lưng", "phone case"), ("điện thoại", "phone"), ("ấm đun nước", "electric kettle")]


def write_corpus(path: Path, docs: list[dict]) -> Path:
    """Write ``docs`` as a BEIR corpus.jsonl."""
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    return path


@pytest.fixture
def corpus_file(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus.jsonl", DOCS)


@pytest.fixture
def lexicon_file(tmp_path: Path) -> Path:
    path = tmp_path / "vie.tsv"
    path.write_text("term\ttranslation\tnote\n" + "".join(f"{t}\t{e}\t\n" for t, e in LEXICON), encoding="utf-8")
    return path


@pytest.fixture
def build_config(fake_backbones, tmp_path, corpus_file, lexicon_file):  # noqa: F811
    """A ``BuildConfig`` factory: the dual path over ``WordBackbone``, the lexicon translator, no progress bar."""
    from lira.serving.build import BuildConfig

    def make(**overrides) -> BuildConfig:
        settings = dict(model="dual-path", corpus=str(corpus_file), out=tmp_path / "index", progress=False,
                        translator=f"lexicon:{lexicon_file}", cache_dir=tmp_path / "cache")
        return BuildConfig(**{**settings, **overrides})

    return make


@pytest.fixture
def index_dir(build_config) -> Path:
    from lira.serving.build import build_index

    return build_index(build_config()).path.parents[1]


@pytest.fixture
def service(index_dir, tmp_path):
    from lira.serving.service import SearchService

    svc = SearchService(index_dir, cache_dir=tmp_path / "serve-cache")
    yield svc
    svc.close()
