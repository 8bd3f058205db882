"""A real HTTP chat-completions server on 127.0.0.1 for tests (stdlib ``ThreadingHTTPServer``, port 0).

``POST /v1/chat/completions`` calls the handler with the request JSON. The handler returns the answers
(``list[str]``), an HTTP status to fail with (``int``), ``"garbage"`` (a 200 with a body that is not JSON),
a raw body (``dict``, sent as JSON) or ``("sleep", seconds, reply)`` (wait, then answer ``reply``).
Every request's path, headers and JSON are recorded; ``max_active`` is the most handled at once.
Use the ``chat_server`` fixture: ``from tests.chat_server import chat_server  # noqa: F401``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

Reply = Any
MAX_SLEEP_S = 10.0


def echo_handler(request: dict[str, Any]) -> list[str]:
    """The default: ``n`` answers ``reply <i>`` (or one answer when ``n`` is absent)."""
    return [f"reply {i}" for i in range(int(request.get("n") or 1))]


class ChatServer:
    """The running server: ``url`` (ends in ``/v1``), ``requests``, ``set_handler``, ``max_active``."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.handler: Callable[[dict[str, Any]], Reply] = echo_handler
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._request_handler())
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def set_handler(self, fn: Callable[[dict[str, Any]], Reply]) -> None:
        self.handler = fn

    def stop(self) -> None:
        self._stopping.set()  # wakes sleeping handlers
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _respond(self, request: dict[str, Any]) -> tuple[int, bytes]:
        reply = self.handler(request)
        while isinstance(reply, tuple) and reply and reply[0] == "sleep":
            self._stopping.wait(min(float(reply[1]), MAX_SLEEP_S))
            reply = reply[2] if len(reply) > 2 else echo_handler(request)
        if isinstance(reply, int):
            return reply, json.dumps({"error": {"message": f"test failure {reply}"}}).encode()
        if reply == "garbage":
            return 200, b"<html>not json{"
        if isinstance(reply, dict):
            return 200, json.dumps(reply).encode()
        choices = [{"index": i, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                   for i, text in enumerate(reply)]
        body = {"id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion", "created": int(time.time()),
                "model": request.get("model", ""), "choices": choices,
                "usage": {"prompt_tokens": 1, "completion_tokens": len(choices), "total_tokens": 1 + len(choices)}}
        return 200, json.dumps(body).encode()

    def _request_handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt: str, *args: Any) -> None:  # silence stderr logging
                pass

            def _send(self, status: int, body: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (timeout) and closed the connection

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    request = json.loads(raw or b"{}")
                except ValueError:
                    request = {"_raw": raw.decode("utf-8", "replace")}
                with server._lock:
                    server.requests.append({"path": self.path, "headers": dict(self.headers), "json": request})
                    server.active += 1
                    server.max_active = max(server.max_active, server.active)
                try:
                    if self.path.rstrip("/") != "/v1/chat/completions":
                        status, body = 404, b'{"error": {"message": "not found"}}'
                    else:
                        status, body = server._respond(request)
                finally:
                    with server._lock:
                        server.active -= 1
                self._send(status, body)

        return Handler


@pytest.fixture
def chat_server() -> Iterator[ChatServer]:
    """A fresh chat-completions server for one test; stopped at teardown."""
    server = ChatServer()
    try:
        yield server
    finally:
        server.stop()
