"""LiRA with nothing trained reproduces the best untrained combination of its parts (DESIGN.md section 7).

With zero training steps in both stages: the bitext embedding equals the frozen multilingual backbone's (the
English anchor read by the same encoder), and the classification, NLI and choice heads predict exactly what a
logistic-regression probe on the untrained dual path predicts. A deterministic bag-of-words encoder stands in
for the real backbones (two different "spaces" of different widths), so nothing here runs a neural encoder.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from lira.arca.adaptor import AdaptorConfig
from lira.arca.model import ArcaConfig, ArcaModel
from lira.baselines import DualPathUntrained, TranslateTest
from lira.benchmark.translations import gold_translator as gold_translator_for
from lira.cache import CachedBackbone, FeatureCache
from lira.data.formats import ChoiceExample, ClassificationExample, NLIExample, ParallelExample
from lira.evaluation.bitext import BitextEvaluator
from lira.evaluation.choice import ChoiceEvaluator
from lira.evaluation.classification import ClassificationEvaluator
from lira.evaluation.nli import NLIEvaluator
from lira.lasr.head import LaSRConfig, LaSRHead
from lira.model import LiRAConfig, LiRAModel
from lira.training import lasr_data
from lira.training.lasr_run import fit_lasr
from lira.training.lasr_trainer import LaSRTrainConfig

from .evaluation.test_methods import WordBackbone

WORDS = "red blue green shoe phone rice cooker cheap black white big small fast slow old new".split()


def sentence(rng: random.Random, n: int = 5) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


@pytest.fixture
def encoders(tmp_path):
    cache = FeatureCache(tmp_path / "cache")
    return CachedBackbone(WordBackbone("lr", 48), cache), CachedBackbone(WordBackbone("en", 32), cache)


def step0(task: str, data_fn, train, lr, en, tmp_path, dev=None, weights=(0.5, 0.0, 0.25, 0.75, 1.0),
          folds: int = 3, **kwargs) -> LiRAModel:
    """LiRA with an untrained Arca and a head after 0 steps (its linear path set to the probe's solution; with
    ``dev``, the dual path's English weight chosen among ``weights``: by ``folds``-fold cross-validation over
    train and dev where the head is a probe, on dev alone with ``folds=0``)."""
    arca = ArcaModel(ArcaConfig(adaptor=AdaptorConfig(lr_dim=lr.dim, en_dim=en.dim, hidden=16)))
    config = LiRAConfig(lr_backbone=lr.name, en_backbone=en.name, translator="none")
    probe = LiRAModel(config, arca, LaSRHead(LaSRConfig(dim=lr.dim)), cache_dir=tmp_path).share_backbones(lr, en)
    model, _ = fit_lasr(task, data_fn(probe, train, use_gold=True, **kwargs),
                        None if dev is None else data_fn(probe, dev, use_gold=True, **kwargs), arca=arca,
                        model=config, langs=["vie"], head={"width": 16, "heads": 2, "ff": 32},
                        out_dir=tmp_path / task,
                        train_config=LaSRTrainConfig(steps=0, english_weights=list(weights), start_folds=folds),
                        show_progress=False)
    return model.share_backbones(lr, en)


def assert_same_items(evaluator, model: LiRAModel, records, lr, en) -> dict:
    """Score LiRA at step 0 and the dual-path peer with ``evaluator`` on the records' gold English; assert the
    same per-item results and return the peer's."""
    translator = gold_translator_for(records)
    peer = evaluator(DualPathUntrained(lr, en, lambda lang: None), translator=translator)
    assert evaluator(model, translator=translator)["items"] == peer["items"]
    return peer


def english(text: str) -> str:
    """A toy "translation": the same words reversed and prefixed, so the English encoder sees other tokens."""
    return " ".join(f"en{w}" for w in reversed(text.split()))


def test_classification_step0_is_the_dual_path_probe(encoders, tmp_path):
    lr, en = encoders
    rng = random.Random(0)
    make = [ClassificationExample("vie", s, "shoes" if "shoe" in s else ("kitchen" if "rice" in s else "other"),
                                  en=english(s)) for s in (sentence(rng) for _ in range(160))]
    train, test = make[:120], make[120:]
    model = step0("classification", lasr_data.classification_data, train, lr, en, tmp_path,
                  classes=sorted({r.label for r in make}))
    peer = assert_same_items(ClassificationEvaluator(train, test, "vie"), model, make, lr, en)
    assert 0.4 < peer["main_score"] < 1.0  # a non-trivial probe, so the equality is informative


def test_nli_step0_is_the_dual_path_probe(encoders, tmp_path):
    lr, en = encoders
    rng = random.Random(1)
    labels = ("entailment", "neutral", "contradiction")
    make = []
    for i in range(200):
        p = sentence(rng)
        h = {0: p, 1: p + " " + sentence(rng, 2), 2: sentence(rng)}[i % 3]
        make.append(NLIExample("vie", p, h, labels[i % 3], premise_en=english(p), hypothesis_en=english(h)))
    train, test = make[:150], make[150:]
    model = step0("nli", lasr_data.nli_data, train, lr, en, tmp_path)
    peer = assert_same_items(NLIEvaluator(train, test, "vie"), model, make, lr, en)
    assert peer["main_score"] > 0.4  # a non-trivial probe, so the equality is informative


def test_choice_step0_is_the_dual_path_probe(encoders, tmp_path):
    lr, en = encoders
    rng = random.Random(2)
    make = []
    for i in range(120):
        p = sentence(rng)
        right, wrong = " ".join(p.split()[:3]), sentence(rng, 3)
        choices = (right, wrong) if i % 2 else (wrong, right)
        make.append(ChoiceExample("vie", p, choices, 0 if choices[0] == right else 1, premise_en=english(p),
                                  choices_en=tuple(english(c) for c in choices)))
    train, test = make[:80], make[80:]
    model = step0("choice", lasr_data.choice_data, train, lr, en, tmp_path)
    peer = assert_same_items(ChoiceEvaluator(train, test, "vie"), model, make, lr, en)
    assert peer["main_score"] > 0.6  # a non-trivial probe, so the equality is informative


def test_bitext_step0_is_the_frozen_backbone(tmp_path):
    """The embedding family reads English with the multilingual encoder (anchor space e5): at step 0 LiRA's
    bitext similarities are the frozen backbone's."""
    lr = CachedBackbone(WordBackbone("lr", 512), FeatureCache(tmp_path / "cache"))
    rng = random.Random(3)
    vocab = [f"w{i}" for i in range(300)]  # a large vocabulary, so nearest neighbours are rarely tied
    sources = [" ".join(rng.sample(vocab, 6)) for _ in range(60)]
    pairs = [ParallelExample("vie", s, " ".join(s.split()[:3] + rng.sample(vocab, 3))) for s in sources]
    model = step0("retrieval", lambda probe, train, use_gold: lasr_data.bitext_data(probe, train), pairs, lr, lr,
                  tmp_path)
    src = model.encode([p.text for p in pairs], lang="vie", translations=[None] * len(pairs))
    tgt = model.encode([p.en for p in pairs], lang="eng", translations=[p.en for p in pairs])
    x, y = lr.encode([p.text for p in pairs], lang="vie", role="query"), lr.encode([p.en for p in pairs], role="query")
    np.testing.assert_allclose(src @ tgt.T, x @ y.T, atol=1e-6)
    evaluator = BitextEvaluator(pairs, "vie")
    assert evaluator(model)["items"] == evaluator(lr)["items"]


def test_english_weight_is_chosen_on_dev_and_its_ends_are_the_single_path_peers(encoders, tmp_path):
    """Where the LRL side misleads after the training split, the dev split moves the weight towards English by
    more than the selection margin (the first best of the tried weights), and at the weights 1 and 0 LiRA at
    step 0 predicts exactly what translate-test's and the frozen backbone's probes predict. The starts are scored
    on dev alone (``start_folds: 0``): here dev, not train, is drawn from the shifted distribution the model will
    read, which is what scoring on dev alone is for."""
    lr, en = encoders
    rng = random.Random(6)
    make = []
    for i in range(360):
        topic = WORDS[i % 3]
        en_text = english(f"{topic} {sentence(rng, 3)}")
        # the LRL side names the topic in the training split and misleads after it (another topic's word)
        shown = topic if i < 120 else WORDS[(i + 1) % 3]
        make.append(ClassificationExample("vie", f"{shown} {sentence(rng, 3)}", topic, en=en_text))
    train, dev, test = make[:120], make[120:300], make[300:]
    classes = sorted({r.label for r in make})
    model = step0("classification", lasr_data.classification_data, train, lr, en, tmp_path / "dev", dev=dev,
                  folds=0, classes=classes)
    metrics = model.config.metrics
    dev_scores = {w: metrics[f"dev accuracy at step 0, English weight {w}"] for w in (0.5, 0.0, 0.25, 0.75, 1.0)}
    chosen = model.lasr.config.english_weight
    assert metrics["English weight (chosen on dev)"] == chosen == max(dev_scores, key=dev_scores.__getitem__)
    assert chosen > 0.5 and dev_scores[chosen] > dev_scores[0.5] > dev_scores[0.0]
    translator = gold_translator_for(make)
    evaluator = ClassificationEvaluator(train, test, "vie")
    for weight, peer in ((1.0, TranslateTest(en, lambda lang: None)), (0.0, lr)):
        model = step0("classification", lasr_data.classification_data, train, lr, en, tmp_path / str(weight),
                      weights=(weight,), classes=classes)
        assert evaluator(model, translator=translator)["items"] == evaluator(peer, translator=translator)["items"]
    # scored by cross-validation (the default), the start chosen is fitted on the training split as any fixed
    # start is: the same predictions as LiRA at step 0 given that weight alone
    cross = step0("classification", lasr_data.classification_data, train, lr, en, tmp_path / "cv", dev=dev,
                  classes=classes)
    weight = cross.lasr.config.english_weight
    assert cross.config.metrics["English weight (chosen on train + dev)"] == weight
    fixed = step0("classification", lasr_data.classification_data, train, lr, en, tmp_path / "fixed",
                  weights=(weight,), classes=classes)
    assert evaluator(cross, translator=translator)["items"] == evaluator(fixed, translator=translator)["items"]
