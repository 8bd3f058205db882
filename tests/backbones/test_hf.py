import numpy as np
import pytest

from lira.backbones import load_backbone
from lira.backbones.base import BATCH_TOLERANCE
from lira.backbones.hf import HFBackbone


def test_mean_pooling_matches_masked_token_average(tiny_bert_dir):
    model = HFBackbone(tiny_bert_dir)
    texts = ["hello world", "red shoes cheap nike black", "a"]
    vectors = model.encode(texts, batch_size=2)
    tokens, mask = model.encode_tokens(texts, batch_size=2)
    assert vectors.shape == (3, 32) and tokens.shape[0] == 3 and tokens.shape[2] == 32
    assert mask.sum(1).tolist()[2] < mask.sum(1).tolist()[1]  # padded to the longest text
    expected = (tokens * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(vectors, expected, atol=1e-5)


def test_batching_does_not_change_results(tiny_bert_dir):
    model = HFBackbone(tiny_bert_dir)
    texts = ["hello world", "red shoes", "rice cooker cheap", "phone case"]
    np.testing.assert_allclose(model.encode(texts, batch_size=1), model.encode(texts, batch_size=4), atol=1e-5)


TEXTS = ["hello", "red shoes cheap nike black the a phone case", "rice cooker", "a b c d e f g h i j k",
         "the world", "cheap black phone case", "nike", "hello world red shoes"]


@pytest.mark.parametrize("fixture,pooling", [("tiny_bert_dir", "mean"), ("tiny_bert_dir", "cls"),
                                             ("tiny_llama_dir", "last"), ("tiny_llama_dir", "mean")])
def test_vectors_do_not_depend_on_batch_mates(fixture, pooling, request):
    model = HFBackbone(request.getfixturevalue(fixture), pooling=pooling)
    assert model.batch_size > 1 and model.tokenizer.padding_side == "right"
    alone = np.vstack([model.encode([t]) for t in TEXTS])  # no padding
    together = model.encode(TEXTS, batch_size=len(TEXTS))  # every short text padded to the longest
    order = np.random.default_rng(0).permutation(len(TEXTS))
    shuffled = np.empty_like(together)
    shuffled[order] = model.encode([TEXTS[i] for i in order], batch_size=3)
    for other in (together, shuffled):
        assert (1 - (alone * other).sum(1)).max() <= BATCH_TOLERANCE


def test_batches_are_length_sorted(tiny_bert_dir):
    model = HFBackbone(tiny_bert_dir, batch_size=2)
    seen = []
    real = model._forward
    model._forward = lambda texts, role: (seen.append(list(texts)), real(texts, role))[1]
    model.encode(["a b c d e", "a", "a b c", "a b"])
    assert seen == [["a", "a b"], ["a b c", "a b c d e"]]


def test_decoder_last_token_pooling(tiny_llama_dir):
    model = load_backbone(f"hf:{tiny_llama_dir}?pooling=last")
    texts = ["hello world", "red shoes cheap nike"]
    vectors = model.encode(texts)
    tokens, mask = model.encode_tokens(texts)
    last = mask.sum(1) - 1
    expected = tokens[np.arange(2), last]
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(vectors, expected, atol=1e-5)
    assert "last" in model.name


def test_truncation_is_counted_in_one_warning(tiny_bert_dir):
    model = HFBackbone(tiny_bert_dir, max_length=4)
    with pytest.warns(UserWarning, match=r"1 of 2 text\(s\) exceed .* 4 tokens and were truncated"):
        out = model.encode(["hello", "hello world red shoes cheap nike"])
    assert out.shape == (2, 32)


def test_missing_folder_and_bad_option(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        HFBackbone(tmp_path / "nope")
    with pytest.raises(ValueError, match="unknown option"):
        load_backbone(f"hf:{tmp_path}?layers=3")
