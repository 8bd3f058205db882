"""The Translation Critic's contract (DESIGN.md section 2, step 2).

A critic scores each candidate on three axes in [1, 10]: semantic fidelity ``s``, emotional
(sentiment/tone) consistency ``e`` and pragmatic/style appropriateness ``p``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from lira.translators.base import Candidate

SCORE_MIN, SCORE_MAX = 1.0, 10.0


@dataclass(frozen=True)
class CriticScores:
    """Scores of one candidate; ``valid`` is False when they are a fallback (``reason`` says why)."""

    s: float
    e: float
    p: float
    reason: str = ""
    valid: bool = True

    def __post_init__(self) -> None:
        for axis in ("s", "e", "p"):
            value = getattr(self, axis)
            if not SCORE_MIN <= value <= SCORE_MAX:
                raise ValueError(f"critic score {axis}={value} outside [{SCORE_MIN:g}, {SCORE_MAX:g}]")


@runtime_checkable
class TranslationCritic(Protocol):
    """Scores candidates; ``out[i][j]`` belongs to ``candidates[i][j]`` of ``sources[i]``."""

    name: str

    def score(self, sources: Sequence[str], candidates: Sequence[Sequence[Candidate]], *,
              lang: str) -> list[list[CriticScores]]:
        ...
