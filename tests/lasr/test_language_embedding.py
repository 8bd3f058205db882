"""LanguageEmbedding: own vectors for seen languages, fallback + family for unseen ones."""

import pytest
import torch

from lira.languages import UnknownLanguageError
from lira.lasr.language_embedding import LanguageEmbedding


def make(**kwargs) -> LanguageEmbedding:
    torch.manual_seed(0)
    return LanguageEmbedding(8, ["ind", "hi", "tha_Thai", "ind"], **kwargs)


def test_known_codes_are_canonical_and_deduplicated():
    emb = make()
    assert emb.known == ("ind", "hin", "tha")
    assert emb.families == ("Austronesian", "Indo-Aryan", "Kra-Dai")
    out = emb(["ind", "id", "hin", "tha"])
    assert out.shape == (4, 8)
    assert torch.equal(out[0], out[1])
    assert torch.equal(out[0], emb.own[0])
    assert emb.route("hi") == "own"


def test_unseen_languages_use_fallback_plus_family():
    emb = make()
    zsm, tgl, urd, ben, vie, mya = emb(["zsm", "tgl", "urd", "ben", "vie", "mya"])
    assert torch.equal(zsm, tgl)  # same (seen) family: Austronesian
    assert torch.equal(urd, ben)  # Indo-Aryan
    assert not torch.allclose(zsm, urd)  # different families differ
    assert torch.allclose(zsm, emb.fallback + emb.family[0])
    assert not torch.allclose(zsm, emb.own[0])  # not the seen sibling's own vector
    # Austroasiatic and Sino-Tibetan have no seen language: fallback only.
    assert torch.equal(vie, emb.fallback) and torch.equal(mya, emb.fallback)
    assert [emb.route(c) for c in ("zsm", "vie")] == ["family", "fallback"]


def test_families_off_means_fallback_only():
    emb = make(families=False)
    zsm, urd = emb(["zsm", "urd"])
    assert torch.equal(zsm, emb.fallback) and torch.equal(urd, emb.fallback)
    assert emb.families == ()


def test_invalid_code_lists_valid_codes():
    emb = make()
    with pytest.raises(UnknownLanguageError, match=r"'xx'.*tha \(Thai\)"):
        emb(["ind", "xx"])
    with pytest.raises(UnknownLanguageError, match="valid codes"):
        LanguageEmbedding(8, ["klingon"])


def test_unseen_dropout_trains_fallback_and_family_only_in_training():
    emb = make(unseen_dropout=0.5)
    langs = ["ind"] * 64
    emb.train()
    emb(langs).sum().backward()
    assert emb.fallback.grad is not None and emb.fallback.grad.abs().sum() > 0
    assert emb.family.grad[0].abs().sum() > 0  # ind's family, Austronesian
    assert emb.family.grad[1:].abs().sum() == 0
    emb.eval()
    assert torch.equal(emb(langs), emb.own[0].expand(64, 8))


def test_gradient_reaches_own_vectors():
    emb = make()
    emb(["hin", "hin", "tha"]).pow(2).sum().backward()
    assert emb.own.grad[1].abs().sum() > 0 and emb.own.grad[2].abs().sum() > 0
    assert emb.own.grad[0].abs().sum() == 0
