"""benchmarks/zero_width_dev.py: bitext accuracy with each U+200B read as a space or removed, and the paired counts."""

import numpy as np
import pytest

from tests.benchmark import load_script

ZWSP = "\u200b"


def test_compare_counts_the_rows_only_one_reading_matches():
    compare = load_script("zero_width_dev").compare
    english = np.eye(3, dtype=np.float32)
    texts = ["a" + ZWSP + "b", "c", "d" + ZWSP + "e"]

    def encode(batch, lang):  # a toy backbone: "a b" (the space reading) misses, "ab" (removed) hits
        rows = {"a b": [0, 1, 0], "ab": [1, 0, 0], "c": [0, 1, 0], "d e": [0, 0, 1], "de": [1, 0, 0]}
        return np.array([rows[t.replace(ZWSP, "")] for t in batch], dtype=np.float32)

    row = compare(encode, texts, english, "khm")
    assert (row["sentences"], row["with_zwsp"]) == (3, 2)
    to_english = row["to_english"]
    assert (to_english["space"], to_english["removed"]) == (pytest.approx(200 / 3), pytest.approx(200 / 3))
    assert (to_english["only_removed"], to_english["only_space"]) == (1, 1)
    assert to_english["p"] == 1.0
