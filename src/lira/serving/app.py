"""The FastAPI application over a ``SearchService``.

Endpoints: ``GET /`` (the search page), ``POST /search``, ``POST /encode``, ``GET /health`` (model and index
identity), ``GET /metrics`` (Prometheus) and ``POST /admin/reload`` (serve the index version ``CURRENT`` names
now). With a token, every endpoint but the page and ``/health`` needs ``Authorization: Bearer <token>``, compared
in constant time (``hmac.compare_digest``).

Bodies are read by hand so that every fault gets its own status and message: a wrong content type 415, a body
over ``Limits.max_body_bytes`` 413, invalid UTF-8 or malformed JSON 400, a bad field 422. Every error, including
404, 405 and an unexpected failure (500, logged with its traceback on the server only), is a JSON object
``{"error": ..., "status": ...}``.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from lira import __version__
from lira.serving.index import IndexFolderError
from lira.serving.metrics import CONTENT_TYPE
from lira.serving.page import CSP, page_html
from lira.serving.schemas import EncodeRequest, RequestError, SearchRequest, parse
from lira.serving.service import SearchService

log = logging.getLogger("lira.serving")
ENDPOINTS = ("/", "/search", "/encode", "/health", "/metrics", "/admin/reload")


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": message, "status": status, **extra}, status_code=status, headers=headers)


async def read_json(request: Request, max_bytes: int) -> Any:
    """The request body as JSON, or ``RequestError`` with the status for what is wrong with it."""
    content_type = request.headers.get("content-type", "")
    media, _, params = content_type.partition(";")
    if media.strip().lower() != "application/json":
        raise RequestError(f"Content-Type must be application/json, got {content_type or 'none'}", status=415)
    charset = params.strip().lower().removeprefix("charset=").strip('"') if "charset=" in params.lower() else "utf-8"
    if charset not in ("utf-8", "utf8"):
        raise RequestError(f"the body must be UTF-8, got charset {charset}", status=415)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise RequestError(f"the body is {declared} bytes; the limit is {max_bytes}", status=413)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > max_bytes:
            raise RequestError(f"the body is over {max_bytes} bytes; the limit is {max_bytes}", status=413)
    try:
        text = bytes(body).decode("utf-8")
    except UnicodeDecodeError as e:
        raise RequestError(f"the body is not valid UTF-8 (byte {bytes(body)[e.start]:#04x} at offset {e.start})",
                           status=400) from None
    if not text.strip():
        raise RequestError("the body is empty; send a JSON object", status=400)
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise RequestError(f"malformed JSON: {e.msg} at line {e.lineno} column {e.colno}", status=400) from None


def create_app(service: SearchService, *, token: str | None = None) -> FastAPI:
    """The application; ``token`` (non-empty) turns on bearer authentication."""
    if token is not None and not token.strip():
        raise ValueError("the token is empty")
    app = FastAPI(title="LiRA search", version=__version__, docs_url=None, redoc_url=None)
    app.state.service = service
    metrics, limits = service.metrics, service.limits
    expected = token.strip().encode("utf-8") if token else None

    def authorize(request: Request) -> None:
        if expected is None:
            return
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if not header:
            raise RequestError("missing bearer token (send Authorization: Bearer <token>)", status=401)
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode("utf-8"), expected):
            raise RequestError("wrong bearer token", status=401)

    @app.middleware("http")
    async def measure(request: Request, call_next: Any) -> Response:
        endpoint = request.url.path if request.url.path in ENDPOINTS else "other"
        start = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            metrics.requests.labels(endpoint, str(status)).inc()
            metrics.latency.labels(endpoint).observe(time.perf_counter() - start)

    @app.exception_handler(RequestError)
    async def request_error(request: Request, exc: RequestError) -> JSONResponse:
        return _error(exc.status, str(exc), **{k: v for k, v in exc.to_dict().items() if k not in ("error", "status")})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = {404: f"no such endpoint: {request.method} {request.url.path}; endpoints: {', '.join(ENDPOINTS)}",
                   405: f"method {request.method} is not allowed on {request.url.path}"}.get(exc.status_code,
                                                                                             str(exc.detail))
        return _error(exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        return _error(422, "; ".join(problems))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected failure on %s %s", request.method, request.url.path)
        return _error(500, f"internal error ({type(exc).__name__}); the server log has the details")

    @app.get("/", response_class=HTMLResponse)
    async def page() -> HTMLResponse:
        return HTMLResponse(page_html(auth=expected is not None, max_query_chars=limits.max_query_chars),
                            headers={"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                                     "Cache-Control": "no-store"})

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {**service.health(), "auth": expected is not None}

    # The answers are plain JSON already: returned as JSONResponse, FastAPI does not walk them again.
    @app.post("/search")
    async def search(request: Request) -> JSONResponse:
        authorize(request)
        body: SearchRequest = parse(SearchRequest, await read_json(request, limits.max_body_bytes))
        return JSONResponse(await run_in_threadpool(service.search, body.query, body.lang, body.k))

    @app.post("/encode")
    async def encode(request: Request) -> JSONResponse:
        authorize(request)
        body: EncodeRequest = parse(EncodeRequest, await read_json(request, limits.max_body_bytes))
        return JSONResponse(await run_in_threadpool(service.encode, body.texts, body.lang, body.role))

    @app.get("/metrics")
    async def prometheus(request: Request) -> Response:
        authorize(request)
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    @app.post("/admin/reload")
    async def reload(request: Request) -> dict[str, Any]:
        authorize(request)
        try:
            return await run_in_threadpool(service.reload)
        except (IndexFolderError, ValueError, OSError) as e:
            raise RequestError(f"reload refused, still serving version {service.holder.current.version}: {e}",
                               status=409) from None

    return app
