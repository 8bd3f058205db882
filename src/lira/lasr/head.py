"""``LaSRHead``: the Language-coupled Semantic Reasoner, a small Transformer over dual-path tokens (DESIGN.md §3).

Tokens for one text: ``[LANG; E_lr bins 1..S; E_en bins 1..S]``. Each bin ``z[:, slot, s] (d)`` becomes
``W z + slot_emb[slot] + pos_emb[s]`` (``W`` shared by both slots), the language token is
``LanguageEmbedding(lang) + slot_emb[lang]``. A pair (NLI, STS, an option with its premise) is one sequence
``[LANG_1; text 1 bins; LANG_2; text 2 bins]`` with a segment embedding (0 / 1) added to every token.

Outputs come from ``hidden``: the masked mean of the final (layer-normed) states over the tokens kept.
``embedding = normalize(base + P hidden)`` with ``P`` zero-initialised and ``base`` built from the mean of
each slot's bins (over both texts of a pair), each slot weighted by a learned gate (equal at start):
``residual_mode="concat"`` (default) joins the two normalised slot means, the untrained dual path
``[E_lr ; E_en]`` (so ``embed_dim = 2 dim``: LiRA starts exactly at that peer, DESIGN.md section 7), the two
halves weighted ``1 - w`` and ``w`` with ``w = english_weight`` (0.5: the plain dual path; 0: the multilingual
path alone; 1: the English path alone; chosen on dev by ``fit_lasr``); ``"mean"`` averages them. An untrained head
thus returns its inputs' dual-path combination, a sensible retrieval embedding from the start
(``residual_embedding=False``: ``normalize(P hidden)``).
A linear path (``probe="single"``: the text's untrained dual-path vector ``l2n([(1-w) l2n(E_lr); w l2n(E_en)])``;
``probe="pair"``: ``[u, v, |u - v|, u * v]`` of both texts' dual-path vectors, and with ``alignment`` the pair's
token-alignment features through each path, standardised on the training pairs, and with ``pair_cosine`` the
cosine of the two texts' slot means on each path, standardised likewise; with ``pair_vectors=False`` those
features alone, for tasks with too few training pairs to fit thousands of weights) adds to the logits
(or, with no classes, to the score). ``lira.training.lasr_run.fit_lasr`` sets it to the logistic-regression
probe's solution and the classifier and scorer on the Transformer start at zero, so an untrained head predicts
exactly what the probe on the untrained dual path predicts; the Transformer only adds a correction (DESIGN.md
section 7).
Slots can be removed per call (``drop="en"`` / ``"lrl"``, the single-path variants that consistency
regularisation compares) or per row (``en_mask`` / ``lrl_mask``, True = removed, e.g. ``~has_translation``).
Layer sizes are ours: the paper does not publish them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from lira.arca.composition import DualPath, dual_path_vector
from lira.config_fields import parse_fields
from lira.languages import LANGUAGES, get_language
from lira.lasr.language_embedding import LanguageEmbedding
from lira.lasr.linear_probe import linear_from_probe, pair_features
from lira.weights import load_weights, save_weights

FORMAT_VERSION = 1
DROPS = (None, "en", "lrl")
PATHS = ("dual", "lrl", "en")
PROBES = ("none", "single", "pair")
_LANG, _LRL, _EN = 0, 1, 2  # rows of the slot embedding


@dataclass
class LaSRConfig:
    """``dim``: width d of the dual-path bins; ``width``/``layers``/``heads``/``ff``/``dropout``: the encoder;
    ``max_bins``: largest S; ``num_classes``: classification logits (0 = none); ``embed_dim``: sentence
    embedding width (None = ``dim``); ``languages``: codes seen in training (default: all of LiRA's);
    ``residual_embedding``: add the input mean to the embedding (needs ``embed_dim == dim``);
    ``families`` / ``language_dropout``: see ``LanguageEmbedding`` (``unseen_dropout``); ``paths``: ``"dual"``,
    or ``"lrl"`` / ``"en"`` to keep one slot only in every call (the ablations without the translation path or
    without the multilingual path); ``probe``: the linear path on the dual-path features (``PROBES``: none,
    single, pair; see the module docstring); ``english_weight``: the English half's weight ``w`` in the dual path
    (0.5 = equal halves); ``alignment``: the width of a pair's token-alignment features per path
    (``lira.backbones.alignment``; 0 = none), which the pair probe also reads; ``pair_vectors``: whether the pair
    probe reads ``[u, v, |u - v|, u * v]`` (False: the alignment and cosine features alone, 2 x ``alignment``
    (+ 2) weights); ``pair_cosine``: whether the pair probe also reads the cosine of the two texts' slot means on
    each path (2 weights: the untrained "which option is closer to the premise" of a choice task, calibrated);
    ``probe_c``: the inverse L2 regularisation strength of the probe the linear path starts from (scikit-learn's
    C; 1 = the evaluators' probes on the peers)."""

    dim: int = 384
    width: int = 128
    layers: int = 2
    heads: int = 4
    ff: int = 256
    dropout: float = 0.1
    max_bins: int = 1
    num_classes: int = 0
    embed_dim: int | None = None
    languages: list[str] = field(default_factory=lambda: [lang.code for lang in LANGUAGES])
    residual_embedding: bool = True
    residual_mode: str = "concat"
    families: bool = True
    language_dropout: float = 0.1
    paths: str = "dual"
    probe: str = "none"
    english_weight: float = 0.5
    alignment: int = 0
    pair_vectors: bool = True
    pair_cosine: bool = False
    probe_c: float = 1.0

    def __post_init__(self) -> None:
        if not self.probe_c > 0:
            raise ValueError(f"probe_c must be > 0 (scikit-learn's C), got {self.probe_c}")
        if self.pair_cosine and self.probe != "pair":
            raise ValueError(f"pair_cosine needs probe='pair', got probe={self.probe!r}")
        if not self.pair_vectors and (self.probe != "pair" or not (self.alignment or self.pair_cosine)):
            raise ValueError(f"pair_vectors=False needs probe='pair' and alignment > 0 or pair_cosine (the linear "
                             f"path would read nothing else), got probe={self.probe!r}, alignment={self.alignment}, "
                             f"pair_cosine={self.pair_cosine}")
        if self.alignment < 0 or self.alignment and self.probe != "pair":
            raise ValueError(f"alignment needs probe='pair' and a width >= 0, got alignment={self.alignment} "
                             f"with probe={self.probe!r}")
        if not 0.0 <= self.english_weight <= 1.0:
            raise ValueError(f"english_weight must be in [0, 1], got {self.english_weight}")
        if self.probe not in PROBES:
            raise ValueError(f"probe must be one of {', '.join(PROBES)}, got {self.probe!r}")
        if self.paths not in PATHS:
            raise ValueError(f"paths must be one of {', '.join(PATHS)}, got {self.paths!r}")
        if self.residual_mode not in ("concat", "mean"):
            raise ValueError(f"residual_mode must be 'concat' or 'mean', got {self.residual_mode!r}")
        width = 2 * self.dim if self.residual_embedding and self.residual_mode == "concat" else self.dim
        if self.embed_dim is None:
            self.embed_dim = width
        if isinstance(self.languages, str):
            raise TypeError("languages must be a list of codes, not one string")
        canonical: list[str] = []
        for code in self.languages:
            code = get_language(code).code
            if code not in canonical:
                canonical.append(code)
        self.languages = canonical
        for name in ("dim", "width", "layers", "heads", "ff", "max_bins", "embed_dim"):
            if getattr(self, name) < 1:
                raise ValueError(f"LaSR {name} must be >= 1, got {getattr(self, name)}")
        if self.width % self.heads:
            raise ValueError(f"LaSR width {self.width} is not divisible by heads {self.heads}")
        if self.num_classes < 0:
            raise ValueError(f"LaSR num_classes must be >= 0, got {self.num_classes}")
        if self.residual_embedding and self.embed_dim != width:
            raise ValueError(f"residual_embedding ({self.residual_mode}) needs embed_dim == {width} "
                             f"(got {self.embed_dim}); set residual_embedding=False or embed_dim={width}")

    @classmethod
    def from_dict(cls, raw: dict, where: str = "LaSR config") -> LaSRConfig:
        """Build from a plain dict (JSON/YAML); unknown fields and wrong types raise ``ConfigError`` naming
        ``where`` and the field."""
        return parse_fields(cls, raw, where)


@dataclass
class LaSROutput:
    """``embedding [n, embed_dim]`` (unit norm), ``logits [n, num_classes]`` (None without classes),
    ``score [n]`` (regression / option score), the pooled state ``hidden [n, width]`` and ``features``, what the
    linear path reads (None without one)."""

    embedding: torch.Tensor
    logits: torch.Tensor | None
    score: torch.Tensor
    hidden: torch.Tensor
    features: torch.Tensor | None = None


def _row_mask(mask: torch.Tensor | None, n: int, text: int, device: torch.device) -> torch.Tensor:
    """Per-row removal flags for text ``text`` from a mask ``[n]`` (all texts) or ``[n, T]`` (per text)."""
    if mask is None:
        return torch.zeros(n, dtype=torch.bool, device=device)
    mask = mask.to(device=device, dtype=torch.bool)
    if mask.ndim == 2:
        mask = mask[:, text]
    if mask.shape != (n,):
        raise ValueError(f"slot mask must be [n] or [n, texts] with n={n}, got {tuple(mask.shape)}")
    return mask


class LaSRHead(nn.Module):
    """Small pre-norm Transformer encoder over ``[LANG; E_lr bins; E_en bins]`` (x2 for pairs)."""

    align_mean: torch.Tensor  # buffers of a head with ``config.alignment``
    align_std: torch.Tensor
    cosine_mean: torch.Tensor  # buffers of a head with ``config.pair_cosine``
    cosine_std: torch.Tensor

    def __init__(self, config: LaSRConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        self.language = LanguageEmbedding(c.width, c.languages, families=c.families,
                                          unseen_dropout=c.language_dropout)
        self.in_proj = nn.Linear(c.dim, c.width)
        self.slot = nn.Parameter(torch.randn(3, c.width) * 0.02)  # LANG, LRL, EN
        self.position = nn.Parameter(torch.randn(c.max_bins, c.width) * 0.02)
        self.segment = nn.Parameter(torch.randn(2, c.width) * 0.02)
        self.input_dropout = nn.Dropout(c.dropout)
        encoder_layer = nn.TransformerEncoderLayer(c.width, c.heads, c.ff, c.dropout, activation="gelu",
                                                   batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(encoder_layer, c.layers, norm=nn.LayerNorm(c.width),
                                             enable_nested_tensor=False)
        assert c.embed_dim is not None  # LaSRConfig.__post_init__ fills it in
        self.embed_proj = nn.Linear(c.width, c.embed_dim)
        self.slot_gate = nn.Parameter(torch.zeros(2))  # softmax weights of the LRL and English slots in ``base``
        if c.residual_embedding:
            nn.init.zeros_(self.embed_proj.weight)
            nn.init.zeros_(self.embed_proj.bias)
        self.head_dropout = nn.Dropout(c.dropout)
        self.classifier = nn.Linear(c.width, c.num_classes) if c.num_classes else None
        self.scorer = nn.Linear(c.width, 1)
        self.probe: nn.Linear | None = None
        if c.alignment:  # the features' standardisation, set from the training pairs by ``set_alignment_scale``
            self.register_buffer("align_mean", torch.zeros(2 * c.alignment, dtype=torch.float64))
            self.register_buffer("align_std", torch.ones(2 * c.alignment, dtype=torch.float64))
        if c.pair_cosine:  # the cosines' standardisation, set from the training pairs by ``set_cosine_scale``
            self.register_buffer("cosine_mean", torch.zeros(2, dtype=torch.float64))
            self.register_buffer("cosine_std", torch.ones(2, dtype=torch.float64))
        if c.probe != "none":
            width = ((2 * c.dim * (4 if c.probe == "pair" else 1) if c.pair_vectors else 0) + 2 * c.alignment
                     + 2 * c.pair_cosine)
            # float64, like scikit-learn's own predictions, so near-ties resolve as the probe resolves them
            self.probe = nn.Linear(width, c.num_classes or 1, dtype=torch.float64)
            for layer in (self.probe, self.classifier, self.scorer):
                if layer is not None:
                    nn.init.zeros_(layer.weight)
                    nn.init.zeros_(layer.bias)

    def num_parameters(self) -> int:
        """Number of trainable parameters."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    def _check(self, z: torch.Tensor | DualPath, name: str) -> torch.Tensor:
        if isinstance(z, DualPath):
            z = z.z
        if z.ndim != 4 or z.shape[1] != 2 or z.shape[3] != self.config.dim:
            raise ValueError(f"{name} must be [n, 2, S, {self.config.dim}] (LRL slot, English slot), "
                             f"got {tuple(z.shape)}")
        if z.shape[2] > self.config.max_bins:
            raise ValueError(f"{name} has S={z.shape[2]} bins but this LaSR head takes at most "
                             f"max_bins={self.config.max_bins}")
        return z

    def _langs(self, langs: Sequence[str] | str, n: int, name: str) -> list[str]:
        if isinstance(langs, str):
            return [langs] * n
        langs = list(langs)
        if len(langs) != n:
            raise ValueError(f"{name} has {len(langs)} codes for {n} rows (give one per row or one string)")
        return langs

    def _text(self, z: torch.Tensor, langs: list[str], segment: int, remove_lrl: torch.Tensor,
              remove_en: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Tokens ``[n, 1 + 2S, width]``, padding ``[n, 1 + 2S]`` (True = removed), kept-bin sum ``[n, d]``
        and kept-bin count ``[n]`` for one text."""
        n, _, s, _ = z.shape
        if bool((remove_lrl & remove_en).any()):
            raise ValueError("a text has both its LRL and English slots removed; keep at least one slot")
        bins = self.in_proj(z) + self.slot[_LRL:][None, :, None] + self.position[:s][None, None]
        lang = self.language(langs) + self.slot[_LANG]
        tokens = torch.cat([lang[:, None], bins.reshape(n, 2 * s, -1)], dim=1) + self.segment[segment]
        keep = torch.stack([~remove_lrl, ~remove_en], dim=1)  # [n, 2]
        padding = torch.cat([torch.zeros(n, 1, dtype=torch.bool, device=z.device),
                             (~keep)[:, :, None].expand(n, 2, s).reshape(n, 2 * s)], dim=1)
        kept = keep.to(z.dtype)  # [n, 2]
        return tokens, padding, z.sum(dim=2) * kept[..., None], kept * s

    def _base(self, sums: torch.Tensor, counts: torch.Tensor) -> torch.Tensor:
        """The residual part of the embedding from per-slot sums ``[n, 2, d]`` and bin counts ``[n, 2]``.

        Each slot's mean (a removed slot takes the other slot's mean as its stand-in) is weighted by the
        learned gate (softmax over the slots, x2 so both weights start at 1); ``concat`` joins the two
        normalised slot means, the dual-path ``z = [E_lr ; E_en]``; ``mean`` adds them."""
        means = _slot_means(sums, counts, stand_in=True)
        gate = 2 * torch.softmax(self.slot_gate, 0)[None, :, None]
        if self.config.residual_mode == "concat":
            w = self.config.english_weight
            if w != 0.5:  # the fixed weights of the dual path (l2n(E_lr), l2n(E_en)): 2 (1 - w) and 2 w
                gate = gate * torch.tensor([2 * (1 - w), 2 * w], dtype=gate.dtype, device=gate.device)[None, :, None]
            return (gate * F.normalize(means, dim=-1)).flatten(1)
        return (gate * means).sum(1) / 2

    def dual_vector(self, sums: torch.Tensor, counts: torch.Tensor) -> torch.Tensor:
        """The untrained dual-path vector ``l2n([(1 - w) l2n(mean E_lr); w l2n(mean E_en)])`` ``[n, 2 d]``
        (``w = config.english_weight``) from one text's per-slot sums ``[n, 2, d]`` and counts ``[n, 2]`` (a
        removed slot takes the other slot's mean)."""
        means = _slot_means(sums, counts, stand_in=True)
        return dual_path_vector(means[:, 0].contiguous(), means[:, 1].contiguous(), self.config.english_weight)

    def forward(self, z: torch.Tensor | DualPath, langs: Sequence[str] | str, *,
                z2: torch.Tensor | DualPath | None = None, langs2: Sequence[str] | str | None = None,
                drop: str | None | Sequence[str | None] = None, en_mask: torch.Tensor | None = None,
                lrl_mask: torch.Tensor | None = None, align: torch.Tensor | None = None) -> LaSROutput:
        """``z [n, 2, S, d]`` with one language code per row (or one string for all rows) -> ``LaSROutput``.

        ``z2``/``langs2``: the second text of a pair (``langs2`` defaults to ``langs``). ``drop``: ``"en"`` or
        ``"lrl"`` removes that slot from every text (or one of ``DROPS`` per row: several path variants in one
        batch, as consistency regularisation compares them); ``en_mask``/``lrl_mask`` ``[n]`` (or ``[n, texts]``),
        True = remove that slot for that row; without ``en_mask``, a ``DualPath`` input removes the English
        slot of its stand-in rows (``~has_translation``). A row mask wins over ``drop`` and ``config.paths``:
        a text whose English slot is masked keeps its LRL slot even under ``drop="lrl"``. ``align [n, 2, A]``: the
        pair's token-alignment features through the multilingual and the English path (needed when
        ``config.alignment``); a path removed from either text takes the other path's features, as its slot takes
        the other slot's mean.
        """
        drops = [drop] if drop is None or isinstance(drop, str) else list(drop)
        if any(d not in DROPS for d in drops):
            raise ValueError(f"drop must be one of {DROPS} (or one per row), got {drop!r}")
        if en_mask is None and isinstance(z, DualPath):  # a DualPath's stand-in rows drop their English slot
            masks = [~z.has_translation] + ([] if z2 is None else [
                ~z2.has_translation if isinstance(z2, DualPath) else torch.zeros_like(z.has_translation)])
            en_mask = torch.stack(masks, dim=1)
        texts = [(self._check(z, "z"), langs)]
        if z2 is not None:
            texts.append((self._check(z2, "z2"), langs if langs2 is None else langs2))
        elif langs2 is not None:
            raise ValueError("langs2 given without z2")
        n, device = texts[0][0].shape[0], texts[0][0].device
        if texts[-1][0].shape[0] != n:
            raise ValueError(f"z has {n} rows but z2 has {texts[-1][0].shape[0]}")
        if len(drops) not in (1, n):
            raise ValueError(f"drop has {len(drops)} values for {n} rows (give one per row or one for all)")
        drop_lrl = torch.tensor([d == "lrl" for d in drops], device=device) | (self.config.paths == "en")
        drop_en = torch.tensor([d == "en" for d in drops], device=device) | (self.config.paths == "lrl")
        parts, removed = [], []
        for i, (zi, li) in enumerate(texts):
            missing_lrl, missing_en = _row_mask(lrl_mask, n, i, device), _row_mask(en_mask, n, i, device)
            # a slot missing from the data wins: dropping the other one would leave the text empty
            remove_lrl = missing_lrl | drop_lrl & ~missing_en
            remove_en = missing_en | drop_en & ~missing_lrl
            removed.append((remove_lrl, remove_en))
            parts.append(self._text(zi, self._langs(li, n, "langs" if i == 0 else "langs2"), i,
                                    remove_lrl, remove_en))
        tokens = torch.cat([p[0] for p in parts], dim=1)
        padding = torch.cat([p[1] for p in parts], dim=1)
        states = self.encoder(self.input_dropout(tokens), src_key_padding_mask=padding)
        states = states.masked_fill(padding[..., None], 0.0)  # removed tokens never reach the pool
        hidden = states.sum(dim=1) / (~padding).sum(dim=1, keepdim=True).to(states.dtype)
        embedding = self.embed_proj(hidden)
        if self.config.residual_embedding:
            embedding = embedding + self._base(sum((p[2] for p in parts[1:]), parts[0][2]),
                                               sum((p[3] for p in parts[1:]), parts[0][3]))
        pooled = self.head_dropout(hidden)
        logits = None if self.classifier is None else self.classifier(pooled)
        score = self.scorer(pooled).squeeze(-1)
        features = None
        if self.probe is not None:
            vectors = [self.dual_vector(p[2], p[3]) for p in parts]
            if self.config.probe == "pair":
                if len(vectors) != 2:
                    raise ValueError("this head's linear path reads pairs (probe='pair'); give z2")
                blocks = [pair_features(vectors[0], vectors[1])] if self.config.pair_vectors else []
                if self.config.alignment:
                    blocks.append(self._alignment(align, removed, n))
                if self.config.pair_cosine:
                    blocks.append((self._cosines(parts, removed) - self.cosine_mean) / self.cosine_std)
                features = torch.cat(blocks, dim=-1)
            else:
                features = vectors[0]
            linear = self.probe(features.double())
            if logits is not None:
                logits = logits.double() + linear
            else:
                score = score.double() + linear.squeeze(-1)
        return LaSROutput(embedding=F.normalize(embedding, dim=-1), logits=logits, score=score, hidden=hidden,
                          features=features)

    def _alignment(self, align: torch.Tensor | None, removed: list[tuple[torch.Tensor, torch.Tensor]],
                   n: int) -> torch.Tensor:
        """The linear path's standardised alignment features ``[n, 2 A]`` (LRL path, English path) from ``align
        [n, 2, A]``; a path removed from either text of a row takes the other path's features."""
        a = self.config.alignment
        if align is None or tuple(align.shape) != (n, 2, a):
            raise ValueError(f"this head reads token-alignment features: give align [{n}, 2, {a}], got "
                             f"{None if align is None else tuple(align.shape)}")
        align = align.to(device=self.align_mean.device, dtype=torch.float64)
        return (_per_path(align, removed) - self.align_mean) / self.align_std

    def _cosines(self, parts: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]],
                 removed: list[tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
        """The raw cosine of a pair's two texts on each path ``[n, 2]`` (LRL, English) from each text's kept-bin
        sums and counts (``_text``); a path removed from either text takes the other path's cosine."""
        means = [_slot_means(p[2], p[3], stand_in=False) for p in parts]
        cos = F.cosine_similarity(means[0].double(), means[1].double(), dim=-1)  # [n, 2]
        return _per_path(cos[..., None], removed)

    @torch.no_grad()
    def set_cosine_scale(self, cosines: torch.Tensor) -> None:
        """Standardise the pair cosines by the mean and standard deviation of the training pairs' raw cosines
        ``[n, 2]`` (``_cosines``; the last two columns of ``features`` before this is set)."""
        cosines = cosines.to(torch.float64)
        self.cosine_mean.copy_(cosines.mean(0))
        self.cosine_std.copy_(cosines.std(0).clamp(min=1e-6))

    @torch.no_grad()
    def set_alignment_scale(self, align: torch.Tensor) -> None:
        """Standardise the alignment features by the mean and standard deviation of the training pairs' ``align
        [n, 2, A]`` (before the probe is fitted on them)."""
        flat = align.to(torch.float64).reshape(len(align), -1)
        self.align_mean.copy_(flat.mean(0))
        self.align_std.copy_(flat.std(0).clamp(min=1e-6))

    def score_options(self, z_premise: torch.Tensor | DualPath, z_options: torch.Tensor,
                      langs: Sequence[str] | str, *, langs_options: Sequence[str] | str | None = None,
                      drop: str | None = None, align: torch.Tensor | None = None) -> torch.Tensor:
        """Multiple choice: ``z_premise [n, 2, S, d]``, ``z_options [n, m, 2, S, d]`` -> scores ``[n, m]``
        (``option_outputs``' scores)."""
        n, m = z_options.shape[:2]
        out = self.option_outputs(z_premise, z_options, langs, langs_options=langs_options, drop=drop, align=align)
        return out.score.reshape(n, m)

    def option_outputs(self, z_premise: torch.Tensor | DualPath, z_options: torch.Tensor,
                       langs: Sequence[str] | str, *, langs_options: Sequence[str] | str | None = None,
                       drop: str | None | Sequence[str | None] = None,
                       align: torch.Tensor | None = None) -> LaSROutput:
        """Multiple choice: ``z_premise [n, 2, S, d]``, ``z_options [n, m, 2, S, d]`` -> ``LaSROutput``.

        The head's outputs for each option paired with its premise (premise segment 0, option segment 1),
        ``n * m`` rows in row-major order; ``score`` is the option's score.
        ``langs_options`` (one per row, or one string) defaults to ``langs``; ``drop``: as in ``forward``, one
        value or one per premise; ``align [n * m, 2, A]``: each option's token alignment with its premise (as in
        ``forward``).
        """
        premise, z_premise = z_premise, self._check(z_premise, "z_premise")
        if z_options.ndim != 5:
            raise ValueError(f"z_options must be [n, m, 2, S, d], got {tuple(z_options.shape)}")
        n, m = z_options.shape[:2]
        if z_premise.shape[0] != n:
            raise ValueError(f"z_premise has {z_premise.shape[0]} rows but z_options has {n}")
        premise_langs = self._langs(langs, n, "langs")
        option_langs = premise_langs if langs_options is None else self._langs(langs_options, n, "langs_options")
        en_mask = None
        if isinstance(premise, DualPath):  # stand-in premises drop their English slot, as in ``forward``
            missing = (~premise.has_translation).repeat_interleave(m)
            en_mask = torch.stack([missing, torch.zeros_like(missing)], dim=1)
        out = self(z_premise.repeat_interleave(m, dim=0), [code for code in premise_langs for _ in range(m)],
                   z2=z_options.reshape(n * m, *z_options.shape[2:]),
                   langs2=[code for code in option_langs for _ in range(m)], en_mask=en_mask,
                   drop=drop if drop is None or isinstance(drop, str) else [d for d in drop for _ in range(m)],
                   align=align)
        return out

    @torch.no_grad()
    def set_probe(self, probe: Any, classes: Sequence[Any] | None = None) -> None:
        """Load a fitted scikit-learn logistic regression (``lira.lasr.linear_probe.fit_logistic`` on this head's
        ``features``; labels = class indices, or the names in ``classes`` in logit order, or 0/1 for option
        scores) into the linear path."""
        if self.probe is None:
            raise ValueError("this head has no linear path (probe='none')")
        weight, bias = linear_from_probe(probe, self.probe.out_features, classes)
        if weight.shape != self.probe.weight.shape:
            raise ValueError(f"the probe reads {weight.shape[1]} features but the linear path takes "
                             f"{self.probe.in_features}")
        self.probe.weight.copy_(weight)
        self.probe.bias.copy_(bias)

    def save(self, folder: str | Path) -> Path:
        """Write ``lasr.safetensors`` and ``lasr_config.json`` (atomically) into ``folder``."""
        return save_weights(folder, "lasr", self.state_dict(), asdict(self.config), FORMAT_VERSION)

    @classmethod
    def load(cls, folder: str | Path) -> LaSRHead:
        """Read a folder written by ``save``; refuses other format versions with the reason."""
        config, state = load_weights(folder, "lasr", FORMAT_VERSION, "LaSR")
        model = cls(LaSRConfig.from_dict(config, where=str(Path(folder) / "lasr_config.json")))
        model.load_state_dict(state)
        return model


def _slot_means(sums: torch.Tensor, counts: torch.Tensor, *, stand_in: bool) -> torch.Tensor:
    """Each slot's mean ``[n, 2, d]`` from per-slot sums ``[n, 2, d]`` and bin counts ``[n, 2]``; a removed slot
    (count 0) is zero, or with ``stand_in`` takes the other slot's mean."""
    means = sums / counts.clamp(min=1)[..., None]
    return torch.where((counts == 0)[..., None], means.flip(1), means) if stand_in else means


def _per_path(values: torch.Tensor, removed: list[tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
    """A pair's features ``[n, 2, k]`` (multilingual path, English path) as ``[n, 2 k]``, where a path removed
    from either text takes the other path's features."""
    no_lrl, no_en = removed[0][0] | removed[1][0], removed[0][1] | removed[1][1]
    lrl = torch.where(no_lrl[:, None], values[:, 1], values[:, 0])
    en = torch.where(no_en[:, None], lrl, values[:, 1])
    return torch.cat([lrl, en], dim=-1)
