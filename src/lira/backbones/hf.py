"""Any local Hugging Face ``AutoModel`` folder (encoders and decoder LLMs) with token outputs.

Pooling: ``mean`` over non-padding tokens (sentence-transformers' default), ``cls`` (first token) or
``last`` (last non-padding token, as E5-Mistral and Qwen3-Embedding do for decoder models).
Optional ``query_prefix``/``passage_prefix`` are prepended by role. Loaded with ``local_files_only``.
Batches of ``batch_size`` (default 32) length-sorted texts are padded on the right with an attention mask (so
position ids and a decoder's causal attention see the same real tokens as alone), and pooling reads only real
tokens: a text's vector depends on its batch mates only through float rounding (``BATCH_TOLERANCE``). Torch's
threads are set before every batch (``lira.backbones.threads``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

import numpy as np

from lira.backbones.base import BaseBackbone, Role, fingerprint
from lira.backbones.threads import use_torch_threads

Pooling = Literal["mean", "cls", "last"]


class HFBackbone(BaseBackbone):
    """A transformers model from ``path``; ``max_length`` defaults to the tokenizer's limit (capped at 8192)."""

    def __init__(self, path: str | Path, *, pooling: Pooling = "mean", max_length: int | None = None,
                 query_prefix: str = "", passage_prefix: str = "", batch_size: int = 32, device: str = "cpu",
                 num_threads: int | None = None) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        if pooling not in get_args(Pooling):
            raise ValueError(f"unknown pooling {pooling!r}; valid: {', '.join(get_args(Pooling))}")
        self.path = Path(path)
        if not self.path.is_dir():
            raise FileNotFoundError(f"Hugging Face model folder not found: {self.path}")
        self._torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token or self.tokenizer.unk_token
        self.tokenizer.padding_side = "right"
        self.model = AutoModel.from_pretrained(self.path, local_files_only=True).to(device).eval()
        self.device = device
        self.pooling = pooling
        self.prefixes = {"query": query_prefix, "passage": passage_prefix, "text": ""}
        limit = getattr(self.model.config, "max_position_embeddings", None) or self.tokenizer.model_max_length
        self.max_tokens = int(min(max_length or limit, limit, 8192))
        self.dim = int(self.model.config.hidden_size)
        self.batch_size = batch_size
        self.num_threads = num_threads
        self.name = f"hf-{self.path.name}-{fingerprint(self.path)}-{pooling}"

    def _forward(self, texts: list[str], role: Role):
        use_torch_threads(self.num_threads)
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

    def _token_counts(self, texts: list[str], role: Role) -> list[int]:
        ids = self.tokenizer([self.prefixes[role] + t for t in texts], truncation=False)["input_ids"]
        return [len(x) for x in ids]
