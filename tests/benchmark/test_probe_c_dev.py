"""benchmarks/probe_c_dev.py: the start's score at each C and the C kept, read from LiRA at step 0's model card."""

from argparse import Namespace
from pathlib import Path
from types import SimpleNamespace

from tests.benchmark import load_script


def test_probe_cs_reads_the_chosen_start_s_score_at_each_c(monkeypatch):
    script = load_script("probe_c_dev")
    key = "3-fold cross-validated accuracy at step 0, English weight "
    metrics = {key + "0.5": 0.60, key + "0.5 + alignment": 0.65, key + "0.5 + alignment, C 0.25": 0.67,
               key + "0.5 + alignment, C 4": 0.62, "probe C (chosen on train + dev)": 1.0,
               "probe C margin (on train + dev)": 0.03, "kept step": 0}
    seen = []

    class FakeBenchmark:
        def __init__(self, config):
            seen.append((config.tasks, config.seeds, config.probe_c))

        def seed_models(self, seed):
            head = SimpleNamespace(english_weight=0.5, alignment=8, pair_vectors=True, pair_cosine=False, probe_c=1.0)
            model = SimpleNamespace(lasr=SimpleNamespace(config=head), config=SimpleNamespace(metrics=metrics))
            return SimpleNamespace(model=lambda task, step0: model)

    monkeypatch.setattr(script, "Benchmark", FakeBenchmark)
    args = Namespace(data_dir=Path("data"), out=Path("out"), cache_dir=None)
    assert script.probe_cs("xnli", [1.0, 0.25, 4.0], args) == {
        "start": "0.5 + alignment", "scores": {1.0: 0.65, 0.25: 0.67, 4.0: 0.62}, "chosen": 1.0, "margin": 0.03}
    assert seen == [(("xnli",), (0,), {"xnli": (1.0, 0.25, 4.0)})]
