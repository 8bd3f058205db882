"""The built-in multilingual product retrieval set (written by the LiRA team, CC BY 4.0).

Files under ``lira/resources/products`` (see its DATASHEET.md):
``products.jsonl`` (English catalogue), ``titles/<lang>.jsonl`` (local listing titles),
``queries/<lang>.jsonl`` (shopper queries with English glosses, styles and structured intents),
``qrels/<lang>/<split>.tsv`` (graded judgements derived from the intents by ``derive_qrels``) and
``lexicon/<lang>.tsv`` (product-domain lexicon, read with ``lira.data.lexicon.load_lexicon``).

Each language's corpus holds every product: its local title where one was written, else its English
title, followed by its attributes in English (as marketplace listings show them). Splits are
assigned by a hash of the query id: 40% train, 20% dev, 40% test.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Protocol

from lira.data.errors import DataFormatError
from lira.data.formats import Document, Query, RetrievalDataset
from lira.data.io import iter_jsonl, require
from lira.data.lexicon import LexiconEntry, load_lexicon
from lira.data.loaders import load_qrels
from lira.languages import UnknownLanguageError, get_language, normalize_code

PRODUCT_LANGS: tuple[str, ...] = ("vie", "tha", "ind", "zsm", "tgl", "urd", "ben")
INTENT_FIELDS: tuple[str, ...] = ("category", "product_type", "brand", "colour", "size", "material")
QUERY_STYLES: tuple[str, ...] = ("keyword", "misspelling", "romanised", "code-mixed", "natural")
SPLITS: tuple[str, ...] = ("train", "dev", "test")
EXACT, RELATED = 2, 1


@dataclass(frozen=True)
class Product:
    """One catalogue entry; attribute fields are "" when they do not apply."""

    id: str
    category: str
    product_type: str
    title: str
    brand: str
    colour: str
    size: str
    material: str

    def attributes_text(self) -> str:
        """The attributes as an English listing line, e.g. ``Category: Shoes. Brand: Nike. Colour: black.``"""
        parts = [("Category", self.category), ("Type", self.product_type), ("Brand", self.brand),
                 ("Colour", self.colour), ("Size", self.size), ("Material", self.material)]
        return " ".join(f"{k}: {v}." for k, v in parts if v)


@dataclass(frozen=True)
class ProductQuery:
    """A shopper query: its ``text`` in ``lang``, English gloss ``en``, ``style`` and structured ``intent``."""

    id: str
    lang: str
    text: str
    en: str
    style: str
    intent: dict[str, str]


def resource_dir() -> Path:
    """The folder holding the product set's files."""
    return Path(str(files("lira") / "resources" / "products"))


def _check_lang(lang: str) -> str:
    code = normalize_code(lang)
    if code not in PRODUCT_LANGS:
        raise UnknownLanguageError(f"the product set has no language {lang!r} ({get_language(lang).name}); "
                                   f"its languages: {', '.join(PRODUCT_LANGS)}")
    return code


@cache
def load_catalogue(root: Path | None = None) -> tuple[Product, ...]:
    """The English catalogue, in id order."""
    path = (root or resource_dir()) / "products.jsonl"
    required, optional = ("id", "category", "product_type", "title", "brand"), ("colour", "size", "material")
    return tuple(Product(**{f: require(r, f, path=path, line=n) for f in required},
                         **{f: str(r.get(f) or "") for f in optional}) for n, r in iter_jsonl(path))


def load_titles(lang: str, root: Path | None = None) -> dict[str, str]:
    """``{product id: local title}`` for ``lang``."""
    lang = _check_lang(lang)
    path = (root or resource_dir()) / "titles" / f"{lang}.jsonl"
    known = {p.id for p in load_catalogue(root)}
    titles: dict[str, str] = {}
    for n, r in iter_jsonl(path):
        pid = require(r, "id", path=path, line=n)
        if pid not in known or pid in titles:
            raise DataFormatError(f"unknown or duplicate product id {pid!r}", path=path, line=n, field="id")
        titles[pid] = require(r, "title", path=path, line=n)
    return titles


def load_queries(lang: str, root: Path | None = None) -> list[ProductQuery]:
    """The shopper queries of ``lang`` in file order."""
    lang = _check_lang(lang)
    path = (root or resource_dir()) / "queries" / f"{lang}.jsonl"
    out = []
    for n, r in iter_jsonl(path):
        intent = require(r, "intent", path=path, line=n, kind=dict)
        if not intent or set(intent) - set(INTENT_FIELDS):
            raise DataFormatError(f"must be a non-empty subset of {', '.join(INTENT_FIELDS)}", path=path, line=n,
                                  field="intent")
        style = require(r, "style", path=path, line=n)
        if style not in QUERY_STYLES:
            raise DataFormatError(f"unknown style {style!r}; valid: {', '.join(QUERY_STYLES)}", path=path, line=n,
                                  field="style")
        out.append(ProductQuery(id=require(r, "id", path=path, line=n), lang=lang,
                                text=require(r, "text", path=path, line=n), en=require(r, "en", path=path, line=n),
                                style=style, intent={k: str(v) for k, v in intent.items()}))
    return out


def load_product_lexicon(lang: str, root: Path | None = None) -> dict[str, list[LexiconEntry]]:
    """The product-domain lexicon of ``lang`` (term -> English senses)."""
    return load_lexicon((root or resource_dir()) / "lexicon" / f"{_check_lang(lang)}.tsv")


def derive_qrels(intent: dict[str, str], catalogue: tuple[Product, ...]) -> dict[str, int]:
    """Graded judgements of one intent: 2 (exact) for products matching every intent field
    (case-insensitive), 1 (related) for other products of the same product type, or of the same
    category when the intent names a category but no product type."""
    def same(p: Product, field: str) -> bool:
        return getattr(p, field).lower() == intent[field].lower()

    related_field = "product_type" if "product_type" in intent else "category" if "category" in intent else None
    grades: dict[str, int] = {}
    for p in catalogue:
        if all(same(p, f) for f in intent):
            grades[p.id] = EXACT
        elif related_field and same(p, related_field):
            grades[p.id] = RELATED
    return grades


def query_split(query_id: str) -> str:
    """``train`` (40%), ``dev`` (20%) or ``test`` (40%) by a stable hash of the id."""
    bucket = int(hashlib.sha1(query_id.encode("utf-8")).hexdigest(), 16) % 10
    return "train" if bucket < 4 else "dev" if bucket < 6 else "test"


def read_qrels(lang: str, split: str, root: Path | None = None) -> dict[str, dict[str, int]]:
    """The shipped judgements of ``lang`` and ``split``."""
    return load_qrels((root or resource_dir()) / "qrels" / _check_lang(lang) / f"{split}.tsv")


def load_products(lang: str, *, root: Path | None = None) -> RetrievalDataset:
    """The product retrieval set of ``lang`` as a ``RetrievalDataset`` with train/dev/test qrels.

    Documents carry their English listing in ``en``; queries carry their English gloss in ``en`` and
    ``meta = {"style": ...}``.
    """
    lang = _check_lang(lang)
    titles = load_titles(lang, root)
    corpus = {}
    for p in load_catalogue(root):
        attributes = p.attributes_text()
        corpus[p.id] = Document(title=titles.get(p.id, p.title), text=attributes, en=f"{p.title}. {attributes}")
    queries = {q.id: Query(text=q.text, en=q.en, meta={"style": q.style}) for q in load_queries(lang, root)}
    qrels = {split: load_qrels((root or resource_dir()) / "qrels" / lang / f"{split}.tsv", queries=queries,
                               corpus=corpus) for split in SPLITS}
    return RetrievalDataset(name=f"lira-products-{lang}", lang=lang, corpus=corpus, queries=queries, qrels=qrels)


class Segmenter(Protocol):
    """Splits ``lang`` text into lexicon matches, as ``LexiconTranslator.segment`` does: ``[(span, senses)]``,
    with ``senses == ()`` for a copied token and ``("",)`` for a Thai/Lao repetition mark dropped."""

    lang: str

    def segment(self, text: str) -> list[tuple[str, tuple[str, ...]]]: ...


class SegmenterFactory(Protocol):
    """Builds a ``Segmenter`` over a lexicon, e.g. the ``LexiconTranslator`` class itself."""

    def __call__(self, lexicon: dict[str, list[LexiconEntry]], *, lang: str) -> Segmenter: ...


def _matched_key(surface: str, senses: tuple[str, ...]) -> str | None:
    """The lexicon key a segment matched (its lowercased span), or None for a copied token or a dropped mark."""
    return surface.lower() if any(senses) else None


def matched_terms(texts: Iterable[str], lexicon: dict[str, list[LexiconEntry]], segmenter: Segmenter) -> frozenset[str]:
    """The terms of ``lexicon`` that ``segmenter`` (built over that same lexicon) matches in ``texts``.

    A term is matched when greedy longest matching (``segment``) picks a span equal to it once both are
    tokenised and lowercased the translator's way; a term that only occurs inside a longer matched term is
    not matched. Terms the segmenter cannot use (no tokens) are never matched.
    """
    used = {key for text in texts for surface, senses in segmenter.segment(text)
            if (key := _matched_key(surface, senses)) is not None}
    out = set()
    for term in lexicon:
        pieces = segmenter.segment(term)  # a usable term segments into exactly itself (it is the longest match)
        if len(pieces) == 1 and _matched_key(*pieces[0]) in used:
            out.add(term)
    return frozenset(out)


def heldout_lexicon_terms(lang: str, *, segmenter: SegmenterFactory, root: Path | None = None,
                          splits: tuple[str, ...] = ("train", "dev")) -> frozenset[str]:
    """The terms of the product lexicon of ``lang`` that the held-out lexicon keeps.

    A term is kept iff ``matched_terms`` finds it, with ``segmenter`` built over the full shipped lexicon
    (pass ``LexiconTranslator``), in the local titles of ``lang`` or in its ``train`` and ``dev`` queries
    (``query_split``; ``splits`` names the query splits that count, train and dev by default). So every term
    matched only in test queries ("test-only terms") is removed, and so is
    every term no title or query matches. Translating titles, train or dev queries with the held-out lexicon
    gives exactly the same segments as with the full one (each kept match is still the longest available),
    while test queries lose the words only they use: a stand-in for real shoppers' unseen words.
    """
    lang = _check_lang(lang)
    lexicon = load_product_lexicon(lang, root)
    texts = [*load_titles(lang, root).values(),
             *(q.text for q in load_queries(lang, root) if query_split(q.id) in splits)]
    return matched_terms(texts, lexicon, segmenter(lexicon, lang=lang))


def heldout_product_lexicon(lang: str, *, segmenter: SegmenterFactory, root: Path | None = None,
                            splits: tuple[str, ...] = ("train", "dev")) -> dict[str, list[LexiconEntry]]:
    """The held-out product lexicon of ``lang``: the shipped one restricted to ``heldout_lexicon_terms``."""
    keep = heldout_lexicon_terms(lang, segmenter=segmenter, root=root, splits=splits)
    return {term: senses for term, senses in load_product_lexicon(lang, root).items() if term in keep}


@dataclass(frozen=True)
class LexiconCoverage:
    """How much of one split's queries a lexicon covers (see ``lexicon_coverage`` for the definitions)."""

    lang: str
    split: str
    queries: int
    covered_queries: int
    translated_queries: int
    tokens: int
    covered_tokens: int
    translated_tokens: int

    @property
    def query_share(self) -> float:
        """Share of queries whose every word token is covered."""
        return self.covered_queries / self.queries if self.queries else 0.0

    @property
    def token_share(self) -> float:
        """Share of word tokens covered."""
        return self.covered_tokens / self.tokens if self.tokens else 0.0

    def as_dict(self) -> dict[str, str | int | float]:
        """The counts and the shares, for JSON."""
        shares = {"query_share": self.query_share, "token_share": self.token_share,
                  "translated_query_share": self.translated_queries / self.queries if self.queries else 0.0,
                  "translated_token_share": self.translated_tokens / self.tokens if self.tokens else 0.0}
        return {**{f: getattr(self, f) for f in self.__dataclass_fields__}, **shares}


def _is_word(span: str) -> bool:
    # The translator's rule for what it flags when untranslated: a letter or a mark (lira.translators.lexicon).
    return any(unicodedata.category(c)[0] in "LM" for c in span)


def _in_gloss(span: str, en: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(span.lower())}(?!\w)", en.lower()) is not None


def lexicon_coverage(lang: str, split: str, *, lexicon: Segmenter, root: Path | None = None) -> LexiconCoverage:
    """How well ``lexicon`` (a ``LexiconTranslator`` of ``lang``) covers the queries of ``split``.

    A word token is a segment of ``lexicon.segment(text)`` holding a letter or combining mark: exactly what
    the translator lists in ``Candidate.untranslated`` when it has no sense for it. A matched multi-word term
    counts as one token; digits, punctuation and a dropped Thai/Lao repetition mark do not count. A token is
    *translated* when the lexicon has a sense for it, and *covered* when it is translated or its copy is
    already right: it occurs as a whole word in the query's English gloss (brand and model names, English
    words of code-mixed queries). A query is covered (translated) when all its word tokens are.
    """
    lang = _check_lang(lang)
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; valid: {', '.join(SPLITS)}")
    if lexicon.lang != lang:
        raise ValueError(f"the lexicon is for {lexicon.lang}, not {lang}")
    queries = covered_queries = translated_queries = tokens = covered_tokens = translated_tokens = 0
    for q in load_queries(lang, root):
        if query_split(q.id) != split:
            continue
        words = [(surface, any(senses)) for surface, senses in lexicon.segment(q.text)
                 if _is_word(surface) and senses != ("",)]
        covered = [ok or _in_gloss(surface, q.en) for surface, ok in words]
        translated = [ok for _, ok in words]
        queries += 1
        covered_queries += all(covered)
        translated_queries += all(translated)
        tokens += len(words)
        covered_tokens += sum(covered)
        translated_tokens += sum(translated)
    return LexiconCoverage(lang, split, queries, covered_queries, translated_queries, tokens, covered_tokens,
                           translated_tokens)
