"""Multilingual knowledge distillation on fake hashed backbones: it learns a mapping from g's space to the
teacher's, is deterministic per seed, encodes each side once, and refuses bad input clearly."""

import numpy as np
import pytest
import torch

from lira.baselines import DistilledStudent
from lira.cache import CachedBackbone, FeatureCache
from lira.data.formats import ParallelExample
from lira.training.checkpoint import NonFiniteLossError
from lira.training.distill import DistillConfig, train_distillation
from tests.baselines.test_distilled_student import HashBackbone


def pairs(lo: int, hi: int, langs=("vie", "tha")) -> list[ParallelExample]:
    """Pair i: ``"<lang>|item i"`` with English ``"item i"`` (same meaning, so a mapping g -> h exists)."""
    return [ParallelExample(lang=langs[i % len(langs)], text=f"{langs[i % len(langs)]}|item {i}", en=f"item {i}")
            for i in range(lo, hi)]


def backbones() -> tuple[HashBackbone, HashBackbone]:
    return HashBackbone("fake-g", 12, seed=1), HashBackbone("fake-h", 8, seed=2, noise=0.0)


CONFIG = DistillConfig(steps=300, batch_size=32, lr=1e-2, hidden=32, eval_every=100)


def test_training_learns_the_mapping_to_the_teacher():
    g, h = backbones()
    train, dev = pairs(0, 256), pairs(1000, 1064)
    student, history = train_distillation(train, lr_backbone=g, en_backbone=h, config=CONFIG, dev=dev,
                                          show_progress=False)
    assert [row["step"] for row in history] == [0, 100, 200, 300]
    assert history[-1]["train_loss"] < 0.2 * history[0]["train_loss"]
    assert history[-1]["dev_mse"] < 0.2 * history[0]["dev_mse"]
    assert history[-1]["dev_loss"] == pytest.approx(history[-1]["dev_mse"] + history[-1]["dev_mse_en"])
    # unseen dev pairs: the student's source vector finds its own English teacher vector
    s = student.encode([ex.text for ex in dev], lang="vie")
    t = h.encode([ex.en for ex in dev])
    assert s.shape == (64, 8) and s.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(s, axis=1), 1, atol=1e-5)
    assert (np.argmax(s @ t.T, axis=1) == np.arange(64)).mean() > 0.9
    assert float(np.mean(np.sum(s * t, axis=1))) > 0.9


def test_same_seed_same_weights_and_global_rng_untouched():
    g, h = backbones()
    rng_before = torch.get_rng_state()
    config = DistillConfig(steps=20, batch_size=16, hidden=16)
    a, _ = train_distillation(pairs(0, 40), lr_backbone=g, en_backbone=h, config=config, show_progress=False)
    b, _ = train_distillation(pairs(0, 40), lr_backbone=g, en_backbone=h, config=config, show_progress=False)
    c, _ = train_distillation(pairs(0, 40), lr_backbone=g, en_backbone=h, show_progress=False,
                              config=DistillConfig(**{**config.__dict__, "seed": 1}))
    assert torch.equal(torch.get_rng_state(), rng_before)
    for (name, wa), (_, wb) in zip(a.projection.state_dict().items(), b.projection.state_dict().items(), strict=True):
        assert torch.equal(wa, wb), name
    assert not torch.equal(a.projection.state_dict()["inputs.lr.weight"], c.projection.state_dict()["inputs.lr.weight"])


def test_each_side_encoded_once_per_language_and_cached(tmp_path):
    g, h = backbones()
    config = DistillConfig(steps=3, batch_size=8, hidden=16, role="passage")
    data = pairs(0, 10)
    cached_g, cached_h = CachedBackbone(g, FeatureCache(tmp_path)), CachedBackbone(h, FeatureCache(tmp_path))
    student, history = train_distillation(data, lr_backbone=cached_g, en_backbone=cached_h, config=config,
                                          show_progress=False)
    assert sorted(g.calls) == [("eng", "passage", 10), ("tha", "passage", 5), ("vie", "passage", 5)]
    assert h.calls == [("eng", "passage", 10)]
    assert isinstance(student, DistilledStudent) and student.name == "distilled(fake-g->fake-h)"
    assert [row["step"] for row in history] == [0, 3] and "dev_mse" not in history[0]
    train_distillation(data, lr_backbone=CachedBackbone(g, FeatureCache(tmp_path)),
                       en_backbone=CachedBackbone(h, FeatureCache(tmp_path)), config=config, show_progress=False)
    assert len(g.calls) == 3 and len(h.calls) == 1  # the second run is served from the feature cache


def test_saved_trained_student_reloads_identically(tmp_path):
    g, h = backbones()
    student, _ = train_distillation(pairs(0, 32), lr_backbone=g, en_backbone=h, show_progress=False,
                                    config=DistillConfig(steps=10, batch_size=8, hidden=16))
    again = DistilledStudent.load(student.save(tmp_path / "s"), lr_backbone=g)
    texts = [ex.text for ex in pairs(100, 110)]
    np.testing.assert_array_equal(again.encode(texts, lang="vie"), student.encode(texts, lang="vie"))


def test_bad_input_is_refused_clearly():
    g, h = backbones()
    config = DistillConfig(steps=2, batch_size=4, hidden=16)
    with pytest.raises(ValueError, match="examples is empty"):
        train_distillation([], lr_backbone=g, en_backbone=h, config=config)
    with pytest.raises(ValueError, match="dev is empty"):
        train_distillation(pairs(0, 4), lr_backbone=g, en_backbone=h, config=config, dev=[])
    with pytest.raises(TypeError, match="item 0 is a tuple, not a ParallelExample"):
        train_distillation([("vie|a", "a")], lr_backbone=g, en_backbone=h, config=config)
    with pytest.raises(ValueError, match="steps must be at least 1"):
        DistillConfig(steps=0)
    with pytest.raises(ValueError, match="lr > 0"):
        DistillConfig(lr=0)


def test_non_finite_features_or_loss_stop_training():
    g, h = backbones()

    class NaNTeacher(HashBackbone):
        def encode(self, texts, **kwargs):
            out = super().encode(texts, **kwargs)
            out[1] = np.nan
            return out

    with pytest.raises(NonFiniteLossError, match="fake-h gave non-finite vectors for 1 English texts"):
        train_distillation(pairs(0, 8), lr_backbone=g, en_backbone=NaNTeacher("fake-h", 8, seed=2),
                           config=DistillConfig(steps=2, batch_size=4, hidden=16), show_progress=False)
    with pytest.raises(NonFiniteLossError, match="non-finite distillation loss .* at step"):
        train_distillation(pairs(0, 8), lr_backbone=g, en_backbone=h, show_progress=False,
                           config=DistillConfig(steps=20, batch_size=4, hidden=16, lr=1e30))
