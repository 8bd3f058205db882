"""``build_index``: embed a corpus with a model (or a baseline) and write a new index version atomically.

Documents are embedded as ``RetrievalEvaluator`` embeds them (role ``passage``; methods that read English get
each document's English side), through the feature cache, in batches under a progress bar. A rebuild over the
same model reuses the vectors of the current version for documents whose content is unchanged (same id, title,
text and English side), so only new or edited documents reach the model; those go through the feature cache, so
texts embedded by any earlier run are not encoded again either.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from lira import __version__
from lira.backbones import DEFAULT_ENGLISH
from lira.backbones.base import INVISIBLE_CODES, TEXT_READING
from lira.evaluation.translations import needs_translations
from lira.io import atomic_write, write_json
from lira.languages import ScriptWarning, check_script, get_language
from lira.serving.corpus import Corpus, IndexDoc, load_corpus
from lira.serving.faiss_index import FaissConfig, write_faiss
from lira.serving.identity import ModelIdentity, identity_from_dict, model_identity, resolve_spec
from lira.serving.index import (
    DOCS,
    FORMAT_VERSION,
    META,
    IndexFolderError,
    build_lock,
    collect_garbage,
    current_version,
    new_version,
    open_searcher,
    publish,
    read_meta,
    staging_dir,
    stale_docs,
)
from lira.serving.qdrant_index import QdrantConfig, write_qdrant

BACKENDS = ("faiss", "qdrant")
DEFAULT_TRANSLATOR = "lexicon"


@dataclass(frozen=True)
class BuildConfig:
    """What to build: the ``model`` spec (over ``backbone`` and ``english`` for baselines; ``backbone`` None:
    ``DEFAULT_MULTILINGUAL``, and for a distilled student the one it records), the ``corpus``
    (``lira.serving.corpus.load_corpus``; ``lang`` for a JSONL file), where (``out``), the ``backend`` and its
    settings, and the query ``translator`` a baseline reads at search time (recorded; LiRA models use their own
    unless one is given). ``overwrite`` replaces an index built with another model."""

    model: str
    corpus: str
    out: Path
    backend: str = "faiss"
    lang: str | None = None
    backbone: str | None = None
    english: str = DEFAULT_ENGLISH
    translator: str | None = None
    faiss: FaissConfig = field(default_factory=FaissConfig)
    qdrant: QdrantConfig = field(default_factory=QdrantConfig)
    batch_size: int = 256
    overwrite: bool = False
    cache_dir: Path | None = None
    progress: bool = True

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown backend {self.backend!r}; valid: {', '.join(BACKENDS)}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")


@dataclass(frozen=True)
class BuildReport:
    """The version written, its folder, and how many documents were embedded now and reused."""

    version: str
    path: Path
    documents: int
    embedded: int
    reused: int
    seconds: float
    backend: dict[str, Any]


def query_translator(identity: ModelIdentity, given: str | None) -> str | None:
    """The translator queries read: ``given``, else a LiRA model's own (None here: the model's config), else
    ``lexicon`` for the baselines that read English, else None (methods that read the source only)."""
    if given:
        return given
    if identity.kind == "baseline" and identity.spec != "frozen":
        return DEFAULT_TRANSLATOR
    return None


def encode_documents(method: Any, docs: Sequence[IndexDoc], english: Sequence[str | None], *, lang: str) -> np.ndarray:
    """Passage vectors of ``docs`` as the retrieval evaluator makes them (English side for methods that read it)."""
    texts = [d.full_text for d in docs]
    if needs_translations(method):
        vectors = method.encode(texts, lang=lang, role="passage", translations=list(english))
    else:
        vectors = method.encode(texts, role="passage")
    return np.asarray(vectors, dtype=np.float32)


def _reusable(root: Path, identity: ModelIdentity, overwrite: bool) -> dict[str, np.ndarray]:
    """Vectors of the current version by document content hash (empty when there is none to reuse)."""
    if current_version(root) is None:
        return {}
    try:
        meta = read_meta(root)
    except IndexFolderError:
        if overwrite:
            return {}
        raise
    reason = identity_from_dict(meta["model"]).mismatch(identity)
    if reason:
        if overwrite:
            return {}
        raise IndexFolderError(f"{root}: {reason}; pass --overwrite to replace it with an index of the new "
                               "model, or build into another folder")
    from lira.serving.corpus import read_docs
    from lira.serving.index import VERSIONS

    folder = root / VERSIONS / meta["version"]
    try:
        searcher = open_searcher(folder, meta)
    except RuntimeError as e:  # qdrant local mode: another process (a server) holds the folder
        warnings.warn(f"cannot read the vectors of the current version ({e}); every document goes through the "
                      "feature cache instead", stacklevel=3)
        return {}
    try:
        vectors = searcher.vectors()
    finally:
        searcher.close()
    docs = read_docs(folder / DOCS)
    stale = set(stale_docs(meta, docs))
    if stale:
        warnings.warn(f"{len(stale)} document(s) of the current version were embedded before the backbones removed "
                      f"zero width spaces ({INVISIBLE_CODES}); they are embedded again", stacklevel=3)
    return {d.content_hash(): vectors[i] for i, d in enumerate(docs) if i not in stale}


def check_corpus_script(corpus: Corpus, *, lang_given: bool) -> None:
    """Warn once, with the count, when documents look written in another script than the corpus language's (a
    Thai corpus built as English because ``--lang`` was left out)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScriptWarning)  # replaced by the one below, which names the corpus
        bad = check_script([d.full_text for d in corpus.docs], corpus.lang)
    if bad:
        language = get_language(corpus.lang)
        how = "--lang" if lang_given else "the default, as no --lang was given"
        warnings.warn(f"{corpus.source}: {len(bad)} of {len(corpus.docs)} document(s) are mostly written in another "
                      f"script than {language.code}'s ({language.name}, script {language.script}; {how}), the "
                      f"first _id {corpus.docs[bad[0]].id!r}; pass --lang with the documents' language",
                      stacklevel=2)


def warn_unseen_document_language(method: Any, corpus: Corpus) -> bool:
    """Warn when a LiRA model's head reads the documents in a language it was not trained on: training and
    ``lira eval`` read a retrieval set's documents in each query's language, so an index built in another (an
    English catalogue built as ``eng``) can score below what ``lira eval`` reports. Returns whether it warned."""
    languages = list(getattr(getattr(method, "config", None), "languages", None) or [])
    if not languages or corpus.lang in languages:
        return False
    warnings.warn(f"the model's head read its training documents in each query's language ({', '.join(languages)}),"
                  f" and this index reads them as {corpus.lang}, which it did not see in training: its search can "
                  "score below what `lira eval` reports (an index per query language, built with --lang, reads "
                  "them as training did)", stacklevel=2)
    return True


def _embed(config: BuildConfig, corpus: Corpus, todo: list[int]) -> np.ndarray:
    from lira.evaluation.methods import load_method

    method = load_method(resolve_spec(config.model), backbone=config.backbone, english=config.english,
                         cache_dir=config.cache_dir)
    unseen = warn_unseen_document_language(method, corpus)
    english = corpus.english()
    out: list[np.ndarray] = []
    with tqdm(total=len(todo), desc="embedding", unit="doc", disable=not config.progress) as bar, \
            warnings.catch_warnings():
        warnings.filterwarnings("once")  # a missing English side is counted once per batch, not per document
        warnings.simplefilter("ignore", ScriptWarning)  # checked once over the corpus by build_index
        if unseen:
            warnings.filterwarnings("ignore", message=".*was not seen in training")  # said once, above
        for start in range(0, len(todo), config.batch_size):
            rows = todo[start:start + config.batch_size]
            out.append(encode_documents(method, [corpus.docs[i] for i in rows], [english[i] for i in rows],
                                        lang=corpus.lang))
            bar.update(len(rows))
    return np.concatenate(out) if out else np.zeros((0, 0), dtype=np.float32)


def write_version(config: BuildConfig, corpus: Corpus, vectors: np.ndarray, identity: ModelIdentity, *,
                  embedded: int, started: float) -> BuildReport:
    """Write ``vectors`` (one row per document of ``corpus``) as a new version of the index at ``config.out`` and
    make it current. Call with ``build_lock`` held; ``embedded`` documents were embedded now, the rest reused."""
    if vectors.ndim != 2 or len(vectors) != len(corpus.docs):
        raise ValueError(f"{len(corpus.docs)} documents but vectors of shape {vectors.shape}")
    if not np.isfinite(vectors).all():
        raise ValueError(f"the model gave non-finite vectors for {int((~np.isfinite(vectors).all(1)).sum())} "
                         "document(s); nothing was written")
    root = Path(config.out)
    version = new_version()
    staging = staging_dir(root, version)
    with tqdm(total=len(vectors), desc=f"indexing ({config.backend})", unit="doc", disable=not config.progress) as bar:
        if config.backend == "faiss":
            backend = write_faiss(staging, vectors, config.faiss, bar.update)
        else:
            backend = write_qdrant(staging, vectors, config.qdrant, version=version, progress=bar.update)
    with atomic_write(staging / DOCS) as f:
        for d in corpus.docs:
            f.write(d.to_json() + "\n")
    seconds = time.perf_counter() - started
    reused = len(corpus.docs) - embedded
    write_json(staging / META, {
        "format_version": FORMAT_VERSION, "lira_version": __version__, "version": version,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "model": identity.to_dict(),
        "text_reading": TEXT_READING,
        "translator": query_translator(identity, config.translator), "dim": int(vectors.shape[1]),
        "corpus": {"source": corpus.source, "sha256": corpus.sha256, "documents": len(corpus.docs),
                   "lang": corpus.lang},
        "backend": backend, "build": {"embedded": embedded, "reused": reused, "seconds": round(seconds, 3)}})
    final = publish(root, staging, version)
    collect_garbage(root)
    return BuildReport(version, final, len(corpus.docs), embedded, reused, seconds, backend)


def build_index(config: BuildConfig) -> BuildReport:
    """Build a new version of the index at ``config.out`` and make it current (see the module docstring)."""
    started = time.perf_counter()
    corpus = load_corpus(config.corpus, lang=config.lang)
    check_corpus_script(corpus, lang_given=config.lang is not None)
    identity = model_identity(resolve_spec(config.model), backbone=config.backbone, english=config.english)
    with build_lock(Path(config.out)):
        collect_garbage(Path(config.out))
        reusable = _reusable(Path(config.out), identity, config.overwrite)
        hashes = [d.content_hash() for d in corpus.docs]
        todo = [i for i, h in enumerate(hashes) if h not in reusable]
        fresh = _embed(config, corpus, todo) if todo else None
        dim = fresh.shape[1] if fresh is not None else len(next(iter(reusable.values())))
        vectors = np.zeros((len(corpus.docs), dim), dtype=np.float32)
        for i, h in enumerate(hashes):
            if h in reusable:
                vectors[i] = reusable[h]
        if fresh is not None:
            vectors[todo] = fresh
        return write_version(config, corpus, vectors, identity, embedded=len(todo), started=started)
