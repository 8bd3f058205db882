"""Translate-test (DESIGN.md section 5): encode only the English side with the English encoder.

The translator's first candidate stands in for texts without a given translation (the source text itself
where it has none, counted in one warning).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np

from lira.backbones.base import Role
from lira.translators.base import Translator


def first_candidates(translator: Translator | None, texts: Sequence[str], lang: str) -> list[str | None]:
    """The translator's best candidate per text (None without a translator or a candidate)."""
    if translator is None:
        return [None] * len(texts)
    return [pool[0].text if pool else None for pool in translator.translate(list(texts), lang=lang, k=1)]


def _fill(texts: Sequence[str], translations: Sequence[str | None]) -> list[str]:
    missing = sum(1 for t in translations if not t)
    if missing:
        warnings.warn(f"{missing} of {len(texts)} text(s) have no translation; the source text stands in",
                      stacklevel=3)
    return [t if t else s for s, t in zip(texts, translations, strict=True)]


class TranslateTest:
    """Translate-test: the English encoder reads the English side only."""

    needs_translations = True

    def __init__(self, en_backbone, translator_for: Callable[[str], Translator | None]) -> None:
        self.en, self.translator_for = en_backbone, translator_for
        self.name = f"translate-test({en_backbone.name})"

    def encode(self, texts: Sequence[str], *, lang: str, role: Role = "query",
               translations: Sequence[str | None] | None = None, **_) -> np.ndarray:
        if translations is None:
            translations = first_candidates(self.translator_for(lang), texts, lang)
        return self.en.encode(_fill(texts, translations), role=role)
