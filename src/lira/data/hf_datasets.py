"""Hugging Face ``datasets`` as input to LiRA's loaders, and column mappings for any input.

Every loader of ``lira.data.loaders`` (and ``lira.data.lexicon.load_lexicon``) takes, besides a file, a
``datasets.Dataset``, a ``DatasetDict`` or a folder written by ``save_to_disk`` (``load_from_disk``), with named
columns. The loaders take no ``split=``: a ``DatasetDict`` (or its folder) is read only when it has one split; with
several, pass one split (``data["test"]``) or give that split's own folder (``FOLDER/test``, which ``save_to_disk``
writes). ``dataset_source(data, split=...)`` and ``with_columns(data, columns, split=...)`` pick a split too; the
command line (``lira.cli_eval``) reads a folder's ``train`` split for ``--train`` and ``test`` for the other options
(``prefer``), else its only split. ``with_columns(data, {"text": "sentence"})`` reads LiRA's field ``text`` from the
column ``sentence`` (files and datasets alike; ``--column text=sentence`` on the command line). ``load_beir`` reads a
``DatasetDict`` of every part at once and maps columns with its own ``columns=``.

Errors are ``DataFormatError``: a missing column is named with the columns present; a null value in a column the
loader needs is named by row (0-based, as ``dataset[i]``) and column.

Example::

    from datasets import Dataset
    from lira.data.hf_datasets import with_columns
    from lira.data.loaders import load_parallel

    ds = Dataset.from_dict({"sentence": ["รองเท้า"], "english": ["shoes"]})
    pairs = load_parallel(with_columns(ds, {"text": "sentence", "en": "english"}), lang="tha")

Reference: Lhoest et al. 2021, "Datasets: A Community Library for Natural Language Processing" (EMNLP demos).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from lira.data.errors import DataFormatError
from lira.extras import needs_extra

# A field the loader needs: one column name, or alternatives of which one must be present (``choices`` or
# ``choice1``).
Required = Sequence[str | tuple[str, ...]]

# How missing fields are mapped to other columns, in Python (``{mapping}`` is filled in, e.g.
# ``{'text': 'COLUMN'}``); the command line's ``--column FIELD=COLUMN`` is named with it.
WITH_COLUMNS_HINT = "lira.data.hf_datasets.with_columns(data, {mapping})"
BEIR_COLUMNS_HINT = "load_beir(..., columns={mapping})"


def is_dataset_folder(path: str | Path) -> bool:
    """Whether ``path`` is a folder written by ``Dataset.save_to_disk`` or ``DatasetDict.save_to_disk``."""
    path = Path(path)
    return path.is_dir() and ((path / "dataset_dict.json").is_file() or (path / "state.json").is_file())


def is_dataset(obj: Any) -> bool:
    """Whether ``obj`` is a ``datasets.Dataset`` or ``DatasetDict`` (False when ``datasets`` is not installed)."""
    module = type(obj).__module__ or ""
    if not module.startswith("datasets"):
        return False
    from datasets import Dataset, DatasetDict

    return isinstance(obj, Dataset | DatasetDict)


def parse_columns(items: Sequence[str] | None) -> dict[str, str]:
    """``["text=sentence", "en=english"]`` (the CLI's ``--column FIELD=COLUMN``) as ``{"text": "sentence", ...}``."""
    out: dict[str, str] = {}
    for item in items or ():
        field, sep, column = item.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise ValueError(f"--column {item!r}: expected FIELD=COLUMN, e.g. text=sentence")
        if field.strip() in out:
            raise ValueError(f"--column: field {field.strip()!r} is mapped twice")
        out[field.strip()] = column.strip()
    return out


class DatasetSource:
    """The rows of one ``datasets.Dataset`` as LiRA's loaders read them, with ``columns`` (LiRA field -> dataset
    column) applied; ``str()`` and ``describe_location`` name it in errors. ``python_hint`` says how Python maps a
    missing field to another column (``WITH_COLUMNS_HINT``, ``BEIR_COLUMNS_HINT``)."""

    def __init__(self, dataset: Any, *, origin: str, name: str, columns: Mapping[str, str] | None = None,
                 python_hint: str = WITH_COLUMNS_HINT) -> None:
        self.dataset, self.origin, self.name = dataset, origin, name
        self.columns, self.python_hint = dict(columns or {}), python_hint
        present = list(dataset.column_names)
        for field, column in self.columns.items():
            if column not in present:
                raise DataFormatError(f"column {column!r} (mapped to field {field!r}) not found; columns present: "
                                      f"{', '.join(present)}", path=self)

    def __str__(self) -> str:
        return self.origin

    @property
    def present(self) -> list[str]:
        """The dataset's column names."""
        return list(self.dataset.column_names)

    def field_names(self) -> list[str]:
        """The field names rows carry: mapped fields, then the unmapped columns under their own names."""
        mapped = set(self.columns.values())
        return [*self.columns, *(c for c in self.present if c not in mapped and c not in self.columns)]

    def describe_location(self, line: int | None, field: str | None) -> str:
        """``origin row N column 'C'`` (the dataset's column name, also for a mapped field)."""
        where = self.origin
        if line is not None:
            where += f" row {line}"
        if field is not None:
            column = self.columns.get(field, field)
            where += f" column {column!r}" + (f" (field {field!r})" if column != field else "")
        return where

    def _check_required(self, required: Required) -> None:
        """Raise one ``DataFormatError`` naming every required column the dataset lacks."""
        fields = set(self.field_names())
        missing = [(need,) if isinstance(need, str) else tuple(need) for need in required]
        missing = [options for options in missing if not fields & set(options)]
        if not missing:
            return
        wanted = ", ".join(" or ".join(repr(self.columns.get(o, o)) for o in options) for options in missing)
        python = self.python_hint.format(mapping=repr({options[0]: "COLUMN" for options in missing}))
        cli = " ".join(f"--column {options[0]}=COLUMN" for options in missing)
        plural = "s" if len(missing) > 1 else ""
        raise DataFormatError(f"no column{plural} {wanted}; columns present: {', '.join(self.present)}; map another "
                              f"column to {'each' if plural else 'it'}: {python} in Python, {cli} on the command line",
                              path=self)

    def rows(self, required: Required = ()) -> Iterator[tuple[int, dict[str, Any]]]:
        """``(row index, record)`` per row; a missing required column or a null in one raises ``DataFormatError``."""
        self._check_required(required)
        needed = [f for f in required if isinstance(f, str)]
        names = self.field_names()
        sources = [self.columns.get(f, f) for f in names]
        for i, raw in enumerate(self.dataset):
            record = {f: raw[c] for f, c in zip(names, sources, strict=True)}
            for f in needed:
                if record.get(f) is None:
                    raise DataFormatError("null value; every row needs one", path=self, line=i, field=f)
            yield i, record


class MappedFile:
    """A data file read with ``columns`` (LiRA field -> the file's column or JSON key); ``lira.data.loaders``
    reads the file and ``remap`` renames each record's fields."""

    def __init__(self, path: str | Path, columns: Mapping[str, str], *, strict: bool = True) -> None:
        self.path, self.columns, self.strict = Path(path), dict(columns), strict
        self.name = self.path.name

    def __str__(self) -> str:
        return str(self.path)

    def describe_location(self, line: int | None, field: str | None) -> str:
        """``path:line column 'C' (field 'F')``."""
        where = str(self.path) + (f":{line}" if line is not None else "")
        if field is not None:
            column = self.columns.get(field, field)
            where += f" column {column!r}" + (f" (field {field!r})" if column != field else "")
        return where

    def remap(self, records: Iterator[tuple[int, dict[str, Any]]]) -> Iterator[tuple[int, dict[str, Any]]]:
        """``records`` of the file with the mapped fields renamed; a mapped column missing from a row raises
        ``DataFormatError`` naming it and the columns present (``strict=False``: that mapping is left out, for
        sets of several files such as BEIR's)."""
        for n, raw in records:
            record = {k: v for k, v in raw.items() if k not in self.columns.values()}
            for field, column in self.columns.items():
                if column not in raw and not self.strict:
                    continue
                if column not in raw:
                    raise DataFormatError(f"no column {column!r} (mapped to field {field!r}); columns present: "
                                          f"{', '.join(raw)}", path=self.path, line=n)
                record[field] = raw[column]
            yield n, record


def _pick_split(splits: Sequence[str], split: str | None, prefer: Sequence[str], origin: str,
                folder: str | Path | None = None) -> str:
    """``split``, else the first of ``prefer`` in ``splits``, else the only split; with several, the error says how
    to give one: the split itself for a ``DatasetDict`` object (Python), its own folder for a ``folder``."""
    if split is not None:
        if split not in splits:
            raise DataFormatError(f"no split {split!r}; splits present: {', '.join(splits)}", path=origin)
        return split
    for name in prefer:
        if name in splits:
            return name
    if len(splits) == 1:
        return splits[0]
    example = next((s for s in ("test", "validation", "dev", "train") if s in splits), splits[0])
    absent = f" (none named {' or '.join(map(repr, prefer))})" if prefer else ""
    if folder is None:  # a DatasetDict object (origin "DatasetDict"): only Python passes one
        what, how = "splits", f"pass one split, e.g. data[{example!r}] (the loaders take no split=)"
    else:
        what = "a DatasetDict with splits"
        how = (f"give that split's own folder, e.g. {Path(folder) / example} (on the command line too; in Python, "
               f"load_from_disk(...)[{example!r}] also works)")
    raise DataFormatError(f"{what} {', '.join(splits)}{absent}, and LiRA reads one split: {how}", path=origin)


def _load_from_disk(path: str | Path) -> Any:
    """The ``Dataset`` or ``DatasetDict`` of a ``save_to_disk`` folder; without ``datasets``, an ImportError naming
    the ``hf`` extra."""
    with needs_extra("hf", f"reading the Hugging Face dataset folder {path}"):
        from datasets import load_from_disk
    return load_from_disk(str(path))


def dataset_source(data: Any, *, split: str | None = None, prefer: Sequence[str] = (),
                   columns: Mapping[str, str] | None = None) -> DatasetSource:
    """A ``DatasetSource`` from a ``Dataset``, a ``DatasetDict`` (``split``, else the first of ``prefer`` it has,
    else its only split) or a ``save_to_disk`` folder of either."""
    if isinstance(data, DatasetSource):
        return data if not columns else DatasetSource(data.dataset, origin=data.origin, name=data.name,
                                                      columns={**data.columns, **columns},
                                                      python_hint=data.python_hint)
    folder = data if isinstance(data, str | Path) else None
    if folder is not None:
        if not is_dataset_folder(folder):
            raise DataFormatError("not a folder written by save_to_disk (no dataset_dict.json or state.json)",
                                  path=folder)
        data = _load_from_disk(folder)
    elif not is_dataset(data):
        raise TypeError(f"expected a datasets.Dataset, DatasetDict or a save_to_disk folder, got {type(data).__name__}")
    from datasets import DatasetDict

    origin = str(folder) if folder is not None else "DatasetDict" if isinstance(data, DatasetDict) else "Dataset"
    name = Path(folder).name if folder is not None else "dataset"
    if isinstance(data, DatasetDict):
        chosen = _pick_split(list(data), split, prefer, origin, folder)
        origin, name, data = f"{origin} split {chosen!r}", chosen, data[chosen]
    elif split is not None and origin == "Dataset":
        origin, name = f"Dataset {split!r}", split
    return DatasetSource(data, origin=origin, name=name, columns=columns)


def with_columns(data: Any, columns: Mapping[str, str], *, split: str | None = None) -> DatasetSource | MappedFile:
    """``data`` (a file, a ``Dataset``, ``DatasetDict`` or ``save_to_disk`` folder) read with ``columns``
    (LiRA field -> column)."""
    if isinstance(data, str | Path) and not is_dataset_folder(data):
        return MappedFile(data, columns)
    return dataset_source(data, split=split, columns=columns)


def as_source(data: Any) -> Any:
    """What a loader iterates: a ``Path`` for a plain file, a ``DatasetSource``/``MappedFile`` otherwise."""
    if isinstance(data, DatasetSource | MappedFile):
        return data
    if isinstance(data, str | Path):
        if is_dataset_folder(data):
            return dataset_source(data)
        if Path(data).is_dir():
            raise DataFormatError("a folder, but not one written by save_to_disk (no dataset_dict.json or "
                                  "state.json); give a .jsonl, .tsv or .csv file or a dataset folder", path=data)
        return Path(data)
    return dataset_source(data)


def beir_sources(data: Any, columns: Mapping[str, str] | None = None) -> tuple[DatasetSource, DatasetSource,
                                                                                 dict[str, DatasetSource]]:
    """A BEIR set as a ``DatasetDict`` (or its ``save_to_disk`` folder): splits ``corpus`` (``_id``, ``title``,
    ``text``), ``queries`` (``_id``, ``text``) and every other split a qrels split (``query-id``, ``corpus-id``,
    ``score``). Returns ``(corpus, queries, {split: qrels})``."""
    origin = str(data) if isinstance(data, str | Path) else "DatasetDict"
    if isinstance(data, str | Path):
        data = _load_from_disk(data)
    from datasets import DatasetDict

    if not isinstance(data, DatasetDict):
        raise DataFormatError("a retrieval set must be a DatasetDict with splits corpus, queries and one or more "
                              "qrels splits", path=origin)
    missing = [s for s in ("corpus", "queries") if s not in data]
    qrels = [s for s in data if s not in ("corpus", "queries")]
    if missing or not qrels:
        raise DataFormatError(f"a retrieval DatasetDict needs splits corpus, queries and at least one qrels split; "
                              f"splits present: {', '.join(data)}", path=origin)

    columns = dict(columns or {})
    unused = [c for c in columns.values() if not any(c in data[s].column_names for s in data)]
    if unused:
        raise DataFormatError(f"column {unused[0]!r} (in the column mapping) is in no split; columns present: "
                              + "; ".join(f"{s}: {', '.join(data[s].column_names)}" for s in data), path=origin)

    def source(split: str) -> DatasetSource:  # each part takes the mappings whose columns it has
        own = {f: c for f, c in columns.items() if c in data[split].column_names}
        return DatasetSource(data[split], origin=f"{origin} split {split!r}", name=split, columns=own,
                             python_hint=BEIR_COLUMNS_HINT)

    return source("corpus"), source("queries"), {s: source(s) for s in qrels}


def is_beir_dataset(data: Any) -> bool:
    """Whether ``data`` is a ``DatasetDict`` or a ``DatasetDict`` folder (a BEIR set given as a dataset)."""
    if isinstance(data, str | Path):
        return Path(data, "dataset_dict.json").is_file()
    return is_dataset(data)
