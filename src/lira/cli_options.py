"""Options and helpers shared by the ``lira`` commands."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from lira.backbones import DEFAULT_MULTILINGUAL, SPECS

BackboneOpt = Annotated[str, typer.Option(help=f"Backbone spec: {', '.join(SPECS)}.")]
MultilingualOpt = Annotated[str | None, typer.Option(
    "--backbone", help=f"Multilingual backbone spec of frozen and dual-path (default {DEFAULT_MULTILINGUAL}); a "
                       "distilled student reads the one it was trained on unless this is given, a LiRA model always "
                       "its own.")]
CacheDirOpt = Annotated[
    Path | None, typer.Option(help="Feature cache folder (default $LIRA_CACHE_DIR or ~/.cache/lira).")]


def fail(message: str) -> None:
    """Print ``error: message`` in red and exit with status 2."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def one_of(*valid: str) -> Callable[[str], str]:
    """Typer callback of a choice option: the value itself when it is one of ``valid``, else a usage error
    (status 2) listing them."""

    def check(value: str) -> str:
        if value not in valid:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(valid)}")
        return value

    return check


def writable_file(path: Path | None) -> Path | None:
    """Typer callback of an output file option: its folder is created and must accept a new file, checked
    before any work starts (a one-line error otherwise)."""
    if path is not None:
        writable_folder(path.parent)
    return path


def writable_folder(path: Path | None) -> Path | None:
    """Typer callback of an output folder option: created if needed, and it must accept a new file. The folders
    it creates are removed again when the command exits leaving them empty (it failed before writing)."""
    import atexit
    import tempfile

    if path is not None:
        created = [p for p in (path, *path.parents) if not p.exists()]  # deepest first
        try:
            path.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=path):
                pass
        except OSError as e:
            fail(f"cannot write to {path}: {e.strerror or e}")
        if created:
            atexit.register(_remove_if_empty, created)
    return path


def _remove_if_empty(folders: list[Path]) -> None:
    """Remove ``folders`` (deepest first) while they are empty."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:  # not empty (the command wrote there), or gone
            return


# The extensions ``read_texts`` reads (compared case-insensitively), named in its error for any other.
TEXT_EXTENSIONS = (".txt (one text per line), .jsonl or .json (JSON lines), .tsv (tab-separated) or .csv "
                   "(comma-separated), the last three with a header or field naming the text")


def read_texts(path: Path, field: str, *, allow_empty: bool = False) -> list[str]:
    """Texts of a file, by its extension (case-insensitive, as the data loaders read it): ``.jsonl``/``.json``
    (``field`` of each JSON line), ``.tsv``/``.csv`` with a header (column ``field``), or ``.txt``, one text per
    line: lines end at ``\n``, ``\r\n`` or a lone ``\r`` (U+2028, U+2029, ``\v`` and ``\f`` stay inside a
    text). A ``.txt`` line with a tab, an empty line or another extension is an error (``fail``); so is
    an empty input, unless ``allow_empty`` (then a warning and no texts)."""
    from lira.data.io import read_text, require
    from lira.data.loaders import iter_records

    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json", ".tsv", ".csv"):
        texts = [require(r, field, path=path, line=n) for n, r in iter_records(path)]
    elif suffix == ".txt":
        texts = read_text(path).replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if texts and texts[-1] == "":
            texts.pop()  # the newline that ends the last line
        tabbed = next((n for n, line in enumerate(texts, 1) if "\t" in line), None)
        if tabbed is not None:
            fail(f"{path}:{tabbed}: a tab in a .txt file, read as one text per line: the file looks "
                 f"tab-separated; for a table, name it .tsv with a header and a {field!r} column")
        blank = [n for n, line in enumerate(texts, 1) if not line.strip()]
        if blank:
            fail(f"{path}:{blank[0]}: empty line ({len(blank)} in all); one text per line, none empty")
    else:
        kind = f"unsupported file type {suffix!r}" if suffix else "no file extension"
        fail(f"{path}: {kind}: the format is told by the extension; accepted: {TEXT_EXTENSIONS}")
    if not texts:
        if not allow_empty:
            fail(f"{path}: no texts; give one text per line (or a `{field}` field per row), or pass --allow-empty")
        warnings.warn(f"{path} holds no texts", stacklevel=2)
    return texts
