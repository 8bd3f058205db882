"""Runs never mix in one folder: the config is recorded, resume checks it, a fresh run needs --overwrite, and a
damaged newest checkpoint falls back to the newest intact one; a fresh run that fails before it writes anything
lets go of its folder."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import save_file
from torch import nn

from lira.training.checkpoint import latest_checkpoint, save_checkpoint
from lira.training.run_folder import RunFolderError, claim_run_folder, claimed_run_folder


def test_resume_refuses_another_config_and_a_fresh_run_needs_overwrite(tmp_path):
    config = {"train": {"steps": 300, "seed": 0}, "data": {"source": "sib200"}}
    claim_run_folder(tmp_path, config, resume=False, overwrite=False)
    (tmp_path / "checkpoints" / "step-000250").mkdir(parents=True)
    claim_run_folder(tmp_path, config, resume=True, overwrite=False)  # same config: fine
    other = {"train": {"steps": 150, "seed": 1}, "data": {"source": "sib200"}}
    with pytest.raises(RunFolderError, match=r"fields that differ: train.seed \(0 -> 1\); train.steps \(300 -> 150\)"):
        claim_run_folder(tmp_path, other, resume=True, overwrite=False)
    with pytest.raises(RunFolderError, match="already holds a run .*--resume.*--overwrite"):
        claim_run_folder(tmp_path, other, resume=False, overwrite=False)
    claim_run_folder(tmp_path, other, resume=False, overwrite=True)
    assert not (tmp_path / "checkpoints").exists()  # the old run's checkpoints are gone
    claim_run_folder(tmp_path, other, resume=True, overwrite=False)
    with pytest.raises(RunFolderError, match="has no run_config.json"):
        claim_run_folder(tmp_path / "new", other, resume=True, overwrite=False)


def test_a_fresh_run_that_fails_before_writing_lets_go_of_its_folder(tmp_path):
    config = {"train": {"steps": 300}}
    with pytest.raises(FileNotFoundError, match="no data"):
        with claimed_run_folder(tmp_path / "a", config, resume=False, overwrite=False):
            assert (tmp_path / "a" / "run_config.json").is_file()
            raise FileNotFoundError("no data")
    assert list((tmp_path / "a").iterdir()) == []
    with claimed_run_folder(tmp_path / "a", config, resume=False, overwrite=False):  # the corrected run may start
        (tmp_path / "a" / "checkpoints").mkdir()
    # a run that fails after writing something, or a resumed one, keeps its record: there is a run to continue
    with pytest.raises(RuntimeError):
        with claimed_run_folder(tmp_path / "b", config, resume=False, overwrite=False):
            (tmp_path / "b" / "history.json").write_text("[]")
            raise RuntimeError("diverged")
    assert (tmp_path / "b" / "run_config.json").is_file()
    (tmp_path / "b" / "history.json").unlink()
    with pytest.raises(OSError):
        with claimed_run_folder(tmp_path / "b", config, resume=True, overwrite=False):
            raise OSError("disk full")
    assert (tmp_path / "b" / "run_config.json").is_file()
    with pytest.raises(KeyboardInterrupt):  # Ctrl-C during a fresh run's first encode: --resume picks it up
        with claimed_run_folder(tmp_path / "c", config, resume=False, overwrite=False):
            raise KeyboardInterrupt
    assert (tmp_path / "c" / "run_config.json").is_file()


class _Model(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layer = nn.Linear(3, 2)

    def save(self, folder):
        folder.mkdir(parents=True, exist_ok=True)
        save_file(self.state_dict(), str(folder / "model.safetensors"))


def test_a_truncated_newest_checkpoint_falls_back_to_the_intact_one(tmp_path):
    model = _Model()
    optimizer = torch.optim.AdamW(model.parameters())
    model.layer(torch.ones(1, 3)).sum().backward()
    optimizer.step()
    for step in (10, 20):
        save_checkpoint(tmp_path, step, model, optimizer, {"history": []})
    newest = tmp_path / "checkpoints" / "step-000020" / "model" / "model.safetensors"
    newest.write_bytes(newest.read_bytes()[:-10])
    with pytest.warns(UserWarning, match=r"step-000020 is damaged .*resuming from the newest intact one"):
        assert latest_checkpoint(tmp_path).name == "step-000010"
    older = tmp_path / "checkpoints" / "step-000010" / "trainer_state.json"
    older.write_text("{", encoding="utf-8")
    with pytest.raises(ValueError, match="every checkpoint under .* is damaged"):
        latest_checkpoint(tmp_path)
