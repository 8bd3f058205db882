"""Translators: precomputed, offline lexicon, OpenAI-compatible endpoint, local seq2seq model."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TypedDict

from lira.config_fields import ConfigError
from lira.translators.base import Candidate, Translator

__all__ = ["Candidate", "Translator", "TRANSLATOR_SPECS", "PRODUCT_LEXICON_SPECS", "TranslatorSpecError",
           "available_languages", "check_translator_spec", "covers", "load_translator"]

PRODUCT_LEXICON_SPECS: tuple[str, ...] = ("lexicon", "lexicon-heldout", "lexicon-train")
TRANSLATOR_SPECS: tuple[str, ...] = ("lexicon", "lexicon-heldout", "lexicon-train", "lexicon:PATH.tsv",
                                     "openai:MODEL@BASE_URL[?timeout=S&retries=N&cache=DIR|none]", "hf:PATH")
API_KEY_ENV = "LIRA_API_KEY"


ENDPOINT_OPTIONS = ("timeout", "retries", "cache")


class TranslatorSpecError(ConfigError):
    """A translator spec of no known form (``TRANSLATOR_SPECS``); a ``ConfigError``, so the CLI prints it as one
    line."""


def _endpoint(arg: str) -> tuple[str, str, str]:
    """``(model, base_url, query)`` of an endpoint spec's ``MODEL@BASE_URL[?QUERY]`` (the part after ``openai:``;
    the model may hold an ``@``)."""
    model, _, address = arg.rpartition("@")
    base_url, _, query = address.partition("?")
    return model, base_url, query


def check_translator_spec(spec: str) -> str:
    """``spec`` itself when it has the form of a ``load_translator`` spec (its form only: a file, folder or
    endpoint is read when the translator loads), else ``TranslatorSpecError`` listing the valid specs. Configs
    check their translators with it before a run starts."""
    kind, _, arg = spec.partition(":")
    if kind == "lexicon" or spec in PRODUCT_LEXICON_SPECS or (kind == "hf" and arg):
        return spec
    model, base_url, query = _endpoint(arg)
    if kind == "openai" and model and base_url:
        try:
            endpoint_options(query, spec)
        except ValueError as e:
            raise TranslatorSpecError(str(e)) from None
        return spec
    raise TranslatorSpecError(f"unknown translator spec {spec!r}; valid specs: {', '.join(TRANSLATOR_SPECS)}")


class EndpointOptions(TypedDict, total=False):
    """The ``ChatConfig`` fields an endpoint spec's query sets (``endpoint_options``)."""

    timeout_s: float
    max_retries: int
    cache_dir: Path | None


def endpoint_options(query: str, spec: str) -> EndpointOptions:
    """``ChatConfig`` fields from an endpoint spec's ``?timeout=S&retries=N&cache=DIR|none`` (all optional). The
    disk cache of answers is on by default, under the feature cache (``$LIRA_CACHE_DIR/translations``), so a
    second identical run sends no request; ``cache=none`` turns it off."""
    from urllib.parse import parse_qsl

    from lira.environment import default_cache_dir

    options: EndpointOptions = {"cache_dir": default_cache_dir() / "translations"}
    for key, value in parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)):
        try:
            if key == "timeout":
                options["timeout_s"] = float(value)
            elif key == "retries":
                options["max_retries"] = int(value)
            elif key == "cache":
                options["cache_dir"] = None if value == "none" else Path(value)
            else:
                raise ValueError(f"unknown option {key!r}; valid: {', '.join(ENDPOINT_OPTIONS)}")
        except ValueError as e:
            raise ValueError(f"translator spec {spec!r}: {e}") from None
    return options


def available_languages(spec: str) -> tuple[str, ...] | None:
    """The languages the translator of ``spec`` covers, as it declares them from its own resources: the built-in
    product lexicons (``PRODUCT_LEXICON_SPECS``) cover the languages they ship a lexicon file for. None when
    the translator takes any language (an endpoint, a model or a lexicon file you give)."""
    if spec in PRODUCT_LEXICON_SPECS:
        from lira.translators.lexicon import product_lexicon_languages

        return product_lexicon_languages()
    return None


def covers(spec: str, lang: str) -> bool:
    """Whether the translator of ``spec`` covers ``lang`` (an ISO 639-3 code); see ``available_languages``."""
    langs = available_languages(spec)
    return langs is None or lang in langs


def load_translator(spec: str, *, lang: str | None = None) -> Translator:
    """A translator from a spec string.

    ``lexicon`` (the built-in product lexicon of ``lang``), ``lexicon-heldout`` (that lexicon without the terms
    only test queries use, ``LexiconTranslator.for_products(lang, held_out=True)``), ``lexicon-train`` (only
    the terms of the titles and train queries: what the dev queries look like to a held-out lexicon, for dev
    selection in that setting), ``lexicon:PATH.tsv`` (a lexicon TSV for ``lang``),
    ``openai:MODEL@BASE_URL[?timeout=S&retries=N&cache=DIR|none]`` (an OpenAI-compatible endpoint; key from
    ``$LIRA_API_KEY`` when set; ``endpoint_options``) or ``hf:PATH`` (a local seq2seq model folder). Anything
    else raises ``TranslatorSpecError`` (a ``ValueError``) listing these.
    """
    check_translator_spec(spec)
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
    if kind == "openai":
        from lira.translators.chat import ChatClient, ChatConfig
        from lira.translators.openai import OpenAITranslator

        model, base_url, query = _endpoint(arg)
        key_env = API_KEY_ENV if os.environ.get(API_KEY_ENV) else None
        return OpenAITranslator(ChatClient(ChatConfig(base_url=base_url, model=model, api_key_env=key_env,
                                                      **endpoint_options(query, spec))))
    from lira.translators.hf_seq2seq import Seq2SeqTranslator  # the one form left (check_translator_spec)

    return Seq2SeqTranslator(arg)
