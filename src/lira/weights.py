"""Weights on disk: ``<stem>.safetensors`` plus ``<stem>_config.json`` carrying a format version.

Used by every saved module (Arca, LaSR, the distilled student); never pickles. Writes are atomic; a folder of
another format version is refused with the reason. The config also records how the backbones read text when the
weights were trained (``lira.backbones.base.TEXT_READING``); weights trained under another reading load with a
warning, since some of their inputs now reach them as other features.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file
from safetensors.torch import save as safetensors_bytes

from lira.backbones.base import INVISIBLE_CODES, TEXT_READING
from lira.io import atomic_write, write_json


def save_weights(folder: str | Path, stem: str, state: dict[str, torch.Tensor], config: dict[str, Any],
                 version: int) -> Path:
    """Write ``state`` and ``{"format_version": version, "text_reading": TEXT_READING, "config": config}`` into
    ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_write(folder / f"{stem}.safetensors", "wb") as f:
        f.write(safetensors_bytes({k: v.detach().contiguous().cpu() for k, v in state.items()}))
    write_json(folder / f"{stem}_config.json", {"format_version": version, "text_reading": TEXT_READING,
                                                   "config": config})
    return folder


def found_below(folder: Path, *names: str) -> str:
    """``"; found one in A, B"`` for the folders one level below ``folder`` that hold one of the config files
    ``names`` (empty when none does): a run folder given for the model folder inside it is the common slip."""
    inside = sorted({str(p.parent) for name in names for p in folder.glob(f"*/{name}")}) if folder.is_dir() else []
    return f"; found one in {', '.join(inside)}" if inside else ""


def not_saved(folder: Path, name: str, what: str) -> FileNotFoundError:
    """The error for a ``folder`` without ``name``, the config file of a saved ``what`` (``found_below``)."""
    return FileNotFoundError(f"{folder} is not a saved {what} folder (no {name}){found_below(folder, name)}")


def load_weights(folder: str | Path, stem: str, version: int, what: str) -> tuple[dict[str, Any],
                                                                                  dict[str, torch.Tensor]]:
    """``(config, state)`` from a folder written by ``save_weights``; ``what`` names the module in errors and in
    the warning given when the weights were trained under another text reading (``check_text_reading``)."""
    folder = Path(folder)
    path = folder / f"{stem}_config.json"
    if not path.is_file():
        raise not_saved(folder, path.name, what)
    meta = json.loads(path.read_text(encoding="utf-8"))
    if meta.get("format_version") != version:
        raise ValueError(f"{folder}: {what} format version {meta.get('format_version')} is not supported by "
                         f"this LiRA (expects {version})")
    check_text_reading(folder, what, meta.get("text_reading"))
    return meta["config"], load_file(folder / f"{stem}.safetensors")


def check_text_reading(folder: Path, what: str, recorded: str | None) -> None:
    """Warn when the weights in ``folder`` were trained while the backbones read text another way than
    ``TEXT_READING``, or do not say how they read it (``recorded`` None: saved before LiRA recorded it, which
    includes every model trained before zero width spaces were removed, when e5's tokenizer read them as spaces)."""
    if recorded == TEXT_READING:
        return
    if recorded:
        message = (f"was trained when the backbones' text reading was {recorded!r}; this LiRA's is {TEXT_READING!r}, "
                   "so some texts now reach it as other features than in training")
    else:
        message = ("does not record how the backbones read text when it was trained. If that was before LiRA's "
                   f"backbones began to remove {INVISIBLE_CODES} (zero width space; e5 read it as a space), texts "
                   "that hold one (mostly Khmer) now reach it as other features than in training")
    warnings.warn(f"{folder}: this {what} {message}: train it again to remove the difference", UserWarning,
                  stacklevel=3)
