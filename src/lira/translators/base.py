"""Translators give K English candidates per source text; each candidate records where it came from.

DESIGN.md section 2, step 1: several translators, sampling, or both. ``Candidate.source`` names the
translator (``precomputed``, ``lexicon:<name>``, ``openai:<model>``, ``hf:<model>``, ``noise:<kind>@<rate>``);
``untranslated`` lists source tokens copied through unchanged (flagged, never hidden).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class Candidate:
    """One English translation candidate of a source text."""

    text: str
    source: str
    untranslated: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


class Reading(str):
    """The English a text reads from a pool of candidates when the English path averages them: its value is the
    Actor's greedy candidate (what ``LiRAModel.translate`` reports), ``candidates`` the pool's texts and
    ``weights`` the Actor's policy over them (summing to 1), whose weighted mean of English vectors the path reads
    (``LiRAConfig.english_reading``)."""

    candidates: tuple[str, ...]
    weights: tuple[float, ...]

    def __new__(cls, text: str, candidates: Sequence[str], weights: Sequence[float]) -> Reading:
        if not candidates or len(candidates) != len(weights):
            raise ValueError(f"a reading needs one weight per candidate, at least one: got {len(candidates)} "
                             f"candidates and {len(weights)} weights")
        out = super().__new__(cls, text)
        out.candidates, out.weights = tuple(candidates), tuple(float(w) for w in weights)
        return out

    def __reduce__(self) -> tuple[Any, ...]:
        return Reading, (str(self), self.candidates, self.weights)

    def __repr__(self) -> str:  # names the pool too, so keys built from reprs tell two readings apart
        return f"Reading({str(self)!r}, candidates={self.candidates!r}, weights={self.weights!r})"


@runtime_checkable
class Translator(Protocol):
    """Maps source texts in ``lang`` to up to ``k`` English candidates each (at least one per text)."""

    name: str

    def translate(self, texts: Sequence[str], *, lang: str, k: int = 1) -> list[list[Candidate]]:
        """``out[i]`` holds between 1 and ``k`` candidates for ``texts[i]``, best first."""
        ...


def is_ranked(translator: Translator) -> bool:
    """Whether ``translator``'s pools put its best candidate first (the protocol's contract). A translator whose
    candidates are exchangeable (variants with no preferred one, e.g. ``NoisyTranslator`` without the clean
    candidate) sets ``ranked = False``; Arca's untrained Actor then follows the critics instead of the order."""
    return bool(getattr(translator, "ranked", True))


class EndpointError(RuntimeError):
    """A chat request failed for good; ``url``, ``attempts``, ``cause`` and ``status`` (or None) say how.

    Defined here, not in ``lira.translators.chat``, so the CLI can catch it without the ``[llm]`` extra."""

    def __init__(self, message: str, *, url: str = "", attempts: int = 0, cause: str = "",
                 status: int | None = None) -> None:
        self.url, self.attempts, self.cause, self.status = url, attempts, cause, status
        super().__init__(message)
