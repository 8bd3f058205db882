"""Request bodies, the service's limits and the errors a request can get.

Bodies are validated strictly (``pydantic`` strict mode: ``"k": "10"`` or ``true`` is not a number; unknown
fields are refused), then against ``Limits``. Errors carry an HTTP status and a message naming the field; they
never echo the offending input back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError


@dataclass(frozen=True)
class Limits:
    """Longest query in characters, largest ``k``, most texts per ``/encode`` call, largest request body in
    bytes, and the default ``k``."""

    max_query_chars: int = 512
    max_k: int = 100
    max_batch: int = 64
    max_body_bytes: int = 64 * 1024
    default_k: int = 10

    def __post_init__(self) -> None:
        for name in ("max_query_chars", "max_k", "max_batch", "max_body_bytes", "default_k"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.default_k > self.max_k:
            raise ValueError(f"default_k ({self.default_k}) exceeds max_k ({self.max_k})")


class RequestError(ValueError):
    """A request the service refuses: HTTP ``status``, the ``field`` at fault and ``extra`` JSON fields (e.g. the
    candidate languages)."""

    def __init__(self, message: str, *, status: int = 422, field: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.field, self.extra = status, field, extra

    def to_dict(self) -> dict[str, Any]:
        """The JSON error body."""
        return {"error": str(self), "status": self.status, **({"field": self.field} if self.field else {}),
                **self.extra}


class SearchRequest(BaseModel):
    """``POST /search``: the ``query``, its ``lang`` (optional: taken from the script) and ``k``."""

    model_config = ConfigDict(extra="forbid", strict=True)
    query: str
    lang: str | None = None
    k: int | None = None


class EncodeRequest(BaseModel):
    """``POST /encode``: ``texts`` in one ``lang`` (optional: taken from the script), as ``query`` or ``passage``."""

    model_config = ConfigDict(extra="forbid", strict=True)
    texts: list[str]
    lang: str | None = None
    role: Literal["query", "passage"] = "query"


def parse(model: type[BaseModel], body: Any) -> Any:
    """``body`` validated as ``model``; ``RequestError`` (422) naming each bad field, without its value."""
    if not isinstance(body, dict):
        raise RequestError(f"the body must be a JSON object, got {type(body).__name__}")
    try:
        return model.model_validate(body)
    except ValidationError as e:
        problems = [f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}" for err in e.errors()]
        first = e.errors()[0]["loc"]
        raise RequestError("; ".join(problems), field=str(first[0]) if first else None) from None
