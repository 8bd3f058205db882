"""Weights on disk: ``<stem>.safetensors`` plus ``<stem>_config.json`` carrying a format version.

Used by every saved module (Arca, LaSR); never pickles. Writes are atomic; a folder of another format
version is refused with the reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file
from safetensors.torch import save as safetensors_bytes

from lira.io import atomic_write, write_json


def save_weights(folder: str | Path, stem: str, state: dict[str, torch.Tensor], config: dict[str, Any],
                 version: int) -> Path:
    """Write ``state`` and ``{"format_version": version, "config": config}`` into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_write(folder / f"{stem}.safetensors", "wb") as f:
        f.write(safetensors_bytes({k: v.detach().contiguous().cpu() for k, v in state.items()}))
    write_json(folder / f"{stem}_config.json", {"format_version": version, "config": config})
    return folder


def load_weights(folder: str | Path, stem: str, version: int, what: str) -> tuple[dict[str, Any],
                                                                                  dict[str, torch.Tensor]]:
    """``(config, state)`` from a folder written by ``save_weights``; ``what`` names the module in errors."""
    folder = Path(folder)
    path = folder / f"{stem}_config.json"
    if not path.is_file():
        raise FileNotFoundError(f"{folder} is not a saved {what} folder (no {path.name})")
    meta = json.loads(path.read_text(encoding="utf-8"))
    if meta.get("format_version") != version:
        raise ValueError(f"{folder}: {what} format version {meta.get('format_version')} is not supported by "
                         f"this LiRA (expects {version})")
    return meta["config"], load_file(folder / f"{stem}.safetensors")
