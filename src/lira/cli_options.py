"""Options and helpers shared by the ``lira`` commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lira.backbones import SPECS

BackboneOpt = Annotated[str, typer.Option(help=f"Backbone spec: {', '.join(SPECS)}.")]
CacheDirOpt = Annotated[
    Path | None, typer.Option(help="Feature cache folder (default $LIRA_CACHE_DIR or ~/.cache/lira).")]


def fail(message: str) -> None:
    """Print ``error: message`` in red and exit with status 2."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def read_texts(path: Path, field: str) -> list[str]:
    """Texts of a ``.jsonl`` file (``field``) or a text file (one per line; an empty line is an error)."""
    from lira.data.io import iter_jsonl, read_text, require

    if path.suffix == ".jsonl":
        return [require(r, field, path=path, line=n) for n, r in iter_jsonl(path)]
    lines = read_text(path).splitlines()
    blank = [n for n, line in enumerate(lines, 1) if not line.strip()]
    if blank:
        fail(f"{path}:{blank[0]}: empty line ({len(blank)} in all); one text per line, none empty")
    return lines
