"""A run folder knows the config it was started with, so two runs never mix in one folder.

``claim_run_folder`` records the config (``run_config.json``: the config and its SHA-256) when a run starts. A
fresh run into a folder that already holds one is refused unless ``overwrite`` (which first deletes the old
checkpoints and kept weights); ``resume`` is refused when the config differs, naming the fields that differ.
``claimed_run_folder`` claims for the body of a run and lets go again when a fresh run fails before it has written
anything else there (a missing data folder, a bad input file), so the corrected run is not refused.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lira.io import write_json

RECORD = "run_config.json"


class RunFolderError(ValueError):
    """A run folder that this run may not use (another config, or a run already there)."""


def canonical(config: Any) -> dict[str, Any]:
    """``config`` (a dict of plain values, paths allowed) as plain JSON values."""
    return json.loads(json.dumps(config, default=str, sort_keys=True))


def config_hash(config: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of ``config``."""
    return hashlib.sha256(json.dumps(canonical(config), sort_keys=True).encode("utf-8")).hexdigest()


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out |= _flat(item, f"{prefix}{key}.")
        return out
    return {prefix.rstrip("."): value}


def differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """``"field.path (old -> new)"`` for every field whose value differs between two configs."""
    a, b = _flat(canonical(old)), _flat(canonical(new))
    return [f"{k} ({a.get(k)!r} -> {b.get(k)!r})" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]


def claim_run_folder(out_dir: str | Path, config: dict[str, Any], *, resume: bool, overwrite: bool) -> None:
    """Check that a run with ``config`` may use ``out_dir`` (see the module docstring), then record ``config``.

    Raises ``RunFolderError`` naming the folder and what to do."""
    out_dir = Path(out_dir)
    record = out_dir / RECORD
    if resume and overwrite:
        raise RunFolderError("--resume and --overwrite exclude each other")
    if resume:
        if not record.is_file():
            raise RunFolderError(f"--resume: {out_dir} has no {RECORD}, so its config cannot be checked; start a new "
                             "run (--overwrite to reuse the folder)")
        changed = differences(json.loads(record.read_text(encoding="utf-8"))["config"], config)
        if changed:
            raise RunFolderError(f"--resume: {out_dir} was started with another config; fields that differ: "
                             f"{'; '.join(changed)}")
        return
    used = [p for p in (out_dir / "checkpoints", out_dir / "best", record) if p.exists()]
    if used and not overwrite:
        raise RunFolderError(f"{out_dir} already holds a run ({used[0].name}); pass --resume to continue it or "
                         "--overwrite to start again")
    for folder in (out_dir / "checkpoints", out_dir / "best"):
        shutil.rmtree(folder, ignore_errors=True)
    write_json(record, {"config": canonical(config), "sha256": config_hash(config)})


@contextmanager
def claimed_run_folder(out_dir: str | Path, config: dict[str, Any], *, resume: bool,
                       overwrite: bool) -> Iterator[None]:
    """``claim_run_folder`` for the body of a run. If the body raises an error and the run was fresh (not
    ``resume``) and ``out_dir`` holds nothing but the ``run_config.json`` it just wrote, that record is removed
    before the error goes on: the run left nothing to protect. An interrupted run (Ctrl-C) keeps it, for
    ``--resume``."""
    claim_run_folder(out_dir, config, resume=resume, overwrite=overwrite)
    try:
        yield
    except Exception:
        folder = Path(out_dir)
        if not resume and [p.name for p in folder.iterdir()] == [RECORD]:
            (folder / RECORD).unlink()
        raise
