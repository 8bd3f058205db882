"""Stage-1 training data: candidate pools per source sentence and their frozen features.

For each parallel example the pool holds the gold English translation (when training or evaluating
candidate choice), extra translations the data carries, candidates from the configured translators,
and noisy variants of the gold translation (``lira.translators.noise``); duplicates are removed, the
pool is capped at ``max_candidates`` (one warning counts capped pools) and shuffled with a seeded
generator, recording where the gold one went. Backbone features go through the feature cache; critic
scores are computed once, since neither depends on trainable parameters.

Cost is linear in unique texts: each distinct source and candidate goes through each backbone once per role
(one call per backbone and role over the distinct texts; sources per language, for their script check), and
the offline critic scores from those vectors (``OfflineCritic.score_embeddings``): when its role is the
features' (``query``) it reuses the sources' feature vectors, and when it reads with the same backbone and role
as the English features it reuses the candidates' too.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from lira.arca.features import candidate_tensors, encode_features
from lira.arca.offline_critic import OfflineCritic
from lira.arca.translation_critic import TranslationCritic
from lira.backbones.base import Backbone
from lira.data.formats import ParallelExample
from lira.translators.base import Candidate, Translator
from lira.translators.noise import NoiseConfig, apply_noise, noise_rng


@dataclass
class CandidateConfig:
    """How pools are built: ``per_translator`` candidates from each translator, ``noise`` variants of the gold
    translation, at most ``max_candidates`` in all, shuffled with ``seed``."""

    per_translator: int = 2
    noise: list[NoiseConfig] = field(default_factory=lambda: [
        NoiseConfig("drop", 0.3), NoiseConfig("swap", 0.3), NoiseConfig("typo", 0.3),
        NoiseConfig("code_mix", 0.5), NoiseConfig("sense", 0.5)])
    max_candidates: int = 8
    include_gold: bool = True
    seed: int = 0
    bins: int = 1


@dataclass
class ArcaFeatures:
    """Frozen inputs of Arca for N examples with up to K candidates each, pooled to S bins.

    ``x_lr [N, S, d_g]``, ``y_en [N, K, S, d_h]`` (zeros where ``mask`` is False, never read), ``mask [N, K]``,
    ``scores [N, K, 3]`` (critic s, e, p; 1.0 where masked), ``gold [N]`` (index of the gold candidate, -1 if none).
    """

    langs: list[str]
    sources: list[str]
    candidates: list[list[Candidate]]
    x_lr: torch.Tensor
    y_en: torch.Tensor
    mask: torch.Tensor
    scores: torch.Tensor
    gold: torch.Tensor

    def __len__(self) -> int:
        return len(self.sources)

    def subset(self, index: torch.Tensor) -> ArcaFeatures:
        """Rows ``index`` (a LongTensor) of every field."""
        rows = index.tolist()
        return ArcaFeatures([self.langs[i] for i in rows], [self.sources[i] for i in rows],
                            [self.candidates[i] for i in rows], self.x_lr[index], self.y_en[index],
                            self.mask[index], self.scores[index], self.gold[index])


def candidate_pools(examples: Sequence[ParallelExample], translators: Mapping[str, Sequence[Translator]],
                    config: CandidateConfig) -> tuple[list[list[Candidate]], list[int]]:
    """Pools and gold indices (-1 where the gold translation is not in the pool)."""
    translated: dict[int, list[list[Candidate]]] = {i: [] for i in range(len(examples))}
    by_lang: dict[str, list[int]] = {}
    for i, ex in enumerate(examples):
        by_lang.setdefault(ex.lang, []).append(i)
    for lang, rows in by_lang.items():
        for translator in translators.get(lang, ()):
            out = translator.translate([examples[i].text for i in rows], lang=lang, k=config.per_translator)
            for i, cands in zip(rows, out, strict=True):
                translated[i].append(cands)
    pools, golds, capped = [], [], 0
    for i, ex in enumerate(examples):
        gold = Candidate(ex.en, "gold")
        pool = [gold] if config.include_gold else []
        pool += [Candidate(t, f"precomputed:{j + 2}") for j, t in enumerate(ex.translations)]
        pool += [c for cands in translated[i] for c in cands]
        pool += [apply_noise(gold, source_text=ex.text, config=n,
                             rng=noise_rng(config.seed + n.seed, n.kind, ex.text, ex.en)) for n in config.noise]
        unique = list({c.text.strip(): c for c in reversed(pool) if c.text.strip()}.values())[::-1]
        if len(unique) > config.max_candidates:
            capped += 1
            unique = unique[: config.max_candidates]
        order = noise_rng(config.seed, "shuffle", ex.text).permutation(len(unique))
        pool = [unique[j] for j in order]
        pools.append(pool)
        golds.append(next((j for j, c in enumerate(pool) if c.source == "gold"), -1))
    if capped:
        warnings.warn(f"{capped} candidate pool(s) had more than max_candidates={config.max_candidates} distinct "
                      "candidates and were cut (gold and data translations are kept first)", stacklevel=2)
    return pools, golds


def _same(a: Backbone, b: Backbone) -> bool:
    """Whether two backbones give the same vectors (the same object, or the same name: the cache's identity)."""
    return a is b or getattr(a, "name", None) == getattr(b, "name", object())


def _offline_scores(critic: OfflineCritic, examples: Sequence[ParallelExample], pools: list[list[Candidate]],
                    by_lang: dict[str, list[int]], sources: dict[str, list[str]], scores: np.ndarray, *,
                    lr_backbone: Backbone, x: np.ndarray, en_backbone: Backbone, en_vectors: np.ndarray,
                    en_row: dict[str, int], bins: int) -> None:
    """Fill ``scores`` with the offline critic's, from one encode per distinct text (see the module docstring)."""
    cfg = critic.config
    flat_all = [c.text for pool in pools for c in pool if c.text.strip()]
    if _same(critic.backbone, en_backbone) and cfg.role == "query" and bins == 1 and cfg.candidate_lang is None:
        cand_vectors, cand_row = en_vectors[:, 0], en_row  # the English features' own vectors
    else:
        distinct = list(dict.fromkeys(flat_all))
        cand_vectors = (critic.backbone.encode(distinct, lang=cfg.candidate_lang, role=cfg.role) if distinct
                        else np.zeros((0, x.shape[-1]), dtype=np.float32))
        cand_row = {text: j for j, text in enumerate(distinct)}
    for lang, rows in by_lang.items():
        if _same(critic.backbone, lr_backbone) and cfg.role == "query" and bins == 1:
            src = x[rows, 0]  # the features' own vectors: same backbone, same role
        else:
            vectors = critic.backbone.encode(sources[lang], lang=lang, role=cfg.role)
            where = {text: j for j, text in enumerate(sources[lang])}
            src = vectors[[where[examples[i].text] for i in rows]]
        flat = [c.text for i in rows for c in pools[i] if c.text.strip()]
        cand = cand_vectors[[cand_row[t] for t in flat]] if flat else np.zeros((0, src.shape[1]), dtype=np.float32)
        out = critic.score_embeddings([examples[i].text for i in rows], [pools[i] for i in rows], src, cand, lang=lang)
        for i, row_scores in zip(rows, out, strict=True):
            scores[i, : len(row_scores)] = [[s.s, s.e, s.p] for s in row_scores]


def build_features(examples: Sequence[ParallelExample], *, lr_backbone: Backbone, en_backbone: Backbone,
                   critic: TranslationCritic, translators: Mapping[str, Sequence[Translator]],
                   config: CandidateConfig) -> ArcaFeatures:
    """Pools, backbone features and critic scores for ``examples`` (see ``ArcaFeatures``).

    Texts become tensors through ``lira.arca.features`` (the path ``LiRAModel`` serves with): with
    ``config.bins == 1`` the backbones' pooled vectors (through the feature cache); with S > 1 their token
    states, S-bin pooled (pooled-only backbones repeat their vector).
    """
    if not examples:
        raise ValueError("no examples to build Arca features from")
    pools, golds = candidate_pools(examples, translators, config)
    n, k = len(examples), max(len(p) for p in pools)
    bins = config.bins
    x = np.zeros((n, bins, lr_backbone.dim), dtype=np.float32)
    scores = np.ones((n, k, 3), dtype=np.float32)
    by_lang: dict[str, list[int]] = {}
    for i, ex in enumerate(examples):
        by_lang.setdefault(ex.lang, []).append(i)
    sources: dict[str, list[str]] = {}
    for lang, rows in by_lang.items():
        sources[lang] = list(dict.fromkeys(examples[i].text for i in rows))
        pooled = encode_features(lr_backbone, sources[lang], lang=lang, bins=bins)
        where = {text: j for j, text in enumerate(sources[lang])}
        x[rows] = pooled[[where[examples[i].text] for i in rows]]
    candidates = candidate_tensors(en_backbone, pools, bins=bins)  # each distinct candidate encoded once
    en_vectors, en_row = candidates.vectors, candidates.row
    if isinstance(critic, OfflineCritic):
        _offline_scores(critic, examples, pools, by_lang, sources, scores, lr_backbone=lr_backbone, x=x,
                        en_backbone=en_backbone, en_vectors=en_vectors, en_row=en_row, bins=bins)
    else:
        for lang, rows in by_lang.items():
            out = critic.score([examples[i].text for i in rows], [pools[i] for i in rows], lang=lang)
            for i, row_scores in zip(rows, out, strict=True):
                scores[i, : len(row_scores)] = [[s.s, s.e, s.p] for s in row_scores]
    return ArcaFeatures(langs=[ex.lang for ex in examples], sources=[ex.text for ex in examples], candidates=pools,
                        x_lr=torch.from_numpy(x), y_en=torch.from_numpy(candidates.y),
                        mask=torch.from_numpy(candidates.mask), scores=torch.from_numpy(scores),
                        gold=torch.tensor(golds, dtype=torch.long))
