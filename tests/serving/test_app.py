"""The HTTP API: the page, /health, /search, /encode, /metrics, /admin/reload, bearer tokens and JSON errors."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from lira.serving.app import create_app
from lira.serving.build import build_index
from tests.serving.conftest import DOCS, NEW_DOC, write_corpus

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def client(service):
    with TestClient(create_app(service, token=TOKEN), raise_server_exceptions=False) as c:
        yield c


def test_page_is_self_contained(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    html = page.text
    assert 'name="viewport"' in html and 'id="query"' in html and '<option value="">auto</option>' in html
    assert '<option value="tha">Thai (tha)</option>' in html and "const auth = true" in html
    assert not re.search(r"(src|href)=[\"'](?!data:)", html), "the page loads no external asset"
    assert "http://" not in html and "https://" not in html and "//cdn" not in html


def test_health_search_encode_metrics(client, service):
    health = client.get("/health").json()  # no token needed
    assert health["status"] == "ok" and health["auth"] is True
    assert health["model"]["spec"] == "dual-path" and health["model"]["sha256"] == service.identity.sha256
    assert health["index"]["documents"] == len(DOCS) and health["index"]["backend"] == "faiss"
    for _ in range(2):
        found = client.post("/search", json={"query": "nồi cơm điện", "k": 2}, headers=AUTH)
        assert found.status_code == 200, found.text
    body = found.json()
    assert body["results"][0]["id"] == "d3" and len(body["results"]) == 2 and body["english"]["cached"]
    vectors = client.post("/encode", json={"texts": ["giày", "ốp lưng"], "lang": "vi"}, headers=AUTH).json()
    assert len(vectors["vectors"]) == 2 and len(vectors["vectors"][0]) == vectors["dim"] == 1024
    metrics = client.get("/metrics", headers=AUTH)
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert 'lira_requests_total{endpoint="/search",status="200"} 2.0' in text
    assert 'lira_translation_cache_total{result="hit"} 1.0' in text
    assert 'lira_request_seconds_bucket{endpoint="/search",le="+Inf"} 2.0' in text
    assert 'lira_stage_seconds_count{stage="encoding"} 2.0' in text and "lira_index_documents 6.0" in text


def test_token(client):
    missing = client.post("/search", json={"query": "giày"})
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert "missing bearer token" in missing.json()["error"]
    for header in ("Bearer wrong", f"Basic {TOKEN}", f"bearer {TOKEN}x"):
        wrong = client.post("/search", json={"query": "giày"}, headers={"Authorization": header})
        assert wrong.status_code == 401 and wrong.json()["error"] == "wrong bearer token"
    assert client.get("/metrics").status_code == 401
    assert client.post("/search", json={"query": "giày"}, headers={"Authorization": f"bearer {TOKEN}"}).status_code \
        == 200
    with pytest.raises(ValueError, match="the token is empty"):
        create_app(client.app.state.service, token="  ")


def test_reload_endpoint(client, build_config, corpus_file):
    write_corpus(corpus_file, [*DOCS, NEW_DOC])
    report = build_index(build_config())
    out = client.post("/admin/reload", headers=AUTH).json()
    assert out == {"reloaded": True, "version": report.version, "documents": len(DOCS) + 1}
    assert client.get("/health").json()["index"]["version"] == report.version
    build_index(build_config(model="frozen", overwrite=True))
    refused = client.post("/admin/reload", headers=AUTH)
    assert refused.status_code == 409 and "still serving version " + report.version in refused.json()["error"]


def test_errors_are_json_never_tracebacks(client, monkeypatch):
    unknown = client.get("/nope")
    assert unknown.status_code == 404 and "no such endpoint: GET /nope" in unknown.json()["error"]
    assert client.get("/search").status_code == 405 and "not allowed" in client.get("/search").json()["error"]

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(client.app.state.service, "search", boom)
    failed = client.post("/search", json={"query": "giày"}, headers=AUTH)
    assert failed.status_code == 500 and failed.headers["content-type"] == "application/json"
    assert failed.json() == {"error": "internal error (RuntimeError); the server log has the details", "status": 500}
    assert "Traceback" not in failed.text and "secret internals" not in failed.text
