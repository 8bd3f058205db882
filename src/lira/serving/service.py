"""``SearchService``: search and encode over an index with the model it was built with.

``search(query, lang, k)`` validates the query, takes its language from the script when ``lang`` is None
(``langid``), asks ``TranslationService`` for the English the method reads, encodes the query (role ``query``)
and searches the index; the answer carries the ranked documents with their scores, the English used with its
critic scores, and the time each stage took (translation, encoding, search). The model runs one request at a
time (a lock: torch already uses every core for one); translation waits run concurrently. The new queries that
arrive together are encoded as one batch per language, and the searches that arrive together are answered by one
pass over the index (``lira.serving.batching``). The vectors of the last ``vector_cache`` distinct queries (text,
language, the English read) are kept in memory, so a popular query is neither translated nor encoded again
(``lira_query_vector_cache_total``).

The service warms up when it starts (``warm_up``): it loads the translators and runs Arca's choice and the
encoder once on a fixed text, so the first query pays none of the first-use loading (the critic, the English
backbone); how long that took is logged and reported by ``health`` (``warmup``).

By default the server encodes without the feature cache: shoppers' queries never land in the shared cache of the
training and benchmark runs, and a long-running server writes nothing per query (repeated queries come from the
vectors kept in memory). ``cache_dir`` names a feature cache folder to read and write instead.
"""

from __future__ import annotations

import logging
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from lira.backbones import DEFAULT_ENGLISH, DEFAULT_MULTILINGUAL
from lira.evaluation.translations import needs_translations
from lira.languages import LANGUAGES, UnknownLanguageError, normalize_code
from lira.lru import LRU
from lira.serving.batching import DynamicBatcher, batched_search, search_together
from lira.serving.holder import IndexHolder
from lira.serving.identity import ModelIdentity, model_identity
from lira.serving.index import LoadedIndex, read_meta
from lira.serving.langid import detect_language, script_mismatch
from lira.serving.metrics import ServiceMetrics
from lira.serving.schemas import Limits, RequestError
from lira.serving.translation import WARM_UP_LANG, WARM_UP_POOL, WARM_UP_QUERY, EnglishChoice, TranslationService

log = logging.getLogger("lira.serving")

# The response flags what these warnings say (a missing English side, a language the head did not see).
_QUIET = (r".*have no (English )?translation.*", r".*was not seen in training.*", r".*mostly written in another.*")


def _identity_of(meta: dict[str, Any]) -> ModelIdentity:
    model = meta["model"]
    return model_identity(model["spec"], backbone=model["backbone"] or DEFAULT_MULTILINGUAL,
                          english=model["english"] or DEFAULT_ENGLISH)


class SearchService:
    """Search over the index at ``root`` (see the module docstring).

    ``model``: a model spec that must be the one the index was built with (default: the one it records);
    ``translator``: a translator spec replacing the recorded one; ``method``: an already loaded method (tests);
    ``translation_cache`` and ``vector_cache``: how many query translations and query vectors are kept in memory
    (0: none); ``request_batch``: the most concurrent requests encoded or searched together (0: each on its
    own); ``warm_up``: do the first query's loading now (``warm_up``). Raises ``ValueError`` naming the reason
    when the model and the index do not match."""

    def __init__(self, root: str | Path, *, model: str | None = None, translator: str | None = None,
                 timeout_s: float = 2.0, cache_dir: str | Path | None = None, limits: Limits | None = None,
                 metrics: ServiceMetrics | None = None, method: Any = None, translation_cache: int = 10_000,
                 vector_cache: int = 10_000, request_batch: int = 64, warm_up: bool = True) -> None:
        if vector_cache < 0:  # checked before anything is loaded
            raise ValueError(f"vector_cache must be >= 0, got {vector_cache}")
        self.limits = limits or Limits()
        self.metrics = metrics or ServiceMetrics()
        meta = read_meta(Path(root))
        recorded = meta["model"]
        self.identity = _identity_of(meta)
        if model is not None:
            given = model_identity(model, backbone=recorded["backbone"] or DEFAULT_MULTILINGUAL,
                                   english=recorded["english"] or DEFAULT_ENGLISH)
            if given.sha256 != recorded["sha256"]:
                raise ValueError(f"{root}: the index was built with {recorded['spec']!r} (sha256 "
                                 f"{recorded['sha256'][:12]}), not {given.describe()}; serve it with the model it "
                                 "was built with or rebuild it with `lira index build --model`")
        if self.identity.sha256 != recorded["sha256"]:
            raise ValueError(f"{root}: the model {recorded['spec']!r} has changed since the index was built (its "
                             f"files hash to {self.identity.sha256[:12]}, the index records "
                             f"{recorded['sha256'][:12]}); rebuild the index")
        self.holder = IndexHolder(Path(root), check=self._mismatch)
        if method is None:
            from lira.evaluation.methods import load_method

            method = load_method(recorded["spec"], backbone=recorded["backbone"] or DEFAULT_MULTILINGUAL,
                                 english=recorded["english"] or DEFAULT_ENGLISH, cache_dir=cache_dir,
                                 cache=cache_dir is not None)
        self.method = method
        self.lock = threading.Lock()
        self.translations = TranslationService(method, translator_spec=translator or meta.get("translator"),
                                               timeout_s=timeout_s, metrics=self.metrics, lock=self.lock,
                                               cache_size=translation_cache)
        self.metrics.documents.set(len(self.holder.current.docs))
        self._vectors: LRU[tuple[str, str, str, str | None], np.ndarray] = LRU(vector_cache)
        self.search_batcher: DynamicBatcher | None = None
        self.encode_batcher: DynamicBatcher | None = None
        if request_batch > 0:
            self.search_batcher = DynamicBatcher(search_together, max_batch=request_batch, name="lira-search",
                                                 on_batch=self.metrics.batch_size.labels("search").observe)
            self.encode_batcher = DynamicBatcher(self._encode_together, max_batch=request_batch, name="lira-encode",
                                                 on_batch=self.metrics.batch_size.labels("encoding").observe)
        for pattern in _QUIET:
            warnings.filterwarnings("ignore", message=pattern)
        self.warmup: dict[str, Any] | None = None
        if warm_up:
            self.warm_up()

    def warm_up(self) -> dict[str, Any]:
        """Do the first query's loading now: the translators (``TranslationService.warm_up``), Arca's choice and
        one encoding of a fixed text, outside the query caches. A failure is logged, not raised: the queries then
        load what is missing, within the translation timeout. Returns (and keeps as ``warmup``) the seconds it
        took, the languages with a translator and the error, if any."""
        start = time.perf_counter()
        ready: list[str] = []
        error = None
        try:
            ready = self.translations.warm_up()
            lang = ready[0] if ready else WARM_UP_LANG
            self._encode([WARM_UP_QUERY], lang, [WARM_UP_POOL[0].text], "query")
        except Exception as e:  # noqa: BLE001 - serving goes on; a query loads what the warm-up could not
            error = f"{type(e).__name__}: {e}".splitlines()[0][:200]
            log.warning("warm-up failed, the first queries will load what it could not: %s", error)
        seconds = time.perf_counter() - start
        self.warmup = {"seconds": round(seconds, 3), "translators": ready, "error": error}
        if error is None:
            log.info("warmed up in %.2f s (translators for %s)", seconds, ", ".join(ready) or "no language")
        return self.warmup

    def _mismatch(self, index: LoadedIndex) -> str | None:
        return index.identity.mismatch(self.identity)

    def close(self) -> None:
        """Release the index and the translator and batching threads."""
        self.translations.close()
        for batcher in (self.encode_batcher, self.search_batcher):
            if batcher is not None:
                batcher.close()
        self.holder.close()

    # -- validation --------------------------------------------------------------------------------------
    def check_text(self, text: str, field: str = "query") -> str:
        """``text`` if it is a usable query (not blank, not over the limit, valid Unicode)."""
        if not text:
            raise RequestError(f"{field} is empty", field=field)
        if not text.strip():
            raise RequestError(f"{field} holds only whitespace", field=field)
        if len(text) > self.limits.max_query_chars:
            raise RequestError(f"{field} is {len(text)} characters long; the limit is {self.limits.max_query_chars}",
                               field=field)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as e:
            raise RequestError(f"{field} holds an unpaired surrogate at character {e.start}", field=field) from None
        return text

    def resolve_lang(self, text: str, lang: str | None) -> tuple[str, str]:
        """``(code, how)``: the declared language checked against the script, or the detected one."""
        if lang is not None:
            try:
                code = normalize_code(lang)
            except UnknownLanguageError as e:
                raise RequestError(str(e), field="lang",
                                   candidates=[x.code for x in LANGUAGES]) from None
            if why := script_mismatch(text, code):
                raise RequestError(why, field="lang")
            return code, "given"
        found = detect_language(text)
        if found.lang is None:
            raise RequestError(f"cannot tell the query's language: {found.reason}; pass lang, one of "
                               f"{', '.join(found.candidates)}", field="lang", candidates=list(found.candidates))
        return found.lang, f"detected: {found.reason}"

    def check_k(self, k: int | None) -> int:
        """``k`` (default ``limits.default_k``) within 1..``limits.max_k``."""
        if k is None:
            return self.limits.default_k
        if not 1 <= k <= self.limits.max_k:
            raise RequestError(f"k must be between 1 and {self.limits.max_k}, got {k}", field="k")
        return k

    # -- work --------------------------------------------------------------------------------------------
    def _encode(self, texts: list[str], lang: str, english: list[str | None], role: str) -> np.ndarray:
        with self.lock:
            if needs_translations(self.method):
                vectors = self.method.encode(texts, lang=lang, role=role, translations=english)
            else:
                vectors = self.method.encode(texts, lang=lang, role=role)
        return np.asarray(vectors, dtype=np.float32)

    def _encode_together(self, key: Any, payloads: list[tuple[str, str | None]]) -> list[np.ndarray]:
        """``DynamicBatcher`` handler: ``(text, English)`` payloads of one ``(lang, role)`` key as one batch."""
        lang, role = key
        vectors = self._encode([text for text, _ in payloads], lang, [english for _, english in payloads], role)
        return [vectors[i:i + 1] for i in range(len(payloads))]

    def _query_vector(self, query: str, lang: str, english: str | None) -> tuple[np.ndarray, bool]:
        """``([1, dim] vector, from memory?)`` of one query, through the LRU of query vectors."""
        key = (lang, "query", query, english)
        hit = self._vectors.get(key)
        self.metrics.vector_cache.labels("hit" if hit is not None else "miss").inc()
        if hit is not None:
            return hit, True
        if self.encode_batcher is not None:
            vector = self.encode_batcher.submit((lang, "query"), (query, english))
        else:
            vector = self._encode([query], lang, [english], "query")
        vector.setflags(write=False)  # may be shared between requests
        self._vectors.put(key, vector)
        return vector, False

    def search(self, query: str, lang: str | None = None, k: int | None = None) -> dict[str, Any]:
        """The ranked documents for ``query`` (see the module docstring)."""
        start = time.perf_counter()
        query = self.check_text(query)
        k = self.check_k(k)
        code, how = self.resolve_lang(query, lang)
        english = self.translations.english(query, code)
        translated = time.perf_counter()
        vector, remembered = self._query_vector(query, code, english.text)
        encoded = time.perf_counter()
        with self.holder.use() as index:
            hits = batched_search(self.search_batcher, index, vector, k)[0]
            version, documents = index.version, len(index.docs)
        done = time.perf_counter()
        timings = {"translation": translated - start, "encoding": encoded - translated, "search": done - encoded}
        for stage, seconds in timings.items():
            self.metrics.stages.labels(stage).observe(seconds)
        return {
            "query": query, "lang": code, "lang_source": how, "k": k,
            "results": [{"rank": r, "id": d.id, "title": d.title, "text": d.text, "score": round(s, 6)}
                        for r, (d, s) in enumerate(hits, 1)],
            "english": english.to_dict(), "vector_cached": remembered, "model": self.identity.spec,
            "method": self.method_name,
            "index": {"version": version, "documents": documents},
            "timings_ms": {**{s: round(v * 1000, 3) for s, v in timings.items()},
                           "total": round((done - start) * 1000, 3)},
        }

    def encode(self, texts: list[str], lang: str | None = None, role: str = "query") -> dict[str, Any]:
        """Vectors of ``texts`` (one language; detected from the first when ``lang`` is None, and every text must
        agree), with the English each read."""
        if not texts:
            raise RequestError("texts is empty; give at least one text", field="texts")
        if len(texts) > self.limits.max_batch:
            raise RequestError(f"{len(texts)} texts; the limit is {self.limits.max_batch} per request",
                               field="texts")
        for i, text in enumerate(texts):
            self.check_text(text, f"texts[{i}]")
        codes = [self.resolve_lang(t, lang)[0] for t in texts]
        if len(set(codes)) > 1:
            raise RequestError(f"the texts are in several languages ({', '.join(sorted(set(codes)))}); send one "
                               "language per request or pass lang", field="lang", candidates=sorted(set(codes)))
        english: list[EnglishChoice] = [self.translations.english(t, codes[0]) for t in texts]
        vectors = self._encode(list(texts), codes[0], [e.text for e in english], role)
        return {"lang": codes[0], "role": role, "dim": int(vectors.shape[1]), "vectors": vectors.tolist(),
                "english": [e.to_dict() for e in english], "model": self.identity.spec}

    def reload(self) -> dict[str, Any]:
        """Serve the version ``CURRENT`` now names (see ``IndexHolder.reload``)."""
        try:
            changed, version = self.holder.reload()
        except Exception:
            self.metrics.reloads.labels("error").inc()
            raise
        self.metrics.reloads.labels("changed" if changed else "unchanged").inc()
        self.metrics.documents.set(len(self.holder.current.docs))
        return {"reloaded": changed, "version": version, "documents": len(self.holder.current.docs)}

    @property
    def method_name(self) -> str:
        """The method's display name."""
        from lira.evaluation.methods import method_name

        return method_name(self.method)

    def health(self) -> dict[str, Any]:
        """Model and index identity, the limits and the languages."""
        return {"status": "ok", "model": {**self.identity.to_dict(), "name": self.method_name,
                                          "translator": self.translations.spec}, "warmup": self.warmup,
                "index": self.holder.current.summary(), "limits": self.limits.__dict__,
                "languages": [{"code": x.code, "name": x.name, "script": x.script} for x in LANGUAGES]}
