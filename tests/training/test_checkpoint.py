"""Checkpoint checksums: bytes changed in place in the newest checkpoint (same size, still parseable) are caught
on resume, named with the file, and the run falls back to the previous intact checkpoint; checkpoints written
before checksums existed still resume; intact ones resume without a warning."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from lira.training.arca_trainer import ArcaTrainConfig, train_arca
from lira.training.checkpoint import CHECKSUMS, checkpoint_problem, latest_checkpoint
from lira.training.lasr_trainer import train_lasr
from tests.training.test_arca_trainer import CONFIG as ARCA_CONFIG
from tests.training.test_arca_trainer import TRAIN as ARCA_TRAIN
from tests.training.test_arca_trainer import synthetic
from tests.training.test_lasr_trainer import CONFIG as LASR_CONFIG
from tests.training.test_lasr_trainer import models, retrieval


def flip_middle(path: Path, n: int = 64) -> None:
    """Invert ``n`` bytes in the middle of ``path``: same size, and a safetensors file still parses."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + n] = bytes(b ^ 0xFF for b in data[middle:middle + n])
    path.write_bytes(bytes(data))


def assert_same_weights(a: torch.nn.Module, b: torch.nn.Module) -> None:
    for (name, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        assert torch.equal(x, y), name


def test_a_byte_flip_in_the_newest_lasr_weights_is_named_and_resume_falls_back(tmp_path):
    """The user walkthrough: 64 bytes overwritten in the newest checkpoint's LaSR weights; ``--resume`` must not
    continue from them but from the previous checkpoint, and end with the uninterrupted run's weights."""
    head, arca = models()
    full, _, _ = train_lasr("retrieval", retrieval(0), None, head=head, arca=arca, config=LASR_CONFIG,
                            out_dir=tmp_path / "a", show_progress=False)
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    newest = tmp_path / "b" / "checkpoints" / "step-000006"
    weights = newest / "model" / "lasr" / "lasr.safetensors"
    size = weights.stat().st_size
    flip_middle(weights)
    assert weights.stat().st_size == size
    load_file(str(weights))  # still parseable: only the checksum can tell
    manifest = json.loads((newest / CHECKSUMS).read_text(encoding="utf-8"))["sha256"]
    assert {"model/lasr/lasr.safetensors", "optimizer.safetensors", "extra.safetensors",
            "trainer_state.json"} <= set(manifest)

    head, arca = models()
    with pytest.warns(UserWarning, match=r"step-000006 is damaged \(model/lasr/lasr.safetensors does not match its "
                                         r"SHA-256 checksum\); resuming from the newest intact one, .*step-000003"):
        resumed, _, _ = train_lasr("retrieval", retrieval(0), None, head=head, arca=arca, config=LASR_CONFIG,
                                   out_dir=tmp_path / "b", resume=True, show_progress=False)
    assert_same_weights(full, resumed)
    assert checkpoint_problem(newest) is None  # rewritten by the resumed run


def _arca_half_run(out_dir: Path) -> None:
    half = ArcaTrainConfig(**{**ARCA_TRAIN.__dict__, "steps": 20})
    train, dev = synthetic(96, 0), synthetic(32, 1)
    train_arca(train, dev, model_config=ARCA_CONFIG, config=half, out_dir=out_dir, show_progress=False)


def test_checkpoints_without_checksums_still_resume_exactly(tmp_path):
    train, dev = synthetic(96, 0), synthetic(32, 1)
    full, _ = train_arca(train, dev, model_config=ARCA_CONFIG, config=ARCA_TRAIN, out_dir=tmp_path / "a",
                         show_progress=False)
    _arca_half_run(tmp_path / "b")
    for manifest in (tmp_path / "b" / "checkpoints").glob(f"step-*/{CHECKSUMS}"):
        manifest.unlink()  # as an older lira wrote them
    with pytest.warns(UserWarning, match=r"step-000020 has no checksums \(written by an older lira\)"):
        resumed, _ = train_arca(train, dev, model_config=ARCA_CONFIG, config=ARCA_TRAIN, out_dir=tmp_path / "b",
                                resume=True, show_progress=False)
    assert_same_weights(full, resumed)
    assert (tmp_path / "b" / "checkpoints" / "step-000040" / CHECKSUMS).is_file()  # new ones get checksums


def test_intact_checkpoints_resume_without_a_warning_and_damage_to_each_is_caught(tmp_path):
    _arca_half_run(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert latest_checkpoint(tmp_path).name == "step-000020"
    newest, older = (tmp_path / "checkpoints" / f"step-0000{n}0" for n in (2, 1))
    # every file written is covered, the checksum file itself lies outside its own list
    files = {p.relative_to(newest).as_posix() for p in newest.rglob("*") if p.is_file()} - {CHECKSUMS}
    assert set(json.loads((newest / CHECKSUMS).read_text(encoding="utf-8"))["sha256"]) == files
    flip_middle(newest / "optimizer.safetensors")
    assert checkpoint_problem(newest) == "optimizer.safetensors does not match its SHA-256 checksum"
    with pytest.warns(UserWarning, match=r"step-000020 is damaged .*resuming from the newest intact one"):
        assert latest_checkpoint(tmp_path) == older
    (older / "model" / "arca_config.json").unlink()
    assert checkpoint_problem(older) == "model/arca_config.json is missing"
    with pytest.raises(ValueError, match=r"every checkpoint under .* is damaged; newest: .*step-000020"):
        latest_checkpoint(tmp_path)
    (newest / CHECKSUMS).write_text("{", encoding="utf-8")
    assert checkpoint_problem(newest).startswith(f"{CHECKSUMS} unreadable: JSONDecodeError")
