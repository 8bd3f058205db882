"""The trained methods of one benchmark seed: stage 1 (Arca), the distillation peer, and the LiRA models of
each task family, for the full method or an ablation (``Variant``); also LiRA at step 0 (nothing trained).

Every family reads English through its own anchor space (``BenchmarkConfig.english_spaces``, chosen on dev
with ``benchmarks/anchor_dev_choices.py``); the peers of that family read the same English encoder. Stage 1
and the distillation peer train on the same parallel data with the same steps, batch size and English
encoder: all the parallel training data the project has (``stage1_specs``). Stage 2 trains one LaSR head per
task family on that task's training split (all subsets pooled) and keeps the step with the best score on the
family's dev split, step 0 included: bitext retrieval on the parallel data for the embedding tasks (bitext
mining, STS; dev: SIB-200 dev pairs), classification on SIB-200, NLI per data set, multiple choice on XCOPA
val, retrieval on the product set.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lira.arca.adaptor import AdaptorConfig
from lira.arca.model import ArcaConfig, ArcaModel
from lira.backbones import english_spec
from lira.baselines import DistilledStudent
from lira.benchmark.config import FULL, BenchmarkConfig, Variant
from lira.benchmark.translations import first_english, gold_translator
from lira.data.formats import ParallelExample, RetrievalDataset
from lira.evaluation.sts import STSEvaluator
from lira.languages import ENGLISH, LOW_RESOURCE
from lira.lasr.head import LaSRConfig, LaSRHead
from lira.metrics import spearman_se
from lira.model import LiRAConfig, LiRAModel
from lira.tasks import (
    ParallelSpec,
    TaskSpec,
    capped_retrieval,
    family_dev,
    get_parallel,
    get_task,
    parallel_examples,
)
from lira.timing import TimeLedger
from lira.training import lasr_data
from lira.training.arca_data import STAGE1_CRITIC_ROLE, stage1_pools
from lira.training.arca_run import ArcaDataConfig, ArcaInputs, ArcaRunConfig, stage1_examples, train_stage1
from lira.training.arca_trainer import ArcaTrainConfig
from lira.training.candidate_choice import card_metrics, choose_candidates
from lira.training.distill import DistillConfig, train_distillation
from lira.training.lasr_run import fit_lasr
from lira.training.lasr_trainer import ENGLISH_WEIGHTS, LaSRTrainConfig
from lira.training.selection import selection_margin

_log = logging.getLogger(__name__)

# the labels of the training parts in the report's time table (their own time, without the encoding they trigger)
STAGE1_PART = "stage 1 (Arca) training and its dev evaluations"
DISTILL_PART = "the distillation peer's training"
LASR_PART = "the LaSR heads (stage 2, step-0 fits included) and their dev evaluations"

# Which LiRA model serves which task is the task's ``TaskSpec.family``: embedding tasks ("embed") share the
# bitext-trained head. The STS tasks with an English path ("sts") use that head too, with the dual path's English
# weight and the choice between trained and untrained made on the dev split of the ``dev_subsets`` one task of the
# family declares (``family_dev``: both pairings of Thai STS-B dev); a task whose English comes from the
# held-out lexicon has its own head and English anchor space, chosen on dev queries translated by a lexicon that
# lacks their dev-only words (``lexicon-train``), as test queries lack theirs. A family that reads English in
# another family's anchor space (and, for "sts", uses its head) declares it as ``TaskSpec.anchor_family``.


def stage1_langs(config: BenchmarkConfig) -> list[str]:
    return list(config.stage1_langs or LOW_RESOURCE)


def stage1_specs(config: BenchmarkConfig) -> list[ParallelSpec]:
    """Stage 1's (and distillation's) parallel sources, ``config.stage1_sources`` (default: SIB-200 train, NusaX MT
    train and the product set's train titles, queries and lexicon terms)."""
    return [get_parallel(source) for source in config.stage1_sources]


def stage1_data(config: BenchmarkConfig) -> ArcaDataConfig:
    """The selection of stage 1's (and distillation's) parallel data: the ``stage1_langs``, at most
    ``stage1_per_lang`` pairs per language and source (None = all); ``source`` names ``stage1_specs``."""
    return ArcaDataConfig(source="+".join(config.stage1_sources), langs=stage1_langs(config),
                          data_dir=str(config.data_dir), max_per_lang=config.stage1_per_lang)


def stage1_config(config: BenchmarkConfig, english: str, seed: int, variant: Variant = FULL,
                  steps: int | None = None) -> ArcaRunConfig:
    """Stage 1's run config in the benchmark for the English encoder spec ``english``, ``seed`` and ``variant``'s
    critics: ``steps`` (default ``config.stage1_steps(english)``), dev evaluated every ``config.eval_every`` steps, no
    resumable checkpoints (the benchmark owns its folders)."""
    return ArcaRunConfig(data=stage1_data(config), backbones={"multilingual": config.backbone, "english": english},
                         candidates=stage1_pools(), critic={"role": STAGE1_CRITIC_ROLE},
                         model=ArcaConfig(critics=variant.critics),
                         train=ArcaTrainConfig(steps=steps or config.stage1_steps(english), seed=seed,
                                               eval_every=config.eval_every, checkpoint_every=10**9))


def parallel_train(config: BenchmarkConfig) -> list[ParallelExample]:
    """The parallel pairs stage 1 trains on, for distillation and the bitext heads."""
    return stage1_examples(stage1_specs(config), stage1_data(config), "train")


def parallel_dev(config: BenchmarkConfig) -> list[ParallelExample]:
    """SIB-200 dev pairs of the stage-1 languages: the dev split that selects the bitext heads."""
    return parallel_examples([get_parallel("sib200")], "dev", data_dir=str(config.data_dir),
                             langs=stage1_langs(config), max_per_lang=config.max_train)


def cap_train(task: TaskSpec, config: BenchmarkConfig) -> int | None:
    """The training cap of ``task`` in this run: the smaller of the task's and the run's (None = all)."""
    caps = [c for c in (task.max_train, config.max_train) if c is not None]
    return min(caps) if caps else None


def task_train(task: TaskSpec, config: BenchmarkConfig, subsets: list[str], split: str = "train") -> list[Any]:
    """The pooled records of ``split`` (train or dev) of ``subsets`` and of the task's training-only subsets
    (``TaskSpec.training_subsets``; each capped), without duplicates (IndoNLI's two test subsets share one
    training split)."""
    records = [r for name in task.training_subsets(subsets)
               for r in task.load(config.data_dir, name, split, cap=cap_train(task, config))]
    return list(dict.fromkeys(records))


def retrieval_set(task: TaskSpec, config: BenchmarkConfig, subset: str, eval_split: str = "test") -> RetrievalDataset:
    """The retrieval set of ``subset`` (its qrels carry the query splits), reduced as the run says: at most
    ``max_corpus`` documents, ``max_test`` queries of ``eval_split`` and ``max_train`` of the other splits."""
    dataset = task.load(config.data_dir, subset, "test")[0]
    if config.max_corpus is None and config.max_test is None and config.max_train is None:
        return dataset
    caps = {split: config.max_test if split == eval_split else config.max_train for split in dataset.qrels}
    reduced = capped_retrieval(dataset, max_corpus=config.max_corpus, max_queries=caps)
    _log.debug("%s/%s: reduced to %d of %d documents and %s queries", task.name, subset, len(reduced.corpus),
               len(dataset.corpus), ", ".join(f"{len(reduced.qrels[s])} {s}" for s in reduced.qrels))
    return reduced


def english_for(config: BenchmarkConfig, task_name: str) -> str:
    """The backbone spec of the English anchor space of ``task_name``'s family."""
    family = get_task(task_name).space_family  # a family may read English in another's space (TaskSpec)
    return english_spec(config.english_spaces.get(family, config.english), config.backbone)


def beats_start(trained: dict[str, Any], start: dict[str, Any], margin: float) -> bool:
    """Whether a trained model's dev score (``dev_kept``) beats the untrained one's by more than ``margin``."""
    if trained.get("dev_kept") is None or start.get("dev_kept") is None:
        return False
    return bool(trained["dev_kept"] > start["dev_kept"] + margin)


@dataclass
class SeedState:
    """What a ``SeedModels`` trained, by reference (picklable: it travels back from a worker process): the
    folders of its stage-1 runs, LiRA models (by family key) and distillation peers (by English encoder), its dev
    selections (``kept``) and English weights."""

    arca_dirs: dict[str, Path]
    folders: dict[str, Path]
    students: dict[str, Path]
    kept: dict[str, dict[str, Any]]
    english_weights: dict[str, float]


@dataclass
class SeedModels:
    """Everything trained for one seed and variant; models are trained on first use. ``encoder(spec)`` gives
    the shared cached backbone of a spec; ``ledger`` counts the time each kind of training takes."""

    config: BenchmarkConfig
    seed: int
    variant: Variant
    run_dir: Path
    subsets: dict[str, list[str]]
    encoder: Callable[[str], Any]
    arca_dirs: dict[str, Path] = field(default_factory=dict)
    students: dict[str, DistilledStudent] = field(default_factory=dict)
    lira: dict[str, LiRAModel] = field(default_factory=dict)
    kept: dict[str, dict[str, Any]] = field(default_factory=dict)
    # family -> the English weight the full method chose on dev (ablations of the same seed reuse it)
    english_weights: dict[str, float] = field(default_factory=dict)
    ledger: TimeLedger = field(default_factory=TimeLedger)
    # the models whose LiRA at step 0 these read (None: their own). Nothing of LiRA at step 0 is trained, and its
    # head's Transformer starts with zero outputs, so it depends on the variant's critics and paths only: not on
    # the seed, nor on what changes stage-2 training (queues, consistency). The benchmark builds it once per
    # critics and paths (``Benchmark.seed_models``), except where the training records are a seed's sample.
    step0_from: SeedModels | None = None
    # where each LiRA model (by family key) and distillation peer (by English encoder) is saved; restored ones
    # are loaded from there on first use
    folders: dict[str, Path] = field(default_factory=dict)
    student_dirs: dict[str, Path] = field(default_factory=dict)
    # stage 1's train and dev features of an English encoder spec, shared by the run's seeds and variants
    # (``Benchmark.stage1_inputs``); None: each stage 1 builds its own
    stage1_inputs: Callable[[str], tuple[ArcaInputs, ArcaInputs]] | None = None

    @property
    def folder(self) -> Path:
        return self.run_dir / "models" / self.variant.name.replace(" ", "-") / f"seed-{self.seed}"

    def stage1(self, english: str) -> Path:
        """Train Arca (stage 1) for this seed, variant and English encoder, once; returns its folder."""
        if english not in self.arca_dirs:
            c = self.config
            out = self.folder / f"arca-{english.replace('+', '-')}"
            with self.ledger.part(STAGE1_PART):
                inputs = self.stage1_inputs(english) if self.stage1_inputs else None
                summary = train_stage1(stage1_specs(c), stage1_config(c, english, self.seed, self.variant), out,
                                       overwrite=True, cache_dir=c.cache_dir,  # the benchmark owns its folders
                                       inputs=inputs)
            self.kept[f"arca {english}"] = summary["selected"]
            self.arca_dirs[english] = out / "arca"
        return self.arca_dirs[english]

    def distillation(self, english: str) -> DistilledStudent:
        """The distillation peer: same parallel data, steps, batch size and English encoder as stage 1."""
        if english not in self.students and english in self.student_dirs:
            self.students[english] = DistilledStudent.load(self.student_dirs[english],
                                                           lr_backbone=self.encoder(self.config.backbone))
        if english not in self.students:
            c = self.config
            with self.ledger.part(DISTILL_PART):
                self.students[english], _ = train_distillation(
                    parallel_train(c), lr_backbone=self.encoder(c.backbone), en_backbone=self.encoder(english),
                    config=DistillConfig(steps=c.stage1_steps(english), batch_size=ArcaTrainConfig.batch_size,
                                         seed=self.seed),
                    show_progress=False)
            self.student_dirs[english] = self.students[english].save(
                self.folder / f"distilled-{english.replace('+', '-')}")
        return self.students[english]

    def train_all(self, tasks: list[str], *, distillation: bool) -> None:
        """Train every LiRA model the scoring of ``tasks`` reads (and, with ``distillation``, the distillation
        peer of each task's English encoder), so that it can happen in another process (``export``)."""
        for name in tasks:
            self.model(name)
            if distillation:
                self.distillation(english_for(self.config, name))

    def export(self) -> SeedState:
        """What these models trained, by folder (``restore`` reads it)."""
        return SeedState(dict(self.arca_dirs), dict(self.folders), dict(self.student_dirs), dict(self.kept),
                         dict(self.english_weights))

    def restore(self, state: SeedState) -> None:
        """Take over what another ``SeedModels`` of this seed and variant trained (``export``): its models are
        loaded from their folders on first use, its dev selections and English weights are these ones'."""
        self.arca_dirs.update(state.arca_dirs)
        self.folders.update(state.folders)
        self.student_dirs.update(state.students)
        self.kept.update(state.kept)
        self.english_weights.update(state.english_weights)

    def model(self, task_name: str, *, train: list[Any] | None = None, tag: str = "",
              step0: bool = False) -> LiRAModel:
        """The LiRA model for ``task_name``'s family (trained on first use; ``train`` overrides the task's
        training records, e.g. few-shot subsets, and ``tag`` names that model). ``step0``: LiRA with nothing
        trained, neither stage (the untrained Arca, the head at its starting point).

        The trained model is the better on the family's dev split of two candidates: LiRA after both stages
        (stage 2 keeps its best dev step) and LiRA at step 0, which stays unless the trained one beats it by
        more than the selection margin (``_keeps_trained``). So stage 1 is kept only where the family's dev split
        says it helps (its own selection looks at bitext retrieval only)."""
        base = get_task(task_name).family
        family = base + (f"-{tag}" if tag else "")
        if step0 and train is None and self.step0_from is not None:
            shared = self.step0_from.model(task_name, tag=tag, step0=True)
            self.kept[family + "-step0"] = self.step0_from.kept[family + "-step0"]  # what _keeps_trained reads
            if base != "sts":
                self.folders[family + "-step0"] = self.step0_from.folders[family + "-step0"]
            return shared
        if base == "sts":
            return self._sts(family, step0)
        key = family + ("-step0" if step0 else "")
        if key not in self.lira and key in self.folders:  # restored: trained in another process
            self.lira[key] = LiRAModel.load(self.folders[key], cache_dir=self.config.cache_dir).share_backbones(
                self.encoder(self.config.backbone), self.encoder(english_for(self.config, task_name)))
        if step0:
            if key not in self.lira:
                self.lira[key] = self._train(task_name, key, train, True)
                self.folders[key] = self.folder / key / "model"
            return self.lira[key]
        if family not in self.lira:
            trained = self._train(task_name, family, train, False)
            untrained = self.model(task_name, train=train, tag=tag, step0=True)
            kept = self._keeps_trained(family)
            self.lira[family] = trained if kept else untrained
            self.folders[family] = self.folder / family / "model" if kept else self.folders[family + "-step0"]
        return self.lira[family]

    def _keeps_trained(self, family: str) -> bool:
        """Whether ``family`` keeps its trained model over LiRA at step 0; records the decision in
        ``kept[family]``. The trained model must beat step 0's dev score by step 0's standard error (the
        one-standard-error rule of ``lira.training.selection``). That error is the unpaired one, several times
        the standard error of the paired per-item difference of two such close models, which leaves room for
        the trained model being the best of its dev evaluations."""
        kept, start = self.kept[family], self.kept[family + "-step0"]
        kept["dev_untrained"] = start.get("dev_kept")
        kept["dev_margin"] = start.get("dev_step0_se") or 0.0
        trained = start.get("dev_kept") is None or beats_start(kept, start, kept["dev_margin"])
        kept["kept_model"] = "trained" if trained else "step 0 (untrained)"
        return trained

    def _sts(self, family: str, step0: bool) -> LiRAModel:
        """The "sts" family: the embedding family's model (trained, or at step 0) with the dual path's English
        weight chosen on the family's dev subsets (``family_dev``: Thai STS-B dev; mean Spearman of both pairings;
        the plain dual path stays unless another weight beats it by ``selection_margin``, the other weights counted
        as looks); the trained one is kept only if it beats step 0 there by the margin of ``_keeps_trained``."""
        key = family + ("-step0" if step0 else "")
        if key not in self.lira:
            base = self.model("tatoeba", step0=step0)
            task = family_dev("sts")
            dev = [task.load(self.config.data_dir, p, "dev", cap=self.config.max_test) for p in task.dev_subsets]
            translator = gold_translator([r for pairs in dev for r in pairs])
            scores, models = {}, {}
            for w in ENGLISH_WEIGHTS:
                models[w] = base.with_english_weight(w)
                scores[w] = [STSEvaluator(pairs)(models[w], translator=translator)["spearman"] for pairs in dev]
            mean = {w: sum(s) / len(dev) for w, s in scores.items()}
            se = {w: sum(spearman_se(r, len(p)) for r, p in zip(s, dev, strict=True)) / len(dev)
                  for w, s in scores.items()}
            best, first = max(ENGLISH_WEIGHTS, key=mean.__getitem__), ENGLISH_WEIGHTS[0]
            # the plain dual path stays unless the best of the other weights beats it by selection_margin (a
            # correlation has no per-item scores to pair: in units of the first weight's Spearman standard error)
            if not mean[best] - mean[first] > selection_margin(se[first], len(ENGLISH_WEIGHTS) - 1):
                best = first
            embed = self.kept["embed" + family[len("sts"):] + ("-step0" if step0 else "")]
            self.kept[key] = {"english": embed["english"], "metric": "spearman", "english_weight": best,
                              "kept_step": embed.get("kept_step"), "steps_run": embed.get("steps_run"),
                              "steps": embed.get("steps"), "dev_kept": mean[best],
                              "dev_step0": mean[best],  # nothing trained on this dev split
                              "dev_step0_se": se[best], "dev_by_english_weight": {str(w): v for w, v in mean.items()}}
            self.lira[key] = models[best]
            if not step0:
                start = self.model(task.name, step0=True)  # its dev score is what the trained one must beat
                if not self._keeps_trained(family):
                    self.lira[key] = start
        return self.lira[key]

    def _arca(self, english: str, step0: bool) -> ArcaModel:
        if not step0:
            return ArcaModel.load(self.stage1(english))
        lr, en = self.encoder(self.config.backbone), self.encoder(english)
        return ArcaModel(ArcaConfig(adaptor=AdaptorConfig(lr_dim=lr.dim, en_dim=en.dim), lr_backbone=lr.name,
                                    en_backbone=en.name, critics=self.variant.critics)).eval()

    def _train(self, task_name: str, family: str, train: list[Any] | None, step0: bool) -> LiRAModel:
        with self.ledger.part(LASR_PART):
            return self._fit(task_name, family, train, step0)

    def _fit(self, task_name: str, family: str, train: list[Any] | None, step0: bool) -> LiRAModel:
        c, v = self.config, self.variant
        reading: dict[str, Any] = {}  # the candidates a retrieval head reads, chosen on dev (candidate_choice)
        english = english_for(c, task_name)
        arca = self._arca(english, step0)
        task = get_task(task_name)
        translator = task.translations if task.reads_lexicon else "none"
        model_config = LiRAConfig(lr_backbone=c.backbone, en_backbone=english, translator=translator,
                                  critic_role=STAGE1_CRITIC_ROLE)
        lr_encoder, en_encoder = self.encoder(c.backbone), self.encoder(english)
        probe = LiRAModel(model_config, arca, LaSRHead(LaSRConfig(dim=arca.config.adaptor.out_dim)),
                          cache_dir=c.cache_dir).share_backbones(lr_encoder, en_encoder)
        use_queues = c.doc_queue if v.queues is None else v.queues
        data: Any  # the task's LaSR features (lira.training.lasr_data), as fit_lasr takes them
        dev: Any
        if task.family == "embed":
            kind, langs = "retrieval", [*stage1_langs(c), ENGLISH]
            data = lasr_data.bitext_data(probe, parallel_train(c))
            dev = lasr_data.bitext_data(probe, parallel_dev(c))
            described = "bitext retrieval on the stage-1 parallel data (dev: SIB-200 dev pairs)"
        elif task.type == "retrieval":  # each subset's whole retrieval set; its qrels carry the query splits
            kind, langs = "retrieval", [task.subset(name).lang for name in self.subsets[task_name]]
            datasets = [retrieval_set(task, c, name) for name in self.subsets[task_name]]
            held_out = translator == "lexicon-heldout"  # dev queries lose their dev-only words, as test queries do
            dev_probe = probe.reconfigured(translator="lexicon-train") if held_out else probe
            if not step0:  # the head trains on the reading chosen on dev (LiRA at step 0 reads the first anyway)
                k, reading = choose_candidates(dev_probe, datasets, "dev")
                model_config = replace(model_config, candidates=k)
                probe, dev_probe = (p.reconfigured(candidates=k) for p in (probe, dev_probe))
            data = lasr_data.retrieval_data(probe, datasets, "train")
            dev = lasr_data.retrieval_data(dev_probe, datasets, "dev")
            described = ("retrieval on the product set's train queries (dev: its dev queries"
                         + (", translated without their dev-only lexicon terms)" if held_out else ")"))
        else:
            pooled = task_train(task, c, self.subsets[task_name])
            records = train if train is not None else pooled
            dev_records = task_train(task, c, self.subsets[task_name], "dev")
            if task.translations == "data":  # each text reads the English the peers' translator gives it
                records, dev_records = first_english(records), first_english(dev_records)
            kind, langs = task.type, sorted({r.lang for r in records})
            build: Callable[..., Any]
            if task.type == "classification":  # every class of the task, even those a few-shot sample lacks
                classes = sorted({r.label for r in pooled})

                def build(recs: list[Any]) -> Any:
                    return lasr_data.classification_data(probe, recs, classes=classes, use_gold=True)
            else:
                makers: dict[str, Callable[..., Any]] = {"nli": lasr_data.nli_data, "choice": lasr_data.choice_data}
                maker = makers[task.type]

                def build(recs: list[Any]) -> Any:
                    return maker(probe, recs, use_gold=True, alignment=True)
            data = build(records)
            dev = build(dev_records) if dev_records else None
            described = (f"{task.type} on {task_name} training data ({len(records)} examples; dev: "
                         f"{len(dev_records)} examples)")
        steps = 0 if step0 else c.lasr_steps
        weights = [self.english_weights[family]] if family in self.english_weights else list(ENGLISH_WEIGHTS)
        lr = c.lasr_lr_of(task_name, retrieval=kind == "retrieval")
        train_config = LaSRTrainConfig(steps=steps, lr=lr, seed=self.seed, use_queues=use_queues,
                                       english_weights=weights, probe_cs=c.probe_cs(task_name),
                                       consistency=v.consistency, eval_every=c.eval_every, checkpoint_every=10**9,
                                       patience=c.lasr_patience, start_folds=c.start_folds)
        stage1 = "none (step 0)" if step0 else f"stage-1 parallel data ({'+'.join(c.stage1_sources)})"
        model, summary = fit_lasr(kind, data, dev, arca=arca, model=model_config, langs=sorted(set(langs)),
                                  head={"paths": v.paths}, train_config=train_config, out_dir=self.folder / family,
                                  training_data=[f"stage 1: {stage1}", f"stage 2: {described}"],
                                  cache_dir=c.cache_dir, show_progress=False, card=card_metrics(reading))
        weight = summary["english_weight"].get("english_weight", weights[0])
        if v.name == "full":
            self.english_weights[family] = weight
        self.kept[family] = {"english": english, **summary.get("selected", {}).get("lasr", {}),
                             "english_weight": weight, "alignment": bool(model.lasr.config.alignment),
                             "pair_vectors": model.lasr.config.pair_vectors,
                             "pair_cosine": model.lasr.config.pair_cosine, "probe_c": model.lasr.config.probe_c,
                             **({"candidates": reading["candidates"]} if reading else {})}
        return model.share_backbones(lr_encoder, en_encoder)
