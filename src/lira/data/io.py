"""Strict readers for JSONL, TSV and CSV data files, and where the benchmark data lives.

Readers decode UTF-8 strictly, yield ``(line_number, record)`` and raise ``DataFormatError`` naming
the file, line and field for anything malformed. The atomic writers are generic and live in ``lira.io``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from lira.data.errors import DataFormatError

csv.field_size_limit(1 << 24)


def read_text(path: str | Path) -> str:
    """The whole of ``path`` decoded as UTF-8; invalid bytes raise ``DataFormatError`` with the line."""
    path = Path(path)
    if not path.is_file():
        raise DataFormatError("file not found", path=path)
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataFormatError("looks like UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8",
                              path=path, line=1)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise DataFormatError(f"invalid UTF-8 byte {raw[e.start]:#04x} at byte {e.start}", path=path,
                              line=line) from None
    return text.removeprefix("\ufeff")


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, object)`` for each non-blank line of a JSONL file."""
    for n, line in enumerate(read_text(path).split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise DataFormatError(f"malformed JSON ({e.msg} at column {e.colno})", path=path, line=n) from None
        if not isinstance(obj, dict):
            raise DataFormatError("each line must be a JSON object", path=path, line=n)
        yield n, obj


# How messages name a delimiter: one, several, the kind of file; the other delimiters a header is checked for.
_DELIMITERS = {"\t": ("tab", "tabs", "tab-separated"), ",": ("comma", "commas", "comma-separated"),
               ";": ("semicolon", "semicolons", "semicolon-separated"), "|": ("bar", "bars", "bar-separated")}


def _check_header_line(text: str, delimiter: str, assumed: str, hint: str, path: str | Path) -> None:
    """Raise ``DataFormatError`` when the first non-blank line of ``text`` (the header) has no ``delimiter`` but
    another one of ``_DELIMITERS``: the file is not separated the way it is read (a CSV file read as TSV)."""
    n, line = next(((n, line) for n, line in enumerate(io.StringIO(text), 1) if line.strip()), (0, ""))
    if not line:  # no header
        return
    other = next((d for d in _DELIMITERS if d != delimiter and d in line), None)
    if delimiter in line or other is None:
        return
    name, _, kind = _DELIMITERS.get(delimiter, (repr(delimiter), "", f"{delimiter!r}-separated"))
    shown = line.strip() if len(line.strip()) <= 60 else line.strip()[:57] + "..."
    raise DataFormatError(f"read as {kind} {assumed}, but found no {name} in the header {shown!r}: it holds "
                          f"{_DELIMITERS[other][1]}, so the file looks {_DELIMITERS[other][2]}"
                          + (f"; {hint}" if hint else ""), path=path, line=n)


def iter_delimited(path: str | Path, *, delimiter: str = "\t", header: bool = True,
                   fieldnames: Sequence[str] | None = None,
                   quoting: Literal[0, 1, 2, 3] | None = None,
                   assumed: str | None = None, hint: str = "",
                   unnamed: bool = False, columns: Sequence[str] = ()) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line_number, row)`` of a TSV/CSV file as dicts keyed by the header or ``fieldnames``.

    ``quoting`` defaults to ``csv.QUOTE_NONE`` for tabs (TSV has no quoting: a ``"`` is a literal character)
    and ``csv.QUOTE_MINIMAL`` otherwise. The text is parsed as one stream, so quoted fields keep their newlines;
    ``line_number`` is the physical line where the record starts. A header with a repeated column name, or an
    empty one (unless ``unnamed``: a pandas index column, keyed ``""``), a row with a different number of fields
    than the header, or broken quoting, raises ``DataFormatError``. ``assumed`` says why the file is read with
    ``delimiter`` (``"because of its extension '.txt'"``); given, a header line without ``delimiter`` but with
    another (a comma, tab, semicolon or bar: a CSV file read as TSV) raises ``DataFormatError`` on that line
    saying so, then ``hint`` (what to do). A header without every one of ``columns`` raises ``DataFormatError``
    saying the first line is read as the header and what it must be (a headerless file).
    """
    text = read_text(path)
    if assumed is not None and header and fieldnames is None:
        _check_header_line(text, delimiter, assumed, hint, path)
    if quoting is None:
        quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quoting=quoting, strict=True)
    names: list[str] | None = list(fieldnames) if fieldnames is not None else None
    start = 1
    try:
        for row in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if names is None and header:
                names = _header(row, path, line, unnamed=unnamed)
                if not set(columns) <= set(names):
                    sep = "<TAB>" if delimiter == "\t" else delimiter
                    raise DataFormatError(f"the first line is read as the header and must be {sep.join(columns)}; "
                                          f"found {sep.join(names)!r}", path=path, line=line)
                continue
            if names is None:
                raise DataFormatError("no header and no field names given", path=path, line=line)
            if len(row) != len(names):
                raise DataFormatError(f"expected {len(names)} fields ({', '.join(names)}), found {len(row)}",
                                      path=path, line=line)
            yield line, dict(zip(names, row, strict=True))
    except csv.Error as e:
        kind = "TSV" if delimiter == "\t" else "CSV"
        raise DataFormatError(f"malformed {kind} ({e})", path=path, line=start) from None


def _header(row: list[str], path: str | Path, line: int, *, unnamed: bool) -> list[str]:
    """The column names of a header row, stripped; a repeated name, or an empty one unless ``unnamed``, raises
    ``DataFormatError``."""
    names = [cell.strip() for cell in row]
    for i, name in enumerate(names):
        if not name and not unnamed:
            raise DataFormatError(f"column {i + 1} of the header has no name; name it or remove the column",
                                  path=path, line=line)
        if name in names[:i]:
            raise DataFormatError(f"column {name!r} appears twice in the header (columns {names.index(name) + 1} "
                                  f"and {i + 1}); rename one", path=path, line=line, field=name)
    return names


def require(record: Mapping[str, Any], field: str, *, path: str | Path | object, line: int,
            kind: type = str) -> Any:
    """``record[field]`` checked to be present, of ``kind`` and (for strings) not blank; a ``float`` must be
    finite, an ``int`` a whole number (``"3"``, ``3`` or ``3.0``, never ``1.7`` or ``true``). ``path`` is
    whatever ``DataFormatError`` locates (a file, or a dataset source)."""
    if field not in record:
        present = ", ".join(map(repr, record)) or "none"
        raise DataFormatError(f"missing; columns present: {present}", path=path, line=line, field=field)
    if record[field] is None:
        raise DataFormatError("missing", path=path, line=line, field=field)
    value = record[field]
    if kind is str:
        if not isinstance(value, str) or not value.strip():
            raise DataFormatError("must be a non-empty string", path=path, line=line, field=field)
        return value
    if kind is float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise DataFormatError(f"must be a number, got {value!r}", path=path, line=line, field=field) from None
        if isinstance(value, bool) or not math.isfinite(number):
            raise DataFormatError(f"must be a finite number, got {value!r}", path=path, line=line, field=field)
        return number
    if kind is int:
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if isinstance(value, bool) or not math.isfinite(number) or number != int(number):
            raise DataFormatError(f"must be an integer, got {value!r}", path=path, line=line, field=field)
        return int(number)
    if not isinstance(value, kind):
        raise DataFormatError(f"must be {kind.__name__}", path=path, line=line, field=field)
    return value


def default_data_dir() -> Path:
    """Where the public benchmark data is by default: ``$LIRA_DATA_DIR``; else ``shared/data`` beside the
    repository checkout this package runs from (an editable install); else ``../shared/data`` from the current
    folder."""
    env = os.environ.get("LIRA_DATA_DIR")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[3]  # src/lira/data/io.py -> the checkout
    beside = repo.parent / "shared" / "data"
    if (repo / "pyproject.toml").is_file() and beside.is_dir():
        return beside
    return Path("../shared/data")
