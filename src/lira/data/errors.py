"""The error raised for bad input files: it names the file, the line and the field."""

from __future__ import annotations

from pathlib import Path


class DataFormatError(ValueError):
    """A problem in a data file, located by ``path``, 1-based ``line`` and ``field`` (each optional); a ``path``
    with ``describe_location(line, field)`` (``lira.data.hf_datasets``) formats the place itself."""

    def __init__(self, message: str, *, path: str | Path | object | None = None, line: int | None = None,
                 field: str | None = None) -> None:
        self.path, self.line, self.field = path, line, field
        super().__init__(f"{location(path, line, field)}: {message}")


def location(path: str | Path | object | None, line: int | None = None, field: str | None = None) -> str:
    """How errors and warnings name a place: ``file:3 field 'text'``; a ``path`` with
    ``describe_location(line, field)`` (a Hugging Face dataset) names its own places."""
    describe = getattr(path, "describe_location", None)
    if callable(describe):
        return str(describe(line, field))
    where = str(path) if path is not None else "<input>"
    if line is not None:
        where += f":{line}"
    if field is not None:
        where += f" field {field!r}"
    return where
