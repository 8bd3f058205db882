"""Stage-2 training on synthetic features: every task type runs, retrieval resumes exactly (queues included),
and the dev metrics equal what the test's evaluators (``lira.evaluation``) make of the same outputs."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from lira.arca.adaptor import AdaptorConfig
from lira.arca.composition import compose
from lira.arca.model import ArcaConfig, ArcaModel
from lira.data.formats import (
    ChoiceExample,
    ClassificationExample,
    Document,
    NLIExample,
    Query,
    RetrievalDataset,
    ScoredPair,
)
from lira.evaluation.choice import ChoiceEvaluator
from lira.evaluation.classification import ClassificationEvaluator
from lira.evaluation.nli import NLIEvaluator
from lira.evaluation.retrieval import RetrievalEvaluator
from lira.evaluation.sts import STSEvaluator
from lira.lasr.head import LaSRConfig, LaSRHead
from lira.metrics import accuracy_metrics
from lira.retrieval.metrics import language_metrics
from lira.training.checkpoint import NonFiniteLossError, latest_checkpoint
from lira.training.lasr_data import ChoiceData, PairData, RetrievalData, Texts
from lira.training.lasr_trainer import (
    LaSRTrainConfig,
    choice_scores,
    evaluate_task,
    frozen_paths,
    train_lasr,
)

D = 8


def texts(n: int, seed: int, lang: str = "vie") -> Texts:
    g = torch.Generator().manual_seed(seed)
    return Texts(lang, torch.randn(n, 1, D, generator=g), torch.randn(n, 1, D, generator=g), torch.ones(n, dtype=bool))


def retrieval(seed: int) -> RetrievalData:
    data = RetrievalData()
    for lang in ("vie", "tha"):
        docs = texts(20, seed, lang)
        q = Texts(lang, docs.x[:10] + 0.1, docs.y[:10] + 0.1, torch.ones(10, dtype=bool))  # query i ~ doc i
        data.queries[lang], data.docs[lang] = q, docs
        data.query_ids[lang] = [f"q{i}" for i in range(10)]
        data.doc_ids[lang] = [f"d{i}" for i in range(20)]
        data.qrels[lang] = {f"q{i}": {f"d{i}": 2, f"d{i + 10}": 1} for i in range(10)}
    return data


def models(num_classes: int = 0) -> tuple[LaSRHead, ArcaModel]:
    torch.manual_seed(0)
    arca = ArcaModel(ArcaConfig(adaptor=AdaptorConfig(lr_dim=D, en_dim=D, dim=D, hidden=16)))
    head = LaSRHead(LaSRConfig(dim=D, width=16, heads=2, ff=32, languages=["vie", "tha"], num_classes=num_classes))
    return head, arca


CONFIG = LaSRTrainConfig(steps=6, batch_size=4, random_docs=4, lr=1e-3, eval_every=3, checkpoint_every=3,
                         queue_size=16)


def test_retrieval_trains_and_evaluates(tmp_path):
    head, arca = models()
    head, _, history = train_lasr("retrieval", retrieval(0), retrieval(0), head=head, arca=arca, config=CONFIG,
                                  out_dir=tmp_path, show_progress=False)
    assert [h["step"] for h in history[:-1]] == [0, 3, 6] and 0 <= history[-2]["mean_ndcg@10"] <= 1
    kept = history[-1]["selected"]["lasr"]
    # one-standard-error rule: a trained step must beat step 0 by its standard error; ties keep the earlier step
    margin = history[0]["mean_ndcg@10"] + history[0]["mean_ndcg@10_se"]
    best = max([history[0]] + [h for h in history[1:-1] if h["mean_ndcg@10"] > margin],
               key=lambda h: h["mean_ndcg@10"])
    assert kept["metric"] == "mean_ndcg@10" and kept["kept_step"] == best["step"]
    assert kept["dev_step0"] == history[0]["mean_ndcg@10"] and kept["dev_step0_se"] > 0
    assert evaluate_task(head, arca, "retrieval", retrieval(0))["mean_ndcg@10"] == pytest.approx(best["mean_ndcg@10"])
    assert (tmp_path / "checkpoints" / "step-000006" / "extra.safetensors").is_file()


def test_retrieval_resume_is_exact(tmp_path):
    head, arca = models()
    full, _, _ = train_lasr("retrieval", retrieval(0), None, head=head, arca=arca, config=CONFIG,
                            out_dir=tmp_path / "a", show_progress=False)
    head, arca = models()
    half = LaSRTrainConfig(**{**CONFIG.__dict__, "steps": 3})
    train_lasr("retrieval", retrieval(0), None, head=head, arca=arca, config=half, out_dir=tmp_path / "b",
               show_progress=False)
    head, arca = models()
    resumed, _, _ = train_lasr("retrieval", retrieval(0), None, head=head, arca=arca, config=CONFIG,
                               out_dir=tmp_path / "b", resume=True, show_progress=False)
    for (name, a), (_, b) in zip(full.state_dict().items(), resumed.state_dict().items(), strict=True):
        assert torch.equal(a, b), name


@pytest.mark.parametrize("task", ["sts", "nli", "classification"])
def test_pair_tasks(task, tmp_path):
    classes = 3 if task != "sts" else 0
    head, arca = models(classes)
    targets = torch.rand(12) * 5 if task == "sts" else torch.randint(0, 3, (12,))
    second = None if task == "classification" else texts(12, 2)
    data = PairData([texts(12, 1)], [second], [targets], classes=["a", "b", "c"] if classes else [])
    _, _, history = train_lasr(task, data, data, head=head, arca=arca, config=CONFIG, out_dir=tmp_path,
                               show_progress=False)
    metric = "pearson" if task == "sts" else "accuracy"
    assert metric in history[-2] and -1 <= history[-2][metric] <= 1 and "selected" in history[-1]


def test_choice_task(tmp_path):
    head, arca = models()
    data = ChoiceData([texts(6, 1)], [texts(12, 2)], [2], [torch.tensor([0, 1, 0, 1, 1, 0])])
    _, _, history = train_lasr("choice", data, data, head=head, arca=arca, config=CONFIG, out_dir=tmp_path,
                               show_progress=False)
    assert 0 <= evaluate_task(head, arca, "choice", data)["accuracy"] <= 1 and len(history) == 4


def test_nan_stops_training(tmp_path):
    head, arca = models()
    data = retrieval(0)
    data.queries["vie"].x[:] = float("nan")
    with pytest.raises(NonFiniteLossError, match="none \\(no checkpoint"):
        train_lasr("retrieval", data, None, head=head, arca=arca, config=CONFIG, out_dir=tmp_path,
                   show_progress=False)


class Outputs:
    """A method that reads its outputs off a table by text (``"0"``, ``"1"``, ... or any key): the head's dev
    outputs, so an evaluator scores exactly what the trainer scored."""

    needs_translations = False

    def __init__(self, task: str, table: dict[str, np.ndarray] | np.ndarray, classes: tuple[str, ...] = ()) -> None:
        self.task, self.table, self.config = task, table, SimpleNamespace(classes=list(classes))

    def _rows(self, texts: list[str]) -> np.ndarray:
        if isinstance(self.table, dict):
            return np.stack([self.table[t] for t in texts])
        return self.table[[int(t) for t in texts]]

    def predict(self, texts, *, lang, **_):
        return {"score": self._rows(texts), "probs": self._rows(texts)}

    def option_scores(self, premises, options, *, lang, **_):
        return self._rows(premises)

    def encode(self, texts, **_):
        return self._rows(texts)


@torch.no_grad()
def embed(head: LaSRHead, arca: ArcaModel, t: Texts, lang: str) -> np.ndarray:
    head.eval()
    return head(compose(arca.embed_lr(t.x), arca.embed_en(t.y), t.has), lang).embedding.numpy()


def test_retrieval_dev_metrics_are_the_retrieval_evaluators(tmp_path):
    head, arca = models()
    head, _, _ = train_lasr("retrieval", retrieval(0), None, head=head, arca=arca, config=CONFIG, out_dir=tmp_path,
                            show_progress=False)
    dev = retrieval(1)
    trainer = evaluate_task(head, arca, "retrieval", dev, items=True)
    per_query = {}
    for lang in sorted(dev.queries):
        queries, docs = embed(head, arca, dev.queries[lang], lang), embed(head, arca, dev.docs[lang], lang)
        vectors = {f"q {i}": v for i, v in zip(dev.query_ids[lang], queries, strict=True)}
        vectors |= {f"d {i}": v for i, v in zip(dev.doc_ids[lang], docs, strict=True)}
        dataset = RetrievalDataset("toy", lang, {i: Document("", f"d {i}") for i in dev.doc_ids[lang]},
                                   {i: Query(f"q {i}") for i in dev.query_ids[lang]}, {"test": dev.qrels[lang]})
        result = RetrievalEvaluator(dataset)(Outputs("retrieval", vectors))
        assert {m: result[m] for m in trainer[lang]} == trainer[lang]
        assert dict(zip(dev.query_ids[lang], result["items"], strict=True)) == \
            dict(zip(sorted(dev.query_ids[lang]), trainer["items"][lang], strict=True))
        per_query[lang] = result["per_query"]
    assert language_metrics(per_query) == {k: v for k, v in trainer.items() if k != "items"}
    assert trainer["mean_ndcg@10_se"] > 0


@torch.no_grad()
def pair_outputs(head: LaSRHead, arca: ArcaModel, data: PairData) -> torch.Tensor:
    head.eval()
    z = compose(arca.embed_lr(data.first[0].x), arca.embed_en(data.first[0].y), data.first[0].has)
    second = data.second[0]
    if second is None:
        return head(z, "vie").logits
    z2 = compose(arca.embed_lr(second.x), arca.embed_en(second.y), second.has)
    out = head(z, "vie", z2=z2, langs2="vie")
    return out.score if head.config.num_classes == 0 else out.logits


@pytest.mark.parametrize("task", ["sts", "nli", "classification"])
def test_pair_dev_metrics_are_the_evaluators(task):
    head, arca = models(0 if task == "sts" else 3)
    n = 23
    targets = torch.rand(n, generator=torch.Generator().manual_seed(5)) * 5 if task == "sts" else \
        torch.randint(0, 3, (n,), generator=torch.Generator().manual_seed(5))
    data = PairData([texts(n, 1)], [None if task == "classification" else texts(n, 2)], [targets],
                    classes=[] if task == "sts" else ["a", "b", "c"])
    trainer = evaluate_task(head, arca, task, data, items=True)
    outputs = Outputs(task, pair_outputs(head, arca, data).numpy(), classes=("a", "b", "c"))
    rows = [str(i) for i in range(n)]
    if task == "sts":
        pairs = [ScoredPair(r, r, float(g), "vie", "vie") for r, g in zip(rows, targets.tolist(), strict=True)]
        result = STSEvaluator(pairs)(outputs)
        # the same ranks: Spearman is identical; Pearson reads float64 gold here, the trainer's float32 tensor
        assert result["spearman"] == trainer["spearman"] and result["pearson"] == pytest.approx(trainer["pearson"])
        return
    labels = [["a", "b", "c"][int(t)] for t in targets]
    if task == "nli":
        test = [NLIExample("vie", r, r, label) for r, label in zip(rows, labels, strict=True)]
        result = NLIEvaluator([], test, "vie")(outputs)
    else:
        test = [ClassificationExample("vie", r, label) for r, label in zip(rows, labels, strict=True)]
        result = ClassificationEvaluator([], test, "vie")(outputs)
    assert result["items"] == trainer["items"] and 0 < trainer["accuracy"] < 1
    # one metric code (lira.metrics), each in its dtype: the trainer's float32 mean, the evaluator's float64 one
    assert accuracy_metrics(torch.tensor(result["items"])) == {k: trainer[k] for k in ("accuracy", "accuracy_se")}
    assert result["accuracy"] == accuracy_metrics(np.array(trainer["items"]))["accuracy"]
    assert result["accuracy"] == pytest.approx(trainer["accuracy"], rel=1e-6)


def test_choice_dev_metrics_are_the_choice_evaluators():
    head, arca = models()
    n = 19
    data = ChoiceData([texts(n, 1)], [texts(2 * n, 2)], [2],
                      [torch.randint(0, 2, (n,), generator=torch.Generator().manual_seed(3))])
    trainer = evaluate_task(head, arca, "choice", data, items=True)
    with torch.no_grad():
        scores = choice_scores(head, arca, data, 0, list(range(n)), False).numpy()
    test = [ChoiceExample("vie", str(i), ("x", "y"), int(data.targets[0][i])) for i in range(n)]
    result = ChoiceEvaluator([], test, "vie")(Outputs("choice", scores))
    assert result["items"] == trainer["items"] and result["accuracy"] == trainer["accuracy"]
    assert 0 < trainer["accuracy"] < 1


def test_frozen_paths_are_arcas_dual_path_computed_once(tmp_path):
    head, arca = models()
    data = retrieval(0)
    frozen = frozen_paths(data, arca)
    for lang, t in data.queries.items():
        assert t.paths is None  # the input is left as it was
        expected = compose(arca.embed_lr(t.x), arca.embed_en(t.y), t.has)
        assert torch.allclose(frozen.queries[lang].paths.z, expected.z, atol=1e-6)
        assert torch.equal(frozen.queries[lang].rows([2, 0]).paths.z, frozen.queries[lang].paths.z[[2, 0]])
    assert frozen.qrels is data.qrels and frozen_paths(None, arca) is None
    assert all(t.paths is None for t in frozen_paths(frozen, None).docs.values())
    # computed once: the same Arca keeps them (fit_lasr, then train_lasr), another Arca computes its own
    second = models()[1]
    with torch.no_grad():
        for p in second.parameters():
            p.add_(0.1)
    again, other = frozen_paths(frozen, arca), frozen_paths(frozen, second)
    assert all(again.queries[lang] is t for lang, t in frozen.queries.items())
    t = data.queries["vie"]
    assert torch.allclose(other.queries["vie"].paths.z, compose(second.embed_lr(t.x), second.embed_en(t.y), t.has).z,
                          atol=1e-6)
    assert not torch.allclose(other.queries["vie"].paths.z, frozen.queries["vie"].paths.z)
    assert evaluate_task(head, arca, "retrieval", frozen) == evaluate_task(head, arca, "retrieval", data)
    pairs = PairData([texts(6, 1)], [None], [torch.arange(6) % 3], classes=["a", "b", "c"])
    assert frozen_paths(pairs, arca).first[0].paths.z.shape == (6, 2, 1, D)


def test_joint_training_reads_the_dual_path_of_the_arca_it_trains(tmp_path):
    targets = torch.randint(0, 3, (12,), generator=torch.Generator().manual_seed(5))
    data = PairData([texts(12, 1)], [texts(12, 2)], [targets], classes=["a", "b", "c"])
    config = LaSRTrainConfig(**{**CONFIG.__dict__, "joint": True, "eval_every": 6, "checkpoint_every": 6, "lr": 0.05})
    head, arca = models(3)
    stale = frozen_paths(data, arca)  # computed by the Arca before it trains
    _, _, history = train_lasr("nli", stale, stale, head=head, arca=arca, config=config, out_dir=tmp_path,
                               show_progress=False)
    last = latest_checkpoint(tmp_path) / "model"
    trained_head, trained_arca = LaSRHead.load(last / "lasr"), ArcaModel.load(last / "arca")
    assert not torch.equal(trained_arca.adaptor.mlp[-1].weight, models(3)[1].adaptor.mlp[-1].weight)
    # the dev score of step 6 is that of the step-6 Arca's own dual path, not of the paths given
    step6 = [h for h in history if h.get("step") == 6][0]
    assert step6 == {"step": 6, **evaluate_task(trained_head, trained_arca, "nli", data)}
    assert step6 != {"step": 6, **evaluate_task(trained_head, trained_arca, "nli", stale)}  # the stale paths differ


def test_patience_stops_early_keeps_the_best_and_stays_stopped_on_resume(tmp_path, monkeypatch):
    """Dev scores (scripted) rise at step 3, then fall twice: with patience 2 the run stops at step 9 of 12, writes
    a checkpoint there, keeps step 3's weights (those of a run without patience), and a resumed run stays stopped."""
    import lira.training.lasr_trainer as trainer

    real = trainer.evaluate_task
    scripted = iter([0.5, 0.6, 0.55, 0.58, 0.57])

    def evaluate(head, arca, task, data, items=False):
        return {**real(head, arca, task, data, items), "mean_ndcg@10": next(scripted), "mean_ndcg@10_se": 0.0}

    monkeypatch.setattr(trainer, "evaluate_task", evaluate)
    config = LaSRTrainConfig(**{**CONFIG.__dict__, "steps": 12, "patience": 2})
    head, arca = models()
    stopped, _, history = train_lasr("retrieval", retrieval(0), retrieval(0), head=head, arca=arca, config=config,
                                     out_dir=tmp_path / "a", show_progress=False)
    assert [h["step"] for h in history[:-1]] == [0, 3, 6, 9]
    kept = history[-1]["selected"]["lasr"]
    assert (kept["kept_step"], kept["steps_run"], kept["steps"]) == (3, 9, 12)
    assert latest_checkpoint(tmp_path / "a").name == "step-000009"
    scripted = iter([0.5, 0.6])  # the same run without patience, to step 3
    head, arca = models()
    short = LaSRTrainConfig(**{**CONFIG.__dict__, "steps": 3})
    reference, _, _ = train_lasr("retrieval", retrieval(0), retrieval(0), head=head, arca=arca, config=short,
                                 out_dir=tmp_path / "b", show_progress=False)
    scripted = iter([])  # resuming evaluates nothing
    head, arca = models()
    resumed, _, again = train_lasr("retrieval", retrieval(0), retrieval(0), head=head, arca=arca, config=config,
                                   out_dir=tmp_path / "a", resume=True, show_progress=False)
    assert again[-1]["selected"]["lasr"] == kept
    for model in (stopped, resumed):
        for (name, a), (_, b) in zip(reference.state_dict().items(), model.state_dict().items(), strict=True):
            assert torch.equal(a, b), name


def test_patience_must_be_positive():
    with pytest.raises(ValueError, match="patience must be at least 1"):
        LaSRTrainConfig(patience=0)
