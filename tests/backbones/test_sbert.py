import numpy as np
import pytest

from lira.backbones import load_backbone
from lira.backbones.base import BATCH_TOLERANCE
from lira.backbones.sbert import SentenceTransformerBackbone


def test_packaged_english_encoder_is_semantic():
    model = load_backbone("minilm")
    assert model.dim == 384 and model.name.startswith("st-")
    a, b, c = model.encode(["a red running shoe", "red sneakers for jogging", "stainless steel rice cooker"])
    assert a @ b > a @ c


def test_local_folder_built_from_tiny_bert(tiny_bert_dir, tmp_path):
    from sentence_transformers import SentenceTransformer, models

    word = models.Transformer(str(tiny_bert_dir), max_seq_length=8)
    st = SentenceTransformer(modules=[word, models.Pooling(32, "mean")])
    st.save(str(tmp_path / "st"))
    model = SentenceTransformerBackbone(tmp_path / "st")
    with pytest.warns(UserWarning, match="1 of 2"):
        out = model.encode(["hello", "hello world red shoes cheap nike black the a"])
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-5)


@pytest.mark.slow
def test_vectors_do_not_depend_on_batch_company():
    from lira.data.products import load_catalogue

    model = load_backbone("minilm")
    texts = [p.title for p in load_catalogue()][:120] + ["a", "rice cooker"]
    alone = np.vstack([model.encode([t]) for t in texts])  # no padding at all (the earlier encoder's way)
    default = model.encode(texts)  # length-sorted batches of 32
    mixed = model.encode(texts, batch_size=len(texts))  # one padded batch: short texts beside the longest
    rng = np.random.default_rng(0)
    order = rng.permutation(len(texts))
    shuffled = np.empty_like(default)
    shuffled[order] = model.encode([texts[i] for i in order], batch_size=7)  # other mates
    for other in (default, mixed, shuffled):
        assert (1 - (alone * other).sum(1)).max() <= BATCH_TOLERANCE
