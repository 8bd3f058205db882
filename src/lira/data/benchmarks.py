"""Adapters from the public benchmark sets in a data folder (``../shared/data``) to LiRA's records.

Every function takes the data folder first and returns records of ``lira.data.formats`` with canonical
ISO 639-3 language codes. Files are decoded strictly through ``lira.data.io`` (invalid UTF-8 or a
malformed row raises ``DataFormatError`` naming the file and line); a missing folder or file raises
``FileNotFoundError`` naming the expected path. No row is dropped silently: where a row has to be
skipped (e.g. no English partner) the count is reported in one warning.

Quoting, checked against the files: SIB-200, Thai STS-B, SemRel and NusaX are proper CSV/TSV quoting
(``"..."`` with doubled inner quotes) and are decoded as such (SIB-200's TSV with ``csv.QUOTE_MINIMAL`` given
explicitly: ``iter_delimited`` reads tab-separated files unquoted by default); XNLI, myXNLI, the Hindi STS-B and the
English STS-B contain bare quotes and are read with ``csv.QUOTE_NONE``. SemRel and NusaX have quoted
fields spanning lines, which ``iter_delimited`` keeps (it parses the file as one stream). MGSM is headerless
and unquoted (``question<TAB>answer``) and is read with ``csv.QUOTE_NONE``.
"""

from __future__ import annotations

import csv
import re
import warnings
from collections.abc import Collection
from pathlib import Path

from lira.data.errors import DataFormatError
from lira.data.formats import (
    ChoiceExample,
    ClassificationExample,
    MathProblem,
    NLIExample,
    ParallelExample,
    ScoredPair,
)
from lira.data.io import iter_delimited, iter_jsonl, read_text, require
from lira.data.loaders import nli_label
from lira.languages import ENGLISH, get_language, normalize_code

DATASETS: dict[str, str] = {
    "tatoeba": "Tatoeba bitext (LASER test set), line-aligned with English: tha vie ind zsm tgl khm urd ben hin tam",
    "sib200": "SIB-200 topic classification (7 categories) on FLORES-200 with the English sentence: all 14 languages",
    "sib200_parallel": "SIB-200/FLORES-200 sentences paired with English by index_id (bitext): all 14 languages",
    "xnli": "XNLI dev (XTREME format), 2490 pairs aligned row by row with English: tha vie hin urd",
    "myxnli": "myXNLI dev, Burmese NLI with the English pair in the same row: mya",
    "indonli": "IndoNLI (val / test_lay / test_expert), Indonesian NLI without English: ind",
    "xcopa": "XCOPA causal reasoning with the Google MT English side (data-gmt): ind tam (val, test), tha vie (val)",
    "thai_stsb": "Thai STS-B test (MT of English STS-B), th-th or en-th pairs, scores 0-5: tha (+ eng)",
    "hindi_stsb": "Hindi STS-B test (MT of English STS-B), hi-hi or en-hi pairs by orig_index, scores 0-1: hin (+ eng)",
    "semrel": "SemRel 2024 Track B semantic relatedness (dev / test), scores 0-1: ind hin",
    "nusax_mt": "NusaX-MT Indonesian-English parallel sentences (train / valid / test): ind",
    "nusax_sentiment": "NusaX sentiment (negative / neutral / positive; train / valid / test) with the English: ind",
    "mgsm": "MGSM grade-school math, 250 problems aligned row by row with English, numeric answers: tha ben (+ eng)",
}

# Tatoeba (LASER) file codes of the LiRA languages it covers; the folder has no mya, lao, npi or sin set.
_TATOEBA_CODES = {"tha": "tha", "vie": "vie", "ind": "ind", "zsm": "zsm", "tgl": "tgl", "khm": "khm",
                  "urd": "urd", "ben": "ben", "hin": "hin", "tam": "tam"}
_XNLI_CODES = {"tha": "th", "vie": "vi", "hin": "hi", "urd": "ur"}
_XCOPA_SPLITS = {"ind": ("id", ("val", "test")), "tam": ("ta", ("val", "test")), "tha": ("th", ("val",)),
                 "vie": ("vi", ("val",))}
_SEMREL_LANGS = ("ind", "hin")
_MGSM_CODES = {"tha": "th", "ben": "bn", "eng": "en"}
# An MGSM answer: ASCII digits, optional minus sign, thousands commas in groups of three, optional decimals.
_MGSM_NUMBER = re.compile(r"-?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?")


# ----------------------------------------------------------------------------------------------- helpers

def _root(data_dir: str | Path) -> Path:
    root = Path(data_dir).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"data folder not found: {root} (expected the shared benchmark data, "
                                "e.g. ../shared/data from the project root)")
    return root


def _file(root: Path, relative: str, what: str) -> Path:
    path = root / relative
    if not path.is_file():
        raise FileNotFoundError(f"{what}: expected file not found: {path}")
    return path


def _pick(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"{what}: unknown {value!r}; valid: {', '.join(allowed)}")
    return value


def _lang(lang: str, supported: Collection[str], what: str) -> str:
    code = normalize_code(lang)
    if code not in supported:
        raise ValueError(f"{what} has no data for {code!r} here; available: {', '.join(supported)}")
    return code


def _lines(path: Path) -> list[str]:
    """The lines of a line-aligned text file (strict UTF-8); a blank line is an error."""
    lines = read_text(path).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for n, line in enumerate(lines, 1):
        lines[n - 1] = line = line.removesuffix("\r")
        if not line.strip():
            raise DataFormatError("empty line in a line-aligned file", path=path, line=n)
    return lines


def _score(record: dict[str, str], field: str, *, path: Path, line: int, high: float) -> float:
    score = require(record, field, path=path, line=line, kind=float)
    if not 0.0 <= score <= high:
        raise DataFormatError(f"score {score} outside [0, {high:g}]", path=path, line=line, field=field)
    return score


def _warn_skipped(count: int, what: str) -> None:
    if count:
        warnings.warn(f"{what}: skipped {count} row(s) without an English partner", stacklevel=3)


# ----------------------------------------------------------------------------------------------- bitext

def tatoeba(data_dir: str | Path, *, lang: str) -> list[ParallelExample]:
    """Tatoeba test pairs for ``lang`` from ``tatoeba/data/tatoeba/v1/tatoeba.XXX-eng.{XXX,eng}`` (line-aligned).

    Returns one ``ParallelExample`` per line (e.g. 548 for tha, 722 for khm, 1000 for most).
    Artetxe & Schwenk (2019), LASER Tatoeba test set; Tatoeba corpus, CC BY 2.0 FR.
    """
    code = _lang(lang, _TATOEBA_CODES, "Tatoeba")
    root = _root(data_dir)
    t = _TATOEBA_CODES[code]
    src = _file(root, f"tatoeba/data/tatoeba/v1/tatoeba.{t}-eng.{t}", "Tatoeba")
    eng = _file(root, f"tatoeba/data/tatoeba/v1/tatoeba.{t}-eng.eng", "Tatoeba")
    texts, english = _lines(src), _lines(eng)
    if len(texts) != len(english):
        raise DataFormatError(f"{len(texts)} lines but {eng.name} has {len(english)}; the files must be line-aligned",
                              path=src)
    return [ParallelExample(lang=code, text=text, en=en, id=f"{src.name}:{n}")
            for n, (text, en) in enumerate(zip(texts, english, strict=True), 1)]


def _sib_rows(root: Path, tag: str, split: str) -> tuple[Path, list[tuple[int, dict[str, str]]]]:
    path = _file(root, f"sib200/data/annotated/{tag}/{split}.tsv", "SIB-200")
    rows = list(iter_delimited(path, delimiter="\t", quoting=csv.QUOTE_MINIMAL))  # SIB-200 is quoted TSV
    for n, r in rows:
        for field in ("index_id", "category", "text"):
            require(r, field, path=path, line=n)
    return path, rows


def _sib(data_dir: str | Path, lang: str, split: str) -> list[tuple[str, str, str, str | None]]:
    """``(index_id, category, text, english or None)`` for each row of the ``lang`` split, in file order."""
    _pick(split, ("train", "dev", "test"), "SIB-200 split")
    language = get_language(lang)
    root = _root(data_dir)
    path, rows = _sib_rows(root, language.tag, split)
    epath, erows = _sib_rows(root, get_language(ENGLISH).tag, split)
    english: dict[str, tuple[str, str]] = {}
    for n, r in erows:
        if r["index_id"] in english:
            raise DataFormatError(f"duplicate index_id {r['index_id']!r}", path=epath, line=n, field="index_id")
        english[r["index_id"]] = (r["category"], r["text"])
    out = []
    for n, r in rows:
        en = english.get(r["index_id"])
        if en is not None and en[0] != r["category"]:
            raise DataFormatError(f"category {r['category']!r} differs from {en[0]!r} in {epath} for the same "
                                  "index_id", path=path, line=n, field="category")
        out.append((r["index_id"], r["category"], r["text"], en[1] if en else None))
    return out


def sib200(data_dir: str | Path, *, lang: str, split: str) -> list[ClassificationExample]:
    """SIB-200 topic classification from ``sib200/data/annotated/<lang_Script>/<split>.tsv`` (train/dev/test).

    Returns ``ClassificationExample`` (label = category, ``en`` = the eng_Latn sentence with the same
    ``index_id``, ``id`` = index_id); 701 / 99 / 204 rows per language.
    Adelani et al. (2024), SIB-200; Apache-2.0 (annotations), text FLORES-200 CC BY-SA 4.0.
    """
    code = normalize_code(lang)
    rows = _sib(data_dir, lang, split)
    missing = sum(1 for *_, en in rows if en is None)
    if missing:
        warnings.warn(f"SIB-200 {code} {split}: {missing} row(s) have no English sentence (en=None)", stacklevel=2)
    return [ClassificationExample(lang=code, text=text, label=category, en=en, id=index_id)
            for index_id, category, text, en in rows]


def sib200_parallel(data_dir: str | Path, *, lang: str, split: str) -> list[ParallelExample]:
    """SIB-200 / FLORES-200 sentences of ``lang`` paired with English by ``index_id`` (same files as ``sib200``).

    Returns ``ParallelExample`` with ``id`` = index_id; rows without an English partner are skipped with
    one warning. Adelani et al. (2024), SIB-200; Apache-2.0 (annotations), text FLORES-200 CC BY-SA 4.0.
    """
    code = normalize_code(lang)
    rows = _sib(data_dir, lang, split)
    _warn_skipped(sum(1 for *_, en in rows if en is None), f"SIB-200 {code} {split}")
    return [ParallelExample(lang=code, text=text, en=en, id=index_id)
            for index_id, _, text, en in rows if en is not None]


def nusax_mt(data_dir: str | Path, *, split: str) -> list[ParallelExample]:
    """NusaX-MT Indonesian sentences with English from ``nusax/datasets/mt/<split>.csv`` (train/valid/test).

    Returns ``ParallelExample`` (lang ind, ``id`` = the row index column); 500 / 100 / 400 rows.
    Winata et al. (2023), NusaX; CC BY-SA 4.0.
    """
    _pick(split, ("train", "valid", "test"), "NusaX-MT split")
    path = _file(_root(data_dir), f"nusax/datasets/mt/{split}.csv", "NusaX-MT")
    out = []
    for n, r in iter_delimited(path, delimiter=",", unnamed=True):  # the first column, the row index, has no name
        out.append(ParallelExample(lang="ind", text=require(r, "indonesian", path=path, line=n),
                                   en=require(r, "english", path=path, line=n),
                                   id=r.get("") or f"{path.name}:{n}"))
    return out


NUSAX_SENTIMENT_LABELS = ("negative", "neutral", "positive")


def nusax_sentiment(data_dir: str | Path, *, split: str) -> list[ClassificationExample]:
    """NusaX sentiment of Indonesian from ``nusax/datasets/sentiment/indonesian/<split>.csv`` (train/valid/test)
    with the English of the same ``id`` from ``sentiment/english/<split>.csv``.

    Returns ``ClassificationExample`` (lang ind, label negative / neutral / positive, ``en``, ``id``); 500 / 100 /
    400 rows. The two files must hold the same ids with the same labels. The sentences are NusaX-MT's (the same
    split), so its English is the MT English. Winata et al. (2023), NusaX; CC BY-SA 4.0.
    """
    _pick(split, ("train", "valid", "test"), "NusaX sentiment split")
    root = _root(data_dir)
    path = _file(root, f"nusax/datasets/sentiment/indonesian/{split}.csv", "NusaX sentiment")
    epath = _file(root, f"nusax/datasets/sentiment/english/{split}.csv", "NusaX sentiment (English)")

    def rows(file: Path) -> dict[str, tuple[int, str, str]]:
        out: dict[str, tuple[int, str, str]] = {}
        for n, r in iter_delimited(file, delimiter=","):
            key = require(r, "id", path=file, line=n)
            if key in out:
                raise DataFormatError(f"duplicate id {key!r} (first at line {out[key][0]})", path=file, line=n,
                                      field="id")
            label = require(r, "label", path=file, line=n)
            if label not in NUSAX_SENTIMENT_LABELS:
                raise DataFormatError(f"unknown label {label!r}; valid: {', '.join(NUSAX_SENTIMENT_LABELS)}",
                                      path=file, line=n, field="label")
            out[key] = (n, require(r, "text", path=file, line=n), label)
        return out

    texts, english = rows(path), rows(epath)
    if missing := [k for k in texts if k not in english]:
        raise DataFormatError(f"{len(missing)} id(s) have no row in {epath} (first: {missing[0]!r})", path=path,
                              line=texts[missing[0]][0], field="id")
    if extra := [k for k in english if k not in texts]:
        raise DataFormatError(f"{len(extra)} id(s) have no row in {path} (first: {extra[0]!r})", path=epath,
                              line=english[extra[0]][0], field="id")
    out = []
    for key, (n, text, label) in texts.items():
        en_n, en, en_label = english[key]
        if en_label != label:
            raise DataFormatError(f"label {label!r} differs from {epath.name} line {en_n} ({en_label!r}, same id)",
                                  path=path, line=n, field="label")
        out.append(ClassificationExample(lang="ind", text=text, label=label, en=en, id=key))
    return out


# ----------------------------------------------------------------------------------------------- NLI

_XNLI_FIELDS = ("premise", "hypothesis", "label")


def xnli(data_dir: str | Path, *, lang: str) -> list[NLIExample]:
    """XNLI dev pairs from ``xnli_xtreme/data/xnli/dev-XX.tsv`` (th, vi, hi, ur), English from ``dev-en.tsv``.

    Returns 2490 ``NLIExample`` with ``premise_en``/``hypothesis_en`` from the English row of the same
    position (row counts and labels are checked to agree). Conneau et al. (2018), XNLI via XTREME; CC BY-NC 4.0.
    """
    code = _lang(lang, _XNLI_CODES, "XNLI")
    root = _root(data_dir)
    path = _file(root, f"xnli_xtreme/data/xnli/dev-{_XNLI_CODES[code]}.tsv", "XNLI")
    epath = _file(root, "xnli_xtreme/data/xnli/dev-en.tsv", "XNLI")
    rows = list(iter_delimited(path, header=False, fieldnames=_XNLI_FIELDS, quoting=csv.QUOTE_NONE))
    erows = list(iter_delimited(epath, header=False, fieldnames=_XNLI_FIELDS, quoting=csv.QUOTE_NONE))
    if len(rows) != len(erows):
        raise DataFormatError(f"{len(rows)} rows but {epath.name} has {len(erows)}; the files must be aligned",
                              path=path)
    out = []
    for (n, r), (en_n, e) in zip(rows, erows, strict=True):
        label = nli_label(require(r, "label", path=path, line=n), path=path, line=n)
        if nli_label(require(e, "label", path=epath, line=en_n), path=epath, line=en_n) != label:
            raise DataFormatError(f"label {label!r} differs from {epath.name} line {en_n}; the files are not aligned",
                                  path=path, line=n, field="label")
        out.append(NLIExample(lang=code, premise=require(r, "premise", path=path, line=n),
                              hypothesis=require(r, "hypothesis", path=path, line=n), label=label,
                              premise_en=require(e, "premise", path=epath, line=en_n),
                              hypothesis_en=require(e, "hypothesis", path=epath, line=en_n), id=f"{path.name}:{n}"))
    return out


def myxnli(data_dir: str | Path) -> list[NLIExample]:
    """Burmese XNLI dev from ``myxnli/output/my/my.genre.dev.tsv`` with the English pair of the same row.

    Returns 2490 ``NLIExample`` (lang mya). myXNLI (akhtet/myXNLI), Burmese translation of XNLI; CC BY-NC 4.0.
    """
    path = _file(_root(data_dir), "myxnli/output/my/my.genre.dev.tsv", "myXNLI")
    out = []
    for n, r in iter_delimited(path, quoting=csv.QUOTE_NONE):
        out.append(NLIExample(lang="mya", premise=require(r, "sentence1_my", path=path, line=n),
                              hypothesis=require(r, "sentence2_my", path=path, line=n),
                              label=nli_label(require(r, "label", path=path, line=n), path=path, line=n),
                              premise_en=require(r, "sentence1_en", path=path, line=n),
                              hypothesis_en=require(r, "sentence2_en", path=path, line=n), id=f"{path.name}:{n}"))
    return out


def indonli(data_dir: str | Path, *, split: str) -> list[NLIExample]:
    """IndoNLI from ``indonli/data/indonli/<split>.jsonl`` (val / test_lay / test_expert); no English side.

    Returns ``NLIExample`` (lang ind, ``id`` = pair_id); 2197 / 2201 / 2984 pairs.
    Mahendra et al. (2021), IndoNLI; CC BY-SA 4.0.
    """
    _pick(split, ("val", "test_lay", "test_expert"), "IndoNLI split")
    path = _file(_root(data_dir), f"indonli/data/indonli/{split}.jsonl", "IndoNLI")
    out = []
    for n, r in iter_jsonl(path):
        pair_id = r.get("pair_id")
        out.append(NLIExample(lang="ind", premise=require(r, "premise", path=path, line=n),
                              hypothesis=require(r, "hypothesis", path=path, line=n),
                              label=nli_label(require(r, "label", path=path, line=n), path=path, line=n),
                              id=str(pair_id) if pair_id not in (None, "") else f"{path.name}:{n}"))
    return out


# ----------------------------------------------------------------------------------------------- choice

def xcopa(data_dir: str | Path, *, lang: str, split: str) -> list[ChoiceExample]:
    """XCOPA from ``xcopa/data/<l>/<split>.<l>.jsonl`` with English from ``xcopa/data-gmt/<l>/`` (same ``idx``).

    ``lang`` in id, ta (val, test) and th, vi (val). Returns ``ChoiceExample`` (two choices, ``question``
    cause/effect, ``label`` 0/1, ``premise_en``/``choices_en`` = Google MT into English, ``id`` = idx).
    Ponti et al. (2020), XCOPA; CC BY 4.0.
    """
    code = _lang(lang, _XCOPA_SPLITS, "XCOPA")
    short, splits = _XCOPA_SPLITS[code]
    _pick(split, splits, f"XCOPA {code} split")
    root = _root(data_dir)
    path = _file(root, f"xcopa/data/{short}/{split}.{short}.jsonl", "XCOPA")
    gpath = _file(root, f"xcopa/data-gmt/{short}/{split}.{short}.jsonl", "XCOPA (English MT)")
    english: dict[int, tuple[int, dict]] = {}
    for n, g in iter_jsonl(gpath):
        idx = require(g, "idx", path=gpath, line=n, kind=int)
        if idx in english:
            raise DataFormatError(f"duplicate idx {idx}", path=gpath, line=n, field="idx")
        english[idx] = (n, g)
    out, missing = [], 0
    for n, r in iter_jsonl(path):
        idx = require(r, "idx", path=path, line=n, kind=int)
        label = require(r, "label", path=path, line=n, kind=int)
        if label not in (0, 1):
            raise DataFormatError(f"must be 0 or 1, got {label}", path=path, line=n, field="label")
        question = require(r, "question", path=path, line=n)
        if question not in ("cause", "effect"):
            raise DataFormatError(f"must be cause or effect, got {question!r}", path=path, line=n, field="question")
        premise_en = choices_en = None
        if idx in english:
            gn, g = english[idx]
            if require(g, "label", path=gpath, line=gn, kind=int) != label or g.get("question") != question:
                raise DataFormatError(f"label/question differ from {gpath} line {gn} (same idx {idx})",
                                      path=path, line=n)
            premise_en = require(g, "premise", path=gpath, line=gn)
            choices_en = (require(g, "choice1", path=gpath, line=gn), require(g, "choice2", path=gpath, line=gn))
        else:
            missing += 1
        out.append(ChoiceExample(lang=code, premise=require(r, "premise", path=path, line=n),
                                 choices=(require(r, "choice1", path=path, line=n),
                                          require(r, "choice2", path=path, line=n)),
                                 label=label, question=question, premise_en=premise_en, choices_en=choices_en,
                                 id=str(idx)))
    if missing:
        warnings.warn(f"XCOPA {code} {split}: {missing} item(s) have no English MT in {gpath} "
                      "(premise_en/choices_en=None)", stacklevel=2)
    return out


# ----------------------------------------------------------------------------------------------- STS

def _stsb_english(root: Path, split: str = "test") -> tuple[Path, list[tuple[int, str, str, float]]]:
    """``(line, s1, s2, score)`` of the English STS-B ``split`` (test or dev); some rows carry two extra source
    columns."""
    path = _file(root, f"stsb_en_sts17/data/stsbenchmark/sts-{split}.csv", "English STS-B")
    names = ("genre", "file", "year", "id", "score", "s1", "s2")
    lines = read_text(path).split("\n")
    out = []
    for n, line in enumerate(lines, 1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) not in (7, 9):
            raise DataFormatError(f"expected 7 fields ({', '.join(names)}) or 9 (with 2 source columns), "
                                  f"found {len(cells)}", path=path, line=n)
        r = dict(zip(names, cells, strict=False))
        out.append((n, require(r, "s1", path=path, line=n), require(r, "s2", path=path, line=n),
                    _score(r, "score", path=path, line=n, high=5.0)))
    return path, out


def thai_stsb(data_dir: str | Path, *, pairing: str = "th-th", split: str = "test") -> list[ScoredPair]:
    """Thai STS-B ``split`` from ``thai_stsb/data/stsbenchmark/sts-{split}_th.csv`` (s1, s2, score 0-5; no header).

    ``pairing`` "th-th": both sides Thai, ``en1``/``en2`` from the English STS-B row in the same position
    (``stsb_en_sts17/data/stsbenchmark/sts-{split}.csv``; counts and scores are checked to agree); "en-th":
    ``text1`` = English s1, ``text2`` = Thai s2. Test: 1379 ``ScoredPair``. Dev: 1499; the Thai dev file lacks
    the English dev file's first row, so Thai row i is English row i + 1 (all 1499 scores agree; checked).
    Thai-Sentence-Vector-Benchmark (mrpeerat), MT of STS-B (Cer et al., 2017); no licence stated (STS-B CC BY-SA 4.0).
    """
    _pick(pairing, ("th-th", "en-th"), "Thai STS-B pairing")
    _pick(split, ("test", "dev"), "Thai STS-B split")
    root = _root(data_dir)
    path = _file(root, f"thai_stsb/data/stsbenchmark/sts-{split}_th.csv", "Thai STS-B")
    epath, english = _stsb_english(root, split)
    if split == "dev":
        english = english[1:]
    rows = list(iter_delimited(path, delimiter=",", fieldnames=("s1", "s2", "score")))
    if len(rows) != len(english):
        raise DataFormatError(f"{len(rows)} rows but {epath} has {len(english)}; the test files must align",
                              path=path)
    out = []
    for (n, r), (en_n, en1, en2, en_score) in zip(rows, english, strict=True):
        score = _score(r, "score", path=path, line=n, high=5.0)
        if abs(score - en_score) > 1e-6:
            raise DataFormatError(f"score {score} differs from {en_score} at {epath} line {en_n}; not aligned",
                                  path=path, line=n, field="score")
        s1, s2 = require(r, "s1", path=path, line=n), require(r, "s2", path=path, line=n)
        if pairing == "th-th":
            out.append(ScoredPair(text1=s1, text2=s2, score=score, lang1="tha", lang2="tha", en1=en1, en2=en2,
                                  id=f"{path.name}:{n}"))
        else:
            out.append(ScoredPair(text1=en1, text2=s2, score=score, lang1=ENGLISH, lang2="tha", en1=en1, en2=en2,
                                  id=f"{path.name}:{n}"))
    return out


def hindi_stsb(data_dir: str | Path, *, pairing: str = "hi-hi") -> list[ScoredPair]:
    """Hindi STS-B test from ``stsb_multi_hi/derived/stsb_test_hi.tsv`` joined to ``stsb_test_en.tsv`` by orig_index.

    ``pairing`` "hi-hi" (both sides Hindi, ``en1``/``en2`` English) or "en-hi" (``text1`` English sentence1,
    ``text2`` Hindi sentence2). Scores as given (``score_0_1``, 0-1); ``id`` = orig_index. 1374 Hindi rows
    (the 5 English rows that lost their Hindi translation upstream have no pair); a Hindi row without its
    English row is skipped with one warning. Huertas-Garcia et al. (2021), Multilingual-STSB (Google MT); MIT.
    """
    _pick(pairing, ("hi-hi", "en-hi"), "Hindi STS-B pairing")
    root = _root(data_dir)
    path = _file(root, "stsb_multi_hi/derived/stsb_test_hi.tsv", "Hindi STS-B")
    epath = _file(root, "stsb_multi_hi/derived/stsb_test_en.tsv", "Hindi STS-B (English rows)")
    english: dict[str, tuple[int, dict[str, str]]] = {}
    for n, e in iter_delimited(epath, quoting=csv.QUOTE_NONE):
        key = require(e, "orig_index", path=epath, line=n).strip()
        if key in english:
            raise DataFormatError(f"duplicate orig_index {key!r}", path=epath, line=n, field="orig_index")
        english[key] = (n, e)
    out, skipped = [], 0
    for n, r in iter_delimited(path, quoting=csv.QUOTE_NONE):
        key = require(r, "orig_index", path=path, line=n).strip()
        score = _score(r, "score_0_1", path=path, line=n, high=1.0)
        s1, s2 = require(r, "sentence1", path=path, line=n), require(r, "sentence2", path=path, line=n)
        if key not in english:
            skipped += 1
            continue
        en_n, e = english[key]
        en1, en2 = require(e, "sentence1", path=epath, line=en_n), require(e, "sentence2", path=epath, line=en_n)
        if pairing == "hi-hi":
            out.append(ScoredPair(text1=s1, text2=s2, score=score, lang1="hin", lang2="hin", en1=en1, en2=en2, id=key))
        else:
            out.append(ScoredPair(text1=en1, text2=s2, score=score, lang1=ENGLISH, lang2="hin", en1=en1, en2=en2,
                                  id=key))
    _warn_skipped(skipped, f"Hindi STS-B {pairing}")
    return out


def semrel(data_dir: str | Path, *, lang: str, split: str) -> list[ScoredPair]:
    """SemRel 2024 Track B from ``semrel2024/Track B/<lang>/<lang>_<split>_with_labels.csv`` (dev / test).

    ``lang`` in ind, hin. The ``Text`` field holds "s1\\ns2"; returns ``ScoredPair`` (lang1 = lang2 = lang,
    relatedness score 0-1, ``id`` = PairID; no English side). Hindi sentences keep the quotes they carry upstream.
    Ousidhoum et al. (2024), SemRel2024; no licence stated.
    """
    code = _lang(lang, _SEMREL_LANGS, "SemRel 2024 Track B")
    _pick(split, ("dev", "test"), "SemRel split")
    path = _file(_root(data_dir), f"semrel2024/Track B/{code}/{code}_{split}_with_labels.csv", "SemRel 2024")
    out = []
    for n, r in iter_delimited(path, delimiter=","):
        parts = require(r, "Text", path=path, line=n).split("\n")
        if len(parts) != 2 or not all(p.strip() for p in parts):
            raise DataFormatError(f"must hold two non-empty sentences separated by a newline, found {len(parts)} "
                                  "part(s)", path=path, line=n, field="Text")
        out.append(ScoredPair(text1=parts[0], text2=parts[1], score=_score(r, "Score", path=path, line=n, high=1.0),
                              lang1=code, lang2=code, id=require(r, "PairID", path=path, line=n)))
    return out


# ----------------------------------------------------------------------------------------------- math

def _mgsm_answer(record: dict[str, str], *, path: Path, line: int) -> float:
    value = require(record, "answer", path=path, line=line).strip()
    if not _MGSM_NUMBER.fullmatch(value):
        raise DataFormatError(f"must be a number (digits, optional thousands commas and decimals), got {value!r}",
                              path=path, line=line, field="answer")
    return float(value.replace(",", ""))


def _mgsm_rows(path: Path) -> list[tuple[int, str, float]]:
    rows = iter_delimited(path, header=False, fieldnames=("question", "answer"), quoting=csv.QUOTE_NONE)
    return [(n, require(r, "question", path=path, line=n), _mgsm_answer(r, path=path, line=n)) for n, r in rows]


def mgsm(data_dir: str | Path, *, lang: str) -> list[MathProblem]:
    """MGSM from ``mgsm/mgsm/mgsm_XX.tsv`` (th, bn; en for English), English question from ``mgsm_en.tsv``.

    The files are headerless ``question<TAB>answer``; answers may carry thousands commas (``5,600``) and are
    parsed strictly to floats. Returns 250 ``MathProblem`` with ``en`` = the English question of the same row
    (row counts and answers are checked to agree) and ``id`` = ``<file>:<line>``.
    Shi et al. (2023), "Language models are multilingual chain-of-thought reasoners" (ICLR), MGSM; CC BY 4.0.
    """
    code = _lang(lang, _MGSM_CODES, "MGSM")
    root = _root(data_dir)
    path = _file(root, f"mgsm/mgsm/mgsm_{_MGSM_CODES[code]}.tsv", "MGSM")
    epath = _file(root, "mgsm/mgsm/mgsm_en.tsv", "MGSM (English)")
    rows = _mgsm_rows(path)
    erows = rows if epath == path else _mgsm_rows(epath)
    if len(rows) != len(erows):
        raise DataFormatError(f"{len(rows)} rows but {epath.name} has {len(erows)}; the files must be aligned",
                              path=path)
    out = []
    for (n, question, answer), (en_n, en, en_answer) in zip(rows, erows, strict=True):
        if answer != en_answer:
            raise DataFormatError(f"answer {answer:g} differs from {en_answer:g} at {epath.name} line {en_n}; "
                                  "the files are not aligned", path=path, line=n, field="answer")
        out.append(MathProblem(lang=code, question=question, answer=answer, en=en, id=f"{path.name}:{n}"))
    return out
