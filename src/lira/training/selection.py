"""Checkpoint selection on the dev split (DESIGN.md section 7): keep the weights of the best dev score seen,
step 0 (the untrained starting point) included, so training can only move a model up on dev.

``BestWeights`` tracks one group of modules under one dev metric; ties keep the earlier step. With the one-
standard-error rule (Breiman et al. 1984, *Classification and Regression Trees*; Hastie, Tibshirani & Friedman
2009, *The Elements of Statistical Learning*, section 7.10), a trained step replaces step 0 only when it beats
step 0's dev score by more than that score's standard error (``<metric>_se`` in the step-0 metrics, e.g. 7
points of accuracy on 40 dev items): on a small dev split a lucky step does not displace the starting point.
The kept weights are written (safetensors + JSON, atomically) to ``<out>/best/<name>.*`` whenever they change,
so a resumed run keeps selecting among all the steps it has seen.

``selection_margin`` extends the rule to a choice of the best of several alternatives over a default (the
dual path's English weight, four alternatives to the plain dual path): the best must beat the
default by the Bonferroni-corrected equivalent of one standard error (Dunn 1961, *Multiple comparisons among
means*), since the best of several noisy dev scores beats the default by one standard error far more often than
a single score does.

``patience_spent`` is early stopping (Prechelt 1998, *Early stopping - but when?*): training ends once several dev
evaluations in a row have not raised the best dev score. The kept weights stay the best seen, so stopping changes
the kept step only where a later step would have been the best.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file
from safetensors.torch import save as safetensors_bytes
from torch import nn

from lira.io import atomic_write, write_json

log = logging.getLogger(__name__)

# the one-sided level of the one-standard-error rule: P(Z > 1) for a standard normal Z
ONE_SE_LEVEL = 0.15865525393145707


def selection_margin(se: float, looks: int = 1) -> float:
    """The margin by which the best of ``looks`` alternatives must beat the default's dev score, for a score (or
    paired difference) with standard error ``se``: ``z * se`` with ``z`` the standard normal quantile of
    ``1 - ONE_SE_LEVEL / looks`` (Bonferroni). One look gives exactly one standard error, 4 about 1.75, 8 about
    2.06."""
    from scipy.stats import norm

    if looks < 1:
        raise ValueError(f"looks must be at least 1, got {looks}")
    return float(norm.isf(ONE_SE_LEVEL / looks)) * se if se else 0.0


def patience_spent(scores: Sequence[float], patience: int | None) -> bool:
    """Whether the last ``patience`` of the dev ``scores`` (in training order, step 0 first) all fail to beat the
    best score before them; always False for ``patience=None`` or fewer than ``patience + 1`` scores."""
    if patience is None or len(scores) <= patience:
        return False
    return max(scores[-patience:]) <= max(scores[:-patience])


class BestWeights:
    """The best-on-dev weights of ``modules`` (``{prefix: module}``) under dev metric ``metric``."""

    def __init__(self, out_dir: str | Path, name: str, modules: dict[str, nn.Module], metric: str, *,
                 one_se: bool = True) -> None:
        self.folder = Path(out_dir) / "best"
        self.name, self.modules, self.metric, self.one_se = name, modules, metric, one_se
        self.step: int | None = None
        self.score: float | None = None
        self.step0: float | None = None
        self.step0_se = 0.0
        self.trained = False  # a step after 0 was scored (a run of 0 steps has nothing to report)
        self._state: dict[str, torch.Tensor] | None = None

    def _snapshot(self) -> dict[str, torch.Tensor]:
        return {f"{prefix}.{k}": v.detach().cpu().clone().contiguous()  # on the CPU, wherever the modules train
                for prefix, module in self.modules.items() for k, v in module.state_dict().items()}

    def update(self, step: int, metrics: dict[str, Any]) -> bool:
        """Consider the current weights at ``step`` with dev ``metrics``; True when they become the kept ones."""
        if self.metric not in metrics:
            return False
        score = float(metrics[self.metric])
        self.trained = self.trained or step > 0
        if step == 0:
            self.step0 = score
            self.step0_se = float(metrics.get(f"{self.metric}_se", 0.0)) if self.one_se else 0.0
        if self.score is not None and not score > self.score:
            return False
        if step > 0 and self.step0 is not None and not score > self.step0 + self.step0_se:
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
        self.step0_se = info.get("dev_step0_se", 0.0)
        self._state = load_file(str(self.folder / f"{self.name}.safetensors"))

    def restore(self) -> None:
        """Load the kept weights into the modules (nothing to do when no dev score was seen)."""
        if self._state is None:
            return
        for prefix, module in self.modules.items():
            n = len(prefix) + 1
            module.load_state_dict({k[n:]: v for k, v in self._state.items() if k.startswith(prefix + ".")})
        if self.step == 0 and self.trained:
            log.info("%s (%s): training did not improve dev %s (%.4f at step 0); the untrained starting point is "
                     "kept", self.name, self.folder.parent, self.metric, self.score)

    def summary(self) -> dict[str, Any]:
        """``{"metric", "kept_step", "dev_step0", "dev_step0_se", "dev_kept"}`` (``dev_step0_se``: the margin a
        trained step had to beat, 0 without the one-standard-error rule)."""
        return {"metric": self.metric, "kept_step": self.step, "dev_step0": self.step0,
                "dev_step0_se": self.step0_se, "dev_kept": self.score}
