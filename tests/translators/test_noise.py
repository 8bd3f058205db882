import math

import numpy as np
import pytest

from lira.data.lexicon import LexiconEntry
from lira.translators.base import Candidate, Translator, is_ranked
from lira.translators.noise import (
    NOISE_KINDS,
    NoiseConfig,
    NoisyTranslator,
    apply_noise,
    code_mix_tokens,
    drop_tokens,
    mixed_noise,
    sense_tokens,
    senses_from_lexicon,
    typo,
)

TEXT = "Xiaomi Redmi Note 13 Smartphone 8GB+256GB Midnight Black phone case with a cheap new charger"
SOURCE = "Điện thoại Xiaomi Redmi Note 13 8GB+256GB Đen Nửa Đêm ốp lưng sạc giá rẻ"


def noisy(kind, rate, seed=0, text=TEXT, source=SOURCE, **kw):
    return apply_noise(Candidate(text, "ref"), source_text=source, config=NoiseConfig(kind, rate, seed), **kw)


@pytest.mark.parametrize("kind", NOISE_KINDS)
def test_rate_zero_leaves_text_unchanged(kind):
    spaced = TEXT.replace(" ", "  ", 1)
    out = noisy(kind, 0.0, text=spaced)
    assert out.text == spaced and out.untranslated == ()
    assert out.source == f"ref+noise:{kind}@0.0" and out.meta["clean_text"] == spaced


@pytest.mark.parametrize("kind", NOISE_KINDS)
def test_seeded(kind):
    assert noisy(kind, 0.5, seed=3).text == noisy(kind, 0.5, seed=3).text
    assert len({noisy(kind, 0.5, seed=s).text for s in range(4)}) > 1


@pytest.mark.parametrize("rate", [-0.1, 1.01, math.nan, "high", None])
def test_rate_validation(rate):
    with pytest.raises(ValueError, match="rate"):
        NoiseConfig("drop", rate)
    with pytest.raises(ValueError, match="rate"):
        drop_tokens(["a", "b"], rate, np.random.default_rng(0))


def test_config_validation():
    with pytest.raises(ValueError, match="unknown noise kind"):
        NoiseConfig("shuffle", 0.1)
    with pytest.raises(ValueError, match="seed"):
        NoiseConfig("drop", 0.1, seed=-1)
    assert NoiseConfig("drop", 1).rate == 1.0


def test_drop_rate_one_keeps_exactly_one_token():
    for seed in range(5):
        out = noisy("drop", 1.0, seed).text
        assert len(out.split()) == 1 and out in TEXT.split()
    assert noisy("drop", 1.0, text="single").text == "single"


def test_swap_rate_one_swaps_disjoint_pairs():
    assert noisy("swap", 1.0, text="a b c d e").text == "b a d c e"


def test_duplicate_rate_one_doubles_every_token():
    assert noisy("duplicate", 1.0, text="a b c").text == "a a b b c c"


def test_typo_rate_one_edits_every_word_once():
    out = noisy("typo", 1.0, text="black phone 128 case").text.split()
    assert len(out) == 4 and out[2] == "128"
    for before, after in zip(["black", "phone", "case"], [out[0], out[1], out[3]], strict=True):
        assert after != before and abs(len(after) - len(before)) <= 1


def test_typo_always_changes_the_word():
    rng = np.random.default_rng(0)
    for word in ["a", "aa", "Phone", "zz"]:
        assert all(typo(word, rng) != word for _ in range(50))


def test_code_mix_rate_one_copies_aligned_source_tokens_and_flags_them():
    out = noisy("code_mix", 1.0, text="Xiaomi Redmi Note 13 Phone Black",
                source="Điện thoại Xiaomi Redmi Note 13 Đen")
    # eligible English tokens: Phone, Black (n=2); pool: Điện, thoại, Đen (m=3) -> indices 0 and 2
    assert out.text == "Xiaomi Redmi Note 13 Điện Đen"
    assert out.untranslated == ("Điện", "Đen")


def test_code_mix_merges_repeated_source_token_and_keeps_old_flags():
    cand = Candidate("Midnight Black Phone", "lex", untranslated=("x",))
    out = apply_noise(cand, source_text="สีดำ", config=NoiseConfig("code_mix", 1.0))
    assert out.text == "สีดำ" and out.untranslated == ("x", "สีดำ")


def test_code_mix_needs_source_and_leaves_shared_tokens():
    with pytest.raises(ValueError, match="source"):
        apply_noise(Candidate(TEXT, "ref"), config=NoiseConfig("code_mix", 0.5))
    tokens, inserted = code_mix_tokens(["Xiaomi", "13"], "Xiaomi 13", 1.0, np.random.default_rng(0))
    assert tokens == ["Xiaomi", "13"] and inserted == []


def test_sense_rate_one_with_given_senses_keeps_case_and_punctuation():
    out = noisy("sense", 1.0, text="Black Phone, case", senses={"phone": ["handset"], "mobile phone": ["cell"]})
    assert out.text == "Black Handset, case"
    out = noisy("sense", 1.0, text="new mobile phone", senses={"phone": ["handset"], "mobile phone": ["cell"]})
    assert out.text == "new cell"


def test_sense_falls_back_to_builtin_list():
    out = noisy("sense", 1.0, text="black phone").text.split()
    assert "black" not in out and "phone" not in out
    assert sense_tokens(["zzz"], 1.0, np.random.default_rng(0)) == ["zzz"]


def test_senses_from_lexicon_inverts_alternatives():
    lexicon = {"hp": [LexiconEntry("hp", "mobile phone"), LexiconEntry("hp", "HP (laptop brand)")],
               "đen": [LexiconEntry("đen", "black")]}
    assert senses_from_lexicon(lexicon) == {"mobile phone": ("HP",), "hp": ("mobile phone",)}


def test_mixed_noise_seeded_and_rate_zero():
    rng = lambda s: np.random.default_rng(s)  # noqa: E731
    assert mixed_noise(TEXT, 0.0, rng(1)) == TEXT
    assert mixed_noise(TEXT, 0.6, rng(1)) == mixed_noise(TEXT, 0.6, rng(1)) != TEXT
    with pytest.raises(ValueError, match="subset"):
        mixed_noise(TEXT, 0.5, rng(1), kinds=["code_mix"])


class FixedTranslator:
    name = "fixed"

    def translate(self, texts, *, lang, k=1):
        return [[Candidate(f"red phone case number {i}", "fixed")] for i, _ in enumerate(texts)]


def test_noisy_translator_adds_or_replaces_variants():
    configs = [NoiseConfig("drop", 0.5, 1), NoiseConfig("duplicate", 1.0)]
    noisy_tr = NoisyTranslator(FixedTranslator(), configs)
    assert isinstance(noisy_tr, Translator) and noisy_tr.name == "fixed+noise"
    out = noisy_tr.translate(["ốp lưng đỏ", "sạc"], lang="vie")
    assert [c.source for c in out[0]] == ["fixed", "fixed+noise:drop@0.5", "fixed+noise:duplicate@1.0"]
    assert out[0][2].text == "red red phone phone case case number number 0 0"
    assert out == noisy_tr.translate(["ốp lưng đỏ", "sạc"], lang="vie")
    only = NoisyTranslator(FixedTranslator(), configs, keep_clean=False).translate(["ốp lưng đỏ"], lang="vie")
    assert [c.source for c in only[0]] == ["fixed+noise:drop@0.5", "fixed+noise:duplicate@1.0"]
    with pytest.raises(ValueError):
        NoisyTranslator(FixedTranslator(), [])


def test_noisy_variants_without_the_clean_candidate_are_not_ranked():
    configs = [NoiseConfig("drop", 0.5, 1)]
    assert is_ranked(FixedTranslator())  # a translator without the attribute keeps the protocol's best first
    assert is_ranked(NoisyTranslator(FixedTranslator(), configs))  # the clean candidate leads its variants
    assert not is_ranked(NoisyTranslator(FixedTranslator(), configs, keep_clean=False))
    unranked = NoisyTranslator(FixedTranslator(), configs, keep_clean=False)
    assert not is_ranked(NoisyTranslator(unranked, configs))  # an unranked base stays unranked


class EnglishTranslator:
    """Gives every source the same English sentence (as SIB-200's languages share one), with its own meta."""

    name = "shared"

    def translate(self, texts, *, lang, k=1):
        return [[Candidate(TEXT, "shared", meta={"from": t})] for t in texts]


@pytest.mark.parametrize("per_source", [False, True])
@pytest.mark.parametrize("kind", ["mixed", "code_mix", "sense"])
def test_noisy_translator_variants_equal_apply_noise_with_their_seeded_generator(kind, per_source):
    # the translator reuses a variant computed once (built-in senses); it must be apply_noise's, meta included
    from lira.translators.noise import noise_rng

    config = NoiseConfig(kind, 0.5, 3)
    sources = [SOURCE, "ốp lưng Xiaomi", SOURCE]
    for _ in range(2):  # the second pass is served by the memo
        out = NoisyTranslator(EnglishTranslator(), [config], keep_clean=False,
                              per_source=per_source).translate(sources, lang="vie")
        for source, (variant,) in zip(sources, out, strict=True):
            keys = (source, TEXT) if per_source else (TEXT,)
            expected = apply_noise(Candidate(TEXT, "shared", meta={"from": source}), source_text=source,
                                   config=config, rng=noise_rng(3, kind, *keys))
            assert (variant.text, variant.source, variant.untranslated) == \
                (expected.text, expected.source, expected.untranslated)
            assert variant.meta == expected.meta and variant.meta["from"] == source
    if kind == "code_mix":  # it reads the source text, so two sources can give the same English two variants
        assert out[0][0].text != out[1][0].text
