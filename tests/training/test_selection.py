"""``BestWeights``: the best dev score seen is kept, step 0 included, ties keep the earlier step, a trained step
must beat step 0 by its standard error (one-SE rule), and a resumed run remembers it. ``patience_spent``: early
stopping once that many dev scores in a row bring no gain."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lira.training.selection import BestWeights, patience_spent, selection_margin


def test_keeps_the_best_step_and_restores_it(tmp_path):
    module = nn.Linear(2, 1)
    keeper = BestWeights(tmp_path, "head", {"head": module}, "accuracy")
    start = {k: v.clone() for k, v in module.state_dict().items()}
    assert keeper.update(0, {"accuracy": 0.5})
    nn.init.ones_(module.weight)
    assert not keeper.update(10, {"accuracy": 0.5})  # a tie keeps the earlier step
    assert not keeper.update(20, {"loss": 1.0})  # no dev metric: nothing to compare
    keeper.restore()
    assert torch.equal(module.weight, start["weight"])
    assert keeper.summary() == {"metric": "accuracy", "kept_step": 0, "dev_step0": 0.5, "dev_step0_se": 0.0,
                                "dev_kept": 0.5}
    nn.init.zeros_(module.weight)
    assert keeper.update(30, {"accuracy": 0.7})
    resumed = BestWeights(tmp_path, "head", {"head": module}, "accuracy")
    resumed.resume()
    nn.init.ones_(module.weight)
    resumed.restore()
    assert torch.equal(module.weight, torch.zeros_like(module.weight)) and resumed.summary()["kept_step"] == 30
    assert resumed.summary()["dev_step0"] == 0.5


def test_keeping_step_0_says_so_and_names_the_run(tmp_path, caplog):
    keeper = BestWeights(tmp_path / "seed-1" / "xnli", "lasr", {"head": nn.Linear(2, 1)}, "accuracy")
    keeper.update(0, {"accuracy": 0.5})
    keeper.update(10, {"accuracy": 0.4})
    with caplog.at_level("INFO", logger="lira"):
        keeper.restore()
    assert caplog.messages == [f"lasr ({tmp_path / 'seed-1' / 'xnli'}): training did not improve dev accuracy "
                               "(0.5000 at step 0); the untrained starting point is kept"]
    caplog.clear()
    untrained = BestWeights(tmp_path / "step0", "lasr", {"head": nn.Linear(2, 1)}, "accuracy")
    untrained.update(0, {"accuracy": 0.5})  # a run of 0 steps: nothing was trained, so nothing to say
    with caplog.at_level("INFO", logger="lira"):
        untrained.restore()
    assert caplog.messages == []


def test_one_standard_error_rule(tmp_path):
    module = nn.Linear(2, 1)
    keeper = BestWeights(tmp_path, "head", {"head": module}, "accuracy")
    keeper.update(0, {"accuracy": 0.5, "accuracy_se": 0.1})
    assert not keeper.update(10, {"accuracy": 0.58})  # better, but within step 0's standard error
    assert keeper.update(20, {"accuracy": 0.65}) and keeper.summary()["dev_step0_se"] == 0.1
    assert not keeper.update(30, {"accuracy": 0.62})  # later steps still compete on the score
    plain = BestWeights(tmp_path / "plain", "head", {"head": module}, "accuracy", one_se=False)
    plain.update(0, {"accuracy": 0.5, "accuracy_se": 0.1})
    assert plain.update(10, {"accuracy": 0.58}) and plain.summary()["dev_step0_se"] == 0.0


def test_the_margin_grows_with_the_number_of_looks():
    assert selection_margin(0.1) == pytest.approx(0.1)  # one look: exactly one standard error
    assert selection_margin(0.1, 4) == pytest.approx(0.1755, abs=1e-4)  # Bonferroni: z at 1 - 0.1587 / 4
    assert selection_margin(0.1, 8) == pytest.approx(0.2057, abs=1e-4)
    assert selection_margin(0.0, 8) == 0.0
    with pytest.raises(ValueError, match="looks"):
        selection_margin(0.1, 0)


@pytest.mark.parametrize(("scores", "patience", "spent"), [
    ([0.5, 0.6, 0.55, 0.58], 2, True),  # the last two stay under 0.6
    ([0.5, 0.6, 0.55, 0.61], 2, False),  # the last one is a new best
    ([0.5, 0.6, 0.6], 1, True),  # a tie is no gain
    ([0.5, 0.4], 2, False),  # not yet two evaluations after a first one
    ([0.5, 0.4, 0.3, 0.2], None, False),  # no patience: never
])
def test_patience_is_spent_after_that_many_evaluations_without_a_gain(scores, patience, spent):
    assert patience_spent(scores, patience) is spent
