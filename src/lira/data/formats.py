"""Typed records for every task format LiRA reads.

Each record carries its language (canonical ISO 639-3) and, where the data has one, the gold English
side (``*_en``) that Arca treats as the anchor translation. ``None`` means "no English given", never "".
"""

from __future__ import annotations

from dataclasses import dataclass, field

NLI_LABELS: tuple[str, ...] = ("entailment", "neutral", "contradiction")


@dataclass(frozen=True)
class ParallelExample:
    """A sentence ``text`` in ``lang`` with its English translation ``en`` and optional extra candidates."""

    lang: str
    text: str
    en: str
    translations: tuple[str, ...] = ()
    id: str | None = None


@dataclass(frozen=True)
class ScoredPair:
    """A sentence pair with a similarity/relatedness ``score``; the sides may be in different languages."""

    text1: str
    text2: str
    score: float
    lang1: str
    lang2: str
    en1: str | None = None
    en2: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class NLIExample:
    """A premise/hypothesis pair with a label from ``NLI_LABELS``."""

    lang: str
    premise: str
    hypothesis: str
    label: str
    premise_en: str | None = None
    hypothesis_en: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class ChoiceExample:
    """Multiple choice: a ``premise`` (with an optional ``question`` such as cause/effect), options, gold index."""

    lang: str
    premise: str
    choices: tuple[str, ...]
    label: int
    question: str | None = None
    premise_en: str | None = None
    choices_en: tuple[str, ...] | None = None
    id: str | None = None


@dataclass(frozen=True)
class MathProblem:
    """A math word problem ``question`` in ``lang`` with its numeric ``answer`` and the English question ``en``."""

    lang: str
    question: str
    answer: float
    en: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class ClassificationExample:
    """A text with a class ``label``."""

    lang: str
    text: str
    label: str
    en: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class Document:
    """A retrieval document: ``title`` and ``text`` (either may be empty, not both) and an optional English side."""

    title: str
    text: str
    en: str | None = None

    @property
    def full_text(self) -> str:
        """Title and text joined as BEIR does for dense retrievers."""
        return f"{self.title}. {self.text}".strip(". ") if self.title and self.text else (self.title or self.text)


@dataclass(frozen=True)
class Query:
    """A retrieval query with an optional English translation and free-form metadata (e.g. its style)."""

    text: str
    en: str | None = None
    meta: dict[str, str] = field(default_factory=dict)


@dataclass
class RetrievalDataset:
    """A BEIR-style retrieval set: ``corpus`` and ``queries`` by id, ``qrels[split][qid][doc_id] = grade``."""

    name: str
    lang: str
    corpus: dict[str, Document]
    queries: dict[str, Query]
    qrels: dict[str, dict[str, dict[str, int]]]

    def split(self, split: str) -> tuple[dict[str, Query], dict[str, dict[str, int]]]:
        """The queries that have judgements in ``split``, and those judgements."""
        if split not in self.qrels:
            raise KeyError(f"{self.name}: no split {split!r}; available: {sorted(self.qrels)}")
        qrels = self.qrels[split]
        return {qid: self.queries[qid] for qid in qrels}, qrels
