"""Translators: precomputed, offline lexicon, OpenAI-compatible endpoint, local seq2seq model."""

from __future__ import annotations

import os
from pathlib import Path

from lira.translators.base import Candidate, Translator

__all__ = ["Candidate", "Translator", "TRANSLATOR_SPECS", "load_translator"]

TRANSLATOR_SPECS: tuple[str, ...] = ("lexicon", "lexicon-heldout", "lexicon-train", "lexicon:PATH.tsv",
                                     "openai:MODEL@BASE_URL", "hf:PATH")
API_KEY_ENV = "LIRA_API_KEY"


def load_translator(spec: str, *, lang: str | None = None) -> Translator:
    """A translator from a spec string.

    ``lexicon`` (the built-in product lexicon of ``lang``), ``lexicon-heldout`` (that lexicon without the terms
    only test queries use, ``LexiconTranslator.for_products(lang, held_out=True)``), ``lexicon-train`` (only
    the terms of the titles and train queries: what the dev queries look like to a held-out lexicon, for dev
    selection in that setting), ``lexicon:PATH.tsv`` (a
    lexicon TSV for ``lang``), ``openai:MODEL@BASE_URL`` (an OpenAI-compatible endpoint; key from
    ``$LIRA_API_KEY`` when set) or ``hf:PATH`` (a local seq2seq model folder). Anything else raises
    ``ValueError`` listing these.
    """
    kind, _, arg = spec.partition(":")
    if kind == "lexicon" or spec in ("lexicon-heldout", "lexicon-train"):
        from lira.translators.lexicon import LexiconTranslator

        if lang is None:
            raise ValueError(f"translator {spec!r} needs a language (lang=...)")
        if arg:
            return LexiconTranslator.from_tsv(Path(arg), lang=lang)
        if spec == "lexicon-train":
            return LexiconTranslator.for_products(lang, held_out=True, known_splits=("train",))
        return LexiconTranslator.for_products(lang, held_out=spec == "lexicon-heldout")
    if kind == "openai" and "@" in arg:
        from lira.translators.chat import ChatClient, ChatConfig
        from lira.translators.openai import OpenAITranslator

        model, _, base_url = arg.rpartition("@")
        if model and base_url:
            key_env = API_KEY_ENV if os.environ.get(API_KEY_ENV) else None
            return OpenAITranslator(ChatClient(ChatConfig(base_url=base_url, model=model, api_key_env=key_env)))
    if kind == "hf" and arg:
        from lira.translators.hf_seq2seq import Seq2SeqTranslator

        return Seq2SeqTranslator(arg)
    raise ValueError(f"unknown translator spec {spec!r}; valid specs: {', '.join(TRANSLATOR_SPECS)}")
