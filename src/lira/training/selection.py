"""Checkpoint selection on the dev split (DESIGN.md section 7): keep the weights of the best dev score seen,
step 0 (the untrained starting point) included, so training can only move a model up on dev.

``BestWeights`` tracks one group of modules under one dev metric; ties keep the earlier step. The kept weights
are written (safetensors + JSON, atomically) to ``<out>/best/<name>.*`` whenever they change, so a resumed run
keeps selecting among all the steps it has seen.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file
from safetensors.torch import save as safetensors_bytes
from torch import nn

from lira.data.io import atomic_write, write_json

log = logging.getLogger(__name__)


class BestWeights:
    """The best-on-dev weights of ``modules`` (``{prefix: module}``) under dev metric ``metric``."""

    def __init__(self, out_dir: str | Path, name: str, modules: dict[str, nn.Module], metric: str) -> None:
        self.folder = Path(out_dir) / "best"
        self.name, self.modules, self.metric = name, modules, metric
        self.step: int | None = None
        self.score: float | None = None
        self.step0: float | None = None
        self._state: dict[str, torch.Tensor] | None = None

    def _snapshot(self) -> dict[str, torch.Tensor]:
        return {f"{prefix}.{k}": v.detach().clone().contiguous()
                for prefix, module in self.modules.items() for k, v in module.state_dict().items()}

    def update(self, step: int, metrics: dict[str, Any]) -> bool:
        """Consider the current weights at ``step`` with dev ``metrics``; True when they become the kept ones."""
        if self.metric not in metrics:
            return False
        score = float(metrics[self.metric])
        if step == 0:
            self.step0 = score
        if self.score is not None and not score > self.score:
            return False
        self.step, self.score, self._state = step, score, self._snapshot()
        self.folder.mkdir(parents=True, exist_ok=True)
        with atomic_write(self.folder / f"{self.name}.safetensors", "wb") as f:
            f.write(safetensors_bytes(self._state))
        write_json(self.folder / f"{self.name}.json", self.summary())
        return True

    def resume(self) -> None:
        """Reload the kept weights and scores written by an earlier, interrupted run (if any)."""
        meta = self.folder / f"{self.name}.json"
        if not meta.is_file():
            return
        info = json.loads(meta.read_text(encoding="utf-8"))
        self.step, self.score, self.step0 = info["kept_step"], info["dev_kept"], info.get("dev_step0")
        self._state = load_file(str(self.folder / f"{self.name}.safetensors"))

    def restore(self) -> None:
        """Load the kept weights into the modules (nothing to do when no dev score was seen)."""
        if self._state is None:
            return
        for prefix, module in self.modules.items():
            n = len(prefix) + 1
            module.load_state_dict({k[n:]: v for k, v in self._state.items() if k.startswith(prefix + ".")})
        if self.step == 0:
            log.info("%s: training did not improve dev %s (%.4f at step 0); the untrained starting point is kept",
                     self.name, self.metric, self.score)

    def summary(self) -> dict[str, Any]:
        """``{"metric", "kept_step", "dev_step0", "dev_kept"}``."""
        return {"metric": self.metric, "kept_step": self.step, "dev_step0": self.step0, "dev_kept": self.score}
