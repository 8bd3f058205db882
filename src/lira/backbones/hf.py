"""Any local Hugging Face ``AutoModel`` folder (encoders and decoder LLMs) with token outputs.

Pooling: ``mean`` over non-padding tokens (sentence-transformers' default), ``cls`` (first token) or
``last`` (last non-padding token, as E5-Mistral and Qwen3-Embedding do for decoder models).
Optional ``query_prefix``/``passage_prefix`` are prepended by role. Loaded with ``local_files_only``.
``batch_size`` defaults to 1 so that a text's vector never depends on the padding of the batch it shared
(see ``lira.backbones.sbert``); raise it for throughput when bit-exact reproducibility does not matter.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np

from lira.backbones.base import BaseBackbone, Role, fingerprint

Pooling = Literal["mean", "cls", "last"]


class HFBackbone(BaseBackbone):
    """A transformers model from ``path``; ``max_length`` defaults to the tokenizer's limit (capped at 8192)."""

    def __init__(self, path: str | Path, *, pooling: Pooling = "mean", max_length: int | None = None,
                 query_prefix: str = "", passage_prefix: str = "", batch_size: int = 1, device: str = "cpu") -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        if pooling not in ("mean", "cls", "last"):
            raise ValueError(f"unknown pooling {pooling!r}; valid: mean, cls, last")
        self.path = Path(path)
        if not self.path.is_dir():
            raise FileNotFoundError(f"Hugging Face model folder not found: {self.path}")
        self._torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token or self.tokenizer.unk_token
        self.model = AutoModel.from_pretrained(self.path, local_files_only=True).to(device).eval()
        self.device = device
        self.pooling = pooling
        self.prefixes = {"query": query_prefix, "passage": passage_prefix, "text": ""}
        limit = getattr(self.model.config, "max_position_embeddings", None) or self.tokenizer.model_max_length
        self.max_tokens = int(min(max_length or limit, limit, 8192))
        self.dim = int(self.model.config.hidden_size)
        self.batch_size = batch_size
        self.name = f"hf-{self.path.name}-{fingerprint(self.path)}-{pooling}"

    def _forward(self, texts: list[str], role: Role):
        prefixed = [self.prefixes[role] + t for t in texts]
        batch = self.tokenizer(prefixed, padding=True, truncation=True, max_length=self.max_tokens,
                               return_tensors="pt").to(self.device)
        with self._torch.inference_mode():
            states = self.model(**batch).last_hidden_state.float()
        return states, batch["attention_mask"].bool()

    def _pool(self, states, mask):
        if self.pooling == "cls":
            return states[:, 0]
        if self.pooling == "last":
            last = mask.long().cumsum(1).argmax(1)  # index of the last real token, whatever the padding side
            return states[self._torch.arange(states.shape[0]), last]
        weights = mask.unsqueeze(-1).float()
        return (states * weights).sum(1) / weights.sum(1).clamp(min=1.0)

    def _encode_batch(self, texts: list[str], role: Role) -> np.ndarray:
        states, mask = self._forward(texts, role)
        return self._pool(states, mask).numpy()

    def _encode_tokens_batch(self, texts: list[str], role: Role) -> tuple[np.ndarray, np.ndarray]:
        states, mask = self._forward(texts, role)
        return states.numpy(), mask.numpy()

    def _count_too_long(self, texts: list[str], role: Role) -> int:
        ids = self.tokenizer([self.prefixes[role] + t for t in texts], truncation=False)["input_ids"]
        return sum(len(x) > self.max_tokens for x in ids)
