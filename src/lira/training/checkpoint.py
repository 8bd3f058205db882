"""Training checkpoints: model weights, optimizer state (safetensors) and trainer state (JSON).

``<out>/checkpoints/step-000050/`` holds ``model/`` (the model's own ``save`` folder),
``optimizer.safetensors`` and ``trainer_state.json``. A checkpoint folder is written under a temporary
name and renamed when complete, so ``latest_checkpoint`` never returns a partial one. The last file written
into it, ``checksums.json``, holds the SHA-256 of every other file; one damaged afterwards (a truncated file, or
bytes changed in place) is reported by path and file and skipped for the newest intact one. Checkpoints written
before the checksums existed resume without that check. No pickles.
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from lira.io import sha256_file, write_json

CHECKSUMS = "checksums.json"  # {"sha256": {relative posix path: hex digest}}, written last


class NonFiniteLossError(RuntimeError):
    """Training produced a NaN or Inf value."""


def stop_non_finite(problem: str, out_dir: str | Path) -> None:
    """Raise ``NonFiniteLossError`` naming ``problem`` and the last good checkpoint under ``out_dir``."""
    last = latest_checkpoint(out_dir)
    raise NonFiniteLossError(f"{problem}; training stopped. The last good checkpoint is "
                             f"{last if last else 'none (no checkpoint written yet)'}")


def optimizer_to_flat(optimizer: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Split ``optimizer.state_dict()`` into tensors (on the CPU, for safetensors) and JSON-able metadata."""
    state = optimizer.state_dict()
    tensors, scalars = {}, {}
    for index, values in state["state"].items():
        for name, value in values.items():
            if torch.is_tensor(value):
                tensors[f"state.{index}.{name}"] = value.detach().cpu().clone().contiguous()
            else:
                scalars[f"{index}.{name}"] = value
    return tensors, {"param_groups": state["param_groups"], "scalars": scalars}


def optimizer_from_flat(tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> dict[str, Any]:
    """Inverse of ``optimizer_to_flat``: a dict for ``optimizer.load_state_dict``."""
    state: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        _, index, name = key.split(".", 2)
        state.setdefault(int(index), {})[name] = value
    for key, value in meta["scalars"].items():
        index, name = key.split(".", 1)
        state.setdefault(int(index), {})[name] = value
    return {"state": state, "param_groups": meta["param_groups"]}


def _file_checksums(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` (but ``checksums.json``), keyed by its path relative to ``folder``."""
    return {path.relative_to(folder).as_posix(): sha256_file(path) for path in sorted(folder.rglob("*"))
            if path.is_file() and path.relative_to(folder).as_posix() != CHECKSUMS}


def has_checksums(folder: Path) -> bool:
    """Whether checkpoint ``folder`` was written with checksums (older versions wrote none)."""
    return (folder / CHECKSUMS).exists()


def checksum_problem(folder: Path) -> str | None:
    """Why the files of checkpoint ``folder`` differ from the checksums written with it (naming the file), or None
    (also for a checkpoint written before checksums existed: see ``has_checksums``)."""
    if not has_checksums(folder):
        return None
    try:
        expected = json.loads((folder / CHECKSUMS).read_text(encoding="utf-8"))["sha256"]
        if not isinstance(expected, dict):
            raise TypeError(f"sha256 is a {type(expected).__name__}, not an object")
    except Exception as e:  # noqa: BLE001 - an unreadable checksum file makes the checkpoint unverifiable
        return f"{CHECKSUMS} unreadable: {type(e).__name__}: {e}"
    for name, digest in sorted(expected.items()):
        path = folder / name
        if not path.is_file():
            return f"{name} is missing"
        if sha256_file(path) != digest:
            return f"{name} does not match its SHA-256 checksum"
    return None


def save_checkpoint(out_dir: str | Path, step: int, model: Any, optimizer: torch.optim.Optimizer,
                    trainer_state: dict[str, Any], *, keep: int = 2,
                    extra_tensors: dict[str, torch.Tensor] | None = None) -> Path:
    """Write checkpoint ``step`` atomically (folder rename) and keep only the newest ``keep``.

    ``extra_tensors`` (e.g. FIFO queues) go to ``extra.safetensors`` inside the same folder."""
    root = Path(out_dir) / "checkpoints"
    final = root / f"step-{step:06d}"
    tmp = root / f".tmp-step-{step:06d}"
    shutil.rmtree(tmp, ignore_errors=True)
    model.save(tmp / "model")
    tensors, meta = optimizer_to_flat(optimizer)
    save_file(tensors, str(tmp / "optimizer.safetensors"))
    write_json(tmp / "optimizer.json", meta)
    save_file(dict(extra_tensors or {}), str(tmp / "extra.safetensors"))
    write_json(tmp / "trainer_state.json", {"step": step, **trainer_state})
    write_json(tmp / CHECKSUMS, {"sha256": _file_checksums(tmp)})  # last: it covers every file above
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    for old in sorted(root.glob("step-*"))[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def checkpoint_problem(folder: Path) -> str | None:
    """Why the checkpoint ``folder`` cannot be loaded (a file that differs from its checksum, a missing, truncated
    or unparsable file), or None."""
    problem = checksum_problem(folder)
    if problem is not None:
        return problem
    try:
        for name in ("trainer_state.json", "optimizer.json"):
            json.loads((folder / name).read_text(encoding="utf-8"))
        tensors = [folder / "optimizer.safetensors", folder / "extra.safetensors",
                   *sorted((folder / "model").rglob("*.safetensors"))]
        if len(tensors) < 3:
            return f"no model weights under {folder / 'model'}"
        for path in tensors:
            with safe_open(str(path), framework="pt") as f:
                for key in f.keys():  # reads every tensor: a truncated file fails here
                    f.get_tensor(key)
        for path in (folder / "model").rglob("*.json"):
            json.loads(path.read_text(encoding="utf-8"))
    except Exception as e:  # noqa: BLE001 - any damage makes the checkpoint unusable
        return f"{type(e).__name__}: {e}"
    return None


def latest_checkpoint(out_dir: str | Path) -> Path | None:
    """The newest intact checkpoint folder under ``out_dir``, or None; damaged newer ones are named in a
    warning and skipped. A checkpoint written before checksums existed is used without a checksum check (with a
    note). Raises ``ValueError`` when checkpoints exist but none is intact."""
    found = sorted((Path(out_dir) / "checkpoints").glob("step-*"))
    damaged: list[tuple[Path, str]] = []
    for folder in reversed(found):
        problem = checkpoint_problem(folder)
        if problem is None:
            if damaged:
                warnings.warn(f"checkpoint {damaged[0][0]} is damaged ({damaged[0][1]}); resuming from the newest "
                              f"intact one, {folder}", stacklevel=2)
            if not has_checksums(folder):
                warnings.warn(f"checkpoint {folder} has no checksums (written by an older lira); its files are "
                              "used without a checksum check", stacklevel=2)
            return folder
        damaged.append((folder, problem))
    if damaged:
        raise ValueError(f"every checkpoint under {Path(out_dir) / 'checkpoints'} is damaged; newest: "
                         f"{damaged[0][0]} ({damaged[0][1]})")
    return None


def load_optimizer_state(folder: Path, optimizer: torch.optim.Optimizer) -> None:
    """Restore ``optimizer`` from a checkpoint folder (``load_state_dict`` moves the state to the device of the
    optimizer's parameters: build the optimizer over the moved model first)."""
    meta = json.loads((folder / "optimizer.json").read_text(encoding="utf-8"))
    optimizer.load_state_dict(optimizer_from_flat(load_file(str(folder / "optimizer.safetensors")), meta))


def load_extra_tensors(folder: Path) -> dict[str, torch.Tensor]:
    """The ``extra_tensors`` saved with a checkpoint."""
    return load_file(str(folder / "extra.safetensors"))


def load_trainer_state(folder: Path) -> dict[str, Any]:
    """The JSON trainer state of a checkpoint folder."""
    return json.loads((folder / "trainer_state.json").read_text(encoding="utf-8"))
