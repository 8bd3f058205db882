"""``lira.training.card_keys``: the names of a start's choices and scores on a model card, written and read back."""

from lira.training.card_keys import (
    START_SCORE,
    probe_c_key,
    probe_c_margin_key,
    probe_reads,
    reads_key,
    start_name,
    start_score_key,
    weight_key,
)


def test_start_names_and_what_the_probe_reads():
    assert start_name(0.5, 0) == "0.5" and start_name(0.25, 8) == "0.25 + alignment"
    assert start_name(0.25, 8, False) == "0.25 + alignment only"
    assert start_name(0.5, 0, False, True) == "0.5 + cosine only"
    assert start_name(0.5, 8, True, True) == "0.5 + alignment + cosine"
    assert start_name(0.5, 8, True, False, 1.0) == "0.5 + alignment"  # C = 1 is not named
    assert start_name(0.5, 8, True, False, 0.25) == "0.5 + alignment, C 0.25"
    assert start_name(1.0, 0, True, False, 4.0) == "1.0, C 4"
    assert probe_reads(False) == "pair vectors" and probe_reads(True, False) == "alignment"
    assert probe_reads(False, False, True) == "cosine"


def test_keys_of_either_scoring_read_back():
    """A cross-validated start is chosen on train + dev, a dev-scored one on dev; a score's key gives back where it
    was scored, its metric and the start's name; other keys do not match."""
    assert weight_key("3-fold cross-validated") == "English weight (chosen on train + dev)"
    assert weight_key("dev") == "English weight (chosen on dev)"
    assert reads_key("5-fold cross-validated") == "pair probe reads (chosen on train + dev)"
    assert reads_key("dev") == "pair probe reads (chosen on dev)"
    assert probe_c_key("3-fold cross-validated") == "probe C (chosen on train + dev)"
    assert probe_c_margin_key("dev") == "probe C margin (on dev)"
    match = START_SCORE.match(start_score_key("dev", "accuracy", "0.5, C 0.25"))
    assert match is not None and match["start"] == "0.5, C 0.25"
    for scored_on, start in (("3-fold cross-validated", "0.5 + alignment only"), ("dev", "1.0")):
        key = start_score_key(scored_on, "accuracy", start)
        match = START_SCORE.match(key)
        assert match is not None
        assert (match["scored_on"], match["metric"], match["start"]) == (scored_on, "accuracy", start)
    assert START_SCORE.match("dev accuracy at step 0") is None
    assert START_SCORE.match("English weight (chosen on dev)") is None
