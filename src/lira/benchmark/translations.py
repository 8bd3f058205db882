"""The English path of each task at test time (``TaskSpec.translations``) and its noise-amplified variant.

``data``: the data's own English side (``gold_translator``); ``lexicon``: the built-in product lexicon;
``none``: no translation. ``noisy`` wraps a translator so each text gets ``k`` independently corrupted
candidates (``mixed`` noise at one rate, seeded by the benchmark seed and the English text): the peers read
the first, LiRA's critics and Actor choose among them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from lira.data.formats import ChoiceExample, ClassificationExample, NLIExample, ScoredPair
from lira.training.lasr_data import gold_pairs
from lira.translators.base import Translator
from lira.translators.noise import NoiseConfig, NoisyTranslator
from lira.translators.precomputed import PrecomputedTranslator


def first_english_table(records: Sequence[Any]) -> dict[str, str]:
    """``{source text: the first English the records give it}`` (texts without English are left out)."""
    table: dict[str, str] = {}
    for record in records:
        for text, english in gold_pairs(record):
            if english:
                table.setdefault(text, english)
    return table


def gold_translator(records: Sequence[Any]) -> PrecomputedTranslator:
    """The data's English side as a translator: each text gets the first English the records give it (a text
    without English gets no candidate)."""
    return PrecomputedTranslator({text: [english] for text, english in first_english_table(records).items()},
                                 name="data-english", allow_missing=True)


def first_english(records: Sequence[Any]) -> list[Any]:
    """``records`` with every text's English replaced by the one ``gold_translator(records)`` gives that text.
    A source text that occurs twice with two translations (SIB-200 has such sentences) then reads the same English
    in each record, as it does through the translator the peers read, so LiRA's head and a peer's probe are
    fitted on the same features."""
    table = first_english_table(records)
    premises: dict[tuple[str, str | None], str] = {}
    for record in records:
        if isinstance(record, ChoiceExample) and record.premise_en:
            premises.setdefault((record.premise, record.question), record.premise_en)
    out = []
    for r in records:
        if isinstance(r, ClassificationExample):
            r = replace(r, en=table.get(r.text, r.en))
        elif isinstance(r, NLIExample):
            r = replace(r, premise_en=table.get(r.premise, r.premise_en),
                        hypothesis_en=table.get(r.hypothesis, r.hypothesis_en))
        elif isinstance(r, ScoredPair):
            r = replace(r, en1=table.get(r.text1, r.en1), en2=table.get(r.text2, r.en2))
        elif isinstance(r, ChoiceExample):
            choices_en = None if r.choices_en is None else tuple(
                table.get(c, e) for c, e in zip(r.choices, r.choices_en, strict=True))
            r = replace(r, premise_en=premises.get((r.premise, r.question), r.premise_en), choices_en=choices_en)
        else:
            raise TypeError(f"no English side for a {type(r).__name__}")
        out.append(r)
    return out


def noisy(base: Translator, *, rate: float, seed: int, k: int) -> NoisyTranslator:
    """``k`` noisy variants (``mixed`` noise at ``rate``) of ``base``'s first candidate per text, the same for
    every source sharing an English text; rate 0 gives ``k`` copies of the clean candidate."""
    configs = [NoiseConfig("mixed", rate, seed=1000 * seed + j) for j in range(k)]
    return NoisyTranslator(base, configs, keep_clean=False, per_source=False)
