"""``lira benchmark``: every method on every task it applies to, in one run, with the noise-amplified,
few-shot and ablation settings; writes ``results.json``, ``report.md`` and the plots into ``--out``.

Methods (DESIGN.md section 5): the frozen multilingual backbone, translate-test (the English encoder on the
task's English path), multilingual knowledge distillation (Reimers & Gurevych 2020; ``lira.training.distill``),
the untrained dual path, LiRA at step 0 (nothing trained: it must equal the best untrained combination of its
parts) and LiRA. Every method of a task family reads English with the family's anchor space
(``BenchmarkConfig.english_spaces``). Methods with no training (frozen, translate-test, dual path, LiRA at step 0)
are evaluated once where nothing random touches them, and once per seed where the setting draws noise or
few-shot samples.
A method that cannot run on a task is listed with the reason (``skipped``).

Where the machine has two threads or more, worker processes of one thread each (``lira.workers``) train the seeds
after the first, the few-shot models and the ablations (``Benchmark.train_ahead``), and score the main setting (a
part per subset), the noise setting (per rate and seed) and the ablations (per variant and seed): scoring alone
keeps one thread of a process busy (``Benchmark.score_parts``; the rows keep the order of a one-process run).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from lira.baselines import DualPathUntrained, TranslateTest
from lira.benchmark.config import FULL, METHODS, NOISE_METHODS, BenchmarkConfig, Variant, quick_config
from lira.benchmark.models import (
    SeedModels,
    SeedState,
    english_for,
    retrieval_set,
    stage1_config,
    stage1_specs,
    task_train,
)
from lira.benchmark.translations import gold_translator, noisy
from lira.cache import FeatureCache, cached_backbone
from lira.evaluation.registry import evaluator_for
from lira.tasks import TASKS, TaskSpec, check_disjoint, get_task
from lira.timing import TimeLedger, backbone_labels
from lira.training.arca_run import ArcaInputs, stage1_inputs
from lira.translators.base import Translator

_log = logging.getLogger(__name__)

TRAINED = ("distillation", "lira")
PROBED = ("classification", "nli", "choice")  # task types whose peers are read through a fitted probe
SCORE_PART = "scoring: the evaluators on test, with their probes and searches"  # a part of the report's time table
WORKERS_PART = "training in worker processes (wall time while this process waited for them)"
SCORE_WORKERS_PART = "scoring in worker processes (wall time while this process waited for them)"


def not_applicable(task: TaskSpec, method: str) -> str | None:
    """Why ``method`` cannot run on ``task`` (None when it can)."""
    if method in ("translate-test", "dual-path") and task.translations == "none":
        if task.type == "bitext":
            return ("the English side is what bitext mining searches for, so a translation of the source would "
                    "be the answer itself, and no independent MT system ships offline")
        return "the data has no English side and no offline MT system covers it (pass --translations to `lira eval`)"
    return None


def lexicon_translator(task: TaskSpec, lang: str, split: str = "test") -> Translator | None:
    """The translator of the ``split`` queries of a task whose English path is the built-in product lexicon
    (``translations`` lexicon, or lexicon-heldout: without the terms only test queries use, and on dev without
    those only dev queries use, ``lexicon-train``, so that dev queries meet unknown words as test queries do);
    None for any other task."""
    if not task.reads_lexicon:
        return None
    from lira.translators import load_translator

    held_out = task.translations == "lexicon-heldout"
    return load_translator("lexicon-train" if held_out and split == "dev" else task.translations, lang=lang)


class Training(NamedTuple):
    """Models of one seed and variant to train ahead of scoring (``Benchmark.train_ahead``): those the scoring of
    ``tasks`` reads, or with ``shots`` the few-shot models of ``tasks`` (``Benchmark.few_shot_sample``)."""

    variant: Variant
    seed: int
    tasks: list[str]
    shots: int | None = None


@dataclass
class SeedJob:
    """One ``Training`` to do in a worker process (``train_seed``): the run's config, the training (and the
    distillation peers of its tasks' English encoders, with ``distillation``), and ``given``: what the run's other
    models had trained when the job started, in the order they were made (the worker makes them in that order,
    so each finds the same stage 1, English weights and LiRA at step 0 as here)."""

    config: BenchmarkConfig
    training: Training
    distillation: bool
    given: list[tuple[int, Variant, SeedState]]


class ScorePart(NamedTuple):
    """A block of a setting's scoring that a worker process can do (``Benchmark.score_parts``): the name of the
    ``Benchmark`` method that scores it (it appends rows) and that method's arguments. Parts with the same
    ``shares`` read texts in common (the subsets of one task: e.g. Thai STS-B's th-th and en-th read the same
    English side); ``next_part`` keeps them from running side by side, where both would encode those texts."""

    method: str
    args: tuple[Any, ...]
    shares: str | None = None


def next_part(parts: list[ScorePart], pending: list[int], running: Iterable[int]) -> int:
    """The part to start next, of ``pending`` (indices into ``parts``) while those in ``running`` run: the first
    that shares no texts with a running part (``ScorePart.shares``), else the first (a worker is never left
    idle)."""
    busy = {parts[i].shares for i in running} - {None}
    return next((i for i in pending if parts[i].shares not in busy), pending[0])


@dataclass
class ScoreJob:
    """One ``ScorePart`` to do in a worker process (``score_part``), with the run's config and ``given``: every
    model the run has trained so far (as in ``SeedJob``)."""

    config: BenchmarkConfig
    part: ScorePart
    given: list[tuple[int, Variant, SeedState]]


_WORKER_RUN: dict[str, Benchmark] = {}  # a worker process's run, kept for its next job (backbones load once)


def _worker_run(config: BenchmarkConfig, given: list[tuple[int, Variant, SeedState]]) -> Benchmark:
    """This worker process's ``Benchmark`` of ``config`` (made on its first job), with the models in ``given``."""
    key = repr(config)
    if key not in _WORKER_RUN:
        _WORKER_RUN.clear()
        _WORKER_RUN[key] = Benchmark(config)
    bench = _WORKER_RUN[key]
    for seed, variant, state in given:
        bench.seed_models(seed, variant).restore(state)
    return bench


def _took(bench: Benchmark, work: Callable[[], None]) -> dict[str, float]:
    """Run ``work``; returns the seconds of each part of ``bench``'s time table it took (``TimeLedger``; encoding
    as "encoding with <spec>", each backbone named as the time table names it: ``backbone_labels``)."""
    parts, encoding = dict(bench.ledger.parts), bench.ledger.encoding()
    work()
    labels = backbone_labels(bench.encoders)
    took = {label: seconds - parts.get(label, 0.0) for label, seconds in bench.ledger.parts.items()}
    took |= {f"encoding with {labels.get(name, name)}": seconds - encoding.get(name, (0.0, 0))[0]
             for name, (seconds, _) in bench.ledger.encoding().items()}
    return {label: seconds for label, seconds in took.items() if seconds > 0}


def train_seed(job: SeedJob) -> tuple[SeedState, dict[str, float]]:
    """Worker process entry (``Benchmark.train_ahead``): train ``job``'s models; returns them by folder, and the
    seconds of each part of the time table this job took."""
    bench = _worker_run(job.config, job.given)
    took = _took(bench, lambda: bench.train(job.training, distillation=job.distillation))
    return bench.seed_models(job.training.seed, job.training.variant).export(), took


def score_part(job: ScoreJob) -> tuple[list[dict[str, Any]], list[dict[str, str]],
                                       list[tuple[int, Variant, SeedState]], dict[str, float]]:
    """Worker process entry (``Benchmark.score_parts``): score ``job``'s part; returns its rows and skips, the
    state of every model of this process (scoring can make a dev choice, e.g. the STS family's English weight,
    which the run's selection table reports), and the seconds of each part of the time table it took."""
    bench = _worker_run(job.config, job.given)
    rows, skipped = len(bench.rows), len(bench.skipped)
    took = _took(bench, lambda: getattr(bench, job.part.method)(*job.part.args))
    new_rows, new_skipped = bench.rows[rows:], bench.skipped[skipped:]
    del bench.rows[rows:], bench.skipped[skipped:]
    return new_rows, new_skipped, bench.exported(), took


@dataclass
class Subject:
    """One scored subset of a task: its evaluator, its test-time translator and the pooled training data."""

    task: TaskSpec
    subset: str
    lang: str
    evaluator: Any
    translator: Translator | None
    k: int | None = 1  # candidates per text; None: the method's own (LiRA's config.candidates, chosen on dev)
    train: list[Any] = field(default_factory=list)


class Benchmark:
    """One run: holds the shared backbones, the per-seed models and the result rows."""

    def __init__(self, config: BenchmarkConfig) -> None:
        self.config = config
        self.rows: list[dict[str, Any]] = []
        self.skipped: list[dict[str, str]] = []
        self.timings: dict[str, float] = {}
        self.cache = FeatureCache(config.cache_dir)
        self.encoders: dict[str, Any] = {}
        self.lr = self.encoder(config.backbone)
        self.peers: dict[tuple[str, str], Any] = {}
        self.tasks = [get_task(n) for n in config.tasks] if config.tasks else [t for t in TASKS if t.in_benchmark]
        self.subsets = {t.name: [s.name for s in t.subsets][: config.subsets] for t in self.tasks}
        self.models: dict[tuple[str, int], SeedModels] = {}
        self.stage1_features: dict[str, tuple[ArcaInputs, ArcaInputs]] = {}
        self.eval_split = "test"  # the split the subjects score (dev for the dev-choice scripts)
        self.ledger = TimeLedger()
        self._subjects: dict[tuple[str, str, str], Subject] = {}  # ``subjects``, by task, subset and split
        self._trained: set[tuple[str, int, int | None, str, bool]] = set()  # what ``train_ahead`` did (``_done``)
        self.cold = self.cache.is_empty()  # whether the run began with an empty feature cache
        # the parts and encoding the worker processes' ledgers counted (``train_ahead``), added up
        self.worker_parts: dict[str, float] = {}
        # the worker processes, kept from the first ``train_ahead`` that uses them to the end of the run (``close``)
        self._pool: tuple[tuple[int, int], ProcessPoolExecutor] | None = None
        self._exit = ExitStack()

    def close(self) -> None:
        """Stop the worker processes, if any."""
        self._exit.close()
        self._pool = None

    def pool(self, workers: int, threads: int) -> ProcessPoolExecutor:
        """The run's pool of ``workers`` worker processes of ``threads`` threads (``lira.workers``), started on
        first use and kept for the next settings (their processes keep their backbones and models loaded)."""
        from lira.workers import worker_pool

        if self._pool is None or self._pool[0] != (workers, threads):
            self.close()
            self._pool = ((workers, threads), self._exit.enter_context(worker_pool(workers, threads)))
        return self._pool[1]

    # -- models ---------------------------------------------------------------------------------------------
    def encoder(self, spec: str) -> Any:
        """The shared cached backbone of ``spec`` (one per spec and run)."""
        if spec not in self.encoders:
            self.encoders[spec] = cached_backbone(spec, self.cache)
        return self.encoders[spec]

    def stage1_inputs(self, english: str) -> tuple[ArcaInputs, ArcaInputs]:
        """Stage 1's train and dev features for the English encoder spec ``english``, built once per process and
        run: they do not depend on the seed or on the critics an ablation leaves out (``stage1_inputs``)."""
        if english not in self.stage1_features:
            self.stage1_features[english] = stage1_inputs(stage1_specs(self.config),
                                                          stage1_config(self.config, english, 0),
                                                          cache_dir=self.config.cache_dir)
        return self.stage1_features[english]

    def peer(self, name: str, english: str) -> Any:
        """An untrained peer (frozen, translate-test, dual path) reading English with ``english``."""
        if (name, english) not in self.peers:
            en = self.encoder(english)
            self.peers[name, english] = {"frozen": lambda: self.lr,
                                         "translate-test": lambda: TranslateTest(en, lambda lang: None),
                                         "dual-path": lambda: DualPathUntrained(self.lr, en, lambda lang: None),
                                         }[name]()
        return self.peers[name, english]

    def seed_models(self, seed: int, variant: Variant = FULL) -> SeedModels:
        """The models of ``seed`` and ``variant`` (an ablation that keeps the critics reuses stage 1; the first
        models of each critics and paths build LiRA at step 0, the others read theirs: ``SeedModels.step0_from``)."""
        key = (variant.name, seed)
        if key not in self.models:
            models = SeedModels(self.config, seed, variant, self.config.out_dir, self.subsets, self.encoder,
                                ledger=self.ledger, stage1_inputs=self.stage1_inputs)
            # compared by value: a worker process receives its variants as copies (``SeedJob``)
            if variant.critics == FULL.critics and variant != FULL:
                models.arca_dirs = self.seed_models(seed).arca_dirs  # stage 1 is unchanged by this ablation
            if variant != FULL:  # the English weight is a choice of the full method, made on dev
                models.english_weights = self.seed_models(seed).english_weights
            # LiRA at step 0 is built once: by the first models of the same critics and paths (SeedModels)
            models.step0_from = next((m for m in self.models.values()
                                      if (m.variant.critics, m.variant.paths) == (variant.critics, variant.paths)),
                                     None)
            self.models[key] = models
        return self.models[key]

    def train(self, job: Training, *, distillation: bool) -> None:
        """Do ``job`` here (``train_ahead``; a worker process calls it through ``train_seed``)."""
        models = self.seed_models(job.seed, job.variant)
        if job.shots is None:
            models.train_all(job.tasks, distillation=distillation)
            return
        for name in job.tasks:
            models.model(name, train=self.few_shot_sample(get_task(name), job.shots, job.seed),
                         tag=f"{job.shots}-shot")

    def train_ahead(self, jobs: list[Training], *, distillation: bool, first_here: bool) -> None:
        """Do ``jobs`` now (with their tasks' distillation peers, with ``distillation``): in parallel worker
        processes of one thread each (``pool``) where this machine has two threads or more, else here; with
        ``first_here`` the first job trains here first (it fills the feature cache). A job whose LiRA at step 0
        another job builds (``seed_models``; few-shot models build their own) starts once that one is done. A job
        whose models an earlier one trained is left out."""
        from lira.workers import worker_plan

        jobs = [job for job in jobs if not self._trained_already(job, distillation)]
        if not jobs:
            return
        for job in jobs:
            self.seed_models(job.seed, job.variant)  # made in this order in every process: the same LiRA at step 0
        workers, threads = worker_plan(len(jobs) - first_here)
        here = jobs if workers < 2 else jobs[:first_here]
        for job in here:
            self.train(job, distillation=distillation)
            self._trained.update(self._done(job, distillation))
        todo = jobs[len(here):]
        if not todo:
            return
        _log.info("%d training job(s) in %d processes of %d thread(s)", len(todo), workers, threads)
        running: dict[Future[tuple[SeedState, dict[str, float]]], Training] = {}
        with self.ledger.part(WORKERS_PART):
            pool = self.pool(workers, threads)
            while todo or running:
                busy = {(j.variant, j.seed) for j in [*todo, *running.values()] if j.shots is None}
                for job in list(todo):
                    owner = None if job.shots is not None else self.seed_models(job.seed, job.variant).step0_from
                    if owner is None or (owner.variant, owner.seed) not in busy:
                        running[pool.submit(train_seed, SeedJob(self.config, job, distillation,
                                                                self.exported()))] = job
                        todo.remove(job)
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    job = running.pop(future)
                    state, took = future.result()
                    self.seed_models(job.seed, job.variant).restore(state)
                    self._trained.update(self._done(job, distillation))
                    self._add_worker_parts(took)

    def exported(self) -> list[tuple[int, Variant, SeedState]]:
        """Every model trained so far, as ``(seed, variant, state)`` in the order the models were made (what a
        worker process restores: ``SeedJob.given``)."""
        return [(m.seed, m.variant, m.export()) for m in self.models.values()]

    @staticmethod
    def _done(job: Training, distillation: bool) -> set[tuple[str, int, int | None, str, bool]]:
        return {(job.variant.name, job.seed, job.shots, task, distillation) for task in job.tasks}

    def _trained_already(self, job: Training, distillation: bool) -> bool:
        """Whether ``train_ahead`` did ``job`` before (with ``distillation``, or as part of a job that had it)."""
        return self._done(job, True) <= self._trained or (not distillation and self._done(job, False) <= self._trained)

    def _add_worker_parts(self, took: dict[str, float]) -> None:
        for label, seconds in took.items():
            self.worker_parts[label] = self.worker_parts.get(label, 0.0) + seconds

    def score_parts(self, parts: list[ScorePart]) -> None:
        """Do ``parts`` (each appends rows): in the worker processes of ``pool`` where this machine has two
        threads or more (a setting's scoring alone keeps one of them busy), started in the order ``next_part``
        gives, their rows appended in the order of ``parts``; else here, one after the other."""
        from lira.workers import worker_plan

        workers, threads = worker_plan(len(parts))
        # a worker makes its run from the config: one whose tasks or split were changed here (the dev-choice
        # scripts' dev views) scores here
        registry = self.eval_split == "test" and all(t is get_task(t.name) for t in self.tasks)
        if workers < 2 or not registry:
            for part in parts:
                getattr(self, part.method)(*part.args)
            return
        given = self.exported()
        results: dict[int, Any] = {}
        with self.ledger.part(SCORE_WORKERS_PART):
            pool = self.pool(workers, threads)
            pending, running = list(range(len(parts))), dict[Future[Any], int]()
            while pending or running:
                while pending and len(running) < workers:  # one part per worker: the next is chosen when one ends
                    i = next_part(parts, pending, running.values())
                    pending.remove(i)
                    running[pool.submit(score_part, ScoreJob(self.config, parts[i], given))] = i
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    results[running.pop(future)] = future.result()
        for i in range(len(parts)):
            rows, skipped, states, took = results[i]
            self.rows.extend(rows)
            for entry in skipped:
                self.skip(**entry)
            for seed, variant, state in states:
                self.seed_models(seed, variant).restore(state)
            self._add_worker_parts(took)

    def method(self, name: str, seed: int | None, task: str, variant: Variant = FULL) -> Any:
        """The encoder or model of method ``name`` for ``task`` (trained methods: of ``seed`` and ``variant``)."""
        english = english_for(self.config, task)
        if name in ("frozen", "translate-test", "dual-path"):
            return self.peer(name, english)
        if name == "lira-step0":
            return self.seed_models(0, variant).model(task, step0=True)
        models = self.seed_models(seed or 0, variant)
        return models.distillation(english) if name == "distillation" else models.model(task)

    # -- data -----------------------------------------------------------------------------------------------
    def subject(self, task: TaskSpec, subset: str, *, train: list[Any] | None = None) -> Subject:
        c = self.config
        lang = task.subset(subset).lang
        caps = [x for x in (task.max_test, c.max_test) if x is not None]
        evaluator_class = evaluator_for(task.type)
        if task.type == "retrieval":  # one retrieval set per subset; its qrels carry the query splits
            dataset = retrieval_set(task, c, subset, self.eval_split)
            return Subject(task, subset, lang, evaluator_class(dataset, split=self.eval_split),
                           lexicon_translator(task, lang, self.eval_split), k=None)
        test = task.load(c.data_dir, subset, "test", cap=min(caps) if caps else None)
        if train is None:
            train = task_train(task, c, self.subsets[task.name]) if task.type in PROBED else []
        translator = gold_translator([*train, *test]) if task.translations == "data" else lexicon_translator(task, lang)
        # a few-shot sample may lack a class: a probe cannot predict it, and its test items count as wrong
        evaluator = {"bitext": lambda: evaluator_class(test, lang), "sts": lambda: evaluator_class(test),
                     "classification": lambda: evaluator_class(train, test, lang, allow_unknown_labels=True),
                     "nli": lambda: evaluator_class(train, test, lang),
                     "choice": lambda: evaluator_class(train, test, lang)}[task.type]()
        return Subject(task, subset, lang, evaluator, translator, train=train)

    def few_shot_sample(self, task: TaskSpec, shots: int, seed: int) -> list[Any]:
        """The few-shot training records of ``task`` for ``shots`` and ``seed`` (``_per_language_sample`` of its
        pooled training records)."""
        return _per_language_sample(task_train(task, self.config, self.subsets[task.name]), shots, seed)

    def subjects(self, names: tuple[str, ...] | None = None) -> Iterator[Subject]:
        """The subjects of the run's tasks (of ``names`` only, if given), made once per process and split
        (their evaluators hold data only)."""
        for task in self.tasks:
            if names is None or task.name in names:
                for subset in self.subsets[task.name]:
                    yield self.kept_subject(task, subset)

    def kept_subject(self, task: TaskSpec, subset: str) -> Subject:
        """``subject(task, subset)``, made once per process and split."""
        key = (task.name, subset, self.eval_split)
        if key not in self._subjects:
            self._subjects[key] = self.subject(task, subset)
        return self._subjects[key]

    def _reorder(self, start: int, key: Callable[[dict[str, Any], int], tuple[Any, ...]]) -> None:
        """Sort the rows from ``start`` on by ``key(row, index of its subject in the order of subjects)``: rows
        that worker processes scored in parts (``score_parts``) take the order of a one-process run."""
        order = {pair: i for i, pair in enumerate((t.name, s) for t in self.tasks for s in self.subsets[t.name])}
        self.rows[start:] = sorted(self.rows[start:], key=lambda r: key(r, order[r["task"], r["subset"]]))

    # -- scoring --------------------------------------------------------------------------------------------
    def score(self, s: Subject, method: str, seed: int | None, setting: str, *, value: Any = None,
              translator: Translator | None = None, variant: Variant = FULL, k: int | None = None,
              model: Any = None) -> dict[str, Any]:
        with self.ledger.part(SCORE_PART):  # the models a method trains on first use count as training
            obj = model if model is not None else self.method(method, seed, s.task.name, variant)
            tr = s.translator if translator is None else translator
            result = s.evaluator(obj, translator=tr, train_translator=s.translator, k=k or s.k)
        result.pop("per_query", None)
        row = {"task": s.task.name, "type": s.task.type, "subset": s.subset, "lang": s.lang, "method": method,
               "seed": seed, "setting": setting, "value": value, "variant": variant.name,
               "main_metric": s.task.main_score, "main_score": result["main_score"],
               "metrics": {k: v for k, v in result.items() if isinstance(v, float | int) and k != "main_score"},
               # per-item scores feed the significance tests of the main and noise settings and the dev choices'
               # margins (benchmarks/anchor_dev_choices.py); elsewhere only the score is kept. The noise setting
               # also keeps the test records' ids: its significance counts a record read in several languages once
               "items": result.get("items") if setting in ("main", "noise", "dev") else None,
               "ids": result.get("ids") if setting == "noise" else None,
               "gold": result.get("gold") if setting == "main" else None}
        self.rows.append(row)
        return row

    def skip(self, task: str, method: str, setting: str, reason: str) -> None:
        entry = {"task": task, "method": method, "setting": setting, "reason": reason}
        if entry not in self.skipped:
            self.skipped.append(entry)

    def seeds_for(self, method: str, random_setting: bool) -> list[int | None]:
        return list(self.config.seeds) if method in TRAINED or random_setting else [None]

    # -- settings -------------------------------------------------------------------------------------------
    def run_main(self) -> None:
        tasks = [t.name for t in self.tasks]
        self.train_ahead([Training(FULL, seed, tasks) for seed in self.config.seeds], distillation=True,
                         first_here=True)
        self.score_parts([ScorePart("score_main", (t.name, s), shares=t.name) for t in self.tasks
                          for s in self.subsets[t.name]])

    def score_main(self, task: str, subset: str) -> None:
        """The main setting's rows of one subject (``run_main``)."""
        s = self.kept_subject(next(t for t in self.tasks if t.name == task), subset)  # this run's spec (a dev view)
        # LiRA first: a pair head's token-alignment pass also caches the test texts' vectors the peers read
        for method in sorted(METHODS, key=lambda m: not m.startswith("lira")):
            reason = not_applicable(s.task, method)
            if reason:
                self.skip(s.task.name, method, "main", reason)
                continue
            for seed in self.seeds_for(method, False):
                self.score(s, method, seed, "main")
        _log.info("%s/%s: done", s.task.name, s.subset)

    def run_noise(self) -> None:
        """The noise setting, one part per rate and seed (each corrupts its own English texts, so worker
        processes never encode the same ones); rows by subject, rate, method and seed."""
        c = self.config
        names = [t.name for t in self.tasks if t.name in c.noise_tasks]
        self.train_ahead([Training(FULL, seed, names) for seed in c.seeds_of_settings], distillation=False,
                         first_here=True)  # what the main setting trained already is left out
        start = len(self.rows)
        self.score_parts([ScorePart("score_noise", (rate, seed)) for rate in c.noise_rates
                          for seed in c.seeds_of_settings])
        self._reorder(start, lambda r, subject: (subject, c.noise_rates.index(r["value"]),
                                                 NOISE_METHODS.index(r["method"]), c.seeds.index(r["seed"])))

    def score_noise(self, rate: float, seed: int) -> None:
        """The noise setting's rows of ``rate`` and ``seed`` (``run_noise``)."""
        c = self.config
        for s in self.subjects(c.noise_tasks):
            if s.translator is None:
                self.skip(s.task.name, "all", "noise", "the task has no English path to corrupt")
                continue
            tr = noisy(s.translator, rate=rate, seed=seed, k=c.noise_candidates)
            for method in NOISE_METHODS:
                self.score(s, method, seed, "noise", value=rate, translator=tr, k=1)

    def run_few_shot(self) -> None:
        c = self.config
        task = get_task(c.few_shot_task)
        if task not in self.tasks:
            return
        sizes = [n for n in c.shots if n is not None]  # None ("all") is the main setting
        # the largest samples first, so that the workers end together
        self.train_ahead([Training(FULL, seed, [task.name], shots) for shots in sorted(sizes, reverse=True)
                          for seed in c.seeds_of_settings], distillation=False, first_here=False)
        for shots in sizes:
            for seed in c.seeds_of_settings:
                sample = self.few_shot_sample(task, shots, seed)
                for subset in self.subsets[task.name]:
                    s = self.subject(task, subset, train=sample)
                    for method in METHODS:
                        if not_applicable(task, method) or method == "lira-step0":
                            continue
                        model = self.seed_models(seed).model(task.name, train=sample, tag=f"{shots}-shot") \
                            if method == "lira" else None
                        self.score(s, method, seed, "few-shot", value=shots, model=model)

    def run_ablations(self) -> None:
        c = self.config
        names = [t.name for t in self.tasks if t.name in c.ablation_tasks]
        self.train_ahead([Training(v, seed, [n for n in names if v.queues is None or get_task(n).type not in PROBED])
                          for v in c.ablations for seed in c.seeds_of_settings], distillation=False, first_here=False)
        start = len(self.rows)
        self.score_parts([ScorePart("score_ablation", (v, seed)) for v in c.ablations for seed in c.seeds_of_settings])
        variants = [v.name for v in c.ablations]
        self._reorder(start, lambda r, subject: (variants.index(r["value"]), subject, c.seeds.index(r["seed"]),
                                                 r["setting"] != "ablation"))

    def score_ablation(self, variant: Variant, seed: int) -> None:
        """The ablation setting's rows of ``variant`` and ``seed`` (``run_ablations``)."""
        c = self.config
        for s in self.subjects(c.ablation_tasks):
            if variant.queues is not None and s.task.type in PROBED:
                self.skip(s.task.name, f"lira ({variant.name})", "ablation",
                          f"the {s.task.type} objective has no queue (queues serve retrieval and STS)")
                continue
            self.score(s, "lira", seed, "ablation", value=variant.name, variant=variant)
            if s.task.name in c.noise_tasks and s.translator is not None:
                tr = noisy(s.translator, rate=c.ablation_noise, seed=seed, k=c.noise_candidates)
                self.score(s, "lira", seed, "ablation-noise", value=variant.name, variant=variant,
                           translator=tr, k=1)


def _per_language_sample(records: list[Any], shots: int, seed: int) -> list[Any]:
    """``shots`` records per language, drawn with ``random.Random(seed)`` (all where a language has fewer)."""
    by_lang: dict[str, list[Any]] = {}
    for r in records:
        by_lang.setdefault(r.lang, []).append(r)
    rng = random.Random(seed)
    return [r for lang in sorted(by_lang) for r in rng.sample(by_lang[lang], min(shots, len(by_lang[lang])))]


def cache_counts(encoders: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Feature-cache hits and encoded texts per backbone spec, over the run's ``encoders`` (spec -> cached
    encoder): a ``+`` spec's concatenation counts in each of its parts (``lira.cache.cached_backbone``)."""
    counts: dict[str, dict[str, int]] = {}
    for spec, encoder in encoders.items():
        parts = zip(spec.split("+"), encoder.parts, strict=True) if hasattr(encoder, "parts") else [(spec, encoder)]
        for name, part in parts:
            count = counts.setdefault(name, {"hits": 0, "encoded": 0})
            count["hits"] += int(part.hits)
            count["encoded"] += int(part.misses)
    return counts


def run_benchmark(config: BenchmarkConfig) -> Path:
    """Run the benchmark and write ``results.json``, ``report.md`` and the plots into ``config.out_dir``."""
    from lira.benchmark.report import write_outputs

    if config.quick:
        config = quick_config(config)
        _log.info("quick mode, a smoke run: the first subset of each task, at most %d test and %d training examples "
                  "per subset, retrieval sets reduced to %d documents", config.max_test, config.max_train,
                  config.max_corpus)
    start = time.perf_counter()
    bench = Benchmark(config)
    disjoint = check_disjoint(config.data_dir)
    phases = {"main": bench.run_main, "noise": bench.run_noise, "few-shot": bench.run_few_shot,
              "ablations": bench.run_ablations}
    try:
        for name, phase in phases.items():
            if name not in config.settings:
                continue
            t0 = time.perf_counter()
            _log.info("benchmark: %s", name)
            phase()
            bench.timings[name] = time.perf_counter() - t0
    finally:
        bench.close()
    bench.timings["total"] = time.perf_counter() - start
    cache = cache_counts(bench.encoders)
    return write_outputs(bench, config={k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(config).items()},
                         disjoint=disjoint, cache=cache)
