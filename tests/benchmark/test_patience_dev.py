"""benchmarks/patience_dev.py: early stopping replayed on a run's dev histories."""

import json
import sys

import pytest

from tests.benchmark import load_script

# dev accuracy every 50 steps: a rise at 100, two flat evaluations, a late best at 250, then nothing better
SCORES = [0.60, 0.60, 0.70, 0.69, 0.68, 0.75, 0.74, 0.73, 0.72]


def _head(run, variant: str, family: str, scores: list[float], steps: int = 400) -> None:
    folder = run / "models" / variant / "seed-0" / family
    folder.mkdir(parents=True)
    evals = [{"step": 50 * i, "accuracy": s, "accuracy_se": 0.001} for i, s in enumerate(scores)]
    selected = {"metric": "accuracy", "steps_run": evals[-1]["step"], "steps": steps}
    (folder / "history.json").write_text(json.dumps([*evals, {"selected": {"lasr": selected}}]))


def _main(monkeypatch, capsys, run, *patience: str) -> str:
    monkeypatch.setattr(sys, "argv", ["patience_dev.py", str(run), "--patience", *patience])
    load_script("patience_dev").main()
    return capsys.readouterr().out


def test_a_run_that_stopped_early_replays_the_patiences_up_to_its_own(tmp_path, monkeypatch, capsys):
    (tmp_path / "results.json").write_text(json.dumps({"config": {"lasr_patience": 3}}))
    _head(tmp_path, "full", "sib200", SCORES)  # ran its 400 steps
    _head(tmp_path, "full", "xnli", SCORES, steps=600)  # stopped early by patience 3: three evaluations after 250
    out = _main(monkeypatch, capsys, tmp_path, "1", "2", "3")
    rows = {line.split(" | ")[0].strip("| "): line for line in out.splitlines() if line.startswith("| ")}
    # patience 2 stops at step 200 (two evaluations below 0.70), before the best at 250
    assert "full seed-0/sib200: 250 -> 100" in rows["2"] and "full seed-0/xnli: 250 -> 100" in rows["2"]
    assert "| 3 | 800 (100%) | none | none |" in out
    assert out.rstrip().endswith("smallest patience that changes no kept step of the full method: 3")


def test_a_longer_patience_than_the_run_s_cannot_be_replayed(tmp_path, monkeypatch, capsys):
    _head(tmp_path, "full", "xnli", SCORES, steps=600)
    with pytest.raises(SystemExit, match="stopped early \\(lasr_patience unknown\\)"):  # no results.json
        _main(monkeypatch, capsys, tmp_path, "1")
    (tmp_path / "results.json").write_text(json.dumps({"config": {"lasr_patience": 3}}))
    with pytest.raises(SystemExit, match="xnli/history.json: this head stopped early \\(lasr_patience 3\\); replay "
                                         "patiences up to 3 only"):
        _main(monkeypatch, capsys, tmp_path, "3", "4")
