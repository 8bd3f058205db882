"""The ``Backbone`` protocol and a base class that does validation, batching and normalisation.

A backbone maps texts to L2-normalised float32 vectors ``[n, dim]``; ``name`` is a stable id the
feature cache keys on. ``encode_tokens`` returns token states ``[n, L, dim]`` with a mask ``[n, L]``;
backbones that expose only pooled vectors return ``L = 1`` (DESIGN.md section 1).
"""

from __future__ import annotations

import hashlib
import warnings
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

import numpy as np
from tqdm.auto import tqdm

from lira.languages import check_script, normalize_code

Role = Literal["query", "passage", "text"]
ROLES: tuple[str, ...] = ("query", "passage", "text")


@runtime_checkable
class Backbone(Protocol):
    """What LiRA needs from an encoder."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str], *, lang: str | None = None, role: Role = "text",
               batch_size: int | None = None, show_progress: bool | None = None) -> np.ndarray:
        """L2-normalised float32 embeddings ``[len(texts), dim]``."""
        ...


def validate_texts(texts: Sequence[str] | str) -> list[str]:
    """``texts`` as a list; raises ``ValueError`` naming the first None/non-string/blank entries."""
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of strings, not a single string; wrap it in a list")
    texts = list(texts)
    bad = [i for i, t in enumerate(texts) if not isinstance(t, str) or not t.strip()]
    if bad:
        shown = ", ".join(f"{i} ({texts[i]!r})" for i in bad[:5])
        raise ValueError(f"{len(bad)} empty, None or whitespace-only text(s) at index {shown}"
                         f"{' ...' if len(bad) > 5 else ''}; remove or fill them before encoding")
    return texts


def l2_normalize(x: np.ndarray) -> np.ndarray:
    """Rows of ``x`` scaled to unit L2 norm (float32); zero rows stay zero."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


def fingerprint(folder: str | Path) -> str:
    """Short hash of a model folder: file names and sizes plus the contents of its JSON configs."""
    folder = Path(folder)
    h = hashlib.sha1()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        h.update(f"{rel}:{path.stat().st_size}\n".encode())
        if path.suffix == ".json":
            h.update(path.read_bytes())
    return h.hexdigest()[:10]


class BaseBackbone(ABC):
    """Shared machinery: input checks, a script check per language, batching with a progress bar,
    one warning that counts over-long texts, and L2 normalisation. Subclasses implement
    ``_encode_batch`` and, if they can, ``_count_too_long`` and ``_encode_tokens_batch``."""

    name: str
    dim: int
    max_tokens: int | None = None
    batch_size: int = 32

    @abstractmethod
    def _encode_batch(self, texts: list[str], role: Role) -> np.ndarray:
        """Raw embeddings ``[len(texts), dim]`` of one batch."""

    def _count_too_long(self, texts: list[str], role: Role) -> int:
        """How many texts exceed ``max_tokens`` (0 when unknown)."""
        return 0

    def _too_long_action(self) -> str:
        return f"truncated to {self.max_tokens} tokens"

    def _prepare(self, texts: Sequence[str], lang: str | None, role: str) -> list[str]:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; valid roles: {', '.join(ROLES)}")
        texts = validate_texts(texts)
        if lang is not None:
            check_script(texts, normalize_code(lang))
        too_long = self._count_too_long(texts, role) if texts else 0
        if too_long:
            warnings.warn(f"{self.name}: {too_long} of {len(texts)} text(s) exceed the backbone's maximum of "
                          f"{self.max_tokens} tokens and were {self._too_long_action()}", stacklevel=3)
        return texts

    def _batches(self, n: int, batch_size: int | None, show_progress: bool | None, desc: str):
        size = batch_size or self.batch_size
        starts = range(0, n, size)
        # default: a bar for more than one batch, on a terminal only (tqdm's disable=None)
        disable = (True if len(starts) <= 1 else None) if show_progress is None else not show_progress
        for start in tqdm(starts, desc=desc, unit="batch", disable=disable, leave=False):
            yield start, start + size

    def encode(self, texts: Sequence[str], *, lang: str | None = None, role: Role = "text",
               batch_size: int | None = None, show_progress: bool | None = None) -> np.ndarray:
        """L2-normalised float32 embeddings ``[len(texts), dim]``; ``role`` selects query/passage prompts."""
        texts = self._prepare(texts, lang, role)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for lo, hi in self._batches(len(texts), batch_size, show_progress, f"encode {self.name}"):
            out[lo:hi] = self._encode_batch(texts[lo:hi], role)
        return l2_normalize(out)

    def _encode_tokens_batch(self, texts: list[str], role: Role) -> tuple[np.ndarray, np.ndarray]:
        vectors = l2_normalize(self._encode_batch(texts, role))
        return vectors[:, None, :], np.ones((len(texts), 1), dtype=bool)

    def encode_tokens(self, texts: Sequence[str], *, lang: str | None = None, role: Role = "text",
                      batch_size: int | None = None,
                      show_progress: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Token states ``[n, L, dim]`` (float32, zero-padded) and a boolean mask ``[n, L]``.

        Pooled-only backbones return their normalised vector as a single token (``L = 1``).
        """
        texts = self._prepare(texts, lang, role)
        parts = [self._encode_tokens_batch(texts[lo:hi], role)
                 for lo, hi in self._batches(len(texts), batch_size, show_progress, f"tokens {self.name}")]
        length = max((p[0].shape[1] for p in parts), default=1)
        tokens = np.zeros((len(texts), length, self.dim), dtype=np.float32)
        mask = np.zeros((len(texts), length), dtype=bool)
        row = 0
        for states, m in parts:
            tokens[row:row + len(states), : states.shape[1]] = states
            mask[row:row + len(states), : m.shape[1]] = m
            row += len(states)
        return tokens, mask
