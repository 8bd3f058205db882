"""The methods generic evaluation scores, named or loaded from a folder, and the English they read from files.

``load_method(spec)`` gives an encoder the evaluators accept:

- ``frozen``: the multilingual backbone, no adaptation;
- ``translate-test``: the English encoder reads the English side only;
- ``dual-path``: ``[g(x) ; h(T(x))]``, untrained;
- ``distilled:DIR``: a multilingual knowledge-distillation student (``lira.training.distill``);
- a folder: a LiRA model (``lira_config.json``) or a distilled student (``distilled_config.json``).

The peers' own ``translator_for`` gives None: the evaluators hand them their English (``translator=``).

``translator_from_file`` reads a parallel file (``text``, ``en``, ``en_2``... or ``translations``) as a
``PrecomputedTranslator`` that serves no candidate for texts it lacks; ``coverage_warning`` /
``warn_missing`` count those texts once per evaluation.

Example::

    method = load_method("translate-test")
    translator = translator_from_file("mt.tsv", lang="tha")
    result = ClassificationEvaluator(train, test, lang="tha")(method, translator=translator)
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lira.backbones import DEFAULT_ENGLISH, DEFAULT_MULTILINGUAL
from lira.cache import FeatureCache, cached_backbone
from lira.data.errors import DataFormatError
from lira.data.loaders import load_parallel
from lira.languages import ENGLISH, normalize_code
from lira.translators.precomputed import PrecomputedTranslator
from lira.weights import found_below, not_saved

METHOD_NAMES = ("frozen", "translate-test", "dual-path")
DISTILLED_PREFIX = "distilled:"


def _no_translator(lang: str) -> None:
    return None


@dataclass(frozen=True)
class MethodSpec:
    """What a method spec names: its ``kind`` (``baseline``, ``lira`` or ``distilled``) and, for a model, the
    ``folder`` holding it."""

    spec: str
    kind: str
    folder: Path | None = None

    def multilingual(self, backbone: str | None) -> str:
        """The multilingual backbone spec a baseline or distilled student reads: ``backbone`` when given, else
        the one the student records, else ``DEFAULT_MULTILINGUAL``."""
        from lira.baselines import DistilledStudent

        recorded = DistilledStudent.recorded_backbone(self.folder) if self.kind == "distilled" and self.folder else None
        return backbone or recorded or DEFAULT_MULTILINGUAL

    def backbones(self, backbone: str | None, english: str) -> tuple[str, str]:
        """``(multilingual, English)`` backbone specs the method reads, "" for a side it does not read: a LiRA
        model's from its ``lira_config.json``, the others' from ``backbone`` (``multilingual``) and ``english``."""
        if self.kind == "lira" and self.folder is not None:
            config = json.loads((self.folder / "lira_config.json").read_text(encoding="utf-8")).get("config", {})
            return str(config.get("lr_backbone", "")), str(config.get("en_backbone", ""))
        lr = "" if self.spec == "translate-test" else self.multilingual(backbone)
        return lr, english if self.spec in ("translate-test", "dual-path") else ""


def parse_method(spec: str) -> MethodSpec:
    """Classify ``spec`` (see the module docstring). Raises ``ValueError`` for a name that is neither a baseline
    nor a model folder, saying what was expected, and ``FileNotFoundError`` for ``distilled:DIR`` without a
    student; both name a model folder found just below a run folder."""
    if spec in METHOD_NAMES:
        return MethodSpec(spec, "baseline")
    distilled = spec.startswith(DISTILLED_PREFIX)
    folder = Path(spec[len(DISTILLED_PREFIX):] if distilled else spec)
    if not distilled and (folder / "lira_config.json").is_file():
        return MethodSpec(spec, "lira", folder)
    if (folder / "distilled_config.json").is_file():
        return MethodSpec(spec, "distilled", folder)
    if distilled:
        raise not_saved(folder, "distilled_config.json", "distilled student")
    what, joiner = (("folder has neither", "nor") if folder.is_dir()
                    else ("is neither a baseline name nor a folder; expected", "or"))
    raise ValueError(f"model {spec!r} {what} a LiRA model (lira_config.json) {joiner} a distilled student "
                     f"(distilled_config.json); baselines: {', '.join(METHOD_NAMES)}, {DISTILLED_PREFIX}DIR"
                     + found_below(folder, "lira_config.json", "distilled_config.json"))


def load_method(spec: str, *, backbone: str | None = None, english: str = DEFAULT_ENGLISH,
                cache_dir: str | Path | None = None, cache: bool = True) -> Any:
    """The method named by ``spec`` (see the module docstring) over the ``backbone`` (multilingual; None:
    ``DEFAULT_MULTILINGUAL``, and for a distilled student the one it records) and ``english`` backbone specs,
    encoding through the feature cache in ``cache_dir`` (``cache=False``: without a feature cache). A LiRA model
    reads the backbones it records.

    Raises ``ValueError`` for a name that is neither a baseline nor a model folder (``parse_method``)."""
    from lira.backbones import load_backbone
    from lira.baselines import DistilledStudent, DualPathUntrained, TranslateTest

    parsed = parse_method(spec)
    store = FeatureCache(cache_dir) if cache else None

    def cached(name: str) -> Any:
        return cached_backbone(name, store) if store is not None else load_backbone(name)

    if parsed.kind == "lira" and parsed.folder is not None:
        from lira.model import LiRAModel

        return LiRAModel.load(parsed.folder, cache_dir=cache_dir, cache=cache)
    lr = parsed.multilingual(backbone)
    if parsed.kind == "distilled" and parsed.folder is not None:
        return DistilledStudent.load(parsed.folder, lr_backbone=cached(lr))
    if spec == "frozen":
        return cached(lr)
    if spec == "translate-test":
        return TranslateTest(cached(english), translator_for=_no_translator)
    return DualPathUntrained(cached(lr), cached(english), translator_for=_no_translator)


def method_name(method: Any) -> str:
    """A short display name: the method's ``name``, else its class name (LiRA models: ``LiRA(<task>)``)."""
    if hasattr(method, "name"):
        return str(method.name)
    if type(method).__name__ == "LiRAModel":
        task = getattr(method.config, "task", None)
        return f"LiRA({task})" if task else "LiRA"
    return type(method).__name__


def translator_from_pairs(pairs: Iterable[tuple[str, str | Sequence[str] | None]], *,
                          name: str = "precomputed") -> PrecomputedTranslator | None:
    """A ``PrecomputedTranslator`` (``allow_missing=True``) serving ``(text, english)`` pairs, ``english`` one
    string or a list of candidates, best first; pairs without English are skipped; None when none is left."""
    table: dict[str, list[str]] = {}
    for text, english in pairs:
        candidates = [english] if isinstance(english, str) else list(english or [])
        candidates = [c for c in candidates if c and c.strip()]
        if candidates:
            table.setdefault(text, []).extend(candidates)
    return PrecomputedTranslator(table, name=name, allow_missing=True) if table else None


def load_translation_pairs(path: str | Path, *, lang: str | None = None) -> list[tuple[str, list[str]]]:
    """``(text, [en, en_2, ...])`` per row of a parallel file (``load_parallel``); with ``lang``, rows of other
    languages (``lang`` column) are left out. A file without a ``lang`` column needs no ``lang``."""
    code = normalize_code(lang) if lang else None
    examples = load_parallel(path, lang=code or ENGLISH)  # the language only filters here
    return [(ex.text, [ex.en, *ex.translations]) for ex in examples if code is None or ex.lang == code]


def translator_from_file(path: str | Path, *, lang: str | None = None) -> PrecomputedTranslator:
    """The English candidates of a parallel file (``text``, ``en``, ``en_2``... / ``translations``) as a
    ``PrecomputedTranslator`` with ``allow_missing=True``: texts absent from the file get no candidate."""
    translator = translator_from_pairs(load_translation_pairs(path, lang=lang))
    if translator is None:
        raise DataFormatError(f"no translations{f' for {lang}' if lang else ''}", path=Path(path))
    return translator


def count_missing(translator: PrecomputedTranslator, texts: Iterable[str]) -> tuple[int, int]:
    """``(missing, total)``: how many distinct ``texts`` have no translation in ``translator``."""
    distinct = set(texts)
    return sum(1 for t in distinct if t not in translator), len(distinct)


def coverage_warning(translator: PrecomputedTranslator, texts: Iterable[str], *, source: str = "the translations",
                     lang: str | None = None) -> str | None:
    """One message counting the ``texts`` without a translation in ``translator``, None when all have one."""
    missing, total = count_missing(translator, texts)
    if not missing:
        return None
    where = f" ({lang})" if lang else ""
    return (f"{missing} of {total} text(s){where} have no translation in {source}; methods that read English "
            "use their fallback for them (the source text or LiRA's stand-in)")


def warn_missing(translator: PrecomputedTranslator, texts: Iterable[str], *, source: str = "the translations",
                 lang: str | None = None) -> int:
    """Warn once (``UserWarning``) with the count of ``texts`` that ``translator`` lacks; returns that count."""
    texts = list(texts)
    message = coverage_warning(translator, texts, source=source, lang=lang)
    if message:
        warnings.warn(message, stacklevel=2)
    return count_missing(translator, texts)[0]
