"""``lira export st``: a LiRA model's multilingual path as a sentence-transformers folder
(``lira.integrations.st_export``)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from lira.cli_options import CacheDirOpt, writable_folder
from lira.cli_options import fail as _fail
from lira.io import write_json

export_app = typer.Typer(help="Export a LiRA model for other libraries.", no_args_is_help=True)
# A folder holding one of these is an earlier export, which --overwrite may replace.
EXPORT_MARKERS = ("modules.json", "lira_export.json")


@export_app.command("st")
def export_st(
    model: Annotated[Path, typer.Option(exists=True, file_okay=False, help="A saved LiRA model folder.")],
    out: Annotated[Path, typer.Option(help="Folder for the sentence-transformers model (new or empty).",
                                      callback=writable_folder)],
    lang: Annotated[str | None, typer.Option(help="Language whose token LaSR reads (default: the head's only "
                                                  "language).")] = None,
    lasr: Annotated[bool | None, typer.Option("--lasr/--no-lasr", help="Include LaSR's embedding (default: for "
                                                                       "retrieval and bitext models).")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an earlier export in --out (once the new one is "
                                                 "written).")] = False,
    cache_dir: CacheDirOpt = None,
) -> None:
    """Write the multilingual path (backbone, adaptor and, for retrieval and bitext models, LaSR's embedding) as a
    folder SentenceTransformer(path) loads, giving the model's vectors for texts without an English translation."""
    from lira.integrations.st_export import ExportError, export_sentence_transformers

    replace = _check_out(out, overwrite)
    target = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.")) if replace else out
    try:
        info = export_sentence_transformers(model, target, lang=lang, lasr=lasr, cache_dir=cache_dir)
    except BaseException as e:
        if replace:  # the earlier export stays
            shutil.rmtree(target, ignore_errors=True)
        if isinstance(e, ExportError):
            _fail(f"cannot export {model}: {e}")
        raise
    if replace:
        shutil.rmtree(out)
        target.rename(out)
        info["out"] = str(out)
        write_json(out / "lira_export.json", info)
    parts = " -> ".join(info["modules"])
    typer.echo(f"{out}: {parts} ({info['dim']}-d{', LaSR in ' + info['lang'] if info['lasr'] else ''})")
    load = f"SentenceTransformer({str(out)!r}{', trust_remote_code=True' if info['trust_remote_code'] else ''})"
    typer.echo(f"load with: {load}" + ("  (LaSR's Transformer is a LiRA module: needs lira installed)"
                                       if info["trust_remote_code"] else ""))


def _check_out(out: Path, overwrite: bool) -> bool:
    """Whether ``out`` holds an earlier export to replace (``overwrite``); fail for any other non-empty folder."""
    if not any(out.iterdir()):
        return False
    if not any((out / name).is_file() for name in EXPORT_MARKERS):
        _fail(f"{out} is not empty and holds no earlier export (no {' or '.join(EXPORT_MARKERS)}); give a new or "
              "empty folder")
    if not overwrite:
        _fail(f"{out} holds an earlier export; pass --overwrite to replace it, or give a new or empty folder")
    return True
