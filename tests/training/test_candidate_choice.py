"""Whether a stage-1 Actor may override a ranked translator's first candidate, chosen on dev before stage 2."""

import pytest
import torch

from lira.arca.adaptor import AdaptorConfig
from lira.arca.model import ArcaConfig, ArcaModel
from lira.lasr.head import LaSRConfig, LaSRHead
from lira.model import LiRAConfig, LiRAModel
from lira.tasks import get_task, restrict, task_records
from lira.training import candidate_choice
from lira.training.candidate_choice import card_metrics, choose_candidates


@pytest.fixture(scope="module")
def dev_sets():
    return task_records(restrict(get_task("products"), ["vie"]), "dev")


def _model(tiny_bert_dir, tmp_path, **config) -> LiRAModel:
    torch.manual_seed(0)
    arca = ArcaModel(ArcaConfig(adaptor=AdaptorConfig(lr_dim=32, en_dim=32, hidden=16)))
    backbones = {"lr_backbone": f"hf:{tiny_bert_dir}", "en_backbone": f"hf:{tiny_bert_dir}?pooling=cls"}
    return LiRAModel(LiRAConfig(**{**backbones, **config}), arca,
                     LaSRHead(LaSRConfig(dim=arca.config.adaptor.out_dim, width=32, heads=2, ff=64)),
                     cache_dir=tmp_path / "cache")


def test_an_untrained_actor_reads_the_first_candidate(tiny_bert_dir, tmp_path, dev_sets):
    """The uniform Actor's tie rule already reads a ranked pool's first candidate: both readings score the same,
    so the first candidate stays; the choice and both dev scores are the model card's lines."""
    model = _model(tiny_bert_dir, tmp_path, translator="lexicon", candidates=2)
    k, choice = choose_candidates(model, dev_sets, "dev")
    assert k == choice["candidates"] == 1 and choice["dev"]["1"] == choice["dev"]["2"] and choice["margin"] >= 0
    assert model.config.candidates == 2  # the model is left as it was
    card = card_metrics(choice)
    assert card["candidates (chosen on dev)"] == 1
    assert card["dev mean_ndcg@10 before stage 2, the Actor's choice of 2"] == choice["dev"]["2"]
    assert card_metrics({}) == {}


def test_nothing_to_choose(tiny_bert_dir, tmp_path, dev_sets):
    for config in ({"translator": "lexicon", "candidates": 1}, {"translator": "none", "candidates": 2}):
        model = _model(tiny_bert_dir, tmp_path, **config)
        assert choose_candidates(model, dev_sets, "dev") == (config["candidates"], {}), config


@pytest.mark.parametrize(("gain", "expected"), [(0.05, 2), (0.001, 1), (-0.05, 1)])
def test_the_actor_must_win_by_the_margin(tiny_bert_dir, tmp_path, dev_sets, monkeypatch, gain, expected):
    """The Actor's reading is kept only when its mean dev score beats the first candidate's by one standard
    error of the paired per-query difference (here 0.01 with noisy per-query gains around ``gain``)."""
    rng = torch.Generator().manual_seed(0)
    base = torch.rand(100, generator=rng).tolist()
    noise = (0.1 * torch.randn(100, generator=rng)).tolist()

    def fake_data(model, datasets, split):
        return model.config.candidates

    def fake_evaluate(head, arca, candidates, items):
        scores = [b + (gain + n if candidates == 2 else 0.0) for b, n in zip(base, noise, strict=True)]
        return {"mean_ndcg@10": sum(scores) / len(scores), "items": {"vie": scores}}

    monkeypatch.setattr(candidate_choice, "retrieval_data", fake_data)
    monkeypatch.setattr(candidate_choice, "evaluate_retrieval", fake_evaluate)
    k, choice = choose_candidates(_model(tiny_bert_dir, tmp_path, translator="lexicon"), dev_sets, "dev")
    assert choice["margin"] == pytest.approx(float(torch.tensor(noise).std()) / 10, rel=1e-6)
    assert choice["candidates"] == k == expected
