"""The user's own data as specs of the registry's kinds, so every training run reads its data through a spec.

``user_task(type, path, langs=...)`` is a ``TaskSpec`` over record files (``lira.data.loaders``): one file per
split for STS, NLI, classification, multiple choice and bitext (a parallel TSV), one BEIR folder for retrieval
(each language a subset). ``user_parallel(path, dev_fraction=...)`` is a stage-1 ``ParallelSpec`` over one
parallel TSV, split into train and dev by a hash of each text; it declares no languages (its pairs carry
their own). Neither reads a file before its loader is called. The specs are named after the config sources
they stand for (``USER_SOURCES``, ``USER_PARALLEL``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from lira.data import loaders
from lira.data.formats import ParallelExample
from lira.languages import normalize_code
from lira.tasks.spec import RECORD_TYPES, ParallelSpec, Subset, TaskSpec

__all__ = ["MAIN_SCORES", "READERS", "UNDETERMINED", "USER_PARALLEL", "USER_SOURCES", "hash_split",
           "user_parallel", "user_task"]

# The config source each task type's user data is given as (``data.source`` of ``lira train lasr``): a BEIR
# folder, a parallel TSV per split, a record file per split; a user task is named after it.
USER_SOURCES: dict[str, str] = {"retrieval": "beir", "classification": "file", "nli": "file", "sts": "file",
                                "choice": "file", "bitext": "tsv"}
USER_PARALLEL = "tsv"  # the stage-1 source name of a user's parallel file (``data.source`` of ``lira train arca``)
# The record readers of the per-split files (``lira.data.loaders``).
READERS: dict[str, Callable[..., list[Any]]] = {"bitext": loaders.load_parallel, "sts": loaders.load_sts,
                                               "nli": loaders.load_nli, "classification": loaders.load_classification,
                                               "choice": loaders.load_choice}
MAIN_SCORES = {"bitext": "accuracy", "sts": "spearman", "nli": "accuracy", "classification": "accuracy",
               "choice": "accuracy", "retrieval": "ndcg@10"}
# The subset of a file whose records name their own languages (no default language given): ISO 639-3
# "undetermined", ISO 15924 "uncoded script".
UNDETERMINED = Subset("und", "und", "Zzzz")


def user_task(type: str, path: str | Path | Mapping[str, str | Path], *, langs: Sequence[str] = ()) -> TaskSpec:
    """A ``TaskSpec`` of ``type`` over the user's files, named ``USER_SOURCES[type]``. Retrieval: ``path`` is a
    BEIR folder (``load_beir``) of the one language in ``langs``, or a mapping language -> BEIR folder, read
    whatever the split (its qrels carry the splits), one subset per language. Other types: ``path`` maps each
    split name to its file, read by ``READERS[type]``; one subset, ``langs[0]`` (the language of records that
    name none; none given: every record names its own, subset ``und``). Records keep the files' order."""
    if type not in USER_SOURCES:
        raise ValueError(f"no user data for task type {type!r}; valid: {', '.join(USER_SOURCES)}")
    name = USER_SOURCES[type]
    loader: Callable[[Path, str, str], list[Any]]
    if type == "retrieval":
        folders = _beir_folders(path, langs)

        def loader(root: Path, subset: str, split: str) -> list[Any]:
            return [loaders.load_beir(folders[subset], lang=subset)]

        subsets = tuple(Subset(code, code) for code in folders)
        data = ", ".join(f"{code}: {folder}" for code, folder in folders.items())
    else:
        if not isinstance(path, Mapping):
            raise ValueError(f"a {type} task reads one file per split: give a mapping split -> file, got {path!r}")
        files, read, lang = dict(path), READERS[type], langs[0] if langs else None

        def loader(root: Path, subset: str, split: str) -> list[Any]:
            if split not in files:
                raise ValueError(f"{name}: no file for split {split!r}; given: {', '.join(files)}")
            return read(files[split], lang=lang)

        subsets = (Subset(normalize_code(lang), normalize_code(lang)),) if lang else (UNDETERMINED,)
        data = ", ".join(f"{split}: {file}" for split, file in files.items())
    return TaskSpec(name=name, type=type, family=name, record_type=RECORD_TYPES[type], subsets=subsets, data=data,
                    splits="the user's files", main_score=MAIN_SCORES[type], translations="data",
                    reference="the user's data", loader=loader)


def _beir_folders(path: str | Path | Mapping[str, str | Path], langs: Sequence[str]) -> dict[str, str]:
    """``{language: BEIR folder}`` from one folder and its one language, or a mapping language -> folder.
    A BEIR folder's queries carry no language, so one folder read under several would repeat every query
    under each: ``ValueError``, as for no language."""
    if isinstance(path, Mapping):
        return {normalize_code(str(code)): str(folder) for code, folder in path.items()}
    if len(langs) != 1:
        given = f"got {len(langs)} ({', '.join(langs)})" if langs else "none given"
        raise ValueError(f"a BEIR folder holds the queries of one language: give it in data.langs ({given}), or "
                         "give data.path as a mapping LANG: FOLDER, one BEIR folder per language")
    return {normalize_code(langs[0]): str(path)}


def hash_split(text: str, dev_fraction: float) -> str:
    """``dev`` for about ``dev_fraction`` of texts, by a fixed SHA-1 of ``text``; ``train`` for the others."""
    return "dev" if int(hashlib.sha1(text.encode("utf-8")).hexdigest(), 16) % 1000 < dev_fraction * 1000 else "train"


def user_parallel(path: str | Path, *, dev_fraction: float = 0.2) -> ParallelSpec:
    """The user's parallel file (``text``, ``en``, ``lang``; ``load_parallel``) as a stage-1 source named
    ``USER_PARALLEL``: ``load(data_dir, lang, split)`` gives the pairs of ``split`` (``hash_split`` of each text)
    in the file's order, whatever ``lang`` (the spec declares no languages: its pairs carry their own)."""

    def load(data_dir: str | Path, lang: str | None, split: str, **_: Any) -> list[ParallelExample]:
        return [ex for ex in loaders.load_parallel(path) if hash_split(ex.text, dev_fraction) == split]

    return ParallelSpec(source=USER_PARALLEL, langs=(), load=load, reference=f"the user's file {path}")

