"""Strict dataclass configs: unknown keys raise an error that names where they came from and the valid ones."""

from __future__ import annotations

from typing import Any


def check_fields(kind: type, raw: dict[str, Any], where: str) -> dict[str, Any]:
    """``raw`` unchanged when every key is a field of the dataclass ``kind``; else ``ValueError``."""
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: expected a mapping of {kind.__name__} fields, got {type(raw).__name__}")
    valid = set(kind.__dataclass_fields__)
    unknown = set(raw) - valid
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {sorted(unknown)}; valid: {sorted(valid)}")
    return raw
