"""Stage-1 training data: candidate pools per source sentence and their frozen features.

For each parallel example the pool holds the gold English translation (when training or evaluating
candidate choice), extra translations the data carries, candidates from the configured translators,
and noisy variants of the gold translation (``lira.translators.noise``); duplicates are removed, the
pool is capped at ``max_candidates`` (one warning counts capped pools) and shuffled with a seeded
generator, recording where the gold one went. Backbone features go through the feature cache; critic
scores are computed once, since neither depends on trainable parameters.

Cost is linear in unique texts: each distinct source and candidate goes through each backbone once per role
(one call per backbone and role over the distinct texts; sources per language, for their script check), and
the critic scores come from ``lira.arca.features.critic_scores`` (the function ``LiRAModel`` scores with): the
offline critic reuses the sources' feature vectors when its role is the features' (``query``), and the
candidates' too when it reads with the same backbone and role as the English features.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from lira.arca.features import candidate_tensors, critic_scores, encode_features
from lira.arca.translation_critic import TranslationCritic
from lira.backbones.base import Backbone, Role
from lira.data.formats import ParallelExample
from lira.languages import DecomposedTextWarning, ScriptWarning, check_script, get_language
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


# The stage-1 recipe of LiRA's own runs (the benchmark and the demo). Pools: the gold translation, one variant
# with mixed MT noise (the kind the noise setting tests with) and the translators' candidates, three at most; they
# are data, the same for every seed (noise seed 0), so their English is encoded once per run. The offline critic
# reads through the same cached multilingual vectors as Arca (role ``query``), so each text is encoded once.
STAGE1_CRITIC_ROLE: Role = "query"


def stage1_pools() -> CandidateConfig:
    """The candidate pools of LiRA's own stage-1 runs (see ``STAGE1_CRITIC_ROLE``)."""
    return CandidateConfig(noise=[NoiseConfig("mixed", 0.3)], max_candidates=3, seed=0)


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

    def to(self, device: torch.device | str) -> ArcaFeatures:
        """These features with their tensors on ``device``; the lists are shared, not walked (the generic
        ``distributed.to_device`` visited every candidate of every row at every step: BENCHMARKS.md, "Time with a
        cold feature cache")."""
        return ArcaFeatures(self.langs, self.sources, self.candidates, self.x_lr.to(device), self.y_en.to(device),
                            self.mask.to(device), self.scores.to(device), self.gold.to(device))

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


def build_features(examples: Sequence[ParallelExample], *, lr_backbone: Backbone, en_backbone: Backbone,
                   critic: TranslationCritic, translators: Mapping[str, Sequence[Translator]],
                   config: CandidateConfig) -> ArcaFeatures:
    """Pools, backbone features and critic scores for ``examples`` (see ``ArcaFeatures``).

    Texts become tensors through ``lira.arca.features`` (the path ``LiRAModel`` serves with): with
    ``config.bins == 1`` the backbones' pooled vectors; with S > 1 their token states, S-bin pooled (pooled-only
    backbones repeat their vector); both through the feature cache. Critic scores: ``critic_scores`` there.
    """
    if not examples:
        raise ValueError("no examples to build Arca features from")
    pools, golds = candidate_pools(examples, translators, config)
    bins = config.bins
    x = np.zeros((len(examples), bins, lr_backbone.dim), dtype=np.float32)
    by_lang: dict[str, list[int]] = {}
    for i, ex in enumerate(examples):
        by_lang.setdefault(ex.lang, []).append(i)
    for lang, rows in by_lang.items():
        sources = list(dict.fromkeys(examples[i].text for i in rows))
        with warnings.catch_warnings():  # the backbone names its first text by index: name the example instead
            warnings.simplefilter("ignore", ScriptWarning)
            pooled = encode_features(lr_backbone, sources, lang=lang, bins=bins)
            warnings.simplefilter("ignore", DecomposedTextWarning)  # the backbone said it
            bad = check_script(sources, lang)
        if bad:
            first = next(examples[i].id for i in rows if examples[i].text == sources[bad[0]])
            warnings.warn(ScriptWarning.of(len(bad), bad[0], get_language(lang), name=first), stacklevel=2)
        where = {text: j for j, text in enumerate(sources)}
        x[rows] = pooled[[where[examples[i].text] for i in rows]]
    candidates = candidate_tensors(en_backbone, pools, bins=bins)  # each distinct candidate encoded once
    scores = critic_scores(critic, [ex.text for ex in examples], pools, langs=[ex.lang for ex in examples], x=x,
                           lr_backbone=lr_backbone, candidates=candidates, en_backbone=en_backbone)
    return ArcaFeatures(langs=[ex.lang for ex in examples], sources=[ex.text for ex in examples], candidates=pools,
                        x_lr=torch.from_numpy(x), y_en=torch.from_numpy(candidates.y),
                        mask=torch.from_numpy(candidates.mask), scores=torch.from_numpy(scores),
                        gold=torch.tensor(golds, dtype=torch.long))
