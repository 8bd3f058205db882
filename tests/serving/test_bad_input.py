"""The issue's list of bad requests: each gets a 4xx with a reason (as JSON, never a stack trace), and afterwards
/health is fine and a normal search still returns the right result."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from lira.serving.app import create_app

TOKEN = "t0ken"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {**AUTH, "Content-Type": "application/json"}

BAD = [  # (name, headers, body (str: sent as UTF-8), status, words the reason must hold)
    ("malformed JSON", JSON, '{"query": "giày"', 400, "malformed JSON"),
    ("wrong content type", {**AUTH, "Content-Type": "text/plain"}, '{"query": "giày"}', 415,
     "Content-Type must be application/json"),
    ("no content type", AUTH, '{"query": "giày"}', 415, "Content-Type must be application/json, got none"),
    ("empty query", JSON, b'{"query": ""}', 422, "query is empty"),
    ("whitespace only", JSON, json.dumps({"query": " \t\u3000\n"}).encode(), 422, "query holds only whitespace"),
    ("1 MB query", JSON, json.dumps({"query": "a" * 1_000_000}).encode(), 413, "bytes; the limit is 65536"),
    ("query over the length limit", JSON, json.dumps({"query": "giày " * 200}).encode(), 422,
     "1000 characters long; the limit is 512"),
    ("invalid UTF-8", JSON, b'{"query": "gi\xff\xfey"}', 400, "not valid UTF-8 (byte 0xff at offset 13)"),
    ("k = 0", JSON, json.dumps({"query": "giày", "k": 0}).encode(), 422, "k must be between 1 and 100, got 0"),
    ("k = -1", JSON, json.dumps({"query": "giày", "k": -1}).encode(), 422, "k must be between 1 and 100, got -1"),
    ("k = 10^6", JSON, json.dumps({"query": "giày", "k": 10**6}).encode(), 422, "got 1000000"),
    ("k as a string", JSON, '{"query": "giày", "k": "10"}', 422, "k: Input should be a valid integer"),
    ("k as a boolean", JSON, '{"query": "giày", "k": true}', 422, "k: Input should be a valid integer"),
    ("unknown lang", JSON, json.dumps({"query": "giày", "lang": "klingon"}).encode(), 422,
     "unknown language code 'klingon'; valid codes"),
    ("Thai declared as Urdu", JSON, json.dumps({"query": "รองเท้าวิ่ง", "lang": "urd"}).encode(), 422,
     "written in Thai script, but lang 'urd' (Urdu) is written in Arab script"),
    ("missing token", {"Content-Type": "application/json"}, '{"query": "giày"}', 401, "missing bearer token"),
    ("wrong token", {"Authorization": "Bearer nope", "Content-Type": "application/json"}, '{"query": "giày"}', 401,
     "wrong bearer token"),
    ("not an object", JSON, '["giày"]', 422, "the body must be a JSON object, got list"),
    ("empty body", JSON, b"", 400, "the body is empty"),
    ("unknown field", JSON, '{"query": "giày", "top": 3}', 422, "top: Extra inputs are not permitted"),
    ("null query", JSON, b'{"query": null}', 422, "query: Input should be a valid string"),
    ("unpaired surrogate", JSON, b'{"query": "gi\\ud800y"}', 422, "unpaired surrogate"),
    ("ambiguous Latin", JSON, b'{"query": "murah"}', 422, "cannot tell the query's language"),
]


@pytest.fixture
def client(service):
    with TestClient(create_app(service, token=TOKEN), raise_server_exceptions=False) as c:
        yield c


def test_each_bad_request_gets_a_4xx_with_a_reason_and_the_service_stays_well(client):
    for name, headers, body, status, reason in BAD:
        content = body.encode("utf-8") if isinstance(body, str) else body
        response = client.post("/search", content=content, headers=headers)
        assert response.status_code == status, (name, response.text[:300])
        assert response.headers["content-type"] == "application/json", name
        error = response.json()
        assert error["status"] == status and reason in error["error"], (name, error)
        assert "Traceback" not in response.text and len(response.content) < 4000, name
    ambiguous = client.post("/search", content=b'{"query": "murah"}', headers=JSON).json()
    assert ambiguous["field"] == "lang" and {"ind", "zsm"} <= set(ambiguous["candidates"])
    health = client.get("/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    found = client.post("/search", json={"query": "ấm đun nước", "k": 3}, headers=AUTH)
    assert found.status_code == 200 and found.json()["results"][0]["id"] == "d6"
    counted = client.get("/metrics", headers=AUTH).text
    assert 'lira_requests_total{endpoint="/search",status="422"}' in counted


def test_encode_bad_batches(client):
    cases = [({"texts": []}, "texts is empty"), ({"texts": ["giày"] * 65}, "65 texts; the limit is 64"),
             ({"texts": ["giày", " "]}, "texts[1] holds only whitespace"),
             ({"texts": ["giày"], "role": "doc"}, "role: Input should be 'query' or 'passage'"),
             ({"texts": "giày"}, "texts: Input should be a valid list")]
    for body, reason in cases:
        response = client.post("/encode", json=body, headers=AUTH)
        assert response.status_code == 422 and reason in response.json()["error"], (body, response.text)


def test_a_streamed_body_over_the_limit_is_cut_off(client):
    def chunks():
        for _ in range(100):
            yield b"a" * 1000

    response = client.post("/search", content=chunks(), headers=JSON)  # chunked: no Content-Length to trust
    assert response.status_code == 413 and "over 65536 bytes" in response.json()["error"]
