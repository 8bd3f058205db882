"""Seeded noise models for English translation candidates (actor training, noise-amplified evaluation).

Texts are split on whitespace into tokens; each model takes a ``rate`` in [0, 1] (``ValueError`` outside) and
a ``numpy.random.Generator``, so the same seed gives the same output and rate 0 leaves the text unchanged.
Kinds (each draw is independent, one uniform draw per token or site):

- ``drop``: each token is deleted with probability ``rate``; at least one token is always kept (rate 1 keeps
  exactly one token, chosen at random).
- ``swap``: scanning left to right, token ``i`` is swapped with ``i+1`` with probability ``rate`` and the scan
  then skips the pair, so no token moves twice (rate 1 swaps pairs (0,1), (2,3), ...).
- ``duplicate``: each token is followed by a copy of itself with probability ``rate`` (rate 1 doubles all).
- ``typo``: each token holding a letter gets one character edit with probability ``rate``: insert,
  delete, substitute or transpose (adjacent, different characters), never creating or removing spaces;
  every edit changes the token.
- ``code_mix``: English tokens that contain a letter and do not occur in the source are replaced, with
  probability ``rate``, by source tokens (surrounding punctuation stripped) that do not occur in the English
  text (brand names and numbers shared by both sides are left alone). The k-th of n eligible English tokens
  takes pool token ``floor((k + 0.5) * m / n)`` of the m pool tokens (monotone proportional alignment; there is
  no aligner), and adjacent English tokens mapped to the same source token are merged. Inserted tokens are listed in
  ``Candidate.untranslated``. Needs ``source_text``; unchanged when either side has nothing eligible.
- ``sense``: each (longest-match, case-insensitive) occurrence of a key of ``senses`` (English word or phrase
  -> alternative senses/near words) is replaced by a random alternative with probability ``rate``; letter case
  and surrounding punctuation of the original are kept. Without ``senses`` the built-in
  ``BUILTIN_SENSES`` confusion list is used; ``senses_from_lexicon`` builds one from a lexicon's alternative
  senses. Unchanged when nothing matches.
- ``mixed``: ``mixed_noise``: one or two of the text-only kinds (``TEXT_KINDS``), drawn at random, applied in
  turn at ``rate``.

Reference for the perturbation families: Belinkov & Bisk 2018, "Synthetic and Natural Noise Both Break Neural
Machine Translation" (arXiv 1711.02173); for synthetic code-mixing, Winata et al. 2019, "Code-Switched Language
Models Using Neural Based Synthetic Data from Parallel Sentences" (CoNLL 2019).
"""

from __future__ import annotations

import math
import re
import string
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from lira.data.lexicon import LexiconEntry
from lira.translators.base import Candidate, Translator, is_ranked

TEXT_KINDS: tuple[str, ...] = ("drop", "swap", "duplicate", "typo", "sense")
NOISE_KINDS: tuple[str, ...] = (*TEXT_KINDS, "code_mix", "mixed")

BUILTIN_SENSES: dict[str, tuple[str, ...]] = {
    "phone": ("telephone call", "handset"),
    "smartphone": ("mobile", "telephone"),
    "mobile phone": ("portable telephone", "handheld"),
    "case": ("lawsuit", "box", "suitcase"),
    "cover": ("blanket", "lid"),
    "black": ("dark", "ebony"),
    "white": ("blank", "pale"),
    "blue": ("sad", "navy"),
    "green": ("unripe", "inexperienced"),
    "pink": ("rose", "salmon"),
    "light": ("lamp", "pale", "lightweight"),
    "charger": ("battery", "loader"),
    "power bank": ("electricity bank", "battery pack"),
    "watch": ("look at", "clock"),
    "glass": ("cup", "mirror"),
    "bag": ("sack", "pocket"),
    "shoes": ("boots", "horseshoes"),
    "shirt": ("blouse", "jersey"),
    "cooker": ("stove", "chef"),
    "rice cooker": ("rice stove", "rice chef"),
    "pan": ("pot", "basin"),
    "bottle": ("flask", "jar"),
    "screen": ("sieve", "monitor"),
    "mouse": ("rat",),
    "fan": ("supporter", "blower"),
    "iron": ("metal", "steel"),
    "table": ("chart", "desk"),
    "set": ("group", "kit"),
    "cheap": ("low quality", "inexpensive"),
    "new": ("fresh", "young"),
    "original": ("first", "genuine"),
    "large": ("wide", "great"),
    "small": ("little", "minor"),
    "leather": ("skin", "hide"),
    "oil": ("grease", "petrol"),
    "cream": ("lotion", "milk"),
    "powder": ("dust", "flour"),
    "pack": ("package", "herd"),
    "running": ("operating", "flowing"),
    "good": ("fine", "okay"),
    "great": ("large", "big"),
}

_PUNCT = string.punctuation + "\u201c\u201d\u2018\u2019\u00ab\u00bb"
_LETTERS = string.ascii_lowercase


def check_rate(rate: float) -> float:
    """``rate`` as a float; ``ValueError`` unless it is a number in [0, 1]."""
    try:
        value = float(rate)
    except (TypeError, ValueError):
        raise ValueError(f"noise rate must be a number in [0, 1], got {rate!r}") from None
    if not 0.0 <= value <= 1.0 or math.isnan(value):
        raise ValueError(f"noise rate must be in [0, 1], got {rate!r}")
    return value


@dataclass(frozen=True)
class NoiseConfig:
    """One noise model: ``kind`` (one of ``NOISE_KINDS``), ``rate`` in [0, 1] and a non-negative ``seed``."""

    kind: str
    rate: float
    seed: int = 0

    def __post_init__(self) -> None:
        if self.kind not in NOISE_KINDS:
            raise ValueError(f"unknown noise kind {self.kind!r}; valid kinds: {', '.join(NOISE_KINDS)}")
        object.__setattr__(self, "rate", check_rate(self.rate))
        if not isinstance(self.seed, int | np.integer) or self.seed < 0:
            raise ValueError(f"noise seed must be a non-negative integer, got {self.seed!r}")

    @property
    def label(self) -> str:
        """``noise:<kind>@<rate>``, appended to a candidate's ``source``."""
        return f"noise:{self.kind}@{self.rate}"


def noise_rng(seed: int, *keys: str) -> np.random.Generator:
    """A generator seeded by ``seed`` and CRC32 of ``keys`` (stable across runs, unlike ``hash``)."""
    return np.random.default_rng([int(seed), *(zlib.crc32(k.encode("utf-8")) for k in keys)])


def _has_letter(token: str) -> bool:
    return any(c.isalpha() for c in token)


def drop_tokens(tokens: Sequence[str], rate: float, rng: np.random.Generator) -> list[str]:
    """Delete each token with probability ``rate``; keep one random token if all would go."""
    rate = check_rate(rate)
    if not tokens:
        return []
    keep = rng.random(len(tokens)) >= rate
    if not keep.any():
        keep[rng.integers(len(tokens))] = True
    return [t for t, k in zip(tokens, keep, strict=True) if k]


def swap_tokens(tokens: Sequence[str], rate: float, rng: np.random.Generator) -> list[str]:
    """Swap token ``i`` with ``i+1`` with probability ``rate``, then skip the swapped pair."""
    rate = check_rate(rate)
    out, i = list(tokens), 0
    while i < len(out) - 1:
        if rng.random() < rate:
            out[i], out[i + 1] = out[i + 1], out[i]
            i += 2
        else:
            i += 1
    return out


def duplicate_tokens(tokens: Sequence[str], rate: float, rng: np.random.Generator) -> list[str]:
    """Follow each token by a copy of itself with probability ``rate``."""
    rate = check_rate(rate)
    out: list[str] = []
    for token in tokens:
        out.append(token)
        if rng.random() < rate:
            out.append(token)
    return out


def typo(word: str, rng: np.random.Generator) -> str:
    """One random edit of ``word`` (insert, delete, substitute, transpose); the result always differs."""
    pairs = [i for i in range(len(word) - 1) if word[i] != word[i + 1]]
    ops = ["insert", "substitute"] + (["delete"] if len(word) > 1 else []) + (["transpose"] if pairs else [])
    op = ops[rng.integers(len(ops))]
    if op == "insert":
        pos = int(rng.integers(len(word) + 1))
        return word[:pos] + _LETTERS[rng.integers(26)] + word[pos:]
    if op == "delete":
        pos = int(rng.integers(len(word)))
        return word[:pos] + word[pos + 1:]
    if op == "transpose":
        pos = pairs[rng.integers(len(pairs))]
        return word[:pos] + word[pos + 1] + word[pos] + word[pos + 2:]
    pos = int(rng.integers(len(word)))
    choices = [c for c in _LETTERS if c != word[pos].lower()]
    new = choices[rng.integers(len(choices))]
    return word[:pos] + (new.upper() if word[pos].isupper() else new) + word[pos + 1:]


def typo_tokens(tokens: Sequence[str], rate: float, rng: np.random.Generator) -> list[str]:
    """Give each token that holds a letter one ``typo`` with probability ``rate``."""
    rate = check_rate(rate)
    return [typo(t, rng) if _has_letter(t) and rng.random() < rate else t for t in tokens]


def code_mix_tokens(tokens: Sequence[str], source_text: str, rate: float,
                    rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """Replace eligible English tokens by proportionally aligned source tokens; returns (tokens, inserted)."""
    rate = check_rate(rate)
    src = [w for w in (t.strip(_PUNCT) for t in source_text.split()) if w]
    en_lower, src_lower = {t.lower().strip(_PUNCT) for t in tokens}, {t.lower() for t in src}
    pool = [s for s in src if _has_letter(s) and s.lower() not in en_lower]
    eligible = [i for i, t in enumerate(tokens) if _has_letter(t) and t.lower().strip(_PUNCT) not in src_lower]
    if not pool or not eligible:
        return list(tokens), []
    rank = {i: k for k, i in enumerate(eligible)}
    chosen = {i for i in eligible if rng.random() < rate}
    out: list[str] = []
    inserted: list[str] = []
    previous = -1
    for i, token in enumerate(tokens):
        if i not in chosen:
            out.append(token)
            previous = -1
            continue
        j = min(len(pool) - 1, int((rank[i] + 0.5) * len(pool) / len(eligible)))
        if j != previous:
            out.append(pool[j])
            inserted.append(pool[j])
        previous = j
    return out, inserted


def _split_punct(token: str) -> tuple[str, str, str]:
    core = token.strip(_PUNCT)
    if not core:
        return "", token, ""
    start = token.index(core)
    return token[:start], core, token[start + len(core):]


def _match_case(original: Sequence[str], words: list[str]) -> list[str]:
    lettered = [w for w in original if _has_letter(w)]
    if lettered and all(w.isupper() for w in lettered) and any(len(w) > 1 for w in lettered):
        return [w.upper() for w in words]
    if original and original[0][:1].isupper():
        return [w[:1].upper() + w[1:] for w in words]
    return words


def sense_tokens(tokens: Sequence[str], rate: float, rng: np.random.Generator,
                 senses: Mapping[str, Sequence[str]] | None = None) -> list[str]:
    """Replace longest-match occurrences of ``senses`` keys by a random alternative with probability ``rate``."""
    rate = check_rate(rate)
    table: dict[tuple[str, ...], list[str]] = {}
    for sense, alts in (BUILTIN_SENSES if senses is None else senses).items():
        phrase = tuple(sense.lower().split())
        options = [a for a in dict.fromkeys(a.strip() for a in alts) if a and a.lower() != sense.lower().strip()]
        if phrase and options:
            bucket = table.setdefault(phrase, [])
            bucket.extend(o for o in options if o not in bucket)
    longest = max((len(k) for k in table), default=0)
    parts = [_split_punct(t) for t in tokens]
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for span in range(min(longest, len(tokens) - i), 0, -1):
            key = tuple(p[1].lower() for p in parts[i:i + span])
            if all(key) and key in table:
                break
        else:
            out.append(tokens[i])
            i += 1
            continue
        if rng.random() < rate:
            options = table[key]
            words = _match_case([p[1] for p in parts[i:i + span]], options[rng.integers(len(options))].split())
            words[0] = parts[i][0] + words[0]
            words[-1] = words[-1] + parts[i + span - 1][2]
            out.extend(words)
        else:
            out.extend(tokens[i:i + span])
        i += span
    return out


def senses_from_lexicon(lexicon: Mapping[str, Sequence[LexiconEntry]]) -> dict[str, tuple[str, ...]]:
    """Invert a lexicon's alternative senses: English translation -> the other translations of the same term.

    Parenthesised notes in translations (``"HP (laptop brand)"`` -> ``"HP"``) are dropped; keys are lowercased.
    """
    out: dict[str, list[str]] = {}
    for entries in lexicon.values():
        translations = list(dict.fromkeys(
            cleaned for e in entries if (cleaned := re.sub(r"\s*\([^)]*\)", "", e.translation).strip())))
        for t in translations:
            bucket = out.setdefault(t.lower(), [])
            bucket.extend(o for o in translations if o.lower() != t.lower() and o not in bucket)
    return {k: tuple(v) for k, v in out.items() if v}


def _apply_kind(tokens: list[str], kind: str, rate: float, rng: np.random.Generator, source_text: str | None,
                senses: Mapping[str, Sequence[str]] | None) -> tuple[list[str], list[str]]:
    if kind == "drop":
        return drop_tokens(tokens, rate, rng), []
    if kind == "swap":
        return swap_tokens(tokens, rate, rng), []
    if kind == "duplicate":
        return duplicate_tokens(tokens, rate, rng), []
    if kind == "typo":
        return typo_tokens(tokens, rate, rng), []
    if kind == "sense":
        return sense_tokens(tokens, rate, rng, senses), []
    if kind == "code_mix":
        if source_text is None:
            raise ValueError("code_mix noise needs the source text (source_text=...)")
        return code_mix_tokens(tokens, source_text, rate, rng)
    if kind == "mixed":
        return mixed_noise(" ".join(tokens), rate, rng, senses=senses).split(), []
    raise ValueError(f"unknown noise kind {kind!r}; valid kinds: {', '.join(NOISE_KINDS)}")


def mixed_noise(text: str, rate: float, rng: np.random.Generator, *, kinds: Sequence[str] = TEXT_KINDS,
                senses: Mapping[str, Sequence[str]] | None = None) -> str:
    """Apply one or two kinds drawn at random (without replacement) from ``kinds``, each at ``rate``."""
    rate = check_rate(rate)
    bad = [k for k in kinds if k not in TEXT_KINDS]
    if bad or not kinds:
        raise ValueError(f"mixed_noise kinds must be a non-empty subset of {', '.join(TEXT_KINDS)}, got {kinds!r}")
    tokens = text.split()
    count = int(rng.integers(1, min(2, len(kinds)) + 1))
    for index in rng.permutation(len(kinds))[:count]:
        tokens, _ = _apply_kind(tokens, kinds[int(index)], rate, rng, None, senses)
    return text if tokens == text.split() else " ".join(tokens)


def apply_noise(candidate: Candidate, *, source_text: str | None = None, config: NoiseConfig,
                rng: np.random.Generator | None = None,
                senses: Mapping[str, Sequence[str]] | None = None) -> Candidate:
    """A noisy copy of ``candidate``: text perturbed by ``config`` (``rng`` defaults to ``config.seed``).

    ``source`` becomes ``f"{candidate.source}+noise:{kind}@{rate}"``; ``meta`` gains ``noise`` (kind, rate,
    seed) and ``clean_text``; code-mixed source tokens are appended to ``untranslated``. When the tokens do not
    change (rate 0, nothing eligible) the text is returned byte for byte.
    """
    rng = np.random.default_rng(config.seed) if rng is None else rng
    return _noisy_copy(candidate, config, *_noised_text(candidate.text, config, rng, source_text, senses))


def _noised_text(text: str, config: NoiseConfig, rng: np.random.Generator, source_text: str | None,
                 senses: Mapping[str, Sequence[str]] | None) -> tuple[str, tuple[str, ...]]:
    """``text`` perturbed by ``config`` (byte for byte where no token changes) and the inserted source tokens."""
    tokens = text.split()
    new, inserted = _apply_kind(tokens, config.kind, config.rate, rng, source_text, senses) if tokens else ([], [])
    return (text if new == tokens else " ".join(new)), tuple(inserted)


@lru_cache(maxsize=1 << 16)
def _seeded_noised_text(text: str, config: NoiseConfig, keys: tuple[str, ...],
                        source_text: str | None) -> tuple[str, tuple[str, ...]]:
    """``_noised_text`` with the generator ``noise_rng(config.seed, config.kind, *keys)`` and the built-in senses,
    memoised: a pure function of its arguments, so an English text that many sources, methods and settings
    corrupt alike (``NoisyTranslator(per_source=False)``) is corrupted once."""
    return _noised_text(text, config, noise_rng(config.seed, config.kind, *keys), source_text, None)


def _noisy_copy(candidate: Candidate, config: NoiseConfig, text: str, inserted: Sequence[str]) -> Candidate:
    """``candidate`` with the noisy ``text``, its source, ``untranslated`` and ``meta`` updated (``apply_noise``)."""
    meta = {**candidate.meta, "noise": {"kind": config.kind, "rate": config.rate, "seed": config.seed},
            "clean_text": candidate.text}
    return replace(candidate, text=text, source=f"{candidate.source}+{config.label}",
                   untranslated=tuple(dict.fromkeys((*candidate.untranslated, *inserted))), meta=meta)


class NoisyTranslator:
    """Wraps a translator and adds, for each clean candidate, one noisy variant per config.

    ``out[i]`` is ``[clean candidates..., noisy variants...]`` (noisy ones grouped by clean candidate, configs in
    order), so it may hold up to ``k * (1 + len(configs))`` candidates; with ``keep_clean=False`` the clean
    candidates are left out (noise-amplified evaluation). Each variant's generator is seeded by the config's
    seed and the source and candidate texts, so results do not depend on batch order; with
    ``per_source=False`` by the candidate text alone, so an English text shared by many sources (one sentence
    in 14 languages) gets the same corruption for all of them. Without the clean candidates the variants are
    exchangeable, so the translator is not ``ranked`` (``lira.translators.base.is_ranked``). With the built-in
    senses a variant is computed once per process and reused by every translator that asks for the same one.
    """

    def __init__(self, base: Translator, configs: Sequence[NoiseConfig], *, keep_clean: bool = True,
                 senses: Mapping[str, Sequence[str]] | None = None, per_source: bool = True) -> None:
        if not configs:
            raise ValueError("NoisyTranslator needs at least one NoiseConfig")
        self.base = base
        self.configs = tuple(configs)
        self.keep_clean = keep_clean
        self.senses = senses
        self.per_source = per_source
        self.name = f"{base.name}+noise"
        self.ranked = keep_clean and is_ranked(base)

    def translate(self, texts: Sequence[str], *, lang: str, k: int = 1) -> list[list[Candidate]]:
        """Clean candidates from ``base`` (up to ``k`` per text) plus their noisy variants."""
        clean = self.base.translate(texts, lang=lang, k=k)
        out: list[list[Candidate]] = []
        for text, candidates in zip(texts, clean, strict=True):
            row = list(candidates) if self.keep_clean else []
            for candidate in candidates:
                for config in self.configs:
                    keys = (text, candidate.text) if self.per_source else (candidate.text,)
                    if self.senses is None:  # the memoised path; only code_mix reads the source text
                        source = text if config.kind == "code_mix" else None
                        row.append(_noisy_copy(candidate, config,
                                               *_seeded_noised_text(candidate.text, config, keys, source)))
                    else:
                        rng = noise_rng(config.seed, config.kind, *keys)
                        row.append(apply_noise(candidate, source_text=text, config=config, rng=rng,
                                               senses=self.senses))
            out.append(row)
        return out
