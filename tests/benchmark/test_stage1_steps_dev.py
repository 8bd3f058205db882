"""benchmarks/stage1_steps_dev.py: the fewest stage-1 steps whose dev score is within one standard error of the
best."""

import math

import pytest

from tests.benchmark import load_script


def _curve(scores: list[float], n: int = 400) -> list[dict]:
    return [{"step": 50 * i, "retrieval_accuracy": s, "n": n} for i, s in enumerate(scores)]


def test_the_first_step_within_one_standard_error_of_the_best():
    one_se_step = load_script("stage1_steps_dev").one_se_step
    result = one_se_step(_curve([0.80, 0.86, 0.88, 0.89, 0.895, 0.89]), "retrieval_accuracy")
    se = math.sqrt(0.895 * 0.105 / 400)  # 0.0153
    assert result["best_step"] == 200 and result["best"] == 0.895
    assert result["se"] == pytest.approx(se)
    assert (result["step"], result["score"]) == (100, 0.88)  # 0.88 >= 0.895 - se; 0.86 is not


def test_a_tie_for_the_best_keeps_the_earlier_step():
    result = load_script("stage1_steps_dev").one_se_step(_curve([0.5, 0.9, 0.9], n=10**6), "retrieval_accuracy")
    assert result["best_step"] == 50 and result["step"] == 50


def test_an_added_source_trains_without_dev_pairs():
    from lira.data.formats import ParallelExample
    from lira.tasks.spec import ParallelSpec

    def load(data_dir, lang, split, **options):
        return [ParallelExample(lang=lang, text=f"{split} {options}", en="x")]

    added = load_script("stage1_steps_dev").train_only(ParallelSpec(source="toy", langs=("vie",), load=load))
    assert added.source == "toy" and added.langs == ("vie",)
    assert added.load("d", "vie", "dev") == []
    assert added.load("d", "vie", "train", lexicon_pairs=False) == [
        ParallelExample(lang="vie", text="train {'lexicon_pairs': False}", en="x")]


def test_the_command_line_overrides_only_what_it_names():
    import argparse

    from lira.training.arca_run import ArcaRunConfig

    with_overrides = load_script("stage1_steps_dev").with_overrides
    run = ArcaRunConfig()
    none = argparse.Namespace(batch_size=None, weight_decay=None, adaptor_layers=None, adaptor_hidden=None,
                              adaptor_dropout=None)
    assert with_overrides(run, none) == run
    some = argparse.Namespace(batch_size=128, weight_decay=0.05, adaptor_layers=1, adaptor_hidden=None,
                              adaptor_dropout=0.1)
    changed = with_overrides(run, some)
    assert (changed.train.batch_size, changed.train.weight_decay) == (128, 0.05)
    assert (changed.model.adaptor.layers, changed.model.adaptor.dropout) == (1, 0.1)
    assert changed.model.adaptor.hidden == run.model.adaptor.hidden and changed.train.lr == run.train.lr
    assert (run.train.batch_size, run.model.adaptor.layers) != (128, 1)  # the original is left as it was
