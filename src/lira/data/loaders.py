"""Loaders for users' files in LiRA's formats, with errors that name the file, line and field.

Tabular formats are read from ``.jsonl``, ``.tsv`` or ``.csv`` (header row) files, by extension: ``.json`` is
read as JSON lines and ``.txt`` as tab-separated (a header line with commas but no tab then raises an error that
says so); other extensions are refused (``EXTENSIONS``). Field names:

- parallel: ``text``, ``en``, optional ``lang``, ``id`` and ``translations`` (a list; in TSV/CSV a JSON list, or
  columns ``en_2``, ``en_3``...); other columns are ignored with a warning that names them
- STS pairs: ``text1``, ``text2``, ``score``, optional ``lang`` or ``lang1``/``lang2``, ``en1``/``en2``
- NLI: ``premise``, ``hypothesis``, ``label`` (entailment/neutral/contradiction, e/n/c or 0/1/2)
- multiple choice: ``premise``, ``choices`` (list) or ``choice1``, ``choice2``... (not both; numbered from 1 without a
  gap), ``label`` (0-based), ``question``
- classification: ``text``, ``label`` (a string, stripped, or a number; labels differing only in case warn)
- retrieval: a BEIR folder with ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/<split>.tsv``

A ``lang`` column overrides the ``lang`` argument row by row; one of them is required (``GIVE_LANGUAGE``). An
``id`` (a string or a number) must be unique in its file; a row without one is named ``file:line``.
Errors name the file's own column: an STS language taken from ``lang`` is reported as ``lang``, not ``lang1``.

Every loader also takes a Hugging Face ``datasets.Dataset``, a ``DatasetDict`` or a ``save_to_disk`` folder
with the same field names as columns, and ``lira.data.hf_datasets.with_columns(data, {field: column})`` for
other column names (``lira.data.hf_datasets``).
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

from lira.data.errors import DataFormatError, location
from lira.data.formats import (
    NLI_LABELS,
    ChoiceExample,
    ClassificationExample,
    Document,
    NLIExample,
    ParallelExample,
    Query,
    RetrievalDataset,
    ScoredPair,
)
from lira.data.hf_datasets import DatasetSource, MappedFile, Required, as_source, beir_sources, is_beir_dataset
from lira.data.io import iter_delimited, iter_jsonl, require
from lira.io import atomic_write, write_jsonl
from lira.languages import UnknownLanguageError, normalize_code

# How to give a language when rows have none (every loader's "no language" error ends with it).
GIVE_LANGUAGE = "give the language: --lang on the command line, lang=... in Python"
# The extensions ``iter_records`` reads, and how; named in its errors.
EXTENSIONS = ".jsonl or .json for JSON lines, .tsv or .txt for tab-separated, .csv for comma-separated"

_PAIR_LANGS = " (or 'lang1' and 'lang2')"
_NLI_ALIASES = {"e": "entailment", "n": "neutral", "c": "contradiction", "0": "entailment", "1": "neutral",
                "2": "contradiction", "contradictory": "contradiction"}


def iter_records(path: str | Path | Any, required: Required = ()) -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows of a ``.jsonl`` or ``.tsv``/``.csv`` file as ``(line, dict)``, or of a Hugging Face dataset as
    ``(row, dict)`` (``lira.data.hf_datasets``; its ``required`` columns are checked up front and for nulls)."""
    source = as_source(path)
    if isinstance(source, DatasetSource):
        yield from source.rows(required)
        return
    if isinstance(source, MappedFile):
        yield from source.remap(iter_records(source.path))
        return
    path = source
    suffix = path.suffix.lower()
    assumed, hint = f"because of its extension {suffix!r}", f"accepted extensions: {EXTENSIONS}"
    if suffix in (".jsonl", ".json"):
        yield from iter_jsonl(path)
    elif suffix in (".tsv", ".txt"):
        yield from iter_delimited(path, delimiter="\t", assumed=assumed, hint=hint)
    elif suffix == ".csv":
        yield from iter_delimited(path, delimiter=",", assumed=assumed, hint=hint)
    else:
        kind = f"unsupported file type {suffix!r}" if suffix else "no file extension"
        raise DataFormatError(f"{kind}: the format is told by the extension; accepted extensions: {EXTENSIONS}",
                              path=path)


def _lang(record: dict[str, Any], keys: tuple[str, ...], default: str | None, path: Any, line: int, *,
          alternatives: str = "") -> str:
    """The language of a row: the first of the columns ``keys`` with a value (``("lang1", "lang")``: a pair's
    own, else the row's), else ``default`` (the ``lang`` argument). Errors name the column the code was read
    from; a missing language, the first of ``keys`` the row has (``keys[-1]`` when it has none), and
    ``alternatives`` (``" (or 'lang1' and 'lang2')"``) after the column to add."""
    key = next((k for k in keys if record.get(k) is not None and str(record[k]).strip()), None)
    code = record[key] if key is not None else default
    if key is None and not code:
        present = [k for k in keys if k in record]
        if present:
            problem = f"{present[0]!r} is empty here; fill it in"
        else:
            problem = f"add a {keys[-1]!r} column{alternatives}"
        raise DataFormatError(f"no language: {problem}, or {GIVE_LANGUAGE}", path=path, line=line,
                              field=present[0] if present else keys[-1])
    field = key if key is not None else keys[-1]
    if not isinstance(code, str):
        raise DataFormatError(f"must be a language code (a string), got {code!r}", path=path, line=line, field=field)
    try:
        return normalize_code(code)
    except UnknownLanguageError as e:
        if key is None:  # the ``lang`` argument, for a row without a language of its own
            raise DataFormatError(f"no language in the row, and the one given (lang={code!r}) is not valid: {e}",
                                  path=path, line=line, field=field) from None
        raise DataFormatError(str(e), path=path, line=line, field=field) from None


def _optional(record: dict[str, Any], field: str, path: str | Path | object, line: int) -> str | None:
    if record.get(field) in (None, ""):
        return None
    return require(record, field, path=path, line=line)


def _numbered(record: dict[str, Any], prefix: str) -> list[str]:
    """The fields of ``record`` named ``prefix`` + a number (``choice1``, ``choice2``...) in the numbers' order."""
    return sorted((k for k in record if k.startswith(prefix) and k[len(prefix):].isdecimal()),
                  key=lambda k: int(k[len(prefix):]))


def _json_list(value: Any, path: Any, n: int, field: str) -> Any:
    """``value``, or the JSON list it holds when it is a string starting with ``[`` (a list in a TSV/CSV cell)."""
    if not isinstance(value, str) or not value.lstrip().startswith("["):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError as e:
        raise DataFormatError(f"malformed JSON list ({e.msg} at column {e.colno})", path=path, line=n,
                              field=field) from None


def _line(source: Any, line: int) -> str:
    """``line 3`` of a file, ``row 3`` of a dataset."""
    return f"{'row' if isinstance(source, DatasetSource) else 'line'} {line}"


def _translations(r: dict[str, Any], path: Any, n: int) -> tuple[str, ...]:
    """Extra English candidates: the ``translations`` list (or one string; in TSV/CSV a JSON list), else the
    non-empty ``en_2``, ``en_3``... columns in their numbers' order; errors name the column read."""
    extra = _json_list(r.get("translations"), path, n, "translations")
    if extra:
        if isinstance(extra, str):
            extra = [extra]
        if not isinstance(extra, list) or not all(isinstance(t, str) and t.strip() for t in extra):
            raise DataFormatError("must be a list of non-empty strings", path=path, line=n, field="translations")
        return tuple(extra)
    return tuple(require(r, k, path=path, line=n) for k in _numbered(r, "en_") if r[k] not in (None, ""))


_PARALLEL_COLUMNS = ("text", "en", "lang", "id", "translations")


def load_parallel(path: str | Path | Any, *, lang: str | None = None) -> list[ParallelExample]:
    """Parallel sentences ``text`` (in ``lang``) with English ``en`` and optional extra ``translations``; columns
    it does not read (``en_fr``, ``en1``) are named in one warning."""
    path = as_source(path)
    out: list[ParallelExample] = []
    ids: dict[str, int] = {}
    warned = False
    for n, r in iter_records(path, ("text", "en")):
        numbered = _numbered(r, "en_")
        unknown = [k for k in r if k not in _PARALLEL_COLUMNS and k not in numbered]
        if unknown and not warned:
            warned = True
            warnings.warn(f"{location(path, n)}: ignored column(s) {', '.join(map(repr, unknown))}; the columns read "
                          f"are {', '.join(_PARALLEL_COLUMNS)} and en_2, en_3, ... (extra English candidates)",
                          stacklevel=2)
        extra = _translations(r, path, n)
        out.append(ParallelExample(lang=_lang(r, ("lang",), lang, path, n), text=require(r, "text", path=path, line=n),
                                   en=require(r, "en", path=path, line=n), translations=extra,
                                   id=_row_id(r, path, n, ids)))
    return out


def load_sts(path: str | Path | Any, *, lang: str | None = None) -> list[ScoredPair]:
    """Scored sentence pairs; ``lang1``/``lang2`` default to ``lang`` (column or argument)."""
    path = as_source(path)
    out = []
    ids: dict[str, int] = {}
    for n, r in iter_records(path, ("text1", "text2", "score")):
        out.append(ScoredPair(
            text1=require(r, "text1", path=path, line=n), text2=require(r, "text2", path=path, line=n),
            score=require(r, "score", path=path, line=n, kind=float),
            lang1=_lang(r, ("lang1", "lang"), lang, path, n, alternatives=_PAIR_LANGS),
            lang2=_lang(r, ("lang2", "lang"), lang, path, n, alternatives=_PAIR_LANGS),
            en1=_optional(r, "en1", path, n), en2=_optional(r, "en2", path, n), id=_row_id(r, path, n, ids)))
    return out


def nli_label(value: Any, *, path: str | Path, line: int) -> str:
    """Normalise an NLI label (word, letter or 0/1/2) to one of ``NLI_LABELS``."""
    key = str(value).strip().lower()
    label = _NLI_ALIASES.get(key, key)
    if label not in NLI_LABELS:
        raise DataFormatError(f"unknown NLI label {value!r}; valid: {', '.join(NLI_LABELS)} (or e/n/c, 0/1/2)",
                              path=path, line=line, field="label")
    return label


def load_nli(path: str | Path | Any, *, lang: str | None = None) -> list[NLIExample]:
    """NLI pairs with optional ``premise_en``/``hypothesis_en``."""
    path = as_source(path)
    ids: dict[str, int] = {}
    return [NLIExample(lang=_lang(r, ("lang",), lang, path, n), premise=require(r, "premise", path=path, line=n),
                       hypothesis=require(r, "hypothesis", path=path, line=n),
                       label=nli_label(require(r, "label", path=path, line=n, kind=object), path=path, line=n),
                       premise_en=_optional(r, "premise_en", path, n),
                       hypothesis_en=_optional(r, "hypothesis_en", path, n), id=_row_id(r, path, n, ids))
            for n, r in iter_records(path, ("premise", "hypothesis", "label"))]


def _choices(r: dict[str, Any], key: str, path: Any, n: int) -> tuple[tuple[str, ...], list[str]] | None:
    """The options of ``key`` (``choices`` or ``choices_en``): its list (in TSV/CSV a JSON list), else the numbered
    columns (``choice1``... or ``choice_en1``..., numbered from 1 without a gap; not both forms); with the columns
    they were read from, for errors."""
    prefix = "choice" if key == "choices" else "choice_en"
    numbered = _numbered(r, prefix)
    if key in r and numbered:
        raise DataFormatError(f"give either {key!r} or the numbered columns ({_columns(numbered)}), not both",
                              path=path, line=n, field=numbered[0])
    gap = next((k for i, k in enumerate(numbered, 1) if int(k[len(prefix):]) != i), None)
    if gap is not None:
        raise DataFormatError(f"numbered columns must run {prefix}1, {prefix}2, ... without a gap; found "
                              f"{', '.join(numbered)}", path=path, line=n, field=gap)
    if key in r:
        value = _json_list(r[key], path, n, key)
        if not isinstance(value, list) or len(value) < 2 or not all(isinstance(c, str) and c.strip() for c in value):
            raise DataFormatError("must be a list of at least 2 non-empty strings", path=path, line=n, field=key)
        return tuple(value), [key]
    if not numbered:
        return None
    return tuple(require(r, k, path=path, line=n) for k in numbered), numbered


def _columns(names: list[str]) -> str:
    """``choices``, or ``choice1..choice3`` for numbered columns."""
    return names[0] if len(names) == 1 else f"{names[0]}..{names[-1]}"


def load_choice(path: str | Path | Any, *, lang: str | None = None) -> list[ChoiceExample]:
    """Multiple-choice items (XCOPA-like); ``label`` is the 0-based index of the right choice."""
    path = as_source(path)
    out = []
    ids: dict[str, int] = {}
    for n, r in iter_records(path, ("premise", ("choices", "choice1"), "label")):
        found = _choices(r, "choices", path, n)
        if found is None:
            raise DataFormatError("missing (give choices or choice1, choice2, ...)", path=path, line=n, field="choices")
        choices, choice_columns = found
        label = require(r, "label", path=path, line=n, kind=int)
        if not 0 <= label < len(choices):
            raise DataFormatError(f"must be in 0..{len(choices) - 1}", path=path, line=n, field="label")
        found_en = _choices(r, "choices_en", path, n)
        choices_en = found_en[0] if found_en is not None else None
        if found_en is not None and len(found_en[0]) != len(choices):
            raise DataFormatError(f"{len(found_en[0])} English choices ({_columns(found_en[1])}) for {len(choices)} "
                                  f"choices ({_columns(choice_columns)}); give one per choice", path=path, line=n,
                                  field=found_en[1][0])
        out.append(ChoiceExample(lang=_lang(r, ("lang",), lang, path, n),
                                 premise=require(r, "premise", path=path, line=n),
                                 choices=choices, label=label, question=_optional(r, "question", path, n),
                                 premise_en=_optional(r, "premise_en", path, n), choices_en=choices_en,
                                 id=_row_id(r, path, n, ids)))
    return out


def _scalar(record: dict[str, Any], field: str, path: Any, line: int) -> str:
    """``record[field]`` as text: a string as is, a number as written (``1.0`` as ``1``); a boolean, NaN, list or
    object raises ``DataFormatError``."""
    value = require(record, field, path=path, line=line, kind=object)
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DataFormatError(f"must be a string or a finite number, got {value!r}", path=path, line=line,
                              field=field)
    return str(int(value)) if value == int(value) else str(value)


def record_id(record: dict[str, Any], field: str, path: Any, line: int) -> str:
    """An id as text: a non-blank string, or a number (integer id columns of a dataset) written as text; a blank
    string, boolean, list or object raises ``DataFormatError``."""
    value = _scalar(record, field, path, line)
    return require(record, field, path=path, line=line) if isinstance(record[field], str) else value


def _row_id(r: dict[str, Any], path: Any, n: int, seen: dict[str, int]) -> str:
    """The row's ``id`` (``file:line`` when it has none); one already in ``seen`` (id -> line) raises
    ``DataFormatError`` naming both lines."""
    if r.get("id") is None or r["id"] == "":
        return f"{path.name}:{n}"
    key = record_id(r, "id", path, n)
    if key in seen:
        raise DataFormatError(f"duplicate id {key!r} (first on {_line(path, seen[key])})", path=path, line=n,
                              field="id")
    seen[key] = n
    return key


def _label(record: dict[str, Any], path: Any, line: int) -> str:
    """A class label as text, stripped (a whole JSON number as an integer); an empty label is an error, never a
    class named ""."""
    label = _scalar(record, "label", path, line).strip()
    if not label:
        raise DataFormatError("must be a non-empty class label", path=path, line=line, field="label")
    return label


def _warn_case_variants(labels: list[tuple[int, str]], path: Any) -> None:
    """One warning naming the labels that differ only in letter case, with the first line of each spelling."""
    first: dict[str, int] = {}
    for n, label in labels:
        first.setdefault(label, n)
    spellings: dict[str, list[str]] = {}
    for label in first:
        spellings.setdefault(label.casefold(), []).append(label)
    clashes = [group for group in spellings.values() if len(group) > 1]
    if clashes:
        shown = "; ".join(" and ".join(f"{s!r} ({_line(path, first[s])})" for s in group) for group in clashes)
        warnings.warn(f"{path}: labels differing only in letter case are kept as different classes: {shown}; "
                      "spell them the same if they are one class", stacklevel=3)


def load_classification(path: str | Path | Any, *, lang: str | None = None) -> list[ClassificationExample]:
    """Texts with class labels (a string or a number; never empty) and an optional English ``en``."""
    path = as_source(path)
    ids: dict[str, int] = {}
    out = [(n, ClassificationExample(lang=_lang(r, ("lang",), lang, path, n),
                                     text=require(r, "text", path=path, line=n), label=_label(r, path, n),
                                     en=_optional(r, "en", path, n), id=_row_id(r, path, n, ids)))
           for n, r in iter_records(path, ("text", "label"))]
    _warn_case_variants([(n, ex.label) for n, ex in out], path)
    return [ex for _, ex in out]


def load_qrels(path: str | Path | Any, *, queries: Collection[str] | None = None,
               corpus: Collection[str] | None = None) -> dict[str, dict[str, int]]:
    """A BEIR qrels TSV (``query-id``, ``corpus-id``, ``score`` >= 0) as ``{qid: {doc_id: grade}}``; ids outside
    ``queries`` or ``corpus`` (when given) and a pair judged twice raise ``DataFormatError`` naming the line.
    Also a dataset source with those columns (``lira.data.hf_datasets``)."""
    path = as_source(path)
    qrels: dict[str, dict[str, int]] = {}
    lines: dict[tuple[str, str], int] = {}  # (query, document) -> the line judging it
    rows: Iterator[tuple[int, dict[str, Any]]]
    if isinstance(path, Path):  # a qrels file is TSV whatever its extension, with a header
        rows = iter_delimited(path, delimiter="\t", assumed="as BEIR qrels are", hint="save it with tabs",
                              columns=("query-id", "corpus-id", "score"))
    else:
        rows = iter_records(path, ("query-id", "corpus-id", "score"))
    for n, r in rows:
        qid, doc_id = record_id(r, "query-id", path, n), record_id(r, "corpus-id", path, n)
        grade = require(r, "score", path=path, line=n, kind=int)
        if queries is not None and qid not in queries:
            raise DataFormatError(f"unknown query id {qid!r}", path=path, line=n, field="query-id")
        if corpus is not None and doc_id not in corpus:
            raise DataFormatError(f"unknown document id {doc_id!r}", path=path, line=n, field="corpus-id")
        if grade < 0:
            raise DataFormatError("relevance grade must be >= 0", path=path, line=n, field="score")
        if (qid, doc_id) in lines:
            raise DataFormatError(f"query {qid!r} and document {doc_id!r} are judged twice (first on "
                                  f"{_line(path, lines[qid, doc_id])})", path=path, line=n, field="corpus-id")
        lines[qid, doc_id] = n
        qrels.setdefault(qid, {})[doc_id] = grade
    return qrels


def load_beir(folder: str | Path | Any, *, lang: str, name: str | None = None,
              columns: Mapping[str, str] | None = None) -> RetrievalDataset:
    """A BEIR folder: ``corpus.jsonl`` (``_id``, ``title``, ``text``), ``queries.jsonl`` (``_id``, ``text``) and
    ``qrels/<split>.tsv`` (``query-id``, ``corpus-id``, ``score``; graded, integers >= 0).

    Optional fields ``en`` (English side) on documents and queries are kept. Qrels naming an unknown
    query or document raise ``DataFormatError``. Also a ``DatasetDict`` (or its ``save_to_disk`` folder) with
    splits ``corpus``, ``queries`` and one per qrels split (``lira.data.hf_datasets.beir_sources``). ``columns``
    maps field names to other column names in every part (``{"_id": "id"}``).
    """
    lang = normalize_code(lang)
    cpath: Path | DatasetSource | MappedFile
    qpath: Path | DatasetSource | MappedFile
    qrel_sources: Mapping[str, DatasetSource | MappedFile] | None
    if is_beir_dataset(folder):
        cpath, qpath, qrel_sources = beir_sources(folder, columns)
        name = name or (Path(folder).name if isinstance(folder, str | Path) else "dataset")
    else:
        folder = Path(folder)
        cpath, qpath, qrel_sources = folder / "corpus.jsonl", folder / "queries.jsonl", None
        if columns:
            cpath = MappedFile(folder / "corpus.jsonl", columns, strict=False)
            qpath = MappedFile(folder / "queries.jsonl", columns, strict=False)
            qrel_sources = {p.stem: MappedFile(p, columns, strict=False)
                            for p in sorted((folder / "qrels").glob("*.tsv"))} or None
    corpus: dict[str, Document] = {}
    for n, r in iter_records(cpath, ("_id",)):
        doc_id = record_id(r, "_id", cpath, n)
        if doc_id in corpus:
            raise DataFormatError(f"duplicate document id {doc_id!r}", path=cpath, line=n, field="_id")
        title, text = str(r.get("title") or ""), str(r.get("text") or "")
        if not title.strip() and not text.strip():
            raise DataFormatError("document has neither title nor text", path=cpath, line=n, field="text")
        corpus[doc_id] = Document(title=title, text=text, en=_optional(r, "en", cpath, n))
    queries: dict[str, Query] = {}
    for n, r in iter_records(qpath, ("_id", "text")):
        qid = record_id(r, "_id", qpath, n)
        if qid in queries:
            raise DataFormatError(f"duplicate query id {qid!r}", path=qpath, line=n, field="_id")
        meta = {k: str(v) for k, v in (r.get("metadata") or {}).items()}
        queries[qid] = Query(text=require(r, "text", path=qpath, line=n), en=_optional(r, "en", qpath, n), meta=meta)
    qrels: dict[str, dict[str, dict[str, int]]] = {}
    if qrel_sources is not None:
        qrels = {split: load_qrels(source, queries=queries, corpus=corpus) for split, source in qrel_sources.items()}
        return RetrievalDataset(name=str(name), lang=lang, corpus=corpus, queries=queries, qrels=qrels)
    folder = Path(folder)
    qrels_dir = folder / "qrels"
    if not qrels_dir.is_dir():
        raise DataFormatError("missing qrels/ folder with <split>.tsv files", path=qrels_dir)
    for split_path in sorted(qrels_dir.glob("*.tsv")):
        qrels[split_path.stem] = load_qrels(split_path, queries=queries, corpus=corpus)
    if not qrels:
        raise DataFormatError("no qrels/<split>.tsv file", path=qrels_dir)
    return RetrievalDataset(name=name or folder.name, lang=lang, corpus=corpus, queries=queries, qrels=qrels)


def save_beir(dataset: RetrievalDataset, folder: str | Path) -> Path:
    """Write ``dataset`` as a BEIR folder (atomic per file) that ``load_beir`` reads back unchanged."""
    folder = Path(folder)
    write_jsonl(folder / "corpus.jsonl", [
        {"_id": i, "title": d.title, "text": d.text, **({"en": d.en} if d.en else {})}
        for i, d in dataset.corpus.items()])
    write_jsonl(folder / "queries.jsonl", [
        {"_id": i, "text": q.text, **({"en": q.en} if q.en else {}), **({"metadata": q.meta} if q.meta else {})}
        for i, q in dataset.queries.items()])
    for split, qrels in dataset.qrels.items():
        with atomic_write(folder / "qrels" / f"{split}.tsv") as f:
            f.write("query-id\tcorpus-id\tscore\n")
            for qid, docs in qrels.items():
                for doc_id, grade in docs.items():
                    f.write(f"{qid}\t{doc_id}\t{grade}\n")
    return folder
