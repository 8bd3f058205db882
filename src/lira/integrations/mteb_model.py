"""``LiRAEncoder``: a LiRA model or baseline behind mteb's encoder protocol, so ``mteb.evaluate`` scores it.

``LiRAEncoder(spec)`` takes what ``lira eval --model`` takes (``lira.evaluation.methods.load_method``): a saved
LiRA model folder, ``frozen``, ``translate-test``, ``dual-path`` or ``distilled:DIR``. ``mteb_model_meta`` names it
``lira/<name>`` with ``revision`` = the SHA-256 (first 12 hex digits) of its configs, its languages (ISO 639-3 +
script) and embedding size. mteb's ``prompt_type`` maps to LiRA's roles: ``query`` -> ``query``, ``document``
-> ``passage``; tasks without one (bitext, STS) read ``query``, as LiRA's own evaluators do. A document is its
title and body joined as LiRA joins them (``Document.full_text``), so a model reads documents as it was trained.

The language of each ``encode`` call comes from the task's ``eval_langs`` for ``hf_subset`` (or ``hf_subset``
itself, as in FLORES' parallel subsets); where a subset has two languages (``tha-eng``), the texts' script decides,
and between two languages of one script, English and not, the share of English words. A language LiRA does not
know is an error naming the task, subset and language. Methods that read English get a batch's ``en`` column
where the task gives one (``lira.integrations.mteb_tasks`` does for documents), else the ``translator`` spec's
candidates, else a LiRA model's own translator; English texts are their own translation.

Example::

    import mteb
    from lira.integrations.mteb_model import LiRAEncoder
    from lira.integrations.mteb_tasks import bitext_task

    task = bitext_task(examples, name="MyBitext")          # or mteb.get_task("Tatoeba", languages=["tha"])
    result = mteb.evaluate(LiRAEncoder("runs/lasr-products/model"), [task], cache=None)

Reference: Muennighoff et al. 2023, "MTEB: Massive Text Embedding Benchmark" (EACL).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from lira.backbones import DEFAULT_ENGLISH
from lira.data.formats import Document
from lira.evaluation.methods import DISTILLED_PREFIX, load_method, method_name
from lira.evaluation.translations import encode as encode_method
from lira.evaluation.translations import needs_translations, pick_translations
from lira.extras import needs_extra
from lira.languages import ENGLISH, LANGUAGES, UnknownLanguageError, get_language, script_share
from lira.training.run_folder import config_hash

with needs_extra("hf", "LiRA's MTEB encoder (lira.integrations.mteb_model)"):
    from mteb.models import ModelMeta
    from mteb.models.abs_encoder import AbsEncoder
    from mteb.models.model_meta import ScoringFunction
    from mteb.types import PromptType

ROLES = {PromptType.query: "query", PromptType.document: "passage"}
ENGLISH_SHARE = 0.6  # above this share of English words, a Latin-script text is taken to be English


def mteb_tag(code: str) -> str:
    """mteb's language tag of a LiRA language: ISO 639-3 and ISO 15924 script, ``tha-Thai``."""
    lang = get_language(code)
    return f"{lang.code}-{lang.script}"


def english_share(texts: Sequence[str]) -> float:
    """Share of the alphabetic ASCII words of ``texts`` that are English words (the packaged MiniLM vocabulary)."""
    from lira.arca.offline_critic import english_vocabulary

    vocabulary = english_vocabulary()
    words = [w.strip(".,!?;:'\"()").lower() for t in texts for w in t.split()]
    words = [w for w in words if w.isalpha() and w.isascii()]
    return sum(w in vocabulary for w in words) / len(words) if words else 0.0


# The folders a training run saves its model in (``lira train lasr``: model/, ``lira train distill``: student/).
SAVED_IN_RUN = ("model", "student")


class LiRAEncoder(AbsEncoder):
    """mteb's ``EncoderProtocol`` over a LiRA method (see the module docstring)."""

    mteb_model_meta: ModelMeta  # always set in __init__ (AbsEncoder allows None; EncoderProtocol does not)

    def __init__(self, model_name: str = "frozen", revision: str | None = None, *, device: str | None = None,
                 backbone: str | None = None, english: str = DEFAULT_ENGLISH, translator: str | None = None,
                 cache_dir: str | Path | None = None, method: Any = None, **_: Any) -> None:
        self.spec, self.backbone, self.english, self.translator_spec = model_name, backbone, english, translator
        self.model = method if method is not None else load_method(model_name, backbone=backbone, english=english,
                                                                    cache_dir=cache_dir)
        self._translators: dict[str, Any] = {}
        self.mteb_model_meta = self._meta(revision)

    # -- metadata --------------------------------------------------------------------------------------------
    def _configs(self) -> dict[str, Any]:
        """What identifies the method: its configs (a LiRA model's Arca, LaSR and LiRA configs), else its spec and
        backbone names (which carry the backbone folders' fingerprints)."""
        from dataclasses import asdict

        model = self.model
        if hasattr(model, "lasr") and hasattr(model, "arca"):
            return {"lira": asdict(model.config), "arca": asdict(model.arca.config), "lasr": asdict(model.lasr.config)}
        return {"method": self.spec, "name": method_name(model), "translator": self.translator_spec}

    def languages(self) -> list[str]:
        """The method's languages as mteb tags: a LiRA model's training languages and English, else all of
        LiRA's."""
        codes = list(getattr(getattr(self.model, "config", None), "languages", None) or [])
        codes = codes + [ENGLISH] if codes else [lang.code for lang in LANGUAGES]
        return [mteb_tag(c) for c in dict.fromkeys(codes)]

    def embed_dim(self) -> int | None:
        """Width of the vectors ``encode`` returns (None when it cannot be told without encoding)."""
        model = self.model
        if hasattr(model, "lasr"):
            return int(model.lasr.config.embed_dim)
        if hasattr(model, "dim"):
            return int(model.dim)
        if hasattr(model, "lr") and hasattr(model, "en"):  # the dual path: both halves side by side
            return int(model.lr.dim + model.en.dim)
        if hasattr(model, "en"):
            return int(model.en.dim)
        return None

    def _meta(self, revision: str | None) -> ModelMeta:
        folder = Path(self.spec.removeprefix(DISTILLED_PREFIX))
        if folder.is_dir():  # a training run's model/ or student/ is named after its run folder
            name = folder.parent.name if folder.name in SAVED_IN_RUN and folder.parent.name else folder.name
        else:
            name = self.spec.replace(":", "-").replace("/", "-")
        n_parameters = None
        if hasattr(self.model, "lasr"):
            n_parameters = sum(p.numel() for m in (self.model.arca, self.model.lasr) for p in m.parameters())
        return ModelMeta(
            loader=LiRAEncoder, loader_kwargs={"backbone": self.backbone, "english": self.english,
                                               "translator": self.translator_spec},
            name=f"lira/{name}", revision=revision or config_hash(self._configs())[:12], release_date=None,
            languages=self.languages(), n_parameters=n_parameters, memory_usage_mb=None, max_tokens=None,
            embed_dim=self.embed_dim(), license=None, open_weights=True, public_training_code=None,
            public_training_data=None, framework=["PyTorch"], reference="https://arxiv.org/abs/2510.14466",
            similarity_fn_name=ScoringFunction.COSINE, use_instructions=False, training_datasets=None)

    # -- languages of one call -------------------------------------------------------------------------------
    @staticmethod
    def _tags(task_metadata: Any, hf_subset: str) -> list[str]:
        langs = task_metadata.eval_langs
        if isinstance(langs, dict):
            if hf_subset in langs:
                return list(langs[hf_subset])
            return [hf_subset]  # a parallel subset's column, e.g. FLORES' tha_Thai
        return list(langs)

    def language_of(self, texts: Sequence[str], *, task_metadata: Any, hf_subset: str) -> str:
        """The LiRA language code of ``texts`` in ``hf_subset`` of the task (see the module docstring)."""
        codes = []
        for tag in self._tags(task_metadata, hf_subset):
            try:
                codes.append(get_language(tag.split("-")[0] if "-" in tag else tag).code)
            except UnknownLanguageError:
                raise UnknownLanguageError(
                    f"mteb task {task_metadata.name!r}, subset {hf_subset!r}: language {tag!r} is not one LiRA "
                    f"knows; LiRA's languages: {', '.join(mteb_tag(lang.code) for lang in LANGUAGES)} (choose them "
                    "with mteb.get_task(name, languages=[...]))") from None
        codes = list(dict.fromkeys(codes))
        if len(codes) == 1:
            return codes[0]
        scripts = {c: get_language(c).script for c in codes}
        shares = {c: np.mean([s for t in texts if (s := script_share(t, scripts[c])) is not None] or [0.0])
                  for c in codes}
        fitting = [c for c in codes if shares[c] >= 0.5]
        if len(fitting) == 1:
            return fitting[0]
        if len(fitting) == 2 and ENGLISH in fitting:  # one script, English and another language
            other = next(c for c in fitting if c != ENGLISH)
            return ENGLISH if english_share(texts) >= ENGLISH_SHARE else other
        raise ValueError(f"mteb task {task_metadata.name!r}, subset {hf_subset!r}: cannot tell which of "
                         f"{', '.join(codes)} these {len(texts)} texts are in (script shares: "
                         f"{', '.join(f'{c} {shares[c]:.2f}' for c in codes)})")

    def _translator(self, lang: str) -> Any:
        if lang not in self._translators:
            if self.translator_spec:
                from lira.translators import load_translator

                self._translators[lang] = load_translator(self.translator_spec, lang=lang)
            else:
                own = getattr(self.model, "translator", None)
                self._translators[lang] = own(lang) if callable(own) else None
        return self._translators[lang]

    # -- the protocol ----------------------------------------------------------------------------------------
    def encode(self, inputs: Iterable[dict[str, Any]], *, task_metadata: Any, hf_split: str, hf_subset: str,
               prompt_type: PromptType | None = None, **kwargs: Any) -> np.ndarray:
        """Vectors ``[n, embed_dim]`` (float32, unit norm) of every text in ``inputs`` (mteb's batches)."""
        texts: list[str] = []
        english: list[str] = []
        for batch in inputs:
            if "body" in batch:  # a document: title and body joined as LiRA joins them (``Document.full_text``)
                titles = batch.get("title") or [""] * len(batch["body"])
                texts += [Document(title=t or "", text=b or "").full_text for t, b in zip(titles, batch["body"],
                                                                                           strict=True)]
            else:
                texts += list(batch["text"])
            if "en" in batch:
                english += list(batch["en"])
        if not texts:
            return np.zeros((0, self.embed_dim() or 0), dtype=np.float32)
        lang = self.language_of(texts, task_metadata=task_metadata, hf_subset=hf_subset)
        role = ROLES.get(PromptType(prompt_type), "query") if prompt_type else "query"
        if needs_translations(self.model) and lang != ENGLISH and len(english) == len(texts):
            given = [e if isinstance(e, str) and e.strip() else None for e in english]
            missing = [i for i, e in enumerate(given) if e is None]
            if missing:  # rows without an English column value get candidates as usual
                picked = pick_translations(self.model, [texts[i] for i in missing], lang=lang,
                                           translator=self._translator(lang)) or [None] * len(missing)
                for i, t in zip(missing, picked, strict=True):
                    given[i] = t
            vectors = self.model.encode(texts, lang=lang, role=role, translations=given)
        else:
            vectors = encode_method(self.model, texts, lang=lang, role=role, english=lang == ENGLISH,
                                    translator=None if lang == ENGLISH else self._translator(lang))
        return np.asarray(vectors, dtype=np.float32)

    def __repr__(self) -> str:
        return f"LiRAEncoder({self.spec!r}, revision={self.mteb_model_meta.revision!r})"

