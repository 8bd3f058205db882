"""Stage-2 task data as frozen dual-path features (Arca's inputs), one ``TaskData`` per task type.

Every text becomes raw backbone features ``(x, y, has_translation)`` through ``LiRAModel.raw_features``
(feature cache; translations chosen by Arca unless the data carries gold ones and ``use_gold`` is set), so
training only runs the adaptor (when trained jointly) and the LaSR head.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, overload

import torch

from lira.arca.composition import DualPath
from lira.data.formats import (
    NLI_LABELS,
    ChoiceExample,
    ClassificationExample,
    NLIExample,
    ParallelExample,
    RetrievalDataset,
    ScoredPair,
)
from lira.languages import ENGLISH
from lira.model import LiRAModel

TASKS = ("retrieval", "sts", "nli", "classification", "choice")


@dataclass
class Texts:
    """Raw features of a list of texts in one language; ``paths``: their dual path through a frozen Arca,
    computed once for a whole training run (``lira.training.lasr_trainer.frozen_paths``), None until then;
    ``paths_of``: that Arca."""

    lang: str
    x: torch.Tensor
    y: torch.Tensor
    has: torch.Tensor
    paths: DualPath | None = None
    paths_of: Any = field(default=None, compare=False, repr=False)

    def rows(self, index: torch.Tensor | list[int]) -> Texts:
        paths = None if self.paths is None else DualPath(self.paths.z[index], self.paths.has_translation[index])
        return Texts(self.lang, self.x[index], self.y[index], self.has[index], paths, self.paths_of)


def _given(gold: Sequence[str | None] | None, use_gold: bool) -> list[str | None] | None:
    """The translations texts read: the gold English only when ``use_gold`` and it exists for every text."""
    return list(gold) if use_gold and gold is not None and all(g for g in gold) else None


def texts_features(model: LiRAModel, texts: Sequence[str], *, lang: str, gold: Sequence[str | None] | None = None,
                   use_gold: bool = False, role: str = "query") -> Texts:
    """Features of ``texts``; gold English is used only when ``use_gold`` and available for every text."""
    translations = _given(gold, use_gold)
    x, y, has = model.raw_features(list(texts), lang=lang, translations=translations, role=role)  # type: ignore[arg-type]
    return Texts(lang, x, y, has)


@dataclass
class RetrievalData:
    """Per language: query features, document features (documents carry their English ``en``), ids, qrels."""

    queries: dict[str, Texts] = field(default_factory=dict)
    query_ids: dict[str, list[str]] = field(default_factory=dict)
    docs: dict[str, Texts] = field(default_factory=dict)
    doc_ids: dict[str, list[str]] = field(default_factory=dict)
    qrels: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)


def retrieval_data(model: LiRAModel, datasets: Sequence[RetrievalDataset], split: str, *,
                   use_gold: bool = False) -> RetrievalData:
    """Features of each dataset's ``split`` queries and of its whole corpus."""
    out = RetrievalData()
    for ds in datasets:
        queries, qrels = ds.split(split)
        ids = list(queries)
        out.queries[ds.lang] = texts_features(model, [queries[i].text for i in ids], lang=ds.lang,
                                              gold=[queries[i].en for i in ids], use_gold=use_gold, role="query")
        out.query_ids[ds.lang], out.qrels[ds.lang] = ids, qrels
        doc_ids = list(ds.corpus)
        docs = [ds.corpus[i] for i in doc_ids]
        x, y, has = model.raw_features([d.full_text for d in docs], lang=ds.lang, role="passage",
                                       translations=[d.en for d in docs])
        out.docs[ds.lang], out.doc_ids[ds.lang] = Texts(ds.lang, x, y, has), doc_ids
    return out


def bitext_data(model: LiRAModel, examples: Sequence[ParallelExample]) -> RetrievalData:
    """Cross-lingual retrieval from parallel pairs, per language: queries are the source texts without a
    translation (their English *is* the target, so the English slot holds the flagged stand-in), documents are
    all the English sides of that language (language ``eng``, read by both paths), each query's one relevant
    document its own English."""
    out = RetrievalData()
    by_lang: dict[str, list[ParallelExample]] = {}
    for ex in examples:
        by_lang.setdefault(ex.lang, []).append(ex)
    for lang, rows in sorted(by_lang.items()):
        english = list(dict.fromkeys(ex.en for ex in rows))
        doc_ids = [f"en:{i}" for i in range(len(english))]
        doc_of = dict(zip(english, doc_ids, strict=True))
        query_ids = [str(ex.id or f"{lang}:{i}") for i, ex in enumerate(rows)]
        x, y, has = model.raw_features([ex.text for ex in rows], lang=lang, translations=[None] * len(rows))
        out.queries[lang] = Texts(lang, x, y, has)
        out.query_ids[lang] = query_ids
        x, y, has = model.raw_features(english, lang=ENGLISH, translations=english)  # read as the evaluators do
        out.docs[lang], out.doc_ids[lang] = Texts(ENGLISH, x, y, has), doc_ids
        out.qrels[lang] = {q: {doc_of[ex.en]: 1} for q, ex in zip(query_ids, rows, strict=True)}
    return out


@dataclass
class PairData:
    """Pairs (STS, NLI) or single texts (classification, ``second`` None) with targets, grouped by language;
    ``align``: each group's token-alignment features ``[n, 2, A]`` (``LiRAModel.alignment``), when built with
    them; ``keys``: each group's ``item_keys`` per row (NLI and classification)."""

    first: list[Texts]
    second: list[Texts | None]
    targets: list[torch.Tensor]
    classes: list[str] = field(default_factory=list)
    align: list[torch.Tensor] = field(default_factory=list)
    keys: list[list[tuple[str, ...]]] = field(default_factory=list)


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


def item_keys(record: Any) -> tuple[str, ...]:
    """What ties ``record`` to the same item in other languages: its id and its English side as a whole (the
    parallel sets give every language the same id, as XCOPA and SIB-200 do, or the same English, as XNLI does);
    rows that share either key are one item (``lira.training.start_cv.item_groups``). The English is one key,
    not one per text: XNLI's splits share premises between rows, so two rows with one premise are two items."""
    ids = (f"id:{record.id}",) if record.id is not None else ()
    english = [e for _, e in gold_pairs(record) if e]
    return ids + (("en:" + "\n".join(english),) if english else ())


def _group(langs: Sequence[str]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for i, lang in enumerate(langs):
        groups.setdefault(lang, []).append(i)
    return groups


def sts_data(model: LiRAModel, pairs: Sequence[ScoredPair], *, use_gold: bool = False) -> PairData:
    """STS pairs grouped by (lang1); a cross-lingual pair encodes each side in its own language."""
    out = PairData([], [], [])
    for key, rows in _group([f"{p.lang1}|{p.lang2}" for p in pairs]).items():
        lang1, lang2 = key.split("|")
        out.first.append(texts_features(model, [pairs[i].text1 for i in rows], lang=lang1,
                                        gold=[pairs[i].en1 for i in rows], use_gold=use_gold))
        out.second.append(texts_features(model, [pairs[i].text2 for i in rows], lang=lang2,
                                         gold=[pairs[i].en2 for i in rows], use_gold=use_gold))
        out.targets.append(torch.tensor([pairs[i].score for i in rows], dtype=torch.float32))
    return out


def nli_data(model: LiRAModel, examples: Sequence[NLIExample], *, use_gold: bool = False,
             alignment: bool = False) -> PairData:
    """Premise/hypothesis pairs with class indices in ``NLI_LABELS`` order (``alignment``: with their
    token-alignment features)."""
    out = PairData([], [], [], classes=list(NLI_LABELS))
    for lang, rows in _group([e.lang for e in examples]).items():
        premises, hypotheses = [examples[i].premise for i in rows], [examples[i].hypothesis for i in rows]
        gold1, gold2 = [examples[i].premise_en for i in rows], [examples[i].hypothesis_en for i in rows]
        if alignment:  # first: its pass also caches the texts' vectors that texts_features reads
            out.align.append(model.alignment(premises, hypotheses, lang=lang, translations=_given(gold1, use_gold),
                                             translations2=_given(gold2, use_gold)))
        out.first.append(texts_features(model, premises, lang=lang, gold=gold1, use_gold=use_gold))
        out.second.append(texts_features(model, hypotheses, lang=lang, gold=gold2, use_gold=use_gold))
        out.targets.append(torch.tensor([NLI_LABELS.index(examples[i].label) for i in rows]))
        out.keys.append([item_keys(examples[i]) for i in rows])
    return out


def classification_data(model: LiRAModel, examples: Sequence[ClassificationExample], *,
                        classes: Sequence[str] | None = None, use_gold: bool = False) -> PairData:
    """Single texts with class indices; ``classes`` fixes the label order (default: sorted labels)."""
    classes = list(classes) if classes is not None else sorted({e.label for e in examples})
    unknown = sorted({e.label for e in examples} - set(classes))
    if unknown:
        raise ValueError(f"labels {unknown} are not among the model's classes {classes}")
    out = PairData([], [], [], classes=classes)
    for lang, rows in _group([e.lang for e in examples]).items():
        out.first.append(texts_features(model, [examples[i].text for i in rows], lang=lang,
                                        gold=[examples[i].en for i in rows], use_gold=use_gold))
        out.second.append(None)
        out.targets.append(torch.tensor([classes.index(examples[i].label) for i in rows]))
        out.keys.append([item_keys(examples[i]) for i in rows])
    return out


@dataclass
class ChoiceData:
    """Per language: premise features, option features ``[n * m]`` (row-major) and gold indices; ``align``: each
    option's token-alignment features with its premise ``[n * m, 2, A]``, when built with them; ``keys``: each
    question's ``item_keys``."""

    premises: list[Texts]
    options: list[Texts]
    n_options: list[int]
    targets: list[torch.Tensor]
    align: list[torch.Tensor] = field(default_factory=list)
    keys: list[list[tuple[str, ...]]] = field(default_factory=list)


@overload
def choice_premise(premise: str, question: str | None) -> str: ...
@overload
def choice_premise(premise: str | None, question: str | None) -> str | None: ...
def choice_premise(premise: str | None, question: str | None) -> str | None:
    """The text a choice item's options are scored against: the premise, then its question in brackets."""
    if premise is None or not question:
        return premise
    return f"{premise} ({question})"


def choice_data(model: LiRAModel, examples: Sequence[ChoiceExample], *, use_gold: bool = False,
                alignment: bool = False) -> ChoiceData:
    """Multiple-choice items grouped by (language, number of options); the question is prefixed to the premise
    (``alignment``: with each option's token-alignment features)."""
    out = ChoiceData([], [], [], [])
    keys = [f"{e.lang}|{len(e.choices)}" for e in examples]
    for key, rows in _group(keys).items():
        lang, m = key.split("|")[0], int(key.split("|")[1])
        premises = [choice_premise(examples[i].premise, examples[i].question) for i in rows]
        gold_premises = [choice_premise(examples[i].premise_en, examples[i].question) for i in rows]
        options = [c for i in rows for c in examples[i].choices]
        gold = [c for i in rows for c in (examples[i].choices_en or (None,) * m)]
        if alignment:  # first: its pass also caches the texts' vectors that texts_features reads
            premise_gold = _given(gold_premises, use_gold)
            out.align.append(model.alignment([p for p in premises for _ in range(m)], options, lang=lang,
                                             translations=None if premise_gold is None else
                                             [p for p in premise_gold for _ in range(m)],
                                             translations2=_given(gold, use_gold)))
        out.premises.append(texts_features(model, premises, lang=lang, gold=gold_premises, use_gold=use_gold))
        out.options.append(texts_features(model, options, lang=lang, gold=gold, use_gold=use_gold))
        out.n_options.append(m)
        out.targets.append(torch.tensor([examples[i].label for i in rows]))
        out.keys.append([item_keys(examples[i]) for i in rows])
    return out
