"""The English a method reads for a query: asked of its translator once (then cached), chosen by Arca with
the critic's scores for a LiRA model, the first candidate for a baseline.

A translator that raises (endpoint down) or does not answer within ``timeout_s`` (slow) is not waited for: the
query goes on without a translation (LiRA: the flagged stand-in in the English slot, ``E_lr``; translate-test
and dual-path: the source text stands in), the result says so (``fallback``, ``reason``) and the
``lira_translation_fallbacks_total`` metric counts it. Fallbacks are not cached, so the next request asks again.
``timeout_s`` bounds the whole step: loading the language's translator on first use, its answer and Arca's
choice among the candidates (which loads the critic and the English backbone on first use); work cut off goes
on in the background, so what it loads is there for the next request. ``warm_up`` does that first-use work when
the service starts, so the first query is as fast as the later ones.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, replace
from typing import Any

from lira.evaluation.translations import candidates_for, needs_translations
from lira.languages import ENGLISH, LANGUAGES
from lira.lru import LRU
from lira.serving.metrics import ServiceMetrics
from lira.translators.base import Candidate, Translator, is_ranked


@dataclass(frozen=True)
class CandidateView:
    """One English candidate, where it came from, and its critic scores (LiRA only; None for baselines)."""

    text: str
    source: str
    critic: dict[str, float] | None = None
    chosen: bool = False


@dataclass(frozen=True)
class EnglishChoice:
    """The English read for one query: ``text`` (None when none was read), ``used`` (``translation``,
    ``stand-in``, ``source text``, ``the query (English)`` or ``not read``), the translator's name, the
    candidates with critic scores, whether the translator failed (``fallback``, ``reason``) and whether it came
    from the cache."""

    text: str | None
    used: str
    translator: str | None
    candidates: tuple[CandidateView, ...] = ()
    fallback: bool = False
    reason: str | None = None
    cached: bool = False

    @property
    def critic(self) -> dict[str, float] | None:
        """The chosen candidate's critic scores."""
        return next((c.critic for c in self.candidates if c.chosen), None)

    def to_dict(self) -> dict[str, Any]:
        """For the JSON response."""
        return {**asdict(self), "candidates": [asdict(c) for c in self.candidates], "critic": self.critic}


def _is_lira(method: Any) -> bool:
    return callable(getattr(method, "choose", None)) and hasattr(method, "critic")


# What ``warm_up`` hands Arca's choice: two distinct candidates, so the critic scores them and the Actor reads them.
WARM_UP_QUERY = "warm-up"
WARM_UP_POOL = (Candidate("warm up", "warm-up"), Candidate("warming up", "warm-up"))
WARM_UP_LANG = next(x.code for x in LANGUAGES if x.code != ENGLISH)  # where no language has a translator


class _Progress:
    """How far one translation got (written by the worker thread, read by the request when it stops waiting)."""

    def __init__(self) -> None:
        self.stage = "loading"  # then "translating", then "choosing"
        self.translator: str | None = None


class TranslationService:
    """``english(query, lang)`` for one method; ``translator_spec`` overrides a LiRA model's own translator and
    is what baselines read (None: LiRA's own, and none for baselines). ``lock`` serialises model computation
    (the critic and Actor) with the encoder's."""

    def __init__(self, method: Any, *, translator_spec: str | None, timeout_s: float = 2.0,
                 cache_size: int = 10_000, metrics: ServiceMetrics | None = None, workers: int = 4,
                 lock: AbstractContextManager | None = None) -> None:
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be > 0, got {timeout_s}")
        self.method, self.spec, self.timeout_s = method, translator_spec, timeout_s
        self.metrics = metrics
        self.lock = lock or nullcontext()
        self._cache: LRU[tuple[str, str], EnglishChoice] = LRU(cache_size)
        self._translators: dict[str, Translator | None] = {}
        self._load_errors: dict[str, str] = {}
        self._loading = threading.Lock()  # one load at a time: two first requests of a language load it once
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lira-translate")

    def close(self) -> None:
        """Stop the worker threads (a translator call still running is not waited for)."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    @property
    def translator_spec(self) -> str | None:
        """The spec of the translator queries read: the override, else a LiRA model's own (None: none)."""
        if self.spec is not None:
            return self.spec
        own = getattr(getattr(self.method, "config", None), "translator", None) if _is_lira(self.method) else None
        return own if isinstance(own, str) else None

    def translator(self, lang: str) -> Translator | None:
        """The translator of ``lang`` (None where there is none); loaded once per language."""
        if lang in self._translators:
            return self._translators[lang]
        with self._loading:
            if lang not in self._translators:
                self._translators[lang] = self._load(lang)
        return self._translators[lang]

    def _load(self, lang: str) -> Translator | None:
        from lira.translators import covers, load_translator

        try:
            if self.spec is None:
                own = getattr(self.method, "translator", None)
                return own(lang) if _is_lira(self.method) and callable(own) else None
            if not covers(self.spec, lang):
                return None
            return load_translator(self.spec, lang=lang)
        except (ValueError, OSError) as e:
            self._load_errors[lang] = str(e)
            return None

    def warm_up(self, langs: Iterable[str] | None = None) -> list[str]:
        """Do the first-use work of a query now: load the translators of ``langs`` and run Arca's choice (the
        critic, the English backbone, the Actor) once on a fixed pool; returns the languages that have a
        translator. ``langs`` defaults to every language but English, except for a local seq2seq model
        (``hf:``), which loads one model per language and so is loaded on a language's first query (within the
        timeout). Nothing is sent to the translator, so an endpoint is not called at start-up."""
        if not needs_translations(self.method):
            return []
        spec = self.translator_spec
        per_query = spec is not None and spec.startswith("hf:")
        if langs is None:
            langs = [] if per_query else [x.code for x in LANGUAGES]
        ready = [lang for lang in langs if lang != ENGLISH and self.translator(lang) is not None]
        if _is_lira(self.method) and (ready or per_query):  # no translator: Arca never chooses
            lang = ready[0] if ready else WARM_UP_LANG
            self._choose(WARM_UP_QUERY, lang, list(WARM_UP_POOL), name="warm-up", ranked=True)
        return ready

    def _fallback_kind(self) -> str:
        return "stand-in" if _is_lira(self.method) else "source text"

    def _count(self, result: str) -> None:
        if self.metrics is not None:
            self.metrics.translation_cache.labels(result).inc()

    def english(self, query: str, lang: str) -> EnglishChoice:
        """The English the method reads for ``query`` in ``lang`` (see the module docstring)."""
        if not needs_translations(self.method):
            return EnglishChoice(None, "not read", None)
        if lang == ENGLISH:  # an English query is its own English side
            return EnglishChoice(query, "the query (English)", None)
        key = (lang, query)
        hit = self._cache.get(key)
        if hit is not None:
            self._count("hit")
            return replace(hit, cached=True)
        self._count("miss")
        choice = self._translate(query, lang)
        if not choice.fallback:
            self._cache.put(key, choice)
        return choice

    def _translate(self, query: str, lang: str) -> EnglishChoice:
        """The whole step (load, translate, choose) in a worker, waited for at most ``timeout_s``."""
        progress = _Progress()
        future = self._pool.submit(self._answer, query, lang, progress)
        try:
            return future.result(timeout=self.timeout_s)
        except FutureTimeout:
            future.cancel()
        name = progress.translator or self.translator_spec
        which, waited = f"translator {name}" if name else "the translator", f"{self.timeout_s:g} s"
        reason = {"loading": f"{which} was still loading after {waited}",
                  "translating": f"{which} gave no answer within {waited}",
                  "choosing": f"Arca's choice among the candidates of {which} took longer than {waited}"}
        return self._failed(name, "timeout", reason[progress.stage])

    def _answer(self, query: str, lang: str, progress: _Progress) -> EnglishChoice:
        translator = self.translator(lang)
        if translator is None:
            why = self._load_errors.get(lang) or f"no translator for {lang}"
            return EnglishChoice(None, self._fallback_kind(), None, reason=why)
        progress.translator, progress.stage = translator.name, "translating"
        try:
            pools = translator.translate([query], lang=lang, k=candidates_for(self.method))
        except Exception as e:  # noqa: BLE001 - any translator failure falls back, with its message
            message = str(e).splitlines()[0][:200] if str(e) else type(e).__name__
            return self._failed(translator.name, "error", f"translator {translator.name} failed: {message}")
        pool: list[Candidate] = list(pools[0]) if pools else []
        if not pool:
            return EnglishChoice(None, self._fallback_kind(), translator.name, reason="the translator gave no "
                                                                                      "candidate")
        progress.stage = "choosing"
        return self._choose(query, lang, pool, name=translator.name, ranked=is_ranked(translator))

    def _failed(self, translator: str | None, kind: str, reason: str) -> EnglishChoice:
        if self.metrics is not None:
            self.metrics.fallbacks.labels(kind).inc()
        return EnglishChoice(None, self._fallback_kind(), translator, fallback=True, reason=reason)

    def _choose(self, query: str, lang: str, pool: list[Candidate], *, name: str, ranked: bool) -> EnglishChoice:
        if not _is_lira(self.method):  # the baselines read the first candidate
            views = tuple(CandidateView(c.text, c.source, None, i == 0) for i, c in enumerate(pool))
            return EnglishChoice(pool[0].text, "translation", name, views)
        with self.lock:
            scores = self.method.critic.score([query], [pool], lang=lang)[0]
            chosen = self.method.choose([query], [pool], lang=lang, ranked=ranked)[0]
        pick = next((i for i, c in enumerate(pool) if c.text == chosen), 0)
        views = tuple(CandidateView(c.text, c.source, {"s": round(s.s, 3), "e": round(s.e, 3), "p": round(s.p, 3)},
                                    i == pick) for i, (c, s) in enumerate(zip(pool, scores, strict=True)))
        return EnglishChoice(pool[pick].text, "translation", name, views)
