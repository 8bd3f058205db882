from pathlib import Path

import pytest

from lira.translators import Translator, load_translator
from lira.translators.hf_seq2seq import Seq2SeqTranslator

WORDS = ["red", "shoes", "phone", "case", "cheap", "black", "the", "a", "giày", "đỏ", "ốp", "điện", "thoại"]


def _tiny_bart(folder: Path, extra_tokens: tuple[str, ...] = ()) -> Path:
    """A 1-layer, 16-d BART with random weights and a WordPiece tokenizer, saved in ``folder`` (no download)."""
    import torch
    from transformers import BartConfig, BartForConditionalGeneration, BertTokenizerFast

    folder.mkdir()
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS, *"abcdefghijklmnopqrstuvwxyz"]),
                     encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab=str(vocab), model_max_length=32)  # (vocab_file= is ignored in v5)
    if extra_tokens:
        tokenizer.add_special_tokens({"additional_special_tokens": list(extra_tokens)})
    torch.manual_seed(0)
    config = BartConfig(vocab_size=len(tokenizer), d_model=16, encoder_layers=1, decoder_layers=1,
                        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32,
                        max_position_embeddings=64, pad_token_id=tokenizer.pad_token_id,
                        bos_token_id=tokenizer.cls_token_id, eos_token_id=tokenizer.sep_token_id,
                        decoder_start_token_id=tokenizer.sep_token_id, forced_bos_token_id=None,
                        forced_eos_token_id=None)
    model = BartForConditionalGeneration(config)
    special = tokenizer.convert_tokens_to_ids(["[PAD]", "[UNK]", "[CLS]", "[MASK]"])
    with torch.no_grad():  # keep random generations on real words, so beams decode to distinct non-empty texts
        model.final_logits_bias[0, special] = -30
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_bart(tmp_path_factory) -> Path:
    return _tiny_bart(tmp_path_factory.mktemp("mt") / "tiny-bart")


def test_k_beams_become_candidates(tiny_bart):
    t = Seq2SeqTranslator(tiny_bart, num_beams=2, max_new_tokens=6, batch_size=2)
    assert isinstance(t, Translator) and t.name == "hf:tiny-bart" and t.forced_bos_token_id is None
    out = t.translate(["giày đỏ", "ốp điện thoại", "cheap phone"], lang="vie", k=3)
    assert len(out) == 3
    for cands in out:
        assert 1 <= len(cands) <= 3
        assert all(c.source == "hf:tiny-bart" and c.text for c in cands)
        assert len({c.text for c in cands}) == len(cands)
        scores = [c.meta["score"] for c in cands]
        assert scores == sorted(scores, reverse=True)
    assert sum(len(c) for c in out) >= 7  # random beams rarely decode to the same text
    assert [len(c) for c in t.translate(["giày đỏ"], lang="vie", k=1)] == [1]


def test_language_tokens_are_used(tmp_path):
    folder = _tiny_bart(tmp_path / "tiny-nllb", extra_tokens=("vie_Latn", "tha_Thai", "eng_Latn"))
    assert load_translator(f"hf:{folder}").name == "hf:tiny-nllb"
    t = Seq2SeqTranslator(folder, max_new_tokens=5)
    assert t.forced_bos_token_id == t.tokenizer.convert_tokens_to_ids("eng_Latn")
    assert t._set_source("vi") == "vie_Latn" and t._set_source("tha_Thai") == "tha_Thai"
    with pytest.raises(ValueError, match="no language token for 'ben'"):
        t.translate(["x"], lang="ben")
    [[best, *_]] = t.translate(["giày đỏ"], lang="vie", k=2)
    assert best.source == "hf:tiny-nllb"


def test_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        Seq2SeqTranslator(tmp_path / "nope")
