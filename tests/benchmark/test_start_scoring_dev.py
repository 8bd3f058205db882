"""benchmarks/start_scoring_dev.py: each start's score and the start chosen, read from LiRA at step 0's model card,
whichever way the starts were scored."""

from argparse import Namespace
from pathlib import Path
from types import SimpleNamespace

from tests.benchmark import load_script


def test_starts_reads_the_card_of_either_scoring(monkeypatch):
    script = load_script("start_scoring_dev")
    metrics = {0: {"dev accuracy at step 0, English weight 0.5": 0.80,
                   "dev accuracy at step 0, English weight 1.0": 0.83, "kept step": 0},
               3: {"3-fold cross-validated accuracy at step 0, English weight 0.5 + alignment": 0.66,
                   "3-fold cross-validated accuracy at step 0, English weight 0.5": 0.65}}
    heads = {0: (1.0, 0, True, False), 3: (0.5, 8, True, False)}
    seen = []

    class FakeBenchmark:
        def __init__(self, config):
            seen.append((config.tasks, config.start_folds, config.seeds, config.probe_c["xnli"]))
            self.folds = config.start_folds

        def seed_models(self, seed):
            weight, alignment, vectors, cosine = heads[self.folds]
            head = SimpleNamespace(english_weight=weight, alignment=alignment, pair_vectors=vectors,
                                   pair_cosine=cosine)
            model = SimpleNamespace(lasr=SimpleNamespace(config=head),
                                    config=SimpleNamespace(metrics=metrics[self.folds]))
            return SimpleNamespace(model=lambda task, step0: model)

    monkeypatch.setattr(script, "Benchmark", FakeBenchmark)
    args = Namespace(data_dir=Path("data"), out=Path("out"), cache_dir=None, probe_c=None)
    assert script.starts("xnli", 0, args) == {"scores": {"0.5": 0.80, "1.0": 0.83}, "chosen": "1.0"}
    assert script.starts("xnli", 3, args) == {"scores": {"0.5 + alignment": 0.66, "0.5": 0.65},
                                              "chosen": "0.5 + alignment"}
    script.starts("xnli", 3, Namespace(**{**vars(args), "probe_c": 4.0}))  # --probe-c: that C, not PROBE_C's
    assert seen == [(("xnli",), 0, (0,), (0.25,)), (("xnli",), 3, (0,), (0.25,)), (("xnli",), 3, (0,), (4.0,))]
