"""The language of a query from its script, for requests that give no ``lang``.

Letters are counted per ISO 15924 script (``lira.languages`` ranges); Latin letters count only when no other
script's letters are present (brand names in Thai or Urdu queries are normal). A script written by one of LiRA's
languages gives that language (Thai -> tha, Arabic -> urd, Bengali -> ben, ...). A script shared by several stays
ambiguous unless:

- Latin with an accented letter (``à á â ã ạ đ ơ ư ...``; ``ñ`` aside): of the Latin-script languages here only
  Vietnamese writes them routinely (Indonesian, Malay and English use none, Filipino ``ñ`` in loanwords) -> vie;
- Latin whose words one language's product lexicon (ind, zsm, tgl; ``lira.data.products``) or the English
  vocabulary (eng) covers strictly best, and at least half of them.

Otherwise the candidates are returned and the caller asks for ``lang``. Romanised Thai, Urdu or Bengali look like
any Latin query and need ``lang``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from lira.languages import LANGUAGES, get_language, script_share

_SCRIPTS: dict[str, tuple[str, ...]] = {}
for _lang in LANGUAGES:
    _SCRIPTS[_lang.script] = (*_SCRIPTS.get(_lang.script, ()), _lang.code)
LATIN_LEXICON_LANGS = ("ind", "zsm", "tgl")
_NOT_VIETNAMESE = set("ñÑ")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
MIN_COVERAGE = 0.5


@dataclass(frozen=True)
class Detection:
    """``lang`` when decided, else None with the ``candidates``; ``script`` the dominant script (or None) and
    ``reason`` how it was decided."""

    lang: str | None
    candidates: tuple[str, ...]
    script: str | None
    reason: str


def dominant_script(text: str) -> str | None:
    """The script with most letters in ``text`` among LiRA's scripts; Latin only when no other is present."""
    counts: dict[str, int] = {}
    for char in text:
        if unicodedata.category(char)[0] not in "LM":
            continue
        for script in _SCRIPTS:
            if script_share(char, script) == 1.0:
                counts[script] = counts.get(script, 0) + 1
                break
    non_latin = {s: n for s, n in counts.items() if s != "Latn"}
    pool = non_latin or counts
    return max(pool, key=lambda s: pool[s]) if pool else None


@cache
def _lexicon_words(lang: str) -> frozenset[str]:
    from lira.data.products import load_product_lexicon

    return frozenset(w for term in load_product_lexicon(lang) for w in _WORD.findall(term.lower()))


@cache
def _english_words() -> frozenset[str]:
    from lira.arca.offline_critic import english_vocabulary

    return english_vocabulary()


def _latin(text: str) -> Detection:
    candidates = _SCRIPTS["Latn"]
    accented = [c for c in unicodedata.normalize("NFC", text) if not c.isascii() and c not in _NOT_VIETNAMESE
                and unicodedata.category(c)[0] in "LM" and script_share(c, "Latn") == 1.0]
    if accented:
        return Detection("vie", candidates, "Latn", "accented Latin letters only Vietnamese uses here")
    words = [w.lower() for w in _WORD.findall(text)]
    coverage = {lang: sum(w in _lexicon_words(lang) for w in words) / len(words) for lang in LATIN_LEXICON_LANGS}
    coverage["eng"] = sum(w in _english_words() for w in words) / len(words)
    best = max(coverage.values())
    leaders = tuple(lang for lang, share in coverage.items() if share == best)
    if len(leaders) == 1 and best >= MIN_COVERAGE:
        return Detection(leaders[0], candidates, "Latn", f"{best:.0%} of its words are {leaders[0]} words")
    ranked = tuple(sorted(candidates, key=lambda c: -coverage.get(c, -1.0)))
    return Detection(None, ranked, "Latn", "Latin script is written by several languages and its words do not "
                                           "single one out")


def detect_language(text: str) -> Detection:
    """The language of ``text`` from its script (see the module docstring)."""
    script = dominant_script(text)
    if script is None:
        letters = any(unicodedata.category(c)[0] in "LM" for c in text)
        why = "written in a script none of LiRA's languages uses" if letters else "no letters to tell the script by"
        return Detection(None, tuple(lang.code for lang in LANGUAGES), None, why)
    candidates = _SCRIPTS[script]
    if len(candidates) == 1:
        return Detection(candidates[0], candidates, script, f"written in {script} script")
    if script == "Latn":
        return _latin(text)
    return Detection(None, candidates, script, f"{script} script is written by several languages")


def script_mismatch(text: str, lang: str, *, threshold: float = 0.5) -> str | None:
    """Why ``text`` cannot be in ``lang`` (mostly another script's letters), or None when it can."""
    language = get_language(lang)
    share = script_share(text, language.script)
    if share is None or share >= threshold:
        return None
    seen = dominant_script(text) or "another"
    return (f"the query is written in {seen} script, but lang {language.code!r} ({language.name}) is written in "
            f"{language.script} script")
