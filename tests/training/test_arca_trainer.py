"""Stage-1 training on synthetic features: learning, exact resume, NaN stop, checkpoints."""

import numpy as np
import pytest
import torch

from lira.arca.adaptor import AdaptorConfig
from lira.arca.model import ArcaConfig, ArcaModel
from lira.data.formats import ChoiceExample, ParallelExample
from lira.evaluation.bitext import BitextEvaluator
from lira.evaluation.choice import ChoiceEvaluator
from lira.metrics import accuracy
from lira.training.arca_data import ArcaFeatures
from lira.training.arca_trainer import ArcaTrainConfig, choice_correctness, evaluate_arca, train_arca
from lira.training.checkpoint import NonFiniteLossError, latest_checkpoint
from lira.translators.base import Candidate


def synthetic(n: int, seed: int) -> ArcaFeatures:
    """English candidates: gold = a fixed random linear map of x plus noise (a different space, which the
    identity-initialised adaptor has to learn to align); distractors random. Critic favours gold a bit."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 1, 8, generator=g)
    k = 4
    y = torch.randn(n, k, 1, 6, generator=g)
    gold = torch.randint(0, k, (n,), generator=g)
    mix = torch.randn(8, 6, generator=torch.Generator().manual_seed(99)) / 8 ** 0.5
    y[torch.arange(n), gold] = x @ mix + 0.1 * torch.randn(n, 1, 6, generator=g)
    scores = 4 + 2 * torch.rand(n, k, 3, generator=g)
    scores[torch.arange(n), gold] += 2.0
    return ArcaFeatures(["vie"] * n, [f"s{i}" for i in range(n)], [[Candidate(f"c{j}", "t")] * k for j in range(n)],
                        x, y, torch.ones(n, k, dtype=torch.bool), scores, gold)


CONFIG = ArcaConfig(adaptor=AdaptorConfig(lr_dim=8, en_dim=6, dim=8, hidden=16))
TRAIN = ArcaTrainConfig(steps=40, batch_size=16, lr=5e-3, eval_every=20, checkpoint_every=10)


def test_training_closes_the_anchor_gap_and_learns_choices(tmp_path):
    train, dev = synthetic(128, 0), synthetic(64, 1)
    model, history = train_arca(train, dev, model_config=CONFIG, config=TRAIN, out_dir=tmp_path, show_progress=False)
    steps, selected = history[:-1], history[-1]["selected"]
    assert steps[-1]["anchor_gap"] < steps[0]["anchor_gap"]
    assert steps[-1]["choice_accuracy"] > steps[-1]["chance"]
    # the kept Actor is the one of the best dev choice accuracy seen
    best = max(steps, key=lambda h: h["choice_accuracy"])
    assert selected["actor"]["kept_step"] == best["step"]
    assert selected["actor"]["dev_kept"] == best["choice_accuracy"]
    assert evaluate_arca(model, dev)["choice_accuracy"] == pytest.approx(best["choice_accuracy"])
    assert (tmp_path / "arca" / "arca.safetensors").is_file() and (tmp_path / "history.json").is_file()
    assert latest_checkpoint(tmp_path).name == "step-000040"
    assert len(list((tmp_path / "checkpoints").glob("step-*"))) == TRAIN.keep_checkpoints


def test_a_trained_step_must_beat_step_0_by_one_standard_error(tmp_path):
    """Stage 1's selection reads the standard errors of its dev accuracies (``train.one_se``, on by default): the
    kept step is the best of those beating step 0 by one standard error, else step 0; off, the best step."""
    train, dev = synthetic(128, 0), synthetic(64, 1)
    for one_se in (True, False):
        config = ArcaTrainConfig(**{**TRAIN.__dict__, "one_se": one_se})
        _, history = train_arca(train, dev, model_config=CONFIG, config=config, out_dir=tmp_path / str(one_se),
                                show_progress=False)
        steps, selected = history[:-1], history[-1]["selected"]
        for part, metric in (("adaptor", "retrieval_accuracy"), ("actor", "choice_accuracy")):
            step0, kept = steps[0], selected[part]
            p = step0[metric]
            assert step0[f"{metric}_se"] == pytest.approx((p * (1 - p) / 64) ** 0.5)
            assert kept["dev_step0_se"] == (step0[f"{metric}_se"] if one_se else 0.0)
            passing = [h for h in steps[1:] if h[metric] > p + kept["dev_step0_se"]]
            best = max(passing, key=lambda h: h[metric]) if passing else step0  # ties: the earlier step
            assert kept["kept_step"] == best["step"], (one_se, part)


def test_resume_is_exact(tmp_path, caplog):
    train, dev = synthetic(96, 0), synthetic(32, 1)
    full, _ = train_arca(train, dev, model_config=CONFIG, config=TRAIN, out_dir=tmp_path / "a", show_progress=False)
    half = ArcaTrainConfig(**{**TRAIN.__dict__, "steps": 20})
    train_arca(train, dev, model_config=CONFIG, config=half, out_dir=tmp_path / "b", show_progress=False)
    with caplog.at_level("INFO", logger="lira.training.arca_trainer"):
        resumed, history = train_arca(train, dev, model_config=CONFIG, config=TRAIN, out_dir=tmp_path / "b",
                                      resume=True, show_progress=False)
    assert f"resuming from {tmp_path / 'b' / 'checkpoints' / 'step-000020'} at step 20 of" in caplog.text
    for (name, a), (_, b) in zip(full.state_dict().items(), resumed.state_dict().items(), strict=True):
        assert torch.equal(a, b), name
    assert [h["step"] for h in history[:-1]] == [0, 20, 40] and "selected" in history[-1]


def test_selection_keeps_the_untrained_start_when_training_hurts_dev(tmp_path):
    """Train pairs whose gold translation is the negated source, dev pairs whose gold equals it: the identity
    adaptor retrieves every dev pair at step 0, no later step can do better (ties keep the earlier step), so
    the untrained adaptor is what is saved although training moved the weights."""
    train, dev = synthetic(128, 0), synthetic(32, 1)
    config = ArcaConfig(adaptor=AdaptorConfig(lr_dim=8, en_dim=8, dim=8, hidden=16))
    dev.y_en = torch.cat([dev.y_en, torch.zeros(*dev.y_en.shape[:-1], 2)], -1)
    train.y_en = torch.cat([train.y_en, torch.zeros(*train.y_en.shape[:-1], 2)], -1)
    train.y_en[torch.arange(128), train.gold] = -train.x_lr
    dev.y_en[torch.arange(32), dev.gold] = dev.x_lr
    model, history = train_arca(train, dev, model_config=config, config=TRAIN, out_dir=tmp_path, show_progress=False)
    kept = history[-1]["selected"]["adaptor"]
    assert kept["kept_step"] == 0 and kept["dev_step0"] == 1.0
    assert history[-2]["anchor_gap"] > history[0]["anchor_gap"]  # training moved the paths apart
    x = torch.randn(5, 1, 8)
    last = ArcaModel.load(latest_checkpoint(tmp_path) / "model")
    assert not torch.allclose(last.embed_lr(x), x)
    assert torch.equal(model.embed_lr(x), x)  # the untrained (identity) adaptor is what was saved
    assert torch.equal(ArcaModel.load(tmp_path / "arca").embed_lr(x), x)


def test_resume_without_checkpoint(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        train_arca(synthetic(8, 0), None, model_config=CONFIG, config=TRAIN, out_dir=tmp_path, resume=True)


def test_nan_stops_and_keeps_last_good_checkpoint(tmp_path):
    train = synthetic(32, 0)
    train_arca(train, None, model_config=CONFIG, config=ArcaTrainConfig(steps=10, batch_size=16, checkpoint_every=10),
               out_dir=tmp_path, show_progress=False)
    bad = synthetic(32, 0)
    bad.x_lr[:] = float("nan")
    with pytest.raises(NonFiniteLossError, match="step-000010"):
        train_arca(bad, None, model_config=CONFIG, config=ArcaTrainConfig(steps=20, batch_size=16),
                   out_dir=tmp_path, resume=True, show_progress=False)
    assert ArcaModel.load(latest_checkpoint(tmp_path) / "model") is not None


def test_evaluate_reports_reference_choices():
    dev = synthetic(64, 1)
    metrics = evaluate_arca(ArcaModel(CONFIG), dev)
    assert metrics["chance"] == pytest.approx(0.25) and metrics["n"] == 64
    assert metrics["critic_s_only_accuracy"] > 0.5  # the synthetic critic favours gold


class Table:
    """A method that reads its outputs off a table by text: the Arca model's dev outputs."""

    task, needs_translations = "choice", False

    def __init__(self, table: dict[str, np.ndarray]) -> None:
        self.table = table

    def encode(self, texts, **_):
        return np.stack([self.table[t] for t in texts])

    def option_scores(self, premises, options, **_):
        return self.encode(premises)


def test_dev_accuracies_are_the_bitext_and_choice_evaluators(tmp_path):
    dev = synthetic(37, 1)
    model, _ = train_arca(synthetic(128, 0), None, model_config=CONFIG, config=TRAIN, out_dir=tmp_path,
                          show_progress=False)
    metrics, correct = evaluate_arca(model, dev), choice_correctness(model, dev)
    with torch.no_grad():
        out = model(dev.x_lr, dev.y_en, dev.mask, dev.scores)
    rows = torch.arange(len(dev))
    src = torch.nn.functional.normalize(out.e_lr.flatten(1), dim=-1).numpy()
    gold = torch.nn.functional.normalize(out.e_en[rows, dev.gold].flatten(1), dim=-1).numpy()
    table = {f"s{i}": src[i] for i in range(len(dev))} | {f"e{i}": gold[i] for i in range(len(dev))}
    bitext = BitextEvaluator([ParallelExample("vie", f"s{i}", f"e{i}") for i in range(len(dev))], "vie")(Table(table))
    assert bitext["items"] == correct["retrieved"].float().tolist() and 0 < bitext["accuracy"] < 1
    # one metric code (lira.metrics), each in its dtype: the trainer's float32 mean, the evaluator's float64 one
    assert metrics["retrieval_accuracy"] == accuracy(torch.tensor(bitext["items"]))
    assert metrics["retrieval_accuracy"] == pytest.approx(bitext["accuracy"], rel=1e-6)
    log_pi = {f"s{i}": out.log_pi[i].numpy() for i in range(len(dev))}
    test = [ChoiceExample("vie", f"s{i}", ("a", "b", "c", "d"), int(dev.gold[i])) for i in range(len(dev))]
    choice = ChoiceEvaluator([], test, "vie")(Table(log_pi))
    assert choice["items"] == correct["actor"].float().tolist()
    assert metrics["choice_accuracy"] == accuracy(torch.tensor(choice["items"]))
    assert metrics["choice_accuracy"] == pytest.approx(choice["accuracy"], rel=1e-6)


def test_training_runs_with_the_engines_thread_count(tmp_path, monkeypatch):
    """Torch trains with ``$LIRA_NUM_THREADS`` even when no backbone encoded first (every feature cached)."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    monkeypatch.setenv("LIRA_NUM_THREADS", "1")
    try:
        one_step = ArcaTrainConfig(**{**TRAIN.__dict__, "steps": 1, "eval_every": 1})
        train_arca(synthetic(16, 0), None, model_config=CONFIG, config=one_step, out_dir=tmp_path, show_progress=False)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
