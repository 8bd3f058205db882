"""Bilingual lexicons: TSV files ``term<TAB>translation<TAB>note`` (header row; note may be empty).

A term with several rows has alternative senses, most common first. Malformed rows, empty fields
and duplicate (term, translation) rows raise ``DataFormatError`` naming the line.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lira.data.errors import DataFormatError
from lira.data.hf_datasets import DatasetSource, MappedFile, as_source
from lira.data.io import iter_delimited

LEXICON_FIELDS = ("term", "translation", "note")


@dataclass(frozen=True)
class LexiconEntry:
    """One sense: ``term`` (source language) -> English ``translation``, with an optional ``note``."""

    term: str
    translation: str
    note: str = ""


def load_lexicon(path: str | Path | Any) -> dict[str, list[LexiconEntry]]:
    """``{lowercased term: [senses in file order]}`` from a lexicon TSV, or from a Hugging Face dataset with
    columns ``term``, ``translation`` and optional ``note`` (``lira.data.hf_datasets``)."""
    source = as_source(path)
    senses: dict[str, list[LexiconEntry]] = {}
    seen: dict[tuple[str, str], int] = {}
    header_checked = not isinstance(source, Path)  # a dataset's or mapped file's columns are checked by name
    if isinstance(source, DatasetSource):
        rows: Iterator[tuple[int, dict[str, Any]]] = (
            (n, {"note": "", **{k: "" if v is None else str(v) for k, v in r.items()}})
            for n, r in source.rows(("term", "translation")))
    elif isinstance(source, MappedFile):
        rows = ((n, {"note": "", **r}) for n, r in source.remap(
            iter_delimited(source.path, delimiter="\t", quoting=csv.QUOTE_NONE)))
    else:
        rows = iter_delimited(source, delimiter="\t", quoting=csv.QUOTE_NONE)
    path = source
    first = True
    for n, row in rows:
        if first and not header_checked and list(row) != list(LEXICON_FIELDS):
            raise DataFormatError(f"header must be {'<TAB>'.join(LEXICON_FIELDS)}, found {'<TAB>'.join(row)}",
                                  path=path, line=1)
        for field in ("term", "translation"):
            if field not in row:
                raise DataFormatError(f"no column {field!r}; columns present: {', '.join(row)}", path=path, line=n)
        first = False
        term, translation = row["term"].strip(), row["translation"].strip()
        for field, value in (("term", term), ("translation", translation)):
            if not value:
                raise DataFormatError("empty", path=path, line=n, field=field)
        key = (term.lower(), translation.lower())
        if key in seen:
            raise DataFormatError(f"duplicate row {term!r} -> {translation!r} (first on line {seen[key]})",
                                  path=path, line=n)
        seen[key] = n
        senses.setdefault(term.lower(), []).append(LexiconEntry(term, translation, row["note"].strip()))
    if first:
        raise DataFormatError("empty lexicon", path=path)
    return senses
