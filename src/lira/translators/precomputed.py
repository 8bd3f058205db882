"""Translations carried by the data (DESIGN.md section 2, step 1: "precomputed translations").

``PrecomputedTranslator`` looks each source text up in a table ``text -> [translation, ...]``: column 1
is the reference English, further columns are extra candidates. Candidates are named ``precomputed``,
``precomputed:2``, ``precomputed:3``, ... after their column. A text missing from the table raises
``MissingTranslationError`` (never a silent skip or an empty candidate).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence

from lira.data.formats import ParallelExample
from lira.translators.base import Candidate


class MissingTranslationError(KeyError):
    """Some source texts have no precomputed translation; names the first one and how many are missing."""

    def __init__(self, missing: Sequence[str], total: int) -> None:
        self.missing = tuple(missing)
        first = missing[0] if missing else ""
        shown = first if len(first) <= 60 else first[:57] + "..."
        self.message = (f"no precomputed translation for {shown!r}"
                        + (f" and {len(missing) - 1} other text(s)" if len(missing) > 1 else "")
                        + f" ({len(missing)} of {total} missing)")
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


def _key(text: str) -> str:
    return unicodedata.normalize("NFC", text.strip())


class PrecomputedTranslator:
    """Serves translations from ``table`` (source text -> translations, best first).

    Keys are matched after stripping surrounding whitespace, in Unicode NFC (composed) form. Repeated
    translations of one text are dropped (the first column that holds it names the candidate); blank
    translations are rejected.
    """

    def __init__(self, table: Mapping[str, Sequence[str]], *, name: str = "precomputed",
                 allow_missing: bool = False) -> None:
        self.name = name
        self.allow_missing = allow_missing
        self._table: dict[str, list[str]] = {}
        for text, translations in table.items():
            if isinstance(translations, str):
                raise TypeError(f"translations of {text!r} must be a sequence of strings, not one string")
            self._add(text, translations)

    def _add(self, text: str, translations: Sequence[str]) -> None:
        if not translations or any(not isinstance(t, str) or not t.strip() for t in translations):
            raise ValueError(f"translations of {text[:60]!r} must be non-empty strings, got {list(translations)!r}")
        column = self._table.setdefault(_key(text), [])
        for t in translations:
            if t.strip() not in column:
                column.append(t.strip())

    @classmethod
    def from_examples(cls, examples: Sequence[ParallelExample], *, name: str = "precomputed") -> PrecomputedTranslator:
        """A table ``text -> [en, *translations]``; a text that occurs twice gets the union of its columns."""
        translator = cls({}, name=name)
        for ex in examples:
            translator._add(ex.text, [ex.en, *ex.translations])
        return translator

    def __len__(self) -> int:
        return len(self._table)

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and _key(text) in self._table

    def translate(self, texts: Sequence[str], *, lang: str, k: int = 1) -> list[list[Candidate]]:
        """Up to ``k`` candidates per text, from the table's columns in order.

        Raises ``MissingTranslationError`` when any text is missing from the table, unless the translator was
        built with ``allow_missing=True`` (data whose English side is partial): such texts get no candidate.
        """
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        missing = [t for t in texts if _key(t) not in self._table]
        if missing and not self.allow_missing:
            raise MissingTranslationError(missing, len(texts))
        out = []
        for text in texts:
            columns = self._table.get(_key(text), [])[:k]
            out.append([Candidate(t, self.name if i == 0 else f"{self.name}:{i + 1}") for i, t in enumerate(columns)])
        return out
