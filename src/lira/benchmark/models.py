"""The trained methods of one benchmark seed: stage 1 (Arca), the distillation peer, and the LiRA models of
each task family, for the full method or an ablation (``Variant``).

Stage 1 and the distillation peer train on the same parallel data with the same number of steps and batch
size: SIB-200 *train* (FLORES-200 dev sentences), ``stage1_per_lang`` pairs per language. Stage 2 trains one
LaSR head per task family on that task's training split (``TaskSpec.load(..., "train")``, all subsets
pooled): bitext retrieval on the same parallel data for the embedding tasks (bitext mining, STS),
classification on SIB-200, NLI per data set, multiple choice on XCOPA val, retrieval on the product set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lira.arca.model import ArcaConfig, ArcaModel
from lira.backbones import load_backbone
from lira.baselines import DistilledStudent
from lira.benchmark.config import BenchmarkConfig, Variant
from lira.cache import CachedBackbone, FeatureCache
from lira.data.formats import ParallelExample
from lira.data.products import load_products
from lira.languages import ENGLISH, LOW_RESOURCE
from lira.lasr.head import LaSRConfig, LaSRHead
from lira.model import LiRAConfig, LiRAModel
from lira.tasks import TaskSpec, get_task
from lira.training import lasr_data
from lira.training.arca_data import CandidateConfig
from lira.training.arca_run import ArcaDataConfig, ArcaRunConfig, load_examples, run_arca
from lira.training.arca_trainer import ArcaTrainConfig
from lira.training.distill import DistillConfig, train_distillation
from lira.training.lasr_run import fit_lasr
from lira.training.lasr_trainer import LaSRTrainConfig

# Which LiRA model serves which task: embedding tasks share the bitext-trained head.
FAMILY = {"tatoeba": "embed", "sib200-bitext": "embed", "thai-stsb": "embed", "hindi-stsb": "embed",
          "semrel": "embed", "sib200": "sib200", "xnli": "xnli", "myxnli": "myxnli", "indonli": "indonli",
          "xcopa": "xcopa", "products": "products"}


def stage1_langs(config: BenchmarkConfig) -> list[str]:
    return list(config.stage1_langs or LOW_RESOURCE)


def stage1_data(config: BenchmarkConfig) -> ArcaDataConfig:
    """Stage 1's (and distillation's) parallel data: SIB-200 train, ``stage1_per_lang`` pairs per language."""
    return ArcaDataConfig(source="sib200", langs=stage1_langs(config), data_dir=str(config.data_dir),
                          max_per_lang=config.stage1_per_lang)


def parallel_train(config: BenchmarkConfig) -> list[ParallelExample]:
    """The parallel pairs stage 1 trains on (the same fixed hashed subset), for distillation and bitext heads."""
    return load_examples(stage1_data(config), "train")


def cap_train(task: TaskSpec, config: BenchmarkConfig) -> int | None:
    """The training cap of ``task`` in this run: the smaller of the task's and the run's (None = all)."""
    caps = [c for c in (task.max_train, config.max_train) if c is not None]
    return min(caps) if caps else None


def task_train(task: TaskSpec, config: BenchmarkConfig, subsets: list[str]) -> list[Any]:
    """The pooled training records of ``subsets`` (each capped), without duplicates (IndoNLI's two test
    subsets share one training split)."""
    records = [r for name in subsets
               for r in task.load(config.data_dir, name, "train", cap=cap_train(task, config))]
    return list(dict.fromkeys(records))


@dataclass
class SeedModels:
    """Everything trained for one seed and variant; LiRA models are trained on first use."""

    config: BenchmarkConfig
    seed: int
    variant: Variant
    run_dir: Path
    subsets: dict[str, list[str]]
    arca_dir: Path | None = None
    student: DistilledStudent | None = None
    lira: dict[str, LiRAModel] = field(default_factory=dict)
    backbones: tuple[CachedBackbone, CachedBackbone] | None = None

    def __post_init__(self) -> None:
        if self.backbones is None:
            cache = FeatureCache(self.config.cache_dir)
            self.backbones = (CachedBackbone(load_backbone(self.config.backbone), cache),
                              CachedBackbone(load_backbone(self.config.english), cache))

    @property
    def folder(self) -> Path:
        return self.run_dir / "models" / self.variant.name.replace(" ", "-") / f"seed-{self.seed}"

    def stage1(self) -> Path:
        """Train Arca (stage 1) for this seed and variant, once; returns its folder."""
        if self.arca_dir is None:
            c = self.config
            run = ArcaRunConfig(data=stage1_data(c),
                                backbones={"multilingual": c.backbone, "english": c.english},
                                candidates=CandidateConfig(seed=self.seed),
                                model=ArcaConfig(critics=self.variant.critics),
                                train=ArcaTrainConfig(steps=c.arca_steps, seed=self.seed))
            run_arca(run, self.folder / "arca", cache_dir=c.cache_dir)
            self.arca_dir = self.folder / "arca" / "arca"
        return self.arca_dir

    def distillation(self) -> DistilledStudent:
        """The distillation peer: same parallel data, steps and batch size as stage 1."""
        if self.student is None:
            c = self.config
            lr, en = self.backbones
            self.student, _ = train_distillation(parallel_train(c), lr_backbone=lr, en_backbone=en,
                                                 config=DistillConfig(steps=c.arca_steps,
                                                                      batch_size=ArcaTrainConfig.batch_size,
                                                                      seed=self.seed), show_progress=False)
        return self.student

    def model(self, task_name: str, *, train: list[Any] | None = None, tag: str = "") -> LiRAModel:
        """The LiRA model for ``task_name``'s family (trained on first use; ``train`` overrides the task's
        training records, e.g. few-shot subsets, and ``tag`` names that model)."""
        family = FAMILY[task_name] + (f"-{tag}" if tag else "")
        if family not in self.lira:
            self.lira[family] = self._train(task_name, family, train)
        return self.lira[family]

    def _train(self, task_name: str, family: str, train: list[Any] | None) -> LiRAModel:
        c, v = self.config, self.variant
        arca = ArcaModel.load(self.stage1())
        translator = "lexicon" if task_name == "products" else "none"
        model_config = LiRAConfig(lr_backbone=c.backbone, en_backbone=c.english, translator=translator)
        probe = LiRAModel(model_config, arca, LaSRHead(LaSRConfig()), cache_dir=c.cache_dir).share_backbones(
            *self.backbones)
        task = get_task(task_name)
        use_queues = c.doc_queue if v.queues is None else v.queues
        lr = c.lasr_lr
        if FAMILY[task_name] == "embed":
            kind, langs = "retrieval", [*stage1_langs(c), ENGLISH]
            data = lasr_data.bitext_data(probe, parallel_train(c))
            described = f"bitext retrieval on SIB-200 train ({c.stage1_per_lang} pairs per language)"
        elif task_name == "products":
            kind, langs = "retrieval", list(self.subsets[task_name])
            data = lasr_data.retrieval_data(probe, [load_products(lang) for lang in langs], "train")
            described = "retrieval on the product set's train queries"
        else:
            pooled = task_train(task, c, self.subsets[task_name])
            records = train if train is not None else pooled
            kind, langs, lr = task.type, sorted({r.lang for r in records}), c.lasr_lr_heads
            if task.type == "classification":  # every class of the task, even those a few-shot sample lacks
                data = lasr_data.classification_data(probe, records, classes=sorted({r.label for r in pooled}),
                                                     use_gold=True)
            else:
                data = {"nli": lasr_data.nli_data, "choice": lasr_data.choice_data}[task.type](probe, records,
                                                                                             use_gold=True)
            described = f"{task.type} on {task_name} training data ({len(records)} examples)"
        train_config = LaSRTrainConfig(steps=c.lasr_steps, lr=lr, seed=self.seed, use_queues=use_queues,
                                       consistency=v.consistency, eval_every=10**9, checkpoint_every=10**9)
        model, _ = fit_lasr(kind, data, None, arca=arca, model=model_config, langs=sorted(set(langs)),
                            head={"paths": v.paths}, train_config=train_config, out_dir=self.folder / family,
                            training_data=[f"stage 1: SIB-200 train, {c.stage1_per_lang} pairs per language",
                                           f"stage 2: {described}"], cache_dir=c.cache_dir, show_progress=False)
        return model.share_backbones(*self.backbones)
