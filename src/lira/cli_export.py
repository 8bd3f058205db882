"""``lira export st``: a LiRA model's multilingual path as a sentence-transformers folder
(``lira.integrations.st_export``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lira.cli_options import CacheDirOpt, writable_folder
from lira.cli_options import fail as _fail

export_app = typer.Typer(help="Export a LiRA model for other libraries.", no_args_is_help=True)


@export_app.command("st")
def export_st(
    model: Annotated[Path, typer.Option(exists=True, file_okay=False, help="A saved LiRA model folder.")],
    out: Annotated[Path, typer.Option(help="Folder for the sentence-transformers model.", callback=writable_folder)],
    lang: Annotated[str | None, typer.Option(help="Language whose token LaSR reads (default: the head's only "
                                                  "language).")] = None,
    lasr: Annotated[bool | None, typer.Option("--lasr/--no-lasr", help="Include LaSR's embedding (default: for "
                                                                       "retrieval and bitext models).")] = None,
    cache_dir: CacheDirOpt = None,
) -> None:
    """Write the multilingual path (backbone, adaptor and, for retrieval and bitext models, LaSR's embedding) as a
    folder SentenceTransformer(path) loads, giving the model's vectors for texts without an English translation."""
    from lira.integrations.st_export import ExportError, export_sentence_transformers

    try:
        info = export_sentence_transformers(model, out, lang=lang, lasr=lasr, cache_dir=cache_dir)
    except ExportError as e:
        _fail(f"cannot export {model}: {e}")
    parts = " -> ".join(info["modules"])
    typer.echo(f"{out}: {parts} ({info['dim']}-d{', LaSR in ' + info['lang'] if info['lasr'] else ''})")
    load = f"SentenceTransformer({str(out)!r}{', trust_remote_code=True' if info['trust_remote_code'] else ''})"
    typer.echo(f"load with: {load}" + ("  (LaSR's Transformer is a LiRA module: needs lira installed)"
                                       if info["trust_remote_code"] else ""))
