"""Stage-2 training on synthetic features: every task type runs, retrieval resumes exactly (queues included)."""

import pytest
import torch

from lira.arca.adaptor import AdaptorConfig
from lira.arca.model import ArcaConfig, ArcaModel
from lira.lasr.head import LaSRConfig, LaSRHead
from lira.training.checkpoint import NonFiniteLossError
from lira.training.lasr_data import ChoiceData, PairData, RetrievalData, Texts
from lira.training.lasr_trainer import LaSRTrainConfig, evaluate_task, paired_se, train_lasr

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


def test_paired_se_of_lists_and_of_language_groups():
    a, b = [1.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 0.0]
    d = torch.tensor(a) - torch.tensor(b)
    expected = (d.var(unbiased=True).item() / len(d)) ** 0.5
    assert paired_se(a, b) == pytest.approx(expected)
    # a mean over languages of per-language means: the groups' variances add, divided by the number of groups
    assert paired_se({"tha": a, "vie": a}, {"tha": b, "vie": b}) == pytest.approx((2 * expected ** 2) ** 0.5 / 2)
    with pytest.raises(TypeError, match="must both be lists or both"):
        paired_se(a, {"tha": b})
