"""LiRAModel with the real embedded backbones: translation, encoding, save/reload, refusal of other versions."""

import json

import numpy as np
import pytest

from lira.arca.adaptor import AdaptorConfig
from lira.arca.model import ArcaConfig, ArcaModel
from lira.lasr.head import LaSRConfig, LaSRHead
from lira.model import LiRAConfig, LiRAModel


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    arca = ArcaModel(ArcaConfig(adaptor=AdaptorConfig(hidden=32)))
    head = LaSRHead(LaSRConfig(languages=["vie", "tha"], num_classes=3))
    return LiRAModel(LiRAConfig(languages=["vie", "tha"]), arca, head,
                     cache_dir=tmp_path_factory.mktemp("cache"))


def test_encode_translates_and_reloads_identically(model, tmp_path):
    texts = ["giày chạy bộ nike màu đen", "nồi cơm điện"]
    chosen = model.translate(texts, lang="vi")
    assert all(isinstance(t, str) and t for t in chosen)
    vectors = model.encode(texts, lang="vie")
    assert vectors.shape == (2, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    folder = model.save(tmp_path / "m")
    card = (folder / "README.md").read_text()
    assert "## Training data" in card and "vie, tha" in card
    again = LiRAModel.load(folder, cache_dir=tmp_path / "cache2")
    np.testing.assert_array_equal(again.encode(texts, lang="vie"), vectors)


def test_translations_given_or_missing(model):
    with pytest.raises(ValueError, match="2 texts but 1 translations"):
        model.encode(["a b", "c d"], lang="vie", translations=["x"])
    with pytest.warns(UserWarning, match="1 of 2 text\\(s\\) have no English translation"):
        dp = model.dual_path(["giày", "ốp lưng"], lang="vie", translations=["shoes", None])
    assert dp.has_translation.tolist() == [True, False]
    with pytest.warns(UserWarning, match="was not seen in training"):
        out = model.predict(["ရှူးဖိနပ်"], lang="mya", texts2=["ဖိနပ်"])
    assert out["probs"].shape == (1, 3)


def test_unknown_language_and_version(model, tmp_path):
    with pytest.raises(ValueError, match="valid codes"):
        model.encode(["x"], lang="xx")
    folder = model.save(tmp_path / "m")
    meta = json.loads((folder / "lira_config.json").read_text())
    meta["format_version"] = 99
    (folder / "lira_config.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="format version 99"):
        LiRAModel.load(folder)
    with pytest.raises(FileNotFoundError, match="not a LiRA model folder"):
        LiRAModel.load(tmp_path)
