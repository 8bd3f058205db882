"""An offline lexicon / phrase-table translator (DESIGN.md section 2, step 1).

Algorithm, for a source text in ``lang``:

1. **Tokenise.** Thai, Lao, Khmer and Burmese are written without spaces between words: their text is
   split with ICU's word ``BreakIterator`` (dictionary-based, ``icu.Locale(<ISO 639-1 code>)``). Other
   languages are split at whitespace, and leading/trailing punctuation of each chunk becomes its own token
   (inner hyphens and apostrophes stay: ``anak-anak``, ``t-shirt``). Whitespace is dropped. The Thai and
   Lao repetition marks (``ๆ``, ``ໆ``) become tokens of their own; unless a term contains them they are
   translated as nothing (``สบายๆ`` "comfy-comfy" -> ``comfortable``).
2. **Index.** Every lexicon term is tokenised the same way. A span of tokens is keyed by its lowercased
   tokens joined with a space, or with nothing for the unspaced scripts (so a Thai term matches whatever
   way ICU splits it inside, as long as its ends fall on word boundaries).
3. **Longest match.** From left to right, the longest span of tokens (up to the longest term) whose key is a
   lexicon term is replaced by that term's senses; a multi-word term therefore wins over its parts. A token
   that starts no term is copied through unchanged and, unless it is only digits, punctuation or symbols,
   listed in ``Candidate.untranslated`` (brand names and other Latin words included: they are kept, and
   flagged).
3b. **Repair (unspaced scripts only).** ICU sometimes splits a word wrongly (``หารองเท้า`` "looking for
   shoes" -> ``หาร|อง|เท้า``). Each run of consecutive unmatched non-ASCII word tokens is re-matched over its
   characters: from the run's start, the longest term is taken; a match may end inside an ICU token, and
   the next match then starts there; where no term starts, the text up to the next ICU boundary is copied
   through. The repair is kept only when it leaves fewer untranslated characters.
4. **Candidates.** Candidate 1 uses every term's first sense. Further candidates each swap in one
   alternative sense of one ambiguous term, ranked by sense rank, then by position (all second senses from
   left to right, then all third senses, ...). Candidates with the same text are merged; at most ``k``.

The English output joins the pieces with single spaces, with no space before closing punctuation.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache
from importlib.resources import files
from pathlib import Path

from lira.data.lexicon import LexiconEntry, load_lexicon
from lira.languages import get_language
from lira.translators.base import Candidate

UNSPACED_SCRIPTS: frozenset[str] = frozenset({"Thai", "Laoo", "Khmr", "Mymr"})
REPEAT_MARKS: frozenset[str] = frozenset({"\u0e46", "\u0ec6"})
_CLOSING = re.compile(r" ([,.;:!?%)\]}])")
_OPENING = re.compile(r"([(\[{]) ")


def product_lexicon_dir() -> Path:
    """The built-in product-domain lexicons: one ``<ISO 639-3 code>.tsv`` per language."""
    return Path(str(files("lira") / "resources" / "products" / "lexicon"))


@cache
def product_lexicon_languages() -> tuple[str, ...]:
    """The languages the built-in product lexicon covers (sorted codes): one per lexicon file it ships."""
    return tuple(sorted(p.stem for p in product_lexicon_dir().glob("*.tsv")))


def _is_punct(char: str) -> bool:
    return unicodedata.category(char)[0] in "PS"


def _is_word(token: str) -> bool:
    """True when ``token`` holds a letter or mark (so it should have been translated)."""
    return any(unicodedata.category(c)[0] in "LM" for c in token)


def _icu_locale_code(lang: str) -> str:
    language = get_language(lang)
    return next((a for a in language.aliases if len(a) == 2), language.code)


class Tokenizer:
    """Splits text of one language into word and punctuation tokens (see the module docstring)."""

    def __init__(self, lang: str) -> None:
        self.lang = get_language(lang).code
        self.unspaced = get_language(lang).script in UNSPACED_SCRIPTS
        self.joiner = "" if self.unspaced else " "
        self._locale = _icu_locale_code(lang)

    def __call__(self, text: str) -> list[str]:
        return self._icu(text) if self.unspaced else self._spaced(text)

    def _icu(self, text: str) -> list[str]:
        import icu

        breaker = icu.BreakIterator.createWordInstance(icu.Locale(self._locale))
        breaker.setText(text)
        # ICU reports boundaries in UTF-16 code units; map them back to Python string indices.
        units = [0]
        for char in text:
            units.append(units[-1] + (2 if ord(char) > 0xFFFF else 1))
        index = {u: i for i, u in enumerate(units)}
        bounds = [0, *(index[b] for b in breaker)]
        tokens: list[str] = []
        for piece in (text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)):
            word = piece.strip()
            while len(word) > 1 and word[-1] in REPEAT_MARKS:
                word = word[:-1].rstrip()
            if word:
                tokens.append(word)
            tokens.extend(c for c in piece.strip()[len(word):] if c in REPEAT_MARKS)
        return tokens

    @staticmethod
    def _spaced(text: str) -> list[str]:
        tokens: list[str] = []
        for chunk in text.split():
            start, end = 0, len(chunk)
            while start < end and _is_punct(chunk[start]):
                start += 1
            while end > start and _is_punct(chunk[end - 1]):
                end -= 1
            tokens.extend(chunk[:start])
            if start < end:
                tokens.append(chunk[start:end])
            tokens.extend(chunk[end:])
        return tokens


def _join(parts: Sequence[str]) -> str:
    text = " ".join(p for p in parts if p)
    return _OPENING.sub(r"\1", _CLOSING.sub(r"\1", text))


class LexiconTranslator:
    """Translates ``lang`` text word by word with a bilingual lexicon, longest match first; terms and texts are
    matched in Unicode NFC (composed) form, so a decomposed text finds the composed term.

    ``lexicon`` maps lowercased terms to their senses, as ``lira.data.lexicon.load_lexicon`` returns.
    Candidates are named ``name`` (default ``lexicon:custom``); ``languages`` is ``(lang,)``.
    """

    def __init__(self, lexicon: dict[str, list[LexiconEntry]], *, lang: str, name: str = "lexicon:custom") -> None:
        self.lang = get_language(lang).code
        self.languages: tuple[str, ...] = (self.lang,)
        self.name = name
        self.tokenize = Tokenizer(self.lang)
        self._terms: dict[str, tuple[str, ...]] = {}
        self._max_len = 1
        self._max_chars = 1
        for term, entries in lexicon.items():
            tokens = self.tokenize(unicodedata.normalize("NFC", term))
            senses = tuple(dict.fromkeys(e.translation.strip() for e in entries if e.translation.strip()))
            if not tokens or not senses:
                continue
            key = self._key(tokens)
            self._terms[key] = tuple(dict.fromkeys((*self._terms.get(key, ()), *senses)))
            self._max_len = max(self._max_len, len(tokens))
            self._max_chars = max(self._max_chars, len(key))

    @classmethod
    def from_tsv(cls, path: str | Path, *, lang: str, name: str | None = None) -> LexiconTranslator:
        """A translator over a lexicon TSV (``term<TAB>translation<TAB>note``); named ``lexicon:<file stem>``."""
        return cls(load_lexicon(path), lang=lang, name=name or f"lexicon:{Path(path).stem}")

    @classmethod
    def for_products(cls, lang: str, *, held_out: bool = False,
                     known_splits: tuple[str, ...] = ("train", "dev")) -> LexiconTranslator:
        """The built-in product-domain lexicon of ``lang`` (see ``product_lexicon_languages``):
        ``lexicon:products-<lang>``.

        ``held_out=True`` keeps only the terms that the local titles or the train and dev queries use
        (``lira.data.products.heldout_lexicon_terms``), so test queries meet words the lexicon lacks, as real
        shoppers' queries do; named ``lexicon:products-heldout-<lang>``. ``known_splits=("train",)`` also drops
        the dev-only terms (``lexicon:products-train-<lang>``): dev queries then meet unknown words as test
        queries do under the held-out lexicon, so choices for that setting can be made on dev.
        """
        from lira.data.products import heldout_product_lexicon, load_product_lexicon

        code = get_language(lang).code
        if held_out:
            tag = "heldout" if tuple(known_splits) == ("train", "dev") else "-".join(known_splits)
            return cls(heldout_product_lexicon(code, segmenter=cls, splits=known_splits), lang=code,
                       name=f"lexicon:products-{tag}-{code}")
        return cls(load_product_lexicon(code), lang=code, name=f"lexicon:products-{code}")

    def __len__(self) -> int:
        return len(self._terms)

    def _key(self, tokens: Sequence[str]) -> str:
        return self.tokenize.joiner.join(t.lower() for t in tokens)

    def segment(self, text: str) -> list[tuple[str, tuple[str, ...]]]:
        """``[(source span, senses)]`` by greedy longest match; ``senses`` is ``()`` for a copied token."""
        tokens = self.tokenize(text)
        pieces: list[tuple[str, tuple[str, ...]]] = []
        i = 0
        while i < len(tokens):
            for n in range(min(self._max_len, len(tokens) - i), 0, -1):
                senses = self._terms.get(self._key(tokens[i:i + n]))
                if senses:
                    pieces.append((self.tokenize.joiner.join(tokens[i:i + n]), senses))
                    i += n
                    break
            else:
                pieces.append((tokens[i], ("",) if tokens[i] in REPEAT_MARKS else ()))
                i += 1
        return self._repair(pieces) if self.tokenize.unspaced else pieces

    def _repair(self, pieces: list[tuple[str, tuple[str, ...]]]) -> list[tuple[str, tuple[str, ...]]]:
        """Re-match runs of unmatched non-ASCII tokens character by character (module docstring, step 3b)."""
        out: list[tuple[str, tuple[str, ...]]] = []
        run: list[str] = []
        for surface, senses in [*pieces, ("", ("",))]:
            if not senses and _is_word(surface) and not surface.isascii():
                run.append(surface)
                continue
            if run:
                out.extend(self._rematch(run))
                run = []
            if surface:
                out.append((surface, senses))
        return out

    def _rematch(self, run: list[str]) -> list[tuple[str, tuple[str, ...]]]:
        text = "".join(run)
        bounds = [0]
        for token in run:
            bounds.append(bounds[-1] + len(token))
        pieces: list[tuple[str, tuple[str, ...]]] = []
        pos = 0
        while pos < len(text):
            for end in range(min(len(text), pos + self._max_chars), pos, -1):
                senses = self._terms.get(text[pos:end].lower())
                if senses:
                    pieces.append((text[pos:end], senses))
                    pos = end
                    break
            else:
                end = next(b for b in bounds if b > pos)
                pieces.append((text[pos:end], ()))
                pos = end
        left = sum(len(s) for s, senses in pieces if not senses)
        return pieces if left < len(text) else [(t, ()) for t in run]

    def _candidates(self, text: str, k: int) -> list[Candidate]:
        pieces = self.segment(unicodedata.normalize("NFC", text))  # terms and texts match in composed form
        base = [senses[0] if senses else surface for surface, senses in pieces]
        untranslated = tuple(s for s, senses in pieces if not senses and _is_word(s))
        out = {_join(base): Candidate(_join(base), self.name, untranslated)}
        depth = max((len(senses) for _, senses in pieces), default=0)
        for rank in range(1, depth):
            for pos, (surface, senses) in enumerate(pieces):
                if len(out) >= k:
                    return list(out.values())
                if rank < len(senses):
                    swapped = _join([*base[:pos], senses[rank], *base[pos + 1:]])
                    out.setdefault(swapped, Candidate(swapped, self.name, untranslated,
                                                      meta={"swapped": (surface, senses[rank])}))
        return list(out.values())[:k]

    def translate(self, texts: Sequence[str], *, lang: str, k: int = 1) -> list[list[Candidate]]:
        """Up to ``k`` candidates per text (at least one); ``lang`` must be the lexicon's language."""
        if get_language(lang).code != self.lang:
            raise ValueError(f"{self.name} translates {self.lang}, not {get_language(lang).code}")
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        return [self._candidates(text, k) for text in texts]
