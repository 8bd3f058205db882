"""benchmarks/bitext_scoring.py: each model's items by cosine and by margin, their means and LiRA against the
better peer, on hand-made vectors."""

from lira.benchmark.significance import paired_bootstrap
from lira.data.formats import ParallelExample
from lira.evaluation.bitext import BitextEvaluator
from lira.tasks.spec import hashed_subset, record_key
from tests.benchmark import load_script
from tests.evaluation.test_bitext import Lookup

# h matches H; x is nearer the hub H than its own T by cosine, but takes T by margin (k = 1)
HUB = {"H": [1, 0, 0], "T": [0.5, 3 ** 0.5 / 2, 0], "h": [1, 0, 0], "x": [0.8, 0.3 / (3 ** 0.5 / 2), 0.24 ** 0.5]}
# every source right by either scoring
EASY = {**HUB, "x": [0.5, 3 ** 0.5 / 2, 0]}
EXAMPLES = [ParallelExample("vie", "h", "H"), ParallelExample("vie", "x", "T")]


def test_items_means_and_the_comparison_with_the_better_peer():
    script = load_script("bitext_scoring")
    columns = script.scorings([1])
    assert columns == [("cosine", "cosine", 4), ("margin k=1", "margin", 1)]
    calls = []

    def method(name, seed):
        calls.append((name, seed))
        return Lookup(EASY if name == "lira" and seed == 0 else HUB)

    items = script.score_models([BitextEvaluator(EXAMPLES, "vie")], method, [0, 1], columns)
    # the frozen backbone once, the trained models once per seed
    assert calls == [("frozen", None), ("distillation", 0), ("distillation", 1), ("lira", 0), ("lira", 1)]
    assert items["LiRA"]["cosine"][0].tolist() == [1.0, 0.5]  # seed 0 right on x, seed 1 not: the mean
    assert items["frozen backbone"]["margin k=1"][0].tolist() == [1.0, 1.0]
    scores = script.means(items)
    assert scores["LiRA"] == {"cosine": 0.75, "margin k=1": 1.0}
    assert scores["knowledge distillation"] == {"cosine": 0.5, "margin k=1": 1.0}
    lines = script.against_peers(items, "cosine", ["vie"])
    assert lines[2].startswith("| vie | 75.00 | frozen backbone | 50.00 | +25.00 |")
    assert lines[2].endswith(f"| {paired_bootstrap([1.0, 0.5], [1.0, 0.0])['p']:.3f} |")  # the report's test
    assert "\n".join(script.table(scores, ["cosine"], "model")).splitlines()[2] == "| frozen backbone | 50.00 |"


def test_capped_keeps_the_hashed_pairs_of_a_capped_load_and_only_when_a_language_has_more():
    script = load_script("bitext_scoring")
    many = [ParallelExample("vie", f"s{i}", f"E{i}", id=f"vie-{i}") for i in range(5)]
    few = [ParallelExample("tha", "t", "T", id="tha-0")]
    evaluators = [BitextEvaluator(many, "vie", scoring="margin", k=2), BitextEvaluator(few, "tha")]
    cut = script.capped(evaluators, 3, record_key)
    assert [list(e.examples) for e in cut] == [hashed_subset(many, 3), few]
    assert len(cut[0].examples) == 3 and (cut[0].scoring, cut[0].k, cut[0].lang) == ("margin", 2, "vie")
    assert script.capped(evaluators, 5, record_key) is None  # nothing to cut: no second table
