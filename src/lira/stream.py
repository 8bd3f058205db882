"""Encode a long list of texts chunk by chunk straight into an ``.npy`` file, so memory does not grow with the
number of texts (only one chunk of vectors, and per-text state for one window of texts, is held at a time).

Any encoder with ``encode(texts, lang=, role=) -> [n, dim]`` and ``dim`` works (a ``LiRAModel``, a
``ConcatBackbone``): it is called on ``chunk_size`` texts at a time. An encoder with ``encode_chunks`` (a
backbone, a ``CachedBackbone``, which also stores each chunk in the feature cache as it is done) is given the
texts one window at a time (``window`` texts, default ``WINDOW_CHUNKS * chunk_size``) and streams its own
length-sorted chunks of each, whose rows are written in place. So the per-text state an encoder keeps for one
call (a length order, a table of cache misses) is bounded by the window, not by the number of texts. What
changes with the window:

- texts are length-sorted (and batched) within each window, not over the whole list, so a vector can differ
  from a one-call encode's by float rounding of another batch (``lira.backbones.base.BATCH_TOLERANCE``);
- a ``CachedBackbone`` looks each window up in the cache when it reaches it, so a text repeated in a later window
  after a miss is served by the shard the earlier window stored (a hit, where one call counts it in the miss).

The encoder's own count warnings still come once for the whole run: its too-long warning
(``lira.backbones.base.TooLongWarning``) and the script check's (``lira.languages.ScriptWarning``) are collected
over the windows and given once with the counts summed (and the index of the first text in the whole list);
other warnings pass through as they come. Texts are checked (None, blank) over the whole list first, so an error
names an index in it. The file is written to a temporary name and renamed when complete
(``lira.io.atomic_write``): an interrupted run leaves no partial ``.npy``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import numpy as np
from tqdm.auto import tqdm

from lira.backbones.base import TooLongWarning, check_texts
from lira.io import atomic_write
from lira.languages import Language, ScriptWarning

DEFAULT_CHUNK = 1024  # texts per chunk: the transient memory is a few chunks of vectors
WINDOW_CHUNKS = 16  # chunks per window given to an ``encode_chunks`` encoder in one call


class CountedWarnings:
    """Collects the too-long and script warnings of several encoder calls and gives each kind once, summed."""

    def __init__(self) -> None:
        self.too_long: dict[tuple[str, int | None, str], list[int]] = {}  # (backbone, max, action) -> count, total
        self.script: dict[Language, list[int]] = {}  # language -> count, first index

    @contextmanager
    def collecting(self, offset: int) -> Iterator[None]:
        """Within: those two warnings are collected (every one, whatever the filters: the filters apply to the
        summed warning), script indices shifted by ``offset``; any other warning is shown as usual."""
        with warnings.catch_warnings():
            warnings.simplefilter("always", TooLongWarning)
            warnings.simplefilter("always", ScriptWarning)
            show = warnings.showwarning

            def collect(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                        file: TextIO | None = None, line: str | None = None) -> None:
                if isinstance(message, TooLongWarning) and message.backbone:
                    counts = self.too_long.setdefault((message.backbone, message.max_tokens, message.action), [0, 0])
                    counts[0] += message.count
                    counts[1] += message.total
                elif isinstance(message, ScriptWarning) and message.language is not None:
                    counts = self.script.setdefault(message.language, [0, offset + message.first])
                    counts[0] += message.count
                else:  # any other warning (or one of those without its numbers) as it comes
                    show(message, category, filename, lineno, file, line)

            warnings.showwarning = collect
            yield

    def emit(self, stacklevel: int, *, script: bool = True) -> None:
        """Warn once per kind collected, with the summed counts (``stacklevel`` as ``warnings.warn``'s, + 1);
        ``script=False`` leaves the script warnings out (for a caller that checked every text once before)."""
        for language, (count, first) in self.script.items() if script else ():
            warnings.warn(ScriptWarning.of(count, first, language), stacklevel=stacklevel + 1)
        for (backbone, max_tokens, action), (count, total) in self.too_long.items():
            warnings.warn(TooLongWarning.of(backbone, count, total, max_tokens, action), stacklevel=stacklevel + 1)


def encode_to_npy(encoder: Any, texts: Sequence[str], out: str | Path, *, lang: str | None = None,
                  role: str = "text", chunk_size: int = DEFAULT_CHUNK, window: int | None = None,
                  show_progress: bool | None = None, **encode_kwargs: Any) -> tuple[int, int]:
    """Write ``encoder``'s float32 vectors of ``texts`` to ``out`` (``[len(texts), dim]``, standard ``.npy``),
    ``chunk_size`` texts at a time; returns the shape. An encoder with ``encode_chunks`` gets ``window`` texts
    per call (default ``WINDOW_CHUNKS * chunk_size``; see the module docstring). A progress bar counts texts (on a
    terminal by default)."""
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, not {chunk_size}")
    window = WINDOW_CHUNKS * chunk_size if window is None else window
    if window < 1:
        raise ValueError(f"window must be >= 1, not {window}")
    dim = int(encoder.dim)
    shape = (len(texts), dim)
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float32)), "fortran_order": False, "shape": shape}
    disable = None if show_progress is None else not show_progress  # default: on a terminal only
    chunks = getattr(encoder, "encode_chunks", None)
    if chunks is not None:
        check_texts(texts)  # over the whole list: an error names the index in it, before any window is encoded
    with atomic_write(out, "wb") as f, tqdm(total=len(texts), desc="encode", unit="text", disable=disable) as bar:
        np.lib.format.write_array_header_1_0(f, header)
        offset, row_bytes = f.tell(), dim * np.dtype(np.float32).itemsize
        if chunks is not None:
            counted = CountedWarnings()
            for start in range(0, len(texts), window):
                part = list(texts[start:start + window])
                done = np.zeros(len(part), dtype=bool)
                with counted.collecting(start):
                    for rows, vectors in chunks(part, lang=lang, role=role, chunk_size=chunk_size,
                                                show_progress=False, **encode_kwargs):
                        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
                        order = np.argsort(rows, kind="stable")
                        rows_sorted = np.asarray(rows, dtype=np.int64)[order]
                        # runs of consecutive rows are written with one seek each
                        breaks = np.flatnonzero(np.diff(rows_sorted) != 1) + 1
                        for run in np.split(np.arange(len(rows_sorted)), breaks):
                            if len(run):
                                f.seek(offset + (start + int(rows_sorted[run[0]])) * row_bytes)
                                f.write(vectors[order[run]].tobytes())
                        done[rows_sorted] = True
                        bar.update(len(rows_sorted))
                if not done.all():
                    raise RuntimeError(f"encoder left {int((~done).sum())} of {len(texts)} rows unwritten (in rows "
                                       f"{start} to {start + len(part) - 1})")
            counted.emit(stacklevel=2)  # before the rename: a warning filtered to an error leaves no file
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
