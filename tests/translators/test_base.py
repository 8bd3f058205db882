"""``Reading``: the English a text reads as the weighted mean of a pool's candidates."""

from __future__ import annotations

import pickle

import pytest

from lira.translators.base import Reading


def test_a_reading_is_its_chosen_text_and_carries_its_pool():
    reading = Reading("red shoes", ["red shoes", "shoes red"], [0.75, 0.25])
    assert reading == "red shoes" and str(reading).upper() == "RED SHOES"
    assert reading.candidates == ("red shoes", "shoes red") and reading.weights == (0.75, 0.25)
    again = pickle.loads(pickle.dumps(reading))  # travels to worker processes whole
    assert isinstance(again, Reading) and again == reading and again.weights == reading.weights
    other = Reading("red shoes", ["red shoes", "red shoe"], [0.5, 0.5])
    assert repr(other) != repr(reading)  # keys built from reprs tell the two pools apart
    for candidates, weights in ((["x", "y"], [1.0]), ([], [])):  # never a silent zero vector
        with pytest.raises(ValueError, match="one weight per candidate, at least one"):
            Reading("x", candidates, weights)
