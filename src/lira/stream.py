"""Encode a long list of texts chunk by chunk straight into an ``.npy`` file, so memory does not grow with the
number of texts (only one chunk of vectors is held at a time).

Any encoder with ``encode(texts, lang=, role=) -> [n, dim]`` and ``dim`` works (a ``LiRAModel``, a
``ConcatBackbone``): it is called on ``chunk_size`` texts at a time. An encoder with ``encode_chunks`` (a
backbone, a ``CachedBackbone``, which also stores each chunk in the feature cache as it is done) streams its
own length-sorted chunks, whose rows are written in place, so its one too-long warning counts every text. The file
is written to a temporary name and renamed when complete (``lira.io.atomic_write``): an interrupted run
leaves no partial ``.npy``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from lira.io import atomic_write

DEFAULT_CHUNK = 1024  # texts per chunk: the transient memory is a few chunks of vectors


def encode_to_npy(encoder: Any, texts: Sequence[str], out: str | Path, *, lang: str | None = None,
                  role: str = "text", chunk_size: int = DEFAULT_CHUNK, show_progress: bool | None = None,
                  **encode_kwargs: Any) -> tuple[int, int]:
    """Write ``encoder``'s float32 vectors of ``texts`` to ``out`` (``[len(texts), dim]``, standard ``.npy``),
    ``chunk_size`` texts at a time; returns the shape. A progress bar counts texts (on a terminal by default)."""
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, not {chunk_size}")
    dim = int(encoder.dim)
    shape = (len(texts), dim)
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float32)), "fortran_order": False, "shape": shape}
    disable = None if show_progress is None else not show_progress  # default: on a terminal only
    chunks = getattr(encoder, "encode_chunks", None)
    with atomic_write(out, "wb") as f, tqdm(total=len(texts), desc="encode", unit="text", disable=disable) as bar:
        np.lib.format.write_array_header_1_0(f, header)
        offset, row_bytes = f.tell(), dim * np.dtype(np.float32).itemsize
        if chunks is not None:
            done = np.zeros(len(texts), dtype=bool)
            for rows, vectors in chunks(list(texts), lang=lang, role=role, chunk_size=chunk_size, show_progress=False,
                                        **encode_kwargs):
                vectors = np.ascontiguousarray(vectors, dtype=np.float32)
                order = np.argsort(rows, kind="stable")
                rows_sorted = np.asarray(rows)[order]
                # runs of consecutive rows are written with one seek each
                breaks = np.flatnonzero(np.diff(rows_sorted) != 1) + 1
                for run in np.split(np.arange(len(rows_sorted)), breaks):
                    if len(run):
                        f.seek(offset + int(rows_sorted[run[0]]) * row_bytes)
                        f.write(vectors[order[run]].tobytes())
                done[rows_sorted] = True
                bar.update(len(rows))
            if not done.all():
                raise RuntimeError(f"encoder left {int((~done).sum())} of {len(texts)} rows unwritten")
            f.seek(0, 2)
            return shape
        for start in range(0, len(texts), chunk_size):
            chunk = list(texts[start:start + chunk_size])
            vectors = np.ascontiguousarray(encoder.encode(chunk, lang=lang, role=role, **encode_kwargs),
                                           dtype=np.float32)
            if vectors.shape != (len(chunk), dim):
                raise ValueError(f"encoder returned {vectors.shape} for {len(chunk)} texts of width {dim}")
            f.write(vectors.tobytes())
            bar.update(len(chunk))
    return shape
