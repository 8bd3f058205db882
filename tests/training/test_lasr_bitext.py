"""`lira train lasr` with task bitext: config checks, parallel TSV files as per-language retrieval data, and a
tiny head trained as retrieval (``TRAINER_KIND``) that ``load_method`` reads back (tiny random backbones)."""

import pytest
import torch

from lira.arca.adaptor import AdaptorConfig
from lira.arca.model import ArcaConfig, ArcaModel
from lira.evaluation.methods import load_method
from lira.lasr.head import LaSRConfig, LaSRHead
from lira.model import LiRAModel
from lira.training.lasr_run import TRAINER_KIND, fit_lasr, load_lasr_config, stage2_task, task_data
from lira.training.lasr_trainer import LaSRTrainConfig
from tests.conftest import WORDS


def _pairs_file(path, offset: int) -> str:
    words = WORDS[:12]
    rows = "".join(f"{words[(i + offset) % 12]} {words[(3 * i + offset) % 12]}\t{words[(5 * i + 1) % 12]} "
                   f"{words[(i + 2 * offset) % 12]}\t{'vi' if i % 2 else 'id'}\n" for i in range(12))
    path.write_text("text\ten\tlang\n" + rows, encoding="utf-8")
    return str(path)


def test_bitext_config_checks(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("task: bitext\ndata: {source: tsv, path: {train: a.tsv, dev: b.tsv}}\n")
    assert load_lasr_config(path).data.path == {"train": "a.tsv", "dev": "b.tsv"}
    path.write_text("task: bitext\ndata: {source: sib200, max_per_lang: 150}\n")
    assert load_lasr_config(path).data.max_per_lang == 150
    path.write_text("task: bitext\ndata: {source: products+nusax}\n")  # any stage-1 sources of lira.tasks
    assert load_lasr_config(path).data.source == "products+nusax"
    for text, message in [("task: bitext\ndata: {source: sib200+web}\n", "does not serve task bitext"),
                          ("task: bitext\ndata: {source: indonli}\n", "does not serve task bitext"),
                          ("task: bitext\ndata: {source: tsv, max_per_lang: 5}\n", "max_per_lang applies to"),
                          ("task: classification\ndata: {source: sib200, max_per_lang: 5}\n", "max_per_lang")]:
        path.write_text(text)
        with pytest.raises(ValueError, match=message):
            load_lasr_config(path)


def test_bitext_task_trains_as_retrieval(tmp_path, tiny_bert_dir):
    config = tmp_path / "c.yaml"
    files = {"train": _pairs_file(tmp_path / "train.tsv", 0), "dev": _pairs_file(tmp_path / "dev.tsv", 1)}
    config.write_text(f"task: bitext\ndata: {{source: tsv, path: {files}}}\n"
                      f"model: {{lr_backbone: 'hf:{tiny_bert_dir}', en_backbone: 'hf:{tiny_bert_dir}?pooling=cls', "
                      "translator: none}\n")
    run = load_lasr_config(config)
    torch.manual_seed(0)
    arca = ArcaModel(ArcaConfig(adaptor=AdaptorConfig(lr_dim=32, en_dim=32, hidden=16),
                                lr_backbone=run.model.lr_backbone, en_backbone=run.model.en_backbone))
    probe = LiRAModel(run.model, arca, LaSRHead(LaSRConfig()), cache_dir=tmp_path / "cache")
    with pytest.warns(UserWarning, match="no English translation"):  # queries: their English is the target
        task = stage2_task(run)
        train, langs = task_data(probe, task, "train")
        dev, _ = task_data(probe, task, "dev")
    assert task.name == "tsv" and task.type == "bitext"
    assert langs == ["eng", "ind", "vie"] and sorted(train.queries) == ["ind", "vie"]
    assert train.docs["vie"].lang == "eng" and len(train.query_ids["vie"]) == 6
    assert all(len(rel) == 1 for rel in train.qrels["ind"].values())
    assert task_data(probe, task, None) == (None, [])  # dev_split: null -> no dev set
    assert TRAINER_KIND[run.task] == "retrieval"
    model, summary = fit_lasr(TRAINER_KIND[run.task], train, dev, arca=arca, model=run.model, langs=langs,
                              head={"width": 32, "heads": 2, "ff": 64}, out_dir=tmp_path / "run",
                              train_config=LaSRTrainConfig(steps=2, batch_size=4, random_docs=4, eval_every=2,
                                                           checkpoint_every=2), cache_dir=tmp_path / "cache")
    assert "mean_ndcg@10" in summary["after"]
    loaded = load_method(str(tmp_path / "run" / "model"), cache_dir=tmp_path / "cache")
    assert loaded.task == "retrieval" and loaded.encode(["red shoes"], lang="vie").shape[0] == 1
