"""benchmarks/noise_sentence_bootstrap.py: the noise setting's paired bootstrap with one item per source sentence."""

import pytest

from lira.benchmark.significance import paired_bootstrap
from tests.benchmark import load_script


def _row(method, subset, items, rate=0.3, seed=0):
    return {"setting": "noise", "task": "sib200", "method": method, "subset": subset, "value": rate,
            "seed": seed, "items": items}


def test_rows_of_one_sentence_in_every_language_are_one_item():
    script = load_script("noise_sentence_bootstrap")
    ids = {"tha": ["s1", "s2", "s3"], "vie": ["s2", "s1", "s3"]}  # each split in its own order
    rows = [_row("lira", "tha", [1.0, 1.0, 0.0], seed=0), _row("lira", "tha", [1.0, 0.0, 0.0], seed=1),
            _row("lira", "vie", [1.0, 1.0, 1.0]),
            _row("dual-path", "tha", [0.0, 1.0, 0.0]), _row("dual-path", "vie", [1.0, 0.0, 0.0]),
            _row("dual-path", "tha", [1.0, 1.0, 1.0], rate=0.5)]  # another rate: not read
    lira = script.by_sentence(rows, ids, "lira", 0.3)
    # s1: tha seeds 1.0, 1.0 -> 1.0, vie 1.0; s2: tha 0.5, vie 1.0; s3: tha 0.0, vie 1.0
    assert lira == {"s1": 1.0, "s2": 0.75, "s3": 0.5}
    assert script.by_sentence(rows, ids, "dual-path", 0.3) == {"s1": 0.0, "s2": 1.0, "s3": 0.0}
    lines = script.table(rows, ids, "sib200")
    expected = paired_bootstrap([1.0, 0.75, 0.5], [0.0, 1.0, 0.0])
    assert lines[0].startswith(f"| sib200 | 0.3 | dual-path | {100 * expected['delta']:+.2f} |")
    assert lines[0].endswith("| 3 |")


def test_a_run_whose_items_do_not_match_the_test_records_is_refused():
    script = load_script("noise_sentence_bootstrap")
    with pytest.raises(SystemExit, match="tha: 2 items in the run against 3 test records"):
        script.by_sentence([_row("lira", "tha", [1.0, 0.0])], {"tha": ["a", "b", "c"]}, "lira", 0.3)
