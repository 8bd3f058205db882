"""DistilledStudent: shape and normalisation, source-only reading, exact save/load, clear refusals; the
``lira.baselines`` package still exports the older peers."""

import hashlib
import json

import numpy as np
import pytest
import torch

from lira.arca.adaptor import Adaptor, AdaptorConfig
from lira.backbones.base import l2_normalize, validate_texts
from lira.baselines import DistilledStudent, DualPathUntrained, TranslateTest, first_candidates


def _hashed(key: str, size: int) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little")
    return np.random.default_rng(seed).standard_normal(size)


class HashBackbone:
    """A fake pooled backbone: ``l2_normalize(M z(meaning) + noise * z(text))`` where the meaning of a text is
    what follows its last ``|`` (so ``"vie|item 3"`` and ``"item 3"`` share it) and ``M`` is a fixed random
    ``[dim, latent]`` matrix drawn from ``seed``. Records ``(lang, role, n)`` per call."""

    def __init__(self, name: str, dim: int, *, seed: int, latent: int = 8, noise: float = 0.05) -> None:
        self.name, self.dim, self.latent, self.noise = name, dim, latent, noise
        self.matrix = np.random.default_rng(seed).standard_normal((dim, latent))
        self.calls: list[tuple[str | None, str, int]] = []

    def encode(self, texts, *, lang=None, role="text", batch_size=None, show_progress=None) -> np.ndarray:
        texts = validate_texts(texts)
        self.calls.append((lang, role, len(texts)))
        rows = [self.matrix @ _hashed(t.rsplit("|", 1)[-1], self.latent) + self.noise * _hashed(t, self.dim)
                for t in texts]
        return l2_normalize(np.array(rows).reshape(len(texts), self.dim))


def make_student(seed: int = 0) -> tuple[DistilledStudent, HashBackbone]:
    g = HashBackbone("fake-g", 12, seed=1)
    torch.manual_seed(seed)
    projection = Adaptor(AdaptorConfig(lr_dim=12, en_dim=8, dim=8, hidden=16))
    with torch.no_grad():  # the last MLP layer starts at zero; give it weights so the MLP matters
        for p in projection.mlp.parameters():
            p.normal_(0, 0.3)
    return DistilledStudent(g, projection, teacher="fake-h"), g


TEXTS = ["vie|red shoes", "vie|rice cooker", "vie|phone case"]


def test_encode_is_normalised_projection_of_the_source_only():
    student, g = make_student()
    assert student.name == "distilled(fake-g->fake-h)" and student.dim == 8 and not student.needs_translations
    vectors = student.encode(TEXTS, lang="vie", role="passage")
    assert vectors.shape == (3, 8) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert g.calls == [("vie", "passage", 3)]
    with torch.no_grad():
        expected = student.project(torch.from_numpy(g.encode(TEXTS))).numpy()
    np.testing.assert_allclose(vectors, l2_normalize(expected), atol=1e-6)
    with_translations = student.encode(TEXTS, lang="vie", role="passage", translations=["x", None, "z"])
    np.testing.assert_array_equal(with_translations, vectors)
    assert student.encode([], lang="vie").shape == (0, 8)


def test_save_load_gives_identical_vectors(tmp_path):
    student, g = make_student()
    folder = student.save(tmp_path / "student")
    assert (folder / "distilled.safetensors").is_file()
    meta = json.loads((folder / "distilled_config.json").read_text())
    assert meta["format_version"] == 1 and meta["config"]["lr_backbone"] == "fake-g"
    again = DistilledStudent.load(folder, lr_backbone=g)
    assert again.name == student.name and again.dim == student.dim
    np.testing.assert_array_equal(again.encode(TEXTS, lang="vie"), student.encode(TEXTS, lang="vie"))


def test_load_refuses_wrong_backbone_version_and_folder(tmp_path):
    student, _ = make_student()
    folder = student.save(tmp_path / "student")
    with pytest.raises(ValueError, match="trained on 'fake-g' features, but lr_backbone is 'other'"):
        DistilledStudent.load(folder, lr_backbone=HashBackbone("other", 12, seed=1))
    meta = json.loads((folder / "distilled_config.json").read_text())
    meta["format_version"] = 99
    (folder / "distilled_config.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="format version 99"):
        DistilledStudent.load(folder, lr_backbone=student.lr)
    with pytest.raises(FileNotFoundError, match="not a saved distilled student folder"):
        DistilledStudent.load(tmp_path, lr_backbone=student.lr)


def test_projection_width_must_match_the_backbone():
    with pytest.raises(ValueError, match="reads 10-d features but backbone 'fake-g' gives 12-d"):
        DistilledStudent(HashBackbone("fake-g", 12, seed=1), Adaptor(AdaptorConfig(lr_dim=10, en_dim=8, dim=8)),
                         teacher="fake-h")


def test_package_keeps_the_older_peers():
    assert first_candidates(None, ["a", "b"], "vie") == [None, None]
    assert TranslateTest.needs_translations and DualPathUntrained.needs_translations
    g, h = HashBackbone("g", 6, seed=1), HashBackbone("h", 4, seed=2)
    with pytest.warns(UserWarning, match="1 of 2 text\\(s\\) have no translation"):
        out = DualPathUntrained(g, h, lambda lang: None).encode(["vie|a", "vie|b"], lang="vie",
                                                                 translations=["a", None])
    assert out.shape == (2, 10)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1, atol=1e-5)
