"""The English a method reads per query: cached, Arca's choice with critic scores for LiRA, the first candidate
for a baseline, and a bounded-time fallback when the translator fails or hangs."""

from __future__ import annotations

import threading
import time

import pytest

from lira.evaluation.methods import load_method
from lira.languages import LANGUAGES
from lira.model import LiRAModel
from lira.serving.metrics import ServiceMetrics
from lira.serving.translation import TranslationService
from lira.translators.base import Candidate
from tests.evaluation.test_methods import tiny_lira


class Scripted:
    """A translator that answers from a table, fails, or hangs until released; counts its calls."""

    name = "scripted"

    def __init__(self, table=None, *, fail: bool = False, hang: threading.Event | None = None) -> None:
        self.table, self.fail, self.hang, self.calls = table or {}, fail, hang, 0

    def translate(self, texts, *, lang, k=1):
        self.calls += 1
        if self.fail:
            raise ConnectionError("connection refused\nsecond line")
        if self.hang is not None:
            self.hang.wait(10)
        return [[Candidate(t, self.name) for t in self.table.get(text, ["shoes"])[:k]] for text in texts]


def _service(method, translator, **kwargs) -> TranslationService:
    service = TranslationService(method, translator_spec="unused", metrics=ServiceMetrics(), **kwargs)
    service._translators["vie"] = translator
    return service


def _sample(metrics: ServiceMetrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def test_baseline_reads_the_first_candidate_and_caches_it(fake_backbones, tmp_path):
    method = load_method("translate-test", cache_dir=tmp_path)
    translator = Scripted({"giày đen": ["black shoes", "dark shoes"]})
    service = _service(method, translator)
    first = service.english("giày đen", "vie")
    assert (first.text, first.used, first.translator, first.cached, first.fallback) == \
        ("black shoes", "translation", "scripted", False, False)
    assert [c.text for c in first.candidates] == ["black shoes"] and first.critic is None  # k = 1 for a peer
    again = service.english("giày đen", "vie")
    assert again.cached and again.text == "black shoes" and translator.calls == 1
    assert _sample(service.metrics, "lira_translation_cache_total", result="hit") == 1
    assert _sample(service.metrics, "lira_translation_cache_total", result="miss") == 1
    frozen = TranslationService(load_method("frozen", cache_dir=tmp_path), translator_spec=None)
    assert frozen.english("giày đen", "vie").used == "not read"


def test_lira_chooses_with_critic_scores(fake_backbones, tmp_path):
    model = LiRAModel.load(tiny_lira(tmp_path / "m", candidates=2), cache_dir=tmp_path / "cache")
    service = _service(model, Scripted({"giày đen": ["black shoes", "shoes shoes shoes"]}))
    choice = service.english("giày đen", "vie")
    assert len(choice.candidates) == 2 and sum(c.chosen for c in choice.candidates) == 1
    assert choice.text == next(c.text for c in choice.candidates if c.chosen)
    assert choice.text == model.choose(["giày đen"], [[Candidate("black shoes", "x"), Candidate("shoes shoes shoes",
                                                                                               "x")]], lang="vie")[0]
    for candidate in choice.candidates:
        assert set(candidate.critic) == {"s", "e", "p"} and all(1 <= v <= 10 for v in candidate.critic.values())
    assert choice.critic == next(c.critic for c in choice.candidates if c.chosen)
    # the repetition check of the critic's pragmatic axis marks the repeated candidate down
    assert choice.candidates[1].critic["p"] < choice.candidates[0].critic["p"]


def test_failing_translator_falls_back_and_is_counted(fake_backbones, tmp_path):
    model = LiRAModel.load(tiny_lira(tmp_path / "m"), cache_dir=tmp_path / "cache")
    service = _service(model, Scripted(fail=True))
    choice = service.english("giày đen", "vie")
    assert (choice.text, choice.used, choice.fallback) == (None, "stand-in", True)
    assert choice.reason == "translator scripted failed: connection refused"
    assert _sample(service.metrics, "lira_translation_fallbacks_total", reason="error") == 1
    service.english("giày đen", "vie")  # a fallback is not cached: the translator is asked again
    assert service._translators["vie"].calls == 2


def test_slow_translator_falls_back_within_the_timeout(fake_backbones, tmp_path):
    method = load_method("dual-path", cache_dir=tmp_path)
    release = threading.Event()
    service = _service(method, Scripted(hang=release), timeout_s=0.2)
    try:
        start = time.perf_counter()
        choice = service.english("giày đen", "vie")
        waited = time.perf_counter() - start
        assert 0.2 <= waited < 1.0
        assert (choice.used, choice.fallback) == ("source text", True) and "within 0.2 s" in choice.reason
        assert _sample(service.metrics, "lira_translation_fallbacks_total", reason="timeout") == 1
    finally:
        release.set()
        service.close()


def test_languages_without_a_translator(fake_backbones, tmp_path):
    service = TranslationService(load_method("dual-path", cache_dir=tmp_path), translator_spec="lexicon")
    assert service.translator("hin") is None  # the product lexicons cover the product set's languages only
    choice = service.english("जूते", "hin")
    assert (choice.used, choice.fallback, choice.reason) == ("source text", False, "no translator for hin")
    assert service.translator("vie") is not None
    broken = TranslationService(load_method("dual-path", cache_dir=tmp_path), translator_spec="nonsense")
    assert "unknown translator spec 'nonsense'" in broken.english("giày", "vie").reason
    with pytest.raises(ValueError, match="timeout_s must be > 0"):
        TranslationService(None, translator_spec=None, timeout_s=0)


def test_an_endpoint_that_is_down_falls_back(fake_backbones, tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    spec = f"openai:m@http://127.0.0.1:{port}/v1?retries=0&timeout=1&cache=none"
    service = TranslationService(load_method("dual-path", cache_dir=tmp_path), translator_spec=spec,
                                 metrics=ServiceMetrics(), timeout_s=3)
    start = time.perf_counter()
    choice = service.english("giày đen", "vie")
    assert time.perf_counter() - start < 3.5
    assert choice.fallback and choice.reason.startswith("translator openai:m failed")
    assert _sample(service.metrics, "lira_translation_fallbacks_total", reason="error") == 1
    english = service.english("black shoes", "eng")
    assert (english.text, english.used, english.fallback) == ("black shoes", "the query (English)", False)
    service.close()


def test_slow_translator_loading_falls_back_within_the_timeout(fake_backbones, tmp_path, monkeypatch):
    """Loading a language's translator on its first query counts against the timeout too; the load goes on in
    the background and the next query reads it."""
    import lira.translators

    loaded = threading.Event()

    def slow_load(spec, *, lang=None):
        time.sleep(0.6)
        loaded.set()
        return Scripted({"giày đen": ["black shoes"]})

    monkeypatch.setattr(lira.translators, "load_translator", slow_load)
    service = TranslationService(load_method("dual-path", cache_dir=tmp_path), translator_spec="slow",
                                 metrics=ServiceMetrics(), timeout_s=0.2)
    try:
        start = time.perf_counter()
        choice = service.english("giày đen", "vie")
        assert time.perf_counter() - start < 0.55
        assert (choice.used, choice.fallback, choice.translator) == ("source text", True, "slow")
        assert choice.reason == "translator slow was still loading after 0.2 s"
        assert _sample(service.metrics, "lira_translation_fallbacks_total", reason="timeout") == 1
        assert loaded.wait(5)
        again = service.english("giày đen", "vie")
        assert (again.text, again.fallback) == ("black shoes", False)
    finally:
        service.close()


def test_warm_up_loads_the_translators_and_arca_choice(fake_backbones, tmp_path):
    model = LiRAModel.load(tiny_lira(tmp_path / "m"), cache_dir=tmp_path / "cache")
    service = TranslationService(model, translator_spec="lexicon")
    assert model._critic is None and model._en is None  # loaded on first use
    assert service.warm_up() == ["vie", "tha", "ind", "zsm", "tgl", "urd", "ben"]  # the product lexicons' languages
    assert model._critic is not None and model._en is not None and set(service._translators) == {
        x.code for x in LANGUAGES if x.code != "eng"}
    assert TranslationService(model, translator_spec="hf:/nowhere").warm_up() == []  # one model per language: lazy
    assert TranslationService(load_method("frozen", cache_dir=tmp_path), translator_spec=None).warm_up() == []
    service.close()
