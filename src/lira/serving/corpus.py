"""The documents an index holds: a BEIR-style ``corpus.jsonl`` or the built-in product set by name.

- ``products``: the English catalogue (640 products; title, then attributes), language ``eng``;
- ``products:LANG``: the corpus the benchmark scores for LANG (local listing titles where written, English
  attributes; each document carries its English listing in ``en``);
- a ``.jsonl`` file: one object per line with ``_id``, ``title`` and/or ``text`` and an optional ``en`` (the
  document's English side, read by methods that read English). ``lang`` (the command's ``--lang``) is the
  documents' language; English documents are their own English side. A row's own ``lang`` field must name that
  language (one build embeds every document as one language, so a mixed corpus is refused, not misread); other
  fields are not indexed (one warning names them: join them back on the ``_id`` that ``/search`` returns).

``Corpus.sha256`` is the SHA-256 of the file's bytes (``sha256sum corpus.jsonl``), or for the built-in set of its
documents as the index stores them (``docs.jsonl``).
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass
from pathlib import Path

from lira.data.errors import DataFormatError
from lira.data.formats import Document
from lira.data.io import iter_jsonl
from lira.data.loaders import record_id
from lira.io import sha256_file
from lira.languages import ENGLISH, UnknownLanguageError, normalize_code

PRODUCTS = "products"
# The fields of a corpus.jsonl row that an index reads; any other is reported as not indexed.
INDEXED_FIELDS = ("_id", "title", "text", "en", "lang")


@dataclass(frozen=True)
class IndexDoc:
    """One indexed document: its ``id``, display ``title`` and ``text``, and English side ``en`` (or None)."""

    id: str
    title: str
    text: str
    en: str | None = None

    @property
    def full_text(self) -> str:
        """Title and text joined as the evaluators do (``Document.full_text``)."""
        return Document(title=self.title, text=self.text, en=self.en).full_text

    def to_json(self) -> str:
        """One line of ``docs.jsonl``."""
        return json.dumps({"_id": self.id, "title": self.title, "text": self.text, "en": self.en},
                          ensure_ascii=False, sort_keys=True)

    def content_hash(self) -> str:
        """SHA-256 of what the encoder reads (id, title, text, English side): equal hashes embed equally."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Corpus:
    """Documents in order, their language, where they came from and a checksum."""

    docs: tuple[IndexDoc, ...]
    lang: str
    source: str
    sha256: str

    def english(self) -> list[str | None]:
        """Each document's English side: ``en``, else the text itself for an English corpus, else None."""
        return [d.en or (d.full_text if self.lang == ENGLISH else None) for d in self.docs]


def docs_sha256(docs: tuple[IndexDoc, ...] | list[IndexDoc]) -> str:
    """SHA-256 of the documents as ``docs.jsonl`` lines."""
    digest = hashlib.sha256()
    for d in docs:
        digest.update((d.to_json() + "\n").encode("utf-8"))
    return digest.hexdigest()


def _products(spec: str) -> Corpus:
    from lira.data.products import PRODUCT_LANGS, load_catalogue, load_products

    _, _, lang = spec.partition(":")
    if not lang:
        docs = tuple(IndexDoc(p.id, p.title, p.attributes_text()) for p in load_catalogue())
        return Corpus(docs, ENGLISH, PRODUCTS, docs_sha256(docs))
    code = normalize_code(lang)
    if code not in PRODUCT_LANGS:
        raise ValueError(f"corpus {spec!r}: the product set has no language {lang!r}; its languages: "
                         f"{', '.join(PRODUCT_LANGS)}")
    dataset = load_products(code)
    docs = tuple(IndexDoc(i, d.title, d.text, d.en) for i, d in dataset.corpus.items())
    return Corpus(docs, code, f"{PRODUCTS}:{code}", docs_sha256(docs))


def load_jsonl_corpus(path: str | Path, *, lang: str = ENGLISH) -> Corpus:
    """A BEIR ``corpus.jsonl``; duplicate ids, documents without title and text, or a non-string ``en`` raise
    ``DataFormatError`` naming the file, line and field."""
    path = Path(path)
    code = normalize_code(lang)
    docs: list[IndexDoc] = []
    seen: set[str] = set()
    extra: set[str] = set()
    for n, r in iter_jsonl(path):
        doc_id = record_id(r, "_id", path, n)
        if doc_id in seen:
            raise DataFormatError(f"duplicate document id {doc_id!r}", path=path, line=n, field="_id")
        seen.add(doc_id)
        title, text = r.get("title") or "", r.get("text") or ""
        if not isinstance(title, str) or not isinstance(text, str):
            raise DataFormatError("title and text must be strings", path=path, line=n,
                                  field="title" if not isinstance(title, str) else "text")
        if not title.strip() and not text.strip():
            raise DataFormatError("document has neither title nor text", path=path, line=n, field="text")
        en = r.get("en")
        if en is not None and (not isinstance(en, str) or not en.strip()):
            raise DataFormatError("must be a non-empty string when given", path=path, line=n, field="en")
        _check_row_lang(r, code, path, n)
        extra.update(k for k in r if k not in INDEXED_FIELDS)
        docs.append(IndexDoc(doc_id, title, text, en))
    if not docs:
        raise DataFormatError("no documents", path=path)
    if extra:
        warnings.warn(f"{path}: field(s) {', '.join(sorted(extra))} are not indexed (an index keeps _id, title, "
                      "text and en); /search returns each hit's _id for joining them back", stacklevel=2)
    return Corpus(tuple(docs), code, str(path), sha256_file(path))


def _check_row_lang(row: dict, code: str, path: Path, line: int) -> None:
    """Raise ``DataFormatError`` when ``row`` has a ``lang`` field that is not a valid code of ``code``."""
    given = row.get("lang")
    if given is None:
        return
    try:
        own = normalize_code(given) if isinstance(given, str) else None
    except UnknownLanguageError as e:
        raise DataFormatError(str(e), path=path, line=line, field="lang") from None
    if own is None:
        raise DataFormatError(f"must be a language code (a string), got {given!r}", path=path, line=line, field="lang")
    if own != code:
        raise DataFormatError(f"the row is in {own} but the corpus is built as {code} (--lang, default eng); one "
                              "build embeds every document as one language: pass --lang for a one-language corpus, "
                              "or build one index per language", path=path, line=line, field="lang")


def load_corpus(spec: str, *, lang: str | None = None) -> Corpus:
    """``products``, ``products:LANG`` or a ``.jsonl`` path (documents in ``lang``, default English)."""
    if spec == PRODUCTS or spec.startswith(PRODUCTS + ":"):
        if lang is not None:
            raise ValueError(f"--lang does not apply to the built-in corpus {spec!r} (its language is fixed)")
        return _products(spec)
    path = Path(spec)
    if path.suffix != ".jsonl":
        raise ValueError(f"corpus {spec!r}: give a BEIR corpus.jsonl file, {PRODUCTS} (the English catalogue) or "
                         f"{PRODUCTS}:LANG (a language's listing titles)")
    if not path.is_file():
        raise FileNotFoundError(f"corpus file not found: {path}")
    return load_jsonl_corpus(path, lang=lang or ENGLISH)


def read_docs(path: Path) -> tuple[IndexDoc, ...]:
    """The ``docs.jsonl`` an index stores (written by ``IndexDoc.to_json``)."""
    return tuple(IndexDoc(str(r["_id"]), r["title"], r["text"], r.get("en")) for _, r in iter_jsonl(path))
