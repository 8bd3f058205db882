"""NusaX-MT: Indonesian sentences with their English, a stage-1 parallel source (``nusax``); no benchmark task."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lira.data import benchmarks
from lira.data.formats import ParallelExample
from lira.tasks.spec import ParallelSpec


def parallel(data_dir: str | Path, lang: str, split: str, **_: Any) -> list[ParallelExample]:
    """NusaX-MT train (``split`` train) or valid (``split`` dev) pairs; ``lang`` must be ``ind``."""
    if lang != "ind":
        raise ValueError(f"NusaX-MT has Indonesian (ind) only, not {lang!r}")
    return benchmarks.nusax_mt(data_dir, split="train" if split == "train" else "valid")


PARALLEL = ParallelSpec(source="nusax", langs=("ind",), load=parallel, reference="Winata et al. (2023), NusaX")

TASKS = ()
