import time

import pytest

from lira.translators.chat import ChatClient, ChatConfig, EndpointError
from tests.chat_server import chat_server  # noqa: F401

HELLO = [{"role": "user", "content": "hello"}]


def client(server, **kw) -> ChatClient:
    kw = {"backoff_s": 0.01, "timeout_s": 5.0, **kw}
    return ChatClient(ChatConfig(base_url=server.url, model="tiny", **kw))


def test_success_sends_the_protocol(chat_server):  # noqa: F811
    chat_server.set_handler(lambda req: ["bonjour", "salut"][: req["n"]])
    with client(chat_server, max_tokens=32) as c:
        assert c.complete(HELLO, n=2) == ["bonjour", "salut"]
    [req] = chat_server.requests
    assert req["path"] == "/v1/chat/completions"
    assert req["json"] == {"model": "tiny", "messages": HELLO, "n": 2, "temperature": 0.0, "max_tokens": 32}
    assert "authorization" not in {k.lower() for k in req["headers"]}


@pytest.mark.parametrize("status", [500, 503, 429])
def test_retries_then_succeeds(chat_server, status):  # noqa: F811
    chat_server.set_handler(lambda req: status if len(chat_server.requests) <= 2 else ["ok"])
    assert client(chat_server).complete(HELLO) == ["ok"]
    assert len(chat_server.requests) == 3


def test_gives_up_after_bounded_retries(chat_server):  # noqa: F811
    chat_server.set_handler(lambda req: 502)
    with pytest.raises(EndpointError) as info:
        client(chat_server, max_retries=2).complete(HELLO)
    assert len(chat_server.requests) == 3
    assert chat_server.url in str(info.value) and "3 attempt(s)" in str(info.value) and "HTTP 502" in str(info.value)
    assert info.value.attempts == 3 and info.value.status == 502


def test_client_errors_are_not_retried(chat_server):  # noqa: F811
    chat_server.set_handler(lambda req: 400)
    with pytest.raises(EndpointError, match="HTTP 400"):
        client(chat_server).complete(HELLO)
    assert len(chat_server.requests) == 1


def test_timeout_is_retried_then_raised(chat_server):  # noqa: F811
    chat_server.set_handler(lambda req: ("sleep", 2.0, ["late"]))
    start = time.monotonic()
    with pytest.raises(EndpointError, match="timed out after 0.2 s") as info:
        client(chat_server, timeout_s=0.2, max_retries=2).complete(HELLO)
    assert time.monotonic() - start < 1.5
    assert len(chat_server.requests) == 3 and info.value.attempts == 3


def test_garbage_json_is_retried(chat_server):  # noqa: F811
    replies = iter(["garbage", {"choices": []}, ["fine"]])
    chat_server.set_handler(lambda req: next(replies))
    assert client(chat_server).complete(HELLO) == ["fine"]
    assert len(chat_server.requests) == 3


def test_concurrency_limit_and_input_order(chat_server):  # noqa: F811
    chat_server.set_handler(lambda req: ("sleep", 0.1, [req["messages"][0]["content"].upper()]))
    asks = [[{"role": "user", "content": f"q{i}"}] for i in range(8)]
    out = client(chat_server, concurrency=2).complete_many(asks, progress=False)
    assert out == [[f"Q{i}"] for i in range(8)]
    assert chat_server.max_active == 2


def test_complete_many_failures(chat_server):  # noqa: F811
    chat_server.set_handler(lambda req: 500 if req["messages"][0]["content"] == "bad" else ["ok"])
    c = client(chat_server, max_retries=1)
    asks = [[{"role": "user", "content": t}] for t in ("good", "bad", "good")]
    out = c.complete_many(asks, return_exceptions=True, progress=False)
    assert out[0] == ["ok"] and out[2] == ["ok"] and isinstance(out[1], EndpointError)
    with pytest.raises(EndpointError):
        c.complete_many(asks, progress=False)


def test_cache_hit_makes_no_request(chat_server, tmp_path):  # noqa: F811
    c = client(chat_server, cache_dir=tmp_path / "cache")
    assert c.complete(HELLO, n=2) == ["reply 0", "reply 1"]
    chat_server.set_handler(lambda req: 500)
    assert client(chat_server, cache_dir=tmp_path / "cache").complete(HELLO, n=2) == ["reply 0", "reply 1"]
    assert len(chat_server.requests) == 1
    assert len(list((tmp_path / "cache").rglob("*.json"))) == 1
    assert not list((tmp_path / "cache").rglob("*.tmp"))
    with pytest.raises(EndpointError):  # another temperature is another request
        client(chat_server, cache_dir=tmp_path / "cache", max_retries=0).complete(HELLO, n=2, temperature=0.5)


def test_api_key_from_env(chat_server, monkeypatch):  # noqa: F811
    monkeypatch.setenv("MY_TEST_KEY", "sk-test-123")
    client(chat_server, api_key_env="MY_TEST_KEY").complete(HELLO)
    headers = {k.lower(): v for k, v in chat_server.requests[0]["headers"].items()}
    assert headers["authorization"] == "Bearer sk-test-123"
    monkeypatch.delenv("MY_TEST_KEY")
    with pytest.raises(ValueError, match="MY_TEST_KEY"):
        client(chat_server, api_key_env="MY_TEST_KEY")


def test_connection_refused_is_an_endpoint_error():
    c = ChatClient(ChatConfig(base_url="http://127.0.0.1:9/v1", model="m", max_retries=1, backoff_s=0.01))
    with pytest.raises(EndpointError, match="connection error") as info:
        c.complete(HELLO)
    assert info.value.attempts == 2


def test_bad_config():
    with pytest.raises(ValueError, match="http"):
        ChatConfig(base_url="127.0.0.1:8000", model="m")
    with pytest.raises(ValueError, match="concurrency"):
        ChatConfig(base_url="http://x", model="m", concurrency=0)
