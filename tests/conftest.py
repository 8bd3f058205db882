"""Shared fixtures: tiny random-weight Hugging Face models built on the spot (no download), a temporary
feature cache, and the real data folder (tests that need it skip when it is absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

WORDS = ["hello", "world", "red", "shoes", "phone", "case", "rice", "cooker", "cheap", "nike", "black", "the", "a"]


def _tokenizer(folder: Path):
    from transformers import BertTokenizerFast

    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS, *"abcdefghijklmnopqrstuvwxyz"]))
    return BertTokenizerFast(vocab=str(vocab), model_max_length=32)


def _tiny_model(folder: Path, model_class: str, config_class: str, **config) -> Path:
    """Save a random-weight 2-layer, 32-d model of ``model_class`` with the toy tokenizer into ``folder``."""
    import torch
    import transformers

    tokenizer = _tokenizer(folder)
    torch.manual_seed(0)
    # the vocabulary file's line count, not len(tokenizer): "a" is both a word and a letter, and the letters'
    # ids count its two lines
    settings = dict(vocab_size=max(tokenizer.get_vocab().values()) + 1, hidden_size=32, num_hidden_layers=2,
                    num_attention_heads=2, intermediate_size=64, **config)
    getattr(transformers, model_class)(getattr(transformers, config_class)(**settings)).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory) -> Path:
    """A 2-layer, 32-d BERT encoder with random weights, saved as a local HF folder."""
    return _tiny_model(tmp_path_factory.mktemp("tiny-bert"), "BertModel", "BertConfig", max_position_embeddings=32)


@pytest.fixture(scope="session")
def tiny_llama_dir(tmp_path_factory) -> Path:
    """A 2-layer decoder-only (Llama) model with random weights, saved as a local HF folder."""
    return _tiny_model(tmp_path_factory.mktemp("tiny-llama"), "LlamaModel", "LlamaConfig", num_key_value_heads=2,
                       max_position_embeddings=64, pad_token_id=0)


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    """Every test gets its own feature cache folder."""
    monkeypatch.setenv("LIRA_CACHE_DIR", str(tmp_path / "lira-cache"))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real benchmark folder (``$LIRA_DATA_DIR`` or ``../shared/data``); skips when absent."""
    folder = Path(os.environ.get("LIRA_DATA_DIR") or Path(__file__).resolve().parents[2] / "shared" / "data")
    if not folder.is_dir():
        pytest.skip(f"real data folder not found at {folder} (set LIRA_DATA_DIR)")
    return folder


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that read the real benchmark folder (the ``data_dir`` fixture) carry the ``data`` marker."""
    for item in items:
        if "data_dir" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.data)
