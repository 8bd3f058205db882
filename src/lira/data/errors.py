"""The error raised for bad input files: it names the file, the line and the field."""

from __future__ import annotations

from pathlib import Path


class DataFormatError(ValueError):
    """A problem in a data file, located by ``path``, 1-based ``line`` and ``field`` (each optional); a ``path``
    with ``describe_location(line, field)`` (``lira.data.hf_datasets``) formats the place itself."""

    def __init__(self, message: str, *, path: str | Path | object | None = None, line: int | None = None,
                 field: str | None = None) -> None:
        self.path, self.line, self.field = path, line, field
        describe = getattr(path, "describe_location", None)
        if callable(describe):  # a source that is not a plain file (a Hugging Face dataset) names its own places
            where = str(describe(line, field))
        else:
            where = str(path) if path is not None else "<input>"
            if line is not None:
                where += f":{line}"
            if field is not None:
                where += f" field {field!r}"
        super().__init__(f"{where}: {message}")
