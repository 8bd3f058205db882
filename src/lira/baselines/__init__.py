"""Peer methods run beside LiRA (DESIGN.md section 5), as encoders with the ``encode(texts, lang=, role=,
translations=)`` contract that ``RetrievalEvaluator`` uses for translation-aware methods.

- ``TranslateTest``: encode only the English side with the English encoder: the translator's first candidate
  for texts without a given translation (the source text itself where it has none, counted in one warning).
- ``DualPathUntrained``: ``[g(x) ; h(T(x))]``, the two normalised halves concatenated, no training.
- ``DistilledStudent``: multilingual knowledge distillation (Reimers & Gurevych 2020), a trained projection
  of the frozen multilingual backbone; it reads the source text only (trained by ``lira.training.distill``).
"""

from lira.baselines.distilled_student import DistilledStudent
from lira.baselines.dual_path import DualPathUntrained
from lira.baselines.translate_test import TranslateTest, first_candidates

__all__ = ["DistilledStudent", "DualPathUntrained", "TranslateTest", "first_candidates"]
