"""A client for any OpenAI-compatible chat-completions endpoint (vLLM, Ollama, llama.cpp server, hosted LLMs).

``ChatClient.complete`` POSTs ``{base_url}/chat/completions`` (OpenAI API reference, "Create chat
completion") and returns the ``n`` choices' message contents. Timeouts, connection errors, HTTP 429 and
5xx and malformed JSON bodies are retried ``max_retries`` times with exponential backoff
(``backoff_s * 2**attempt``, plus up to 10% jitter; a numeric ``Retry-After`` header lengthens the wait,
up to 60 s). Other HTTP errors fail at once. Failures raise ``EndpointError`` naming the URL, the number
of attempts and the last cause. With ``cache_dir`` set, responses are stored as JSON files keyed by
the sha256 of (model, messages, n, temperature, max_tokens[, seed]) and served from there without a request.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lira.extras import needs_extra
from lira.io import atomic_write
from lira.translators.base import EndpointError

# an optional extra: only the LLM endpoint path needs it
with needs_extra("llm", "calling an LLM endpoint (openai: translators, the LLM judge, MGSM)"):
    import httpx

Message = Mapping[str, str]
MAX_RETRY_AFTER_S = 60.0


class _Retryable(Exception):
    """A failed attempt worth repeating."""

    def __init__(self, cause: str, retry_after: float | None = None, status: int | None = None) -> None:
        super().__init__(cause)
        self.retry_after, self.status = retry_after, status


@dataclass
class ChatConfig:
    """Where and how to ask: ``base_url`` ends before ``/chat/completions`` (e.g. ``http://127.0.0.1:8000/v1``).

    ``api_key_env`` names an environment variable holding the key (sent as ``Authorization: Bearer``).
    ``concurrency`` bounds the requests in flight in ``complete_many``.
    """

    base_url: str
    model: str
    api_key_env: str | None = None
    timeout_s: float = 30.0
    max_retries: int = 3
    backoff_s: float = 0.5
    concurrency: int = 4
    cache_dir: Path | None = None
    temperature: float = 0.0
    max_tokens: int = 256

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {self.base_url!r}")
        if not self.model:
            raise ValueError("model must be named")
        if self.max_retries < 0 or self.concurrency < 1 or self.timeout_s <= 0 or self.max_tokens < 1:
            raise ValueError("need max_retries >= 0, concurrency >= 1, timeout_s > 0 and max_tokens >= 1")
        if self.cache_dir is not None:
            self.cache_dir = Path(self.cache_dir)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return min(float(response.headers.get("retry-after", "")), MAX_RETRY_AFTER_S)
    except ValueError:
        return None


def _choices(body: Any) -> list[str]:
    """The message contents of a chat-completion body; raises ``_Retryable`` for a malformed one."""
    if not isinstance(body, dict) or not isinstance(body.get("choices"), list) or not body["choices"]:
        raise _Retryable(f"malformed response: no choices in {str(body)[:200]!r}")
    texts = []
    for choice in sorted(body["choices"], key=lambda c: c.get("index", 0) if isinstance(c, dict) else 0):
        message = choice.get("message") if isinstance(choice, dict) else None
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, str | None):
            raise _Retryable(f"malformed response: choice content {content!r}")
        texts.append(content or "")
    return texts


class ChatClient:
    """Sends chat-completion requests with retries, a concurrency bound and an optional on-disk cache."""

    def __init__(self, config: ChatConfig) -> None:
        self.config = config
        self.url = config.base_url.rstrip("/") + "/chat/completions"
        headers = {"Content-Type": "application/json"}
        if config.api_key_env:
            key = os.environ.get(config.api_key_env)
            if not key:
                raise ValueError(f"environment variable {config.api_key_env} (api_key_env) is not set")
            headers["Authorization"] = f"Bearer {key}"
        self._headers = headers
        self._http: httpx.Client | None = None
        self._lock = threading.Lock()
        self.requests_sent = 0

    @property
    def model(self) -> str:
        return self.config.model

    def _client(self) -> httpx.Client:
        with self._lock:
            if self._http is None:
                limits = httpx.Limits(max_connections=self.config.concurrency,
                                      max_keepalive_connections=self.config.concurrency)
                self._http = httpx.Client(timeout=httpx.Timeout(self.config.timeout_s), limits=limits,
                                          headers=self._headers)
            return self._http

    def close(self) -> None:
        """Close the HTTP connections (a later request opens new ones)."""
        with self._lock:
            if self._http is not None:
                self._http.close()
                self._http = None

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _payload(self, messages: Sequence[Message], n: int, temperature: float | None,
                 seed: int | None) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.config.model,
            "messages": [dict(m) for m in messages],
            "n": n,
            "temperature": self.config.temperature if temperature is None else temperature,
            "max_tokens": self.config.max_tokens,
        }
        if seed is not None:
            payload["seed"] = seed
        return payload

    def cache_path(self, payload: Mapping[str, Any]) -> Path | None:
        """The cache file of one request payload, or None without a ``cache_dir``."""
        if self.config.cache_dir is None:
            return None
        keyed = {k: payload[k] for k in ("model", "messages", "n", "temperature", "max_tokens", "seed") if k in payload}
        digest = hashlib.sha256(json.dumps(keyed, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
        return self.config.cache_dir / digest[:2] / f"{digest}.json"

    def complete(self, messages: Sequence[Message], *, n: int = 1, temperature: float | None = None,
                 seed: int | None = None) -> list[str]:
        """The contents of the response's choices (as many as the server returned, possibly fewer than ``n``).

        ``temperature`` defaults to the config's; ``seed`` (sent when given) also keys the cache.
        Raises ``EndpointError`` once the retries are spent or for a non-retryable HTTP error.
        """
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        payload = self._payload(messages, n, temperature, seed)
        path = self.cache_path(payload)
        if path is not None and path.is_file():
            try:
                return list(json.loads(path.read_text(encoding="utf-8"))["choices"])
            except (ValueError, KeyError, TypeError):
                pass  # a damaged cache file is refetched and overwritten
        texts = self._post(payload)
        if path is not None:
            with atomic_write(path) as f:
                json.dump({"request": payload, "choices": texts}, f, ensure_ascii=False)
        return texts

    def _post(self, payload: dict[str, Any]) -> list[str]:
        attempts = self.config.max_retries + 1
        cause = ""
        status: int | None = None
        retry_after: float | None = None
        for attempt in range(attempts):
            if attempt:
                delay = self.config.backoff_s * 2 ** (attempt - 1) * (1 + 0.1 * random.random())
                time.sleep(max(delay, retry_after or 0.0))
            try:
                return self._attempt(payload)
            except _Retryable as e:
                cause, retry_after, status = str(e), e.retry_after, e.status
        raise EndpointError(f"chat request to {self.url} failed after {attempts} attempt(s): {cause}",
                            url=self.url, attempts=attempts, cause=cause, status=status)

    def _attempt(self, payload: dict[str, Any]) -> list[str]:
        with self._lock:
            self.requests_sent += 1
        try:
            response = self._client().post(self.url, json=payload)
        except httpx.TimeoutException as e:
            raise _Retryable(f"timed out after {self.config.timeout_s:g} s ({type(e).__name__})") from None
        except httpx.TransportError as e:
            raise _Retryable(f"connection error: {type(e).__name__}: {e}") from None
        if response.status_code == 429 or response.status_code >= 500:
            raise _Retryable(f"HTTP {response.status_code}: {response.text[:200]}", _retry_after(response),
                             response.status_code)
        if response.status_code >= 400:
            raise EndpointError(f"chat request to {self.url} was refused: HTTP {response.status_code}: "
                                f"{response.text[:300]}", url=self.url, attempts=1,
                                cause=f"HTTP {response.status_code}", status=response.status_code)
        try:
            body = response.json()
        except ValueError:
            raise _Retryable(f"malformed JSON response: {response.text[:200]!r}") from None
        return _choices(body)

    def complete_many(self, messages_list: Sequence[Sequence[Message]], *, n: int = 1,
                      temperature: float | None = None, seed: int | None = None, return_exceptions: bool = False,
                      progress: bool | None = None) -> list[list[str] | EndpointError]:
        """``complete`` for each conversation, at most ``concurrency`` at a time, results in input order.

        With ``return_exceptions`` a failed item's ``EndpointError`` takes its place; otherwise the first
        failure cancels the requests not yet started and is raised. A tqdm bar shows for more than one
        item (``progress=False`` hides it).
        """
        results: list[list[str] | EndpointError | None] = [None] * len(messages_list)
        if not messages_list:
            return []
        show = len(messages_list) > 1 if progress is None else progress
        bar = None
        if show:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(messages_list), desc=f"chat {self.config.model}", unit="req")
        pool = ThreadPoolExecutor(max_workers=min(self.config.concurrency, len(messages_list)))
        try:
            futures: dict[Future[list[str]], int] = {
                pool.submit(self.complete, m, n=n, temperature=temperature, seed=seed): i
                for i, m in enumerate(messages_list)
            }
            for future in as_completed(futures):
                i = futures[future]
                try:
                    results[i] = future.result()
                except EndpointError as e:
                    if not return_exceptions:
                        raise
                    results[i] = e
                if bar is not None:
                    bar.update(1)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            if bar is not None:
                bar.close()
        return results  # type: ignore[return-value]
