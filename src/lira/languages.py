"""Registry of the languages LiRA serves: 14 low-resource languages plus English, the anchor.

Codes are ISO 639-3 with an ISO 15924 script (as in MTEB and FLORES-200: ``tha_Thai``).
``get_language`` accepts the canonical code, ISO 639-1, FLORES-style ``xxx_Scrp`` and common aliases,
and raises ``UnknownLanguageError`` listing the valid codes for anything else.
"""

from __future__ import annotations

import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Language:
    """One language: ISO 639-3 ``code``, ISO 15924 ``script``, English ``name`` and ``family``."""

    code: str
    script: str
    name: str
    family: str
    aliases: tuple[str, ...] = ()

    @property
    def tag(self) -> str:
        """FLORES/MTEB-style tag, e.g. ``tha_Thai``."""
        return f"{self.code}_{self.script}"


class UnknownLanguageError(ValueError):
    """Raised for a language code LiRA does not know; the message lists the valid codes."""


LANGUAGES: tuple[Language, ...] = (
    Language("vie", "Latn", "Vietnamese", "Austroasiatic", ("vi",)),
    Language("tha", "Thai", "Thai", "Kra-Dai", ("th",)),
    Language("ind", "Latn", "Indonesian", "Austronesian", ("id", "in")),
    Language("zsm", "Latn", "Malay", "Austronesian", ("ms", "msa", "may", "zlm")),
    Language("tgl", "Latn", "Filipino", "Austronesian", ("tl", "fil")),
    Language("mya", "Mymr", "Burmese", "Sino-Tibetan", ("my", "bur")),
    Language("khm", "Khmr", "Khmer", "Austroasiatic", ("km",)),
    Language("lao", "Laoo", "Lao", "Kra-Dai", ("lo",)),
    Language("urd", "Arab", "Urdu", "Indo-Aryan", ("ur",)),
    Language("ben", "Beng", "Bengali", "Indo-Aryan", ("bn", "bangla")),
    Language("hin", "Deva", "Hindi", "Indo-Aryan", ("hi",)),
    Language("npi", "Deva", "Nepali", "Indo-Aryan", ("ne", "nep")),
    Language("sin", "Sinh", "Sinhala", "Indo-Aryan", ("si",)),
    Language("tam", "Taml", "Tamil", "Dravidian", ("ta",)),
    Language("eng", "Latn", "English", "Germanic", ("en",)),
)

LOW_RESOURCE: tuple[str, ...] = tuple(lang.code for lang in LANGUAGES if lang.code != "eng")
ENGLISH = "eng"

_BY_KEY: dict[str, Language] = {}
for _lang in LANGUAGES:
    for _key in (_lang.code, _lang.tag, *_lang.aliases):
        _BY_KEY[_key.lower()] = _lang
    for _alias in _lang.aliases:
        _BY_KEY[f"{_alias}_{_lang.script}".lower()] = _lang


def valid_codes() -> str:
    """A one-line list of the valid codes with their names, for error messages."""
    return ", ".join(f"{lang.code} ({lang.name})" for lang in LANGUAGES)


def get_language(code: str) -> Language:
    """Resolve ``code`` (``th``, ``tha``, ``tha_Thai``, ``fil``, ...) to its ``Language``.

    Raises ``UnknownLanguageError`` naming the code and listing the valid ones.
    """
    if not isinstance(code, str) or code.strip().lower().replace("-", "_") not in _BY_KEY:
        raise UnknownLanguageError(
            f"unknown language code {code!r}; valid codes: {valid_codes()} "
            "(ISO 639-1 codes, FLORES tags such as tha_Thai and aliases such as fil, ms, ne are accepted)"
        )
    return _BY_KEY[code.strip().lower().replace("-", "_")]


def normalize_code(code: str) -> str:
    """The canonical ISO 639-3 code of ``code``."""
    return get_language(code).code


# Unicode blocks per ISO 15924 script (letters and combining marks only are counted).
_SCRIPT_RANGES: dict[str, tuple[tuple[int, int], ...]] = {
    "Latn": ((0x41, 0x5A), (0x61, 0x7A), (0xC0, 0x24F), (0x300, 0x36F), (0x1E00, 0x1EFF)),
    "Thai": ((0x0E00, 0x0E7F),),
    "Laoo": ((0x0E80, 0x0EFF),),
    "Khmr": ((0x1780, 0x17FF), (0x19E0, 0x19FF)),
    "Mymr": ((0x1000, 0x109F), (0xA9E0, 0xA9FF), (0xAA60, 0xAA7F)),
    "Arab": ((0x0600, 0x06FF), (0x0750, 0x077F), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)),
    "Beng": ((0x0980, 0x09FF),),
    "Deva": ((0x0900, 0x097F), (0xA8E0, 0xA8FF)),
    "Sinh": ((0x0D80, 0x0DFF),),
    "Taml": ((0x0B80, 0x0BFF),),
}


@cache  # a few thousand distinct characters per script; the critic asks per character
def _in_script(char: str, script: str) -> bool:
    point = ord(char)
    return any(lo <= point <= hi for lo, hi in _SCRIPT_RANGES[script])


@cache
def _is_letter(char: str) -> bool:
    """Whether ``char`` is a letter or a combining mark (Unicode categories L and M)."""
    return unicodedata.category(char)[0] in "LM"


def in_script(char: str, script: str) -> bool:
    """Whether ``char`` is a letter (or combining mark) of ``script``: ``script_share(char, script) == 1``."""
    return _is_letter(char) and _in_script(char, script)


def script_share(text: str, script: str) -> float | None:
    """Share of ``text``'s counted letters that belong to ``script``; ``None`` if none are counted.

    For a non-Latin script, Latin letters are not counted: brand names, romanised words and
    code-mixing are normal in these languages. For Latin, every letter counts.
    """
    letters = [c for c in text if _is_letter(c)]
    if script != "Latn":
        letters = [c for c in letters if not _in_script(c, "Latn")]
    if not letters:
        return None
    return sum(_in_script(c, script) for c in letters) / len(letters)


class ScriptWarning(UserWarning):
    """The one warning of ``check_script``. Besides the message it carries the numbers (``count`` texts, the
    ``first`` one's index, the ``language``), so a caller that checks in several calls
    (``lira.stream.encode_to_npy``) can sum them into one warning."""

    count: int = 0
    first: int = 0
    language: Language | None = None

    @classmethod
    def of(cls, count: int, first: int, language: Language, *, name: str | None = None) -> ScriptWarning:
        """The warning for ``count`` texts tagged ``language`` in another script, the first at index ``first``
        (or named ``name``: an example's ``file:line``)."""
        where = f"first: {name}" if name is not None else f"first at index {first}"
        warning = cls(f"{count} text(s) tagged {language.code} ({language.name}, script {language.script}) are "
                      f"mostly written in another script ({where}); check the language code")
        warning.count, warning.first, warning.language = count, first, language
        return warning


class DecomposedTextWarning(UserWarning):
    """The warning of ``check_composed``."""


def check_composed(texts: Sequence[str]) -> list[int]:
    """Warn once (a ``DecomposedTextWarning``) when texts hold characters that Unicode NFC composes, such as
    Vietnamese tones typed as combining marks: e5's tokenizer reads them as other tokens than the composed text
    (its vector differs), while translation lookups match both forms. Returns their indices."""
    bad = [i for i, t in enumerate(texts)
           if not unicodedata.is_normalized("NFC", t) and len(unicodedata.normalize("NFC", t)) < len(t)]
    if bad:
        warnings.warn(DecomposedTextWarning(
            f"{len(bad)} text(s) hold decomposed characters (Unicode NFD, e.g. tone marks typed apart from their "
            f"letter; first at index {bad[0]}): the multilingual encoder reads them differently from the composed "
            "text; compose them first: unicodedata.normalize('NFC', text)"), stacklevel=3)
    return bad


def check_script(texts: Iterable[str], lang: str, *, threshold: float = 0.5) -> list[int]:
    """Warn once (a ``ScriptWarning``) when texts look like another script than ``lang``'s (e.g. Thai text
    tagged ``lao``), and (``check_composed``) when some hold decomposed characters.

    Returns the indices of the suspicious texts: those whose ``script_share`` is below ``threshold``.
    """
    language = get_language(lang)
    texts = list(texts)
    check_composed(texts)
    bad = []
    for i, text in enumerate(texts):
        share = script_share(text, language.script)
        if share is not None and share < threshold:
            bad.append(i)
    if bad:
        warnings.warn(ScriptWarning.of(len(bad), bad[0], language), stacklevel=2)
    return bad
