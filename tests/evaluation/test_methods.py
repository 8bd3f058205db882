"""``load_method`` (baseline names and model folders) and the English read from parallel files.

``WordBackbone`` and ``tiny_lira`` are shared with ``test_eval_cli.py``: a deterministic bag-of-words encoder
stands in for the real backbones, so nothing here runs a neural encoder.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np
import pytest

from lira.backbones.base import BaseBackbone
from lira.baselines import DistilledStudent, DualPathUntrained, TranslateTest
from lira.cache import CachedBackbone
from lira.data.errors import DataFormatError
from lira.evaluation.methods import (
    METHOD_NAMES,
    coverage_warning,
    load_method,
    method_name,
    translator_from_file,
    translator_from_pairs,
    warn_missing,
)

DIM = 512


class WordBackbone(BaseBackbone):
    """Deterministic toy encoder: each lowercase whitespace word adds 1 to dimension ``crc32(word) % dim``, so
    texts that share words are close and texts that share none are orthogonal (barring hash collisions)."""

    batch_size = 64

    def __init__(self, spec: str = "words", dim: int = DIM) -> None:
        self.name, self.dim = f"fake-{spec}", dim

    def _encode_batch(self, texts, role):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                out[i, zlib.crc32(word.encode("utf-8")) % self.dim] += 1.0
        return out


@pytest.fixture
def fake_backbones(monkeypatch):
    """Every backbone spec (methods and LiRA models) loads a ``WordBackbone`` named after the spec."""
    monkeypatch.setattr("lira.backbones.load_backbone", WordBackbone)
    return WordBackbone


def tiny_lira(folder: Path, *, task: str | None = None, classes: list[str] | None = None,
              languages: tuple[str, ...] = ("vie",), candidates: int = 2) -> Path:
    """Save a randomly initialised LiRA model over two ``DIM``-d backbones (no translator) into ``folder``."""
    import torch

    from lira.arca.adaptor import AdaptorConfig
    from lira.arca.model import ArcaConfig, ArcaModel
    from lira.lasr.head import LaSRConfig, LaSRHead
    from lira.model import LiRAConfig, LiRAModel

    torch.manual_seed(0)
    arca = ArcaModel(ArcaConfig(adaptor=AdaptorConfig(lr_dim=DIM, en_dim=DIM, dim=DIM, hidden=32)))
    head = LaSRHead(LaSRConfig(dim=DIM, width=16, heads=2, ff=32, layers=1, languages=list(languages),
                               num_classes=len(classes or [])))
    config = LiRAConfig(languages=list(languages), translator="none", candidates=candidates, task=task,
                        classes=list(classes or []))
    return LiRAModel(config, arca, head, cache_dir=folder.parent / "model-cache").save(folder)


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------- load_method

def test_baseline_names(fake_backbones, tmp_path):
    assert METHOD_NAMES == ("frozen", "translate-test", "dual-path")
    frozen = load_method("frozen", backbone="mb", cache_dir=tmp_path)
    assert isinstance(frozen, CachedBackbone) and frozen.name == "fake-mb" and frozen.cache.root == tmp_path
    assert not getattr(frozen, "needs_translations", False)

    tt = load_method("translate-test", backbone="mb", english="en", cache_dir=tmp_path)
    assert isinstance(tt, TranslateTest) and tt.needs_translations and tt.translator_for("tha") is None
    assert tt.name == "translate-test(fake-en)"
    # the English side only: the source text is ignored where a translation is given
    np.testing.assert_allclose(tt.encode(["giày đen"], lang="vie", translations=["black shoes"]),
                               WordBackbone("en").encode(["black shoes"]), atol=1e-6)

    dual = load_method("dual-path", backbone="mb", english="en", cache_dir=tmp_path)
    assert isinstance(dual, DualPathUntrained) and dual.translator_for("vie") is None
    v = dual.encode(["giày đen"], lang="vie", translations=["black shoes"])
    half = np.sqrt(0.5)
    np.testing.assert_allclose(v[0, :DIM], half * WordBackbone().encode(["giày đen"])[0], atol=1e-6)
    np.testing.assert_allclose(v[0, DIM:], half * WordBackbone().encode(["black shoes"])[0], atol=1e-6)


def test_distilled_student_by_prefix_and_by_folder(fake_backbones, tmp_path):
    from lira.arca.adaptor import Adaptor, AdaptorConfig

    student = DistilledStudent(WordBackbone("mb"), Adaptor(AdaptorConfig(lr_dim=DIM, en_dim=DIM, dim=DIM)),
                               teacher="fake-en")
    folder = student.save(tmp_path / "kd")
    texts = ["giày chạy bộ", "nồi cơm điện"]
    for spec in (f"distilled:{folder}", str(folder)):
        loaded = load_method(spec, backbone="mb", cache_dir=tmp_path / "cache")
        assert isinstance(loaded, DistilledStudent) and isinstance(loaded.lr, CachedBackbone)
        np.testing.assert_allclose(loaded.encode(texts, lang="vie"), student.encode(texts, lang="vie"), atol=1e-6)
    with pytest.raises(ValueError, match="trained on 'fake-mb' features.*the backbone it was trained on"):
        load_method(f"distilled:{folder}", backbone="other")


def test_a_student_reads_the_backbone_it_records_unless_one_is_given(fake_backbones, tmp_path):
    from lira.arca.adaptor import Adaptor, AdaptorConfig

    student = DistilledStudent(WordBackbone("mb"), Adaptor(AdaptorConfig(lr_dim=DIM, en_dim=DIM, dim=DIM)),
                               teacher="fake-en", lr_spec="mb")
    folder = student.save(tmp_path / "run" / "student")
    assert DistilledStudent.recorded_backbone(folder) == "mb" and DistilledStudent.recorded_backbone(tmp_path) is None
    loaded = load_method(str(folder), cache_dir=tmp_path / "cache")  # no backbone given: the recorded one
    assert loaded.lr.name == "fake-mb" and loaded.lr_spec == "mb"
    with pytest.raises(ValueError, match=r"load it with its backbone 'mb' \(lira eval: --backbone mb\)"):
        load_method(str(folder), backbone="other")
    with pytest.raises(ValueError, match=f"found one in {tmp_path / 'run' / 'student'}$"):  # the run folder given
        load_method(str(tmp_path / "run"))


def test_lira_model_folder(fake_backbones, tmp_path):
    from lira.model import LiRAModel

    folder = tiny_lira(tmp_path / "lira", task="classification", classes=["food", "sports"])
    model = load_method(str(folder), cache_dir=tmp_path / "cache")
    assert isinstance(model, LiRAModel) and model.task == "classification"
    assert model.config.classes == ["food", "sports"] and model._cache.root == tmp_path / "cache"
    assert method_name(model) == "LiRA(classification)" and method_name(WordBackbone()) == "fake-words"


def test_unknown_method_and_bad_folders(tmp_path):
    with pytest.raises(ValueError, match="'nope' is neither a baseline name nor a folder") as e:
        load_method("nope")
    assert "frozen, translate-test, dual-path, distilled:DIR" in str(e.value)
    assert "expected a LiRA model (lira_config.json) or a distilled student (distilled_config.json)" in str(e.value)
    with pytest.raises(ValueError, match="folder has neither a LiRA model"):
        load_method(str(tmp_path))
    with pytest.raises(FileNotFoundError, match="not a saved distilled student folder"):
        load_method(f"distilled:{tmp_path}")


# ------------------------------------------------------------------------------------------- translations

def test_translator_from_jsonl_and_tsv(tmp_path):
    jsonl = _write_jsonl(tmp_path / "mt.jsonl", [
        {"text": "giày đen", "en": "black shoes", "translations": ["dark shoes"], "lang": "vi"},
        {"text": "รองเท้า", "en": "shoes", "lang": "th"}])
    both = translator_from_file(jsonl)
    assert [[c.text for c in pool] for pool in both.translate(["giày đen", "รองเท้า", "?"], lang="vie", k=2)] == [
        ["black shoes", "dark shoes"], ["shoes"], []]  # allow_missing: no candidate, no error
    assert both.translate(["giày đen"], lang="vie", k=2)[0][1].source == "precomputed:2"
    thai = translator_from_file(jsonl, lang="tha")
    assert "รองเท้า" in thai and "giày đen" not in thai
    with pytest.raises(DataFormatError, match="no translations for ind"):
        translator_from_file(jsonl, lang="ind")

    tsv = tmp_path / "mt.tsv"
    tsv.write_text("text\ten\ten_2\ngiày đen\tblack shoes\tdark shoes\n", encoding="utf-8")
    assert [c.text for c in translator_from_file(tsv).translate(["giày đen"], lang="vie", k=3)[0]] == [
        "black shoes", "dark shoes"]
    tsv.write_text("text\tenglish\ngiày đen\tblack shoes\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="mt.tsv:2 field 'en'"):
        translator_from_file(tsv)
    with pytest.raises(DataFormatError, match="missing.jsonl: file not found"):
        translator_from_file(tmp_path / "missing.jsonl")


def test_translator_from_pairs_and_coverage():
    assert translator_from_pairs([("a", None), ("b", "")]) is None
    translator = translator_from_pairs([("a", "A"), ("b", None), ("a", ["A", "A2"]), ("c", ["C"])])
    assert [c.text for c in translator.translate(["a"], lang="vie", k=5)[0]] == ["A", "A2"]
    assert "b" not in translator and len(translator) == 2
    assert coverage_warning(translator, ["a", "c", "a"]) is None
    message = coverage_warning(translator, ["a", "b", "d", "d"], source="mt.tsv", lang="vie")
    assert message.startswith("2 of 3 text(s) (vie) have no translation in mt.tsv")
    with pytest.warns(UserWarning, match="2 of 3 text") as record:
        assert warn_missing(translator, ["a", "b", "d"], source="mt.tsv") == 2
    assert len(record) == 1
