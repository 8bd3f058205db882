"""``SearchService``: search with the index's own model, language from the script, limits, and refusal of a model
that does not match the index."""

from __future__ import annotations

import time

import pytest

from lira.model import LiRAModel
from lira.serving.build import build_index
from lira.serving.schemas import Limits, RequestError
from lira.serving.service import SearchService
from tests.evaluation.test_methods import tiny_lira


def test_search_reads_the_translation_and_ranks(service):
    out = service.search("giày chạy đỏ", k=3)
    assert out["lang"] == "vie" and out["lang_source"].startswith("detected")
    assert out["results"][0]["id"] == "d2" and [r["rank"] for r in out["results"]] == [1, 2, 3]
    assert out["results"][0]["score"] >= out["results"][1]["score"] >= out["results"][2]["score"]
    assert out["english"]["text"] == "shoes running red" and out["english"]["used"] == "translation"
    assert set(out["timings_ms"]) == {"translation", "encoding", "search", "total"}
    assert out["index"]["documents"] == 6 and out["model"] == "dual-path"
    assert service.search("giày chạy đỏ", lang="vi", k=1)["english"]["cached"] is True


def test_language_is_checked_or_asked_for(service):
    with pytest.raises(RequestError, match="cannot tell the query's language") as ambiguous:
        service.search("murah")  # Indonesian and Malay share the word
    assert ambiguous.value.status == 422 and {"ind", "zsm"} <= set(ambiguous.value.extra["candidates"])
    with pytest.raises(RequestError, match="written in Thai script, but lang 'urd'"):
        service.search("รองเท้าวิ่ง", lang="ur")
    with pytest.raises(RequestError, match="unknown language code 'xx'"):
        service.search("giày", lang="xx")
    assert service.search("รองเท้าวิ่ง")["lang"] == "tha"


def test_limits(index_dir, tmp_path):
    small = SearchService(index_dir, limits=Limits(max_query_chars=10, max_k=5, max_batch=2, default_k=5),
                          cache_dir=tmp_path / "c")
    try:
        with pytest.raises(RequestError, match="12 characters long; the limit is 10"):
            small.search("giày chạy đỏ")
        with pytest.raises(RequestError, match="k must be between 1 and 5, got 6"):
            small.search("giày", k=6)
        with pytest.raises(RequestError, match="3 texts; the limit is 2"):
            small.encode(["giày", "đen", "đỏ"])
        with pytest.raises(RequestError, match="several languages"):
            small.encode(["giày", "รองเท้า"])
        out = small.encode(["giày", "giày đen"], role="passage")
        assert out["lang"] == "vie" and out["dim"] == 1024 and len(out["vectors"]) == 2
        assert [e["text"] for e in out["english"]] == ["shoes", "shoes black"]
    finally:
        small.close()
    with pytest.raises(ValueError, match="default_k .* exceeds max_k"):
        Limits(max_k=5)


def test_a_model_that_does_not_match_is_refused(index_dir, build_config, tmp_path):
    with pytest.raises(ValueError, match=r"built with 'dual-path'.*not 'frozen'"):
        SearchService(index_dir, model="frozen")
    folder = tiny_lira(tmp_path / "model")
    lira_index = build_index(build_config(model=str(folder), out=tmp_path / "lira-index")).path.parents[1]
    weights = next(folder.rglob("lasr.safetensors"))
    data = weights.read_bytes()
    weights.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    with pytest.raises(ValueError, match="has changed since the index was built"):
        SearchService(lira_index)


def test_query_vectors_are_remembered_and_bounded(index_dir, tmp_path):
    svc = SearchService(index_dir, cache_dir=tmp_path / "c", vector_cache=1)
    try:
        first = svc.search("giày chạy đỏ", lang="vi", k=2)
        again = svc.search("giày chạy đỏ", lang="vi", k=2)
        assert (first["vector_cached"], again["vector_cached"]) == (False, True)
        assert [r["id"] for r in again["results"]] == [r["id"] for r in first["results"]]
        svc.search("giày đen", lang="vi", k=2)  # evicts the first query (room for one)
        assert svc.search("giày chạy đỏ", lang="vi", k=2)["vector_cached"] is False
        text = svc.metrics.render().decode()
        assert 'lira_query_vector_cache_total{result="hit"} 1.0' in text
        assert 'lira_query_vector_cache_total{result="miss"} 3.0' in text
    finally:
        svc.close()
    unbatched = SearchService(index_dir, cache_dir=tmp_path / "c2", vector_cache=0, request_batch=0)
    try:
        out = unbatched.search("giày chạy đỏ", lang="vi", k=2)
        assert unbatched.search_batcher is None and unbatched.encode_batcher is None
        assert out["vector_cached"] is False
        assert unbatched.search("giày chạy đỏ", lang="vi", k=2)["vector_cached"] is False
        assert [r["id"] for r in out["results"]] == [r["id"] for r in first["results"]]
    finally:
        unbatched.close()
    with pytest.raises(ValueError, match="vector_cache must be >= 0"):
        SearchService(index_dir, vector_cache=-1)


def test_without_a_cache_folder_queries_are_not_written(index_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("LIRA_CACHE_DIR", str(tmp_path / "shared-cache"))
    svc = SearchService(index_dir)
    try:
        assert svc.search("giày chạy đỏ", lang="vi", k=2)["results"]
        assert svc.encode(["giày đen"], lang="vi")["dim"] == 1024
    finally:
        svc.close()
    assert not (tmp_path / "shared-cache").exists()


def _slow_first_call(function, seconds: float):
    """``function`` whose first call sleeps ``seconds`` first, as a component loaded on first use does."""
    calls = []

    def wrapped(*args, **kwargs):
        if not calls:
            time.sleep(seconds)
        calls.append(1)
        return function(*args, **kwargs)

    return wrapped


def test_first_query_is_warm_or_falls_back_within_the_timeout(build_config, tmp_path):
    """The walkthrough's first /search spent 2.7 s in translation with a 2 s timeout and no fallback: Arca's
    choice loaded the critic and the English backbone on first use, outside the timeout. Now the service does
    that work when it starts, and the timeout covers the whole step when it has not."""
    folder = tiny_lira(tmp_path / "model")
    index = build_index(build_config(model=str(folder), out=tmp_path / "lira-index")).path.parents[1]

    def start(warm_up: bool) -> SearchService:
        model = LiRAModel.load(folder, cache_dir=tmp_path / "c")
        model.choose = _slow_first_call(model.choose, 1.0)
        return SearchService(index, method=model, timeout_s=0.3, warm_up=warm_up)

    warm = start(warm_up=True)
    try:
        assert warm.warmup["error"] is None and warm.warmup["seconds"] >= 1.0 and "vie" in warm.warmup["translators"]
        assert warm.health()["warmup"] == warm.warmup
        first = warm.search("giày chạy đỏ", lang="vi", k=2)
        assert first["english"]["fallback"] is False and first["english"]["text"] == "shoes running red"
        assert first["timings_ms"]["translation"] < 300
    finally:
        warm.close()
    cold = start(warm_up=False)
    try:
        assert cold.warmup is None
        first = cold.search("giày chạy đỏ", lang="vi", k=2)
        assert first["english"]["fallback"] is True and first["english"]["text"] is None
        assert "Arca's choice" in first["english"]["reason"] and "took longer than 0.3 s" in first["english"]["reason"]
        assert first["timings_ms"]["translation"] < 900  # not the 1 s the first choice takes
        assert cold.search("giày chạy đỏ", lang="vi", k=2)["english"]["fallback"] is False  # not cached; warm now
    finally:
        cold.close()
