"""The English path a method reads at evaluation time.

``pick_translations`` asks the task's translator for candidates and lets the method choose: a method with a
``choose(texts, pools, lang=)`` (LiRA: the offline critic scores, Arca's Actor picks) chooses among all of
them; the other translation-aware peers take the first candidate; methods that read the source only get None.
``encode_by_lang`` (a task's pooled training data, read by the probes of every test subset) keeps its last results
in memory, keyed by the method and a SHA-1 of the texts, languages, role and the translations they read, so the
subsets of a task and its noise settings (whose training texts read the clean English) encode them once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from lira.languages import ENGLISH
from lira.lru import LRU
from lira.translators.base import Translator, is_ranked


def needs_translations(method: Any) -> bool:
    """Whether ``method`` reads an English translation (``needs_translations = True``)."""
    return bool(getattr(method, "needs_translations", False))


def candidates_for(method: Any) -> int:
    """Candidates per text a method chooses among: a chooser's ``config.candidates`` (LiRA's), else 1."""
    if not hasattr(method, "choose"):
        return 1
    return max(1, int(getattr(getattr(method, "config", None), "candidates", 1) or 1))


def pick_translations(method: Any, texts: Sequence[str], *, lang: str, translator: Translator | None,
                      k: int | None = None) -> list[str | None] | None:
    """One English text per source text (None where there is no candidate), or None when ``method`` reads
    no translation. ``k`` candidates per text are asked of ``translator`` (noise wrappers add variants;
    default ``candidates_for(method)``)."""
    if not needs_translations(method):
        return None
    if translator is None or not texts:
        return [None] * len(texts)
    pools = translator.translate(list(texts), lang=lang, k=candidates_for(method) if k is None else k)
    if hasattr(method, "choose") and any(len(pool) > 1 for pool in pools):
        return method.choose(list(texts), pools, lang=lang, ranked=is_ranked(translator))
    return [pool[0].text if pool else None for pool in pools]


def _read(method: Any, texts: Sequence[str], *, lang: str, translator: Translator | None,
          english: bool) -> tuple[str, list[str | None] | None]:
    """The language code and the translations ``method`` reads ``texts`` with (``encode``)."""
    if english:
        return ENGLISH, list(texts) if needs_translations(method) else None
    return lang, pick_translations(method, texts, lang=lang, translator=translator)


def _encode(method: Any, texts: Sequence[str], lang: str, role: str, translations: list[str | None] | None) -> Any:
    if translations is None:
        return method.encode(list(texts), lang=lang, role=role)
    return method.encode(list(texts), lang=lang, role=role, translations=translations)


def encode(method: Any, texts: Sequence[str], *, lang: str, translator: Translator | None = None,
           role: str = "query", english: bool = False) -> Any:
    """``method.encode`` of ``texts`` with the translations it needs; ``english=True`` marks English texts
    (language ``eng``, their own translation)."""
    lang, translations = _read(method, texts, lang=lang, translator=translator, english=english)
    return _encode(method, texts, lang, role, translations)


# SHA-1 of what encode_by_lang read -> (the method, so that its id is not reused while it is kept; the vectors)
_POOLED: LRU[str, tuple[Any, np.ndarray]] = LRU(8)


def encode_by_lang(method: Any, texts: Sequence[str], langs: Sequence[str], *, translator: Translator | None = None,
                   role: str = "query") -> np.ndarray:
    """``encode`` of texts in several languages (``langs``, one per text), one call per language, rows in the
    input order (probes fitted on a task's pooled training data); English texts are their own translation."""
    if len(texts) != len(langs):
        raise ValueError(f"{len(texts)} texts but {len(langs)} language codes")
    if not texts:
        raise ValueError("no texts to encode")
    groups = []
    digest = hashlib.sha1(repr((id(method), role)).encode())
    for lang in dict.fromkeys(langs):
        rows = [i for i, code in enumerate(langs) if code == lang]
        group = [texts[i] for i in rows]
        code, translations = _read(method, group, lang=lang, translator=translator, english=lang == ENGLISH)
        digest.update(repr((rows, group, code, translations)).encode())
        groups.append((rows, group, code, translations))
    key = digest.hexdigest()
    hit = _POOLED.get(key)
    if hit is not None:
        return hit[1].copy()
    out: np.ndarray | None = None
    for rows, group, code, translations in groups:
        vectors = np.asarray(_encode(method, group, code, role, translations))
        if out is None:
            out = np.zeros((len(texts), vectors.shape[1]), dtype=vectors.dtype)
        out[rows] = vectors
    assert out is not None
    _POOLED.put(key, (method, out.copy()))
    return out
