"""benchmarks/alignment_dev.py reads the alignment choice of each pair head from a run's model configs."""

import json
from pathlib import Path

import pytest

from tests.benchmark import load_script


def _script():
    return load_script("alignment_dev")


def _model(run: Path, seed: int, family: str, metrics: dict) -> None:
    folder = run / "models" / "full" / f"seed-{seed}" / family / "model"
    folder.mkdir(parents=True)
    (folder / "lira_config.json").write_text(json.dumps({"config": {"metrics": metrics}}))


def test_rows_give_both_dev_scores_and_the_choice(tmp_path, monkeypatch, capsys):
    _model(tmp_path, 0, "xnli", {"English weight (chosen on dev)": 0.75, "token alignment (chosen on dev)": "yes",
                                 "dev accuracy at step 0, English weight 0.5": 0.56,
                                 "dev accuracy at step 0, English weight 0.75": 0.57,
                                 "dev accuracy at step 0, English weight 0.5 + alignment": 0.62})
    _model(tmp_path, 1, "xcopa", {"English weight (chosen on dev)": 0.5, "token alignment (chosen on dev)": "alone",
                                  "dev accuracy at step 0, English weight 0.5": 0.43,
                                  "dev accuracy at step 0, English weight 0.5 + alignment": 0.63,
                                  "dev accuracy at step 0, English weight 0.5 + alignment only": 0.72})
    _model(tmp_path, 2, "xcopa", {"English weight (chosen on dev)": 0.5, "pair probe reads (chosen on dev)": "cosine",
                                  "dev accuracy at step 0, English weight 0.5": 0.43,
                                  "dev accuracy at step 0, English weight 0.5 + alignment": 0.63,
                                  "dev accuracy at step 0, English weight 0.5 + alignment only": 0.72,
                                  "dev accuracy at step 0, English weight 0.5 + cosine only": 0.71})
    _model(tmp_path, 0, "sib200", {"English weight (chosen on dev)": 0.5,
                                   "dev accuracy at step 0, English weight 0.5": 0.88})  # no alignment choice
    module = _script()
    # a run made before the alignment features (or the cosines) were tried alone has "-" there
    assert module.rows(tmp_path) == [["xnli", "0", "accuracy", "56.00", "62.00", "-", "-", "yes", "0.75"],
                                     ["xcopa", "1", "accuracy", "43.00", "63.00", "72.00", "-", "alone", "0.5"],
                                     ["xcopa", "2", "accuracy", "43.00", "63.00", "72.00", "71.00", "cosine", "0.5"]]
    monkeypatch.setattr("sys.argv", ["alignment_dev.py", str(tmp_path)])
    module.main()
    out = capsys.readouterr().out
    assert "| xnli | 0 | accuracy | 56.00 | 62.00 | - | - | yes | 0.75 |" in out
    assert "| alignment alone (weight 0.5) | cosines alone (weight 0.5) | probe reads |" in out
    monkeypatch.setattr("sys.argv", ["alignment_dev.py", str(tmp_path / "empty")])
    with pytest.raises(SystemExit, match="no model of the full method chose on token alignment"):
        module.main()
