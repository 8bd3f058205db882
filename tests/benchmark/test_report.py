"""The benchmark report's numbers and tables on synthetic result rows."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from scipy.stats import binomtest, spearmanr

from lira.benchmark.config import Variant
from lira.benchmark.report import (
    BASELINES,
    ablation_table,
    by_record,
    cell,
    data_source,
    main_tables,
    mean_items,
    noise_significance,
    noise_significance_table,
    p_cell,
    scores,
    seed_means,
    separation,
    setting_table,
    significance,
    significance_table,
    table,
)
from lira.benchmark.significance import best_possible_p, paired_bootstrap
from lira.data.formats import ClassificationExample
from lira.tasks.spec import Subset, TaskSpec

LIRA_ITEMS = {0: [1.0] * 27 + [0.0] * 3, 1: [1.0] * 24 + [0.0] * 6}  # accuracies 0.9 and 0.8 per seed


def row(method: str, seed: int | None, score: float, *, task: str = "t", subset: str = "a", setting: str = "main",
        value=None, variant: str = "full", items=None, gold=None) -> dict:
    return {"task": task, "subset": subset, "method": method, "seed": seed, "setting": setting, "value": value,
            "variant": variant, "main_score": score, "items": items, "gold": gold}


def rows() -> list[dict]:
    return [row("lira", 0, 0.9, items=LIRA_ITEMS[0]), row("lira", 1, 0.8, items=LIRA_ITEMS[1]),
            row("frozen", None, 0.3, items=[1.0] * 9 + [0.0] * 21),
            row("translate-test", None, 0.5, items=[0.0, 1.0] * 15),
            row("dual-path", None, 0.4, items=[1.0] * 12 + [0.0] * 18),
            row("translate-test", None, 0.99, setting="noise", value=0.0, items=[1.0] * 30),  # not the main setting
            row("lira", 0, 0.7, subset="b", items=[1.0] * 7 + [0.0] * 3)]  # no baseline on subset b


def bench(all_rows: list[dict]) -> SimpleNamespace:
    task = TaskSpec(name="t", type="classification", family="t", record_type=ClassificationExample,
                    subsets=(Subset("a", "tha"),), data="t/", splits="train: x; test: y", main_score="accuracy",
                    translations="data", reference="ref")
    return SimpleNamespace(rows=all_rows, tasks=[task], subsets={"t": ["a"]},
                           config=SimpleNamespace(ablations=(Variant("no queues", queues=False),), ablation_noise=0.3))


def test_cell_formats_one_several_or_no_values():
    assert cell([]) == "-"
    assert cell([0.5]) == "50.00"
    assert cell([0.5, 0.7]) == "60.00 ± 14.14"  # mean 0.6, sample std 0.1414
    assert cell([0.8, 0.9, 1.0]) == "90.00 ± 10.00"


def test_table_is_markdown():
    assert table([["a", "1"], ["b", "2"]], ["name", "value"]) == (
        "| name | value |\n|---|---|\n| a | 1 |\n| b | 2 |")


def test_scores_and_mean_items_group_over_seeds():
    grouped = scores(rows(), setting="main")
    assert grouped[("t", "a", "lira", None, "full")] == [0.9, 0.8]
    assert grouped[("t", "a", "translate-test", None, "full")] == [0.5]  # the noise row is left out
    lira = [r for r in rows() if r["method"] == "lira" and r["subset"] == "a"]
    assert mean_items(lira).tolist() == [1.0] * 24 + [0.5] * 3 + [0.0] * 3


def test_seed_means_count_only_complete_seeds():
    data = [row("lira", 0, 0.6, subset="a"), row("lira", 0, 0.8, subset="b"),
            row("lira", 1, 0.4, subset="a"), row("lira", 1, 0.6, subset="b"),
            row("lira", 2, 0.9, subset="a"),  # seed 2 lacks subset b: left out
            row("frozen", None, 0.1, subset="a"), row("frozen", None, 0.3, subset="b")]
    assert seed_means(data, ["a", "b"], method="lira") == pytest.approx([0.7, 0.5])
    assert seed_means(data, ["a"], method="lira") == pytest.approx([0.6, 0.4, 0.9])
    assert seed_means(data, ["a", "b"], method="frozen") == pytest.approx([0.2])  # one unseeded run
    assert seed_means(data, ["a", "b"], method="distillation") == []


def test_significance_picks_the_best_baseline_and_pairs_items():
    sig = significance(rows())
    assert len(sig) == 1  # subset b has no baseline
    result = sig[0]
    assert (result["task"], result["subset"], result["baseline"]) == ("t", "a", "translate-test")
    assert result["lira"] == pytest.approx(0.85) and result["baseline_score"] == pytest.approx(0.5)
    assert result["delta"] == pytest.approx(0.85 - 0.5)  # seed-averaged items: 24 x 1, 3 x 0.5, 3 x 0
    assert result["n"] == 30 and 0 < result["low"] <= result["delta"] <= result["high"] and result["p"] < 0.05
    assert "distillation" in BASELINES and "lira" not in BASELINES


def test_significance_counts_the_subsets_where_no_model_can_be_significantly_better():
    near_perfect = [row("lira", 0, 1.0, subset=s, items=[1.0] * 40) for s in "ab"]
    near_perfect += [row("frozen", None, 0.975, subset="a", items=[1.0] * 39 + [0.0]),  # one miss: out of reach
                     row("frozen", None, 0.5, subset="b", items=[1.0, 0.0] * 20)]
    sig = significance(near_perfect)
    assert sig[0]["best_p"] == best_possible_p([1.0] * 39 + [0.0]) >= 0.05 and sig[0]["p"] >= 0.05
    assert sig[1]["best_p"] < 0.05 and sig[1]["p"] < 0.05
    text = significance_table(sig)
    assert "on 1 of the 2 subsets and significantly worse on 0. On 1 subsets (t 1) no model can be significantly" in (
        " ".join(text.split()))
    assert "significantly better on 1 of the other 1." in " ".join(text.split())


def test_the_grouped_sign_test_counts_the_subsets_of_one_data_set_once():
    assert data_source("sib200") == data_source("sib200-bitext") != data_source("tatoeba")
    assert data_source("products") == data_source("products-heldout")
    assert data_source("t") == "t"  # a task outside the registry is its own data set
    # task t: +0.4 and -0.1 (a win by its mean), task u: -0.2 (a loss)
    sig = [{"task": task, "subset": s, "baseline": "frozen", "lira": 0.5, "baseline_score": 0.5, "delta": d,
            "low": d, "high": d, "p": 0.5, "best_p": 0.01, "n": 10} for task, s, d in
           (("t", "a", 0.4), ("t", "b", -0.1), ("u", "a", -0.2))]
    text = " ".join(significance_table(sig).split())
    assert "Sign test over the 3 subsets: LiRA wins 1, loses 2, ties 0" in text
    assert "over the 2 data sets, each counted once by its mean delta: LiRA wins 1, loses 1, ties 0; two-sided p = 1." \
        in text


def test_significance_with_gold_compares_spearman():
    gold = [0.1, 0.5, 0.2, 0.9, 0.4, 0.7, 0.3, 0.8]
    lira = [0.2, 0.6, 0.1, 0.8, 0.5, 0.7, 0.3, 0.9]
    base = [0.9, 0.1, 0.5, 0.3, 0.8, 0.2, 0.7, 0.4]
    data = [row("lira", 0, 0.9, task="s", items=lira, gold=gold),
            row("frozen", None, 0.1, task="s", items=base, gold=gold)]
    (result,) = significance(data)
    assert result["baseline"] == "frozen"
    assert result["delta"] == pytest.approx(spearmanr(lira, gold)[0] - spearmanr(base, gold)[0])


def test_tables_render_with_their_headers():
    b = bench(rows())
    main = main_tables(b)
    assert main.startswith("### t (classification; accuracy x100)\n\ntrain: x; test: y. English path: data.")
    assert "| subset | frozen backbone | translate-test | dual path (untrained) | LiRA |" in main
    assert "| a | 30.00 | 50.00 | 40.00 | 85.00 ± 7.07 |" in main
    assert "| **mean** | 30.00 | 50.00 | 40.00 | 85.00 ± 7.07 |" in main

    sig = significance_table(significance(b.rows))
    assert sig.startswith("| task | subset | best baseline | LiRA | baseline | delta | 95% CI | p | "
                          "p of a perfect model | items |")
    assert "| t | a | translate-test | 85.00 | 50.00 | +35.00 |" in sig
    assert f"LiRA wins 1, loses 0, ties 0; two-sided p = {binomtest(1, 1).pvalue:.3g}." in sig
    assert "LiRA is significantly better than the best baseline (p < 0.05) on 1 of the 1 subsets and" in sig
    assert "no model can be significantly better" not in sig  # translate-test misses 15 of 30 items
    assert significance_table([]) == "(no task with both LiRA and a baseline)"
    assert p_cell(0.0) == "< 0.001" and p_cell(0.0423) == "0.042"

    noise = setting_table(b, "noise", ("translate-test", "lira"), (0.0, 0.5), "noise {}")
    assert noise.startswith("**t** (mean over 1 subsets)")
    assert "| method | noise 0.0 | noise 0.5 |" in noise and "| translate-test | 99.00 | - |" in noise
    assert "| LiRA |" not in noise  # a method without any row in that setting is left out
    assert setting_table(b, "few-shot", ("lira",), (8,), "{}-shot") == "(not run)"


def test_ablation_table():
    assert ablation_table(bench(rows())) == "(not run)"
    data = rows() + [row("lira", 0, 0.6, setting="ablation", value="no queues"),
                     row("lira", 1, 0.7, setting="ablation", value="no queues")]
    assert ablation_table(bench(data)) == ("| LiRA variant | t |\n|---|---|\n| full | 85.00 ± 7.07 |\n"
                                           "| no queues | 65.00 ± 7.07 |")
    # under noise, the full method's column reads its noise-setting rows at ``ablation_noise``
    data += [row("lira", 0, 0.5, setting="noise", value=0.3), row("lira", 0, 0.1, setting="noise", value=0.5),
             row("lira", 0, 0.4, setting="ablation-noise", value="no queues")]
    assert ablation_table(bench(data)) == ("| LiRA variant | t | t (noise 0.3) |\n|---|---|---|\n"
                                           "| full | 85.00 ± 7.07 | 50.00 |\n| no queues | 65.00 ± 7.07 | 40.00 |")
    # ablations run on fewer seeds than the main setting: the full method is read on the same seeds
    one_seed = rows() + [row("lira", 0, 0.6, setting="ablation", value="no queues")]
    assert ablation_table(bench(one_seed)) == "| LiRA variant | t |\n|---|---|\n| full | 90.00 |\n| no queues | 60.00 |"


def test_overview_has_one_row_per_task_with_each_methods_mean():
    from lira.benchmark.report import overview_table

    text = overview_table(bench(rows()))
    lines = text.splitlines()
    assert lines[0].startswith("| task | metric (subsets) | frozen backbone |")
    assert lines[2].startswith("| t | accuracy (1) | 30.00 | 50.00 |")
    assert lines[2].endswith("| 85.00 ± 7.07 |")  # LiRA: seeds 0.9 and 0.8 on subset a


def test_few_shot_table_can_add_the_main_setting_as_a_last_column():
    extra = [row("frozen", 0, 0.2, setting="few-shot", value=8), row("frozen", 1, 0.4, setting="few-shot", value=8)]
    text = setting_table(bench(rows() + extra), "few-shot", ("frozen",), [8], "{}-shot", "all (main)")
    assert "| method | 8-shot | all (main) |" in text
    assert "| frozen backbone | 30.00 ± 14.14 | 30.00 |" in text
    one_seed = [row("lira", 0, 0.5, setting="few-shot", value=8)]  # the main column reads seed 0 only
    assert "| LiRA | 50.00 | 90.00 |" in setting_table(bench(rows() + one_seed), "few-shot", ("lira",), [8],
                                                          "{}-shot", "all (main)")


def noisy(method, seed, subset, items, task="t", kind="classification", ids=None):
    return {**row(method, seed, sum(items) / len(items), task=task, subset=subset, setting="noise", value=0.5,
                  items=items), "type": kind, "ids": ids}


def test_noise_significance_without_ids_pools_the_subsets_items_per_task_and_rate():
    data = [noisy("lira", 0, "a", [1.0] * 10), noisy("lira", 1, "a", [1.0] * 8 + [0.0] * 2),
            noisy("lira", 0, "b", [1.0] * 5 + [0.0] * 5), noisy("lira", 1, "b", [1.0] * 5 + [0.0] * 5),
            noisy("dual-path", 0, "a", [0.0] * 10), noisy("dual-path", 1, "a", [0.0] * 10),
            noisy("dual-path", 0, "b", [0.0] * 10), noisy("dual-path", 1, "b", [0.0] * 10),
            noisy("translate-test", 0, "a", [1.0] * 10),  # no subset b: not compared
            noisy("lira", 0, "a", [1.0] * 10, task="s", kind="sts"),  # a correlation: not pooled
            noisy("dual-path", 0, "a", [0.0] * 10, task="s", kind="sts"),
            {**row("lira", 0, 0.9, items=LIRA_ITEMS[0]), "type": "classification"}]  # the main setting: not read
    (result,) = noise_significance(data, ["translate-test", "dual-path"])
    assert (result["task"], result["noise"], result["method"], result["n"]) == ("t", 0.5, "dual-path", 20)
    assert result["lira"] == pytest.approx((9 + 5) / 20) and result["other"] == 0.0  # seed means per item
    assert result["delta"] == pytest.approx(0.7) and result["p"] < 0.05
    text = noise_significance_table([result])
    assert text.startswith("| task | noise | LiRA | records | against dual path (untrained) |")
    assert f"| t | 0.5 | 70.00 | 20 | +70.00 (p {p_cell(result['p'])}) |" in text
    assert noise_significance_table([]) == "(not run)"


def test_noise_significance_counts_a_record_shared_by_languages_once():
    tha, vie = ["s1", "s2", "s3"], ["s2", "s1", "s3"]  # one sentence in two languages, each split in its own order
    data = [noisy("lira", 0, "tha", [1.0, 1.0, 0.0], ids=tha), noisy("lira", 1, "tha", [1.0, 0.0, 0.0], ids=tha),
            noisy("lira", 0, "vie", [1.0, 1.0, 1.0], ids=vie), noisy("dual-path", 0, "tha", [0.0, 1.0, 0.0], ids=tha),
            noisy("dual-path", 0, "vie", [1.0, 0.0, 0.0], ids=vie)]
    # s1: tha seeds 1.0, 1.0 -> 1.0, vie 1.0; s2: tha 0.5, vie 1.0; s3: tha 0.0, vie 1.0
    assert by_record(data, "lira") == {"s1": 1.0, "s2": 0.75, "s3": 0.5}
    assert by_record(data, "dual-path") == {"s1": 0.0, "s2": 1.0, "s3": 0.0}
    (result,) = noise_significance(data, ["dual-path"])
    expected = paired_bootstrap([1.0, 0.75, 0.5], [0.0, 1.0, 0.0])
    assert result["n"] == 3 and result["delta"] == pytest.approx(expected["delta"]) and result["p"] == expected["p"]
    distinct = [noisy("lira", 0, "a", [1.0, 0.0], ids=["a1", "a2"]), noisy("lira", 0, "b", [1.0], ids=["b1"]),
                noisy("dual-path", 0, "a", [0.0, 0.0], ids=["a1", "a2"]), noisy("dual-path", 0, "b", [0.0], ids=["b1"])]
    assert noise_significance(distinct, ["dual-path"])[0]["n"] == 3  # a query per language: pooled
    with pytest.raises(ValueError, match="t/tha: 2 ids for 3 items"):
        by_record([noisy("lira", 0, "tha", [1.0, 1.0, 0.0], ids=["s1", "s2"])], "lira")


def test_separation_counts_each_english_disjoint_task_against_its_source():
    counts = {"tatoeba/tha": 1, "tatoeba/vie": 2, "sib200-bitext/tha": 0, "nusax-sentiment/ind": 0}
    assert separation(counts) == ("English sentences of Tatoeba test also found in sib200 train: 3; English "
                                  "sentences of NusaX sentiment test also found in nusax train: 0")


def test_plots_of_an_earlier_run_that_this_one_has_no_rows_for_are_removed(tmp_path):
    from lira.benchmark.plots import PLOTS, write_plots

    for name in PLOTS:
        (tmp_path / name).write_bytes(b"an earlier run's plot")
    made = write_plots(bench(rows()), tmp_path)
    assert 0 < len(made) < len(PLOTS)  # this run has main rows, no noise, few-shot or ablation rows
    assert sorted(p.name for p in tmp_path.glob("*.png")) == sorted(p.name for p in made)
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in made)
