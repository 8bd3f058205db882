"""The untrained dual path (DESIGN.md section 5): ``[g(x) ; h(T(x))]``, the two normalised halves
concatenated, no training (``lira.arca.composition.dual_path_vector``, the function LiRA's heads start from)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from lira.arca.composition import dual_path_vector
from lira.backbones.base import Role
from lira.baselines.translate_test import _fill, first_candidates
from lira.translators.base import Translator


class DualPathUntrained:
    """``[g(x) ; h(T(x))]`` with both halves L2-normalised, then the whole normalised (no training)."""

    needs_translations = True

    def __init__(self, lr_backbone, en_backbone, translator_for: Callable[[str], Translator | None]) -> None:
        self.lr, self.en, self.translator_for = lr_backbone, en_backbone, translator_for
        self.name = f"dual-path({lr_backbone.name}+{en_backbone.name})"

    def encode(self, texts: Sequence[str], *, lang: str, role: Role = "query",
               translations: Sequence[str | None] | None = None, **_) -> np.ndarray:
        if translations is None:
            translations = first_candidates(self.translator_for(lang), texts, lang)
        x = self.lr.encode(texts, lang=lang, role=role)
        y = self.en.encode(_fill(texts, translations), role=role)
        return dual_path_vector(torch.from_numpy(np.asarray(x)), torch.from_numpy(np.asarray(y))).numpy()
