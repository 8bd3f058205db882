"""Weights on disk (``lira.weights``): a round trip, the refused format version, and the recorded text reading."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
import torch

from lira.backbones.base import TEXT_READING
from lira.weights import load_weights, save_weights


def _saved(tmp_path: Path) -> tuple[Path, dict[str, torch.Tensor]]:
    state = {"w": torch.arange(6, dtype=torch.float32).reshape(2, 3)}
    return save_weights(tmp_path / "m", "arca", state, {"dim": 3}, 7), state


def test_round_trip_records_the_text_reading_and_loads_without_a_warning(tmp_path: Path) -> None:
    folder, state = _saved(tmp_path)
    meta = json.loads((folder / "arca_config.json").read_text(encoding="utf-8"))
    assert meta == {"format_version": 7, "text_reading": TEXT_READING, "config": {"dim": 3}}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        config, loaded = load_weights(folder, "arca", 7, "Arca")
    assert config == {"dim": 3}
    assert torch.equal(loaded["w"], state["w"])


def test_weights_saved_before_the_reading_was_recorded_warn(tmp_path: Path) -> None:
    folder, _ = _saved(tmp_path)
    path = folder / "arca_config.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    del meta["text_reading"]  # as a LiRA before the zero width space change wrote it
    path.write_text(json.dumps(meta), encoding="utf-8")
    unrecorded = r"this Arca does not record how the backbones read text.*began to remove U\+200B"
    with pytest.warns(UserWarning, match=unrecorded) as record:
        config, _ = load_weights(folder, "arca", 7, "Arca")
    assert config == {"dim": 3}
    assert str(folder) in str(record[0].message) and "train it again" in str(record[0].message)


def test_another_recorded_reading_is_named_in_the_warning(tmp_path: Path) -> None:
    folder, _ = _saved(tmp_path)
    path = folder / "arca_config.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta["text_reading"] = "removes U+200B, U+FEFF"
    path.write_text(json.dumps(meta), encoding="utf-8")
    other = r"text reading was 'removes U\+200B, U\+FEFF'; this LiRA's is 'removes U\+200B'"
    with pytest.warns(UserWarning, match=other):
        load_weights(folder, "arca", 7, "Arca")


def test_another_format_version_is_refused(tmp_path: Path) -> None:
    folder, _ = _saved(tmp_path)
    with pytest.raises(ValueError, match="format version 7 is not supported.*expects 8"):
        load_weights(folder, "arca", 8, "Arca")


def test_a_run_folder_given_for_its_model_folder_names_the_model_folder(tmp_path: Path) -> None:
    folder, _ = _saved(tmp_path)
    run = folder.parent
    with pytest.raises(FileNotFoundError, match=f"{run} is not a saved Arca folder \\(no arca_config.json\\); "
                                                f"found one in {folder}$"):
        load_weights(run, "arca", 7, "Arca")
    with pytest.raises(FileNotFoundError, match="no arca_config.json\\)$"):
        load_weights(tmp_path / "nowhere", "arca", 7, "Arca")
