"""The English path of each task at test time (``TaskSpec.translations``) and its noise-amplified variant.

``data``: the data's own English side (``gold_translator``); ``lexicon``: the built-in product lexicon;
``none``: no translation. ``noisy`` wraps a translator so each text gets ``k`` independently corrupted
candidates (``mixed`` noise at one rate, seeded by the benchmark seed and the English text): the peers read
the first, LiRA's critics and Actor choose among them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lira.data.formats import ChoiceExample, ClassificationExample, NLIExample, ScoredPair
from lira.training.lasr_data import choice_premise
from lira.translators.base import Translator
from lira.translators.noise import NoiseConfig, NoisyTranslator
from lira.translators.precomputed import PrecomputedTranslator


def gold_pairs(record: Any) -> list[tuple[str, str | None]]:
    """``(source text, its English)`` for every text a record holds (English None where the data has none)."""
    if isinstance(record, ScoredPair):
        return [(record.text1, record.en1), (record.text2, record.en2)]
    if isinstance(record, NLIExample):
        return [(record.premise, record.premise_en), (record.hypothesis, record.hypothesis_en)]
    if isinstance(record, ClassificationExample):
        return [(record.text, record.en)]
    if isinstance(record, ChoiceExample):
        english = record.choices_en or (None,) * len(record.choices)
        return [(choice_premise(record.premise, record.question), choice_premise(record.premise_en, record.question)),
                *zip(record.choices, english, strict=True)]
    raise TypeError(f"no English side for a {type(record).__name__}")


def gold_translator(records: Sequence[Any]) -> PrecomputedTranslator:
    """The data's English side as a translator (texts without English get no candidate)."""
    table: dict[str, list[str]] = {}
    for record in records:
        for text, english in gold_pairs(record):
            if english:
                table.setdefault(text, [english])
    return PrecomputedTranslator(table, name="data-english", allow_missing=True)


def noisy(base: Translator, *, rate: float, seed: int, k: int) -> NoisyTranslator:
    """``k`` noisy variants (``mixed`` noise at ``rate``) of ``base``'s first candidate per text, the same for
    every source sharing an English text; rate 0 gives ``k`` copies of the clean candidate."""
    configs = [NoiseConfig("mixed", rate, seed=1000 * seed + j) for j in range(k)]
    return NoisyTranslator(base, configs, keep_clean=False, per_source=False)
