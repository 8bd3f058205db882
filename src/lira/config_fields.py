"""Strict typed configs: a YAML section or JSON object becomes a config dataclass only when every key is one of
its fields and every value has the field's type (checked by pydantic against the dataclass's annotations, then
the dataclass's own ``__post_init__`` checks). Errors name the file, the field path, the bad value and what is
valid, and are ``ConfigError`` (a ``ValueError``), which the CLI prints as one line."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class ConfigError(ValueError):
    """A config file or section that does not fit its schema (unknown field, wrong type, bad value)."""


def check_fields(kind: type, raw: dict[str, Any], where: str) -> dict[str, Any]:
    """``raw`` unchanged when every key is a field of the dataclass ``kind``; else ``ConfigError``."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping of {kind.__name__} fields, got {type(raw).__name__}")
    if not dataclasses.is_dataclass(kind):
        raise TypeError(f"{kind!r} is not a dataclass")
    valid = set(kind.__dataclass_fields__)
    unknown = set(raw) - valid
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {sorted(unknown)}; valid: {sorted(valid)}")
    return raw


def parse_fields(kind: type[T], raw: Any, where: str) -> T:
    """``kind(**raw)`` for the dataclass ``kind``, with unknown keys refused (``check_fields``) and every value
    validated against the field's type annotation (pydantic's ``TypeAdapter``; ``"5"`` is read as 5, ``"many"``
    or ``1.7`` for an integer field are errors). Raises ``ConfigError`` naming ``where``, the field path and the
    bad value."""
    from pydantic import TypeAdapter, ValidationError

    check_fields(kind, raw, where)
    try:
        return TypeAdapter(kind).validate_python(raw)
    except ValidationError as e:
        problems = []
        for err in e.errors(include_url=False):
            message = err["msg"].removeprefix("Value error, ")
            if err["loc"]:  # a field's type
                path = ".".join(str(p) for p in err["loc"])
                problems.append(f"field {path}: {message} (got {err.get('input')!r})")
            else:  # the dataclass's own check (__post_init__) names its field itself
                problems.append(message)
        raise ConfigError(f"{where}: " + "; ".join(problems)) from None


def read_yaml(path: str | Path) -> dict[str, Any]:
    """The mapping in a YAML file (an empty file is ``{}``); a missing file is ``FileNotFoundError``, bad YAML or
    a file that is not a mapping a ``ConfigError`` naming the file and line."""
    import yaml

    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}{line}: not valid YAML ({getattr(e, 'problem', None) or e})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of config sections, got {type(raw).__name__}")
    return raw
