"""Stage 2 end to end on tiny data: `lira train lasr` on the product set, and every task type from user files."""

import json
from dataclasses import replace

import pytest
import torch
from typer.testing import CliRunner

from lira.arca.adaptor import AdaptorConfig
from lira.arca.model import ArcaConfig, ArcaModel
from lira.cli import app
from lira.lasr.head import LaSRConfig, LaSRHead
from lira.model import LiRAConfig, LiRAModel
from lira.tasks import user_task
from lira.training.lasr_run import (
    LaSRDataConfig,
    LaSRRunConfig,
    load_lasr_config,
    run_lasr,
    stage2_task,
    task_data,
)

runner = CliRunner()


@pytest.fixture(scope="module")
def arca_dir(tmp_path_factory):
    torch.manual_seed(0)
    return ArcaModel(ArcaConfig(adaptor=AdaptorConfig(hidden=32))).save(tmp_path_factory.mktemp("arca"))


def test_config_errors(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("task: ranking\n")
    with pytest.raises(ValueError, match="unknown task 'ranking'"):
        load_lasr_config(path)
    path.write_text("task: nli\ndata: {source: products}\n")
    # the registered NLI datasets with a head of their own (lira.tasks), then your own files
    with pytest.raises(ValueError, match="does not serve task nli; valid: xnli, myxnli, indonli, file"):
        load_lasr_config(path)
    path.write_text("task: retrieval\nhead: {depth: 3}\n")
    with pytest.raises(ValueError, match=r"head: unknown field\(s\) \['depth'\]"):
        load_lasr_config(path)


@pytest.mark.slow
def test_train_lasr_cli_on_products(arca_dir, tmp_path):
    config = tmp_path / "tiny.yaml"
    config.write_text(f"task: retrieval\narca: {arca_dir}\ndata: {{source: products, langs: [vie]}}\n"
                      "head: {width: 32, heads: 2, ff: 64}\n"
                      "train: {steps: 3, batch_size: 4, random_docs: 4, eval_every: 3, checkpoint_every: 3}\n")
    out = tmp_path / "run"
    result = runner.invoke(app, ["train", "lasr", "--config", str(config), "--out", str(out),
                                 "--cache-dir", str(tmp_path / "cache")])
    assert result.exit_code == 0, result.output
    assert "mean_ndcg@10" in result.output and "English weight of the dual path, chosen on dev:" in result.output
    # the untrained Actor's tie rule reads the lexicon's first sense: the Actor's choice cannot win on dev
    assert "English candidates read per query, chosen on dev before stage 2: 1" in result.output
    card = (out / "model" / "README.md").read_text()
    assert "retrieval on products" in card and "dev mean_ndcg@10" in card
    assert "| candidates (chosen on dev) | 1 |" in card and "| steps run | 3 |" in card
    model = LiRAModel.load(out / "model", cache_dir=tmp_path / "cache")
    assert model.config.candidates == 1
    assert model.encode(["giày chạy bộ"], lang="vie").shape == (1, 768)  # the dual path [E_lr ; E_en]


def test_every_task_type_reads_user_files(arca_dir, tmp_path):
    model = LiRAModel(LiRAConfig(), ArcaModel.load(arca_dir), LaSRHead(LaSRConfig()), cache_dir=tmp_path / "c")
    rows = {
        "nli": [{"premise": "giày đen", "hypothesis": "giày màu đen", "label": "e"}] * 2,
        "sts": [{"text1": "giày đen", "text2": "giày màu đen", "score": 4.5}] * 2,
        "classification": [{"text": "giày đen", "label": "shoes"}, {"text": "nồi cơm", "label": "kitchen"}],
        "choice": [{"premise": "trời mưa", "choices": ["mang ô", "đi bơi"], "label": 0}] * 2,
    }
    for task, records in rows.items():
        path = tmp_path / f"{task}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        config = LaSRRunConfig(task=task, data=LaSRDataConfig(source="file", langs=["vie"],
                                                              path={"train": str(path), "dev": str(path)}))
        spec = stage2_task(config)
        assert (spec.name, spec.type, spec.langs) == ("file", task, ["vie"]), task  # lira.tasks.user_task
        data, langs = task_data(model, spec, "train")
        assert langs == ["vie"], task
        if task == "classification":
            assert data.classes == ["kitchen", "shoes"]
            # a dev file lacking a training class is indexed by the model's (training) classes
            dev_path = tmp_path / "dev.jsonl"
            dev_path.write_text(json.dumps({"text": "giày đen", "label": "shoes"}) + "\n", encoding="utf-8")
            dev_spec = user_task(task, {"dev": str(dev_path)}, langs=["vie"])
            dev, _ = task_data(model, dev_spec, "dev", classes=data.classes)
            assert dev.classes == data.classes and dev.targets[0].tolist() == [1]
            dev_path.write_text(json.dumps({"text": "giày đen", "label": "toys"}) + "\n", encoding="utf-8")
            with pytest.raises(ValueError, match=r"labels \['toys'\] are not among the model's classes"):
                task_data(model, dev_spec, "dev", classes=data.classes)
        if task == "choice":
            assert data.n_options == [2] and data.options[0].x.shape[0] == 4


@pytest.mark.slow
def test_same_seed_same_model(arca_dir, tmp_path):
    config = tmp_path / "tiny.yaml"
    config.write_text(f"task: retrieval\narca: {arca_dir}\ndata: {{source: products, langs: [vie]}}\n"
                      "head: {width: 32, heads: 2, ff: 64}\n"
                      "train: {steps: 2, batch_size: 4, random_docs: 4, eval_every: 2, checkpoint_every: 2}\n")
    from lira.training.lasr_run import run_lasr

    torch.rand(7)  # a different global RNG state must not matter
    first = run_lasr(load_lasr_config(config), tmp_path / "a", cache_dir=tmp_path / "cache", show_progress=False)
    second = run_lasr(load_lasr_config(config), tmp_path / "b", cache_dir=tmp_path / "cache", show_progress=False)
    a = LaSRHead.load(tmp_path / "a" / "model" / "lasr").state_dict()
    b = LaSRHead.load(tmp_path / "b" / "model" / "lasr").state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a) and first["after"] == second["after"]


def test_train_stage2_on_a_task_spec_is_run_lasr(tmp_path, tiny_bert_dir):
    """The typed entry point on a ``TaskSpec`` and the YAML wrapper on the same data save the same model and the
    same run config (the spec names the task and source, whatever the typed config says)."""
    from lira.training.lasr_run import train_stage2
    from lira.training.lasr_trainer import LaSRTrainConfig
    from tests.training.test_lasr_bitext import _pairs_file

    torch.manual_seed(0)
    arca = ArcaModel(ArcaConfig(adaptor=AdaptorConfig(lr_dim=32, en_dim=32, hidden=16))).save(tmp_path / "arca")
    files = {"train": _pairs_file(tmp_path / "train.tsv", 0), "dev": _pairs_file(tmp_path / "dev.tsv", 1)}
    backbones = {"lr_backbone": f"hf:{tiny_bert_dir}", "en_backbone": f"hf:{tiny_bert_dir}?pooling=cls",
                 "translator": "none"}
    head, train = {"width": 32, "heads": 2, "ff": 64}, {"steps": 2, "batch_size": 4, "random_docs": 4,
                                                         "eval_every": 2, "checkpoint_every": 2}
    config = tmp_path / "c.yaml"
    config.write_text(f"task: bitext\narca: {arca}\ndata: {{source: tsv, path: {files}}}\nmodel: {backbones}\n"
                      f"head: {head}\ntrain: {train}\n")
    cache = tmp_path / "cache"
    with pytest.warns(UserWarning, match="no English translation"):
        from_yaml = run_lasr(load_lasr_config(config), tmp_path / "yaml", cache_dir=cache, show_progress=False)
        typed = LaSRRunConfig(arca=str(arca), data=LaSRDataConfig(path=files), model=LiRAConfig(**backbones),
                              head=head, train=LaSRTrainConfig(**train))  # task and source: the spec's
        from_spec = train_stage2(user_task("bitext", files), typed, tmp_path / "spec", cache_dir=cache,
                                 show_progress=False)
    a = LaSRHead.load(tmp_path / "yaml" / "model" / "lasr").state_dict()
    b = LaSRHead.load(tmp_path / "spec" / "model" / "lasr").state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert from_yaml["after"] == from_spec["after"] and from_yaml["task"] == from_spec["task"] == "bitext"
    for name in ("run_config.json", "model/lira_config.json"):
        assert (tmp_path / "yaml" / name).read_text() == (tmp_path / "spec" / name).read_text(), name


def test_run_lasr_resolves_sources_as_before(tmp_path):
    run = LaSRRunConfig(task="nli", arca="unused", data=LaSRDataConfig(source="web"))
    with pytest.raises(KeyError, match="unknown task 'web'"):
        stage2_task(run)
    with pytest.raises(ValueError, match="unknown data source 'web'"):
        stage2_task(replace(run, task="bitext"))
    with pytest.raises(ValueError, match=r"data.path must map 'train'/'dev' to files, got None"):
        stage2_task(replace(run, data=LaSRDataConfig(source="file")))
    with pytest.raises(ValueError, match="split must be train, dev or test, got 'val'"):
        stage2_task(replace(run, data=LaSRDataConfig(source="xnli", dev_split="val")))
    with pytest.raises(ValueError, match="source 'xcopa' does not serve task nli"):
        stage2_task(replace(run, data=LaSRDataConfig(source="xcopa")))
    xnli = stage2_task(replace(run, data=LaSRDataConfig(source="xnli", langs=["vi", "tha"])))
    assert xnli.name == "xnli" and [s.name for s in xnli.subsets] == ["vie", "tha"]
    bitext = stage2_task(LaSRRunConfig(task="bitext", data=LaSRDataConfig(source="sib200+nusax", max_per_lang=5)))
    assert bitext.name == "sib200+nusax" and bitext.type == "bitext" and len(bitext.subsets) == 15
    with pytest.raises(ValueError, match="stage 2 needs `arca:`"):
        run_lasr(replace(run, arca=None), tmp_path / "out")
