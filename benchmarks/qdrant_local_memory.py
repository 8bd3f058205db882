"""Peak memory of opening a local-mode Qdrant collection, against ``lira.serving.qdrant_index.local_open_bytes``
(the estimate by which `lira serve` refuses a local index that would not fit in memory).

Usage:
    python benchmarks/qdrant_local_memory.py                      # 20,000 points of width 384 and 768
    python benchmarks/qdrant_local_memory.py --points 50000 --dims 768

For each width it writes a collection of random unit vectors (``write_qdrant``, local mode) in a temporary folder,
then opens it (``QdrantSearcher``) in a fresh process and reports that process's peak RSS growth over its size
before the open, per point, beside the estimate.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from lira.serving.qdrant_index import QdrantConfig, QdrantSearcher, collection_name, local_open_bytes, write_qdrant


def _status(field: str) -> int:
    """A ``/proc/self/status`` memory field in bytes (``VmRSS``: now, ``VmHWM``: this process image's peak; unlike
    ``ru_maxrss``, neither carries the parent's peak over an exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"/proc/self/status has no {field} (Linux only)")


def open_peak(folder: Path, count: int) -> int:
    """Bytes of peak RSS growth while this process opens the collection at ``folder``."""
    before = _status("VmRSS")
    searcher = QdrantSearcher(folder, {"collection": collection_name("v1"), "folder": "qdrant"}, count=count)
    searcher.close()
    return _status("VmHWM") - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=20_000)
    parser.add_argument("--dims", type=int, nargs="+", default=[384, 768])
    parser.add_argument("--open", type=Path, help=argparse.SUPPRESS)  # internal: the child process's folder
    args = parser.parse_args()
    if args.open is not None:
        print(json.dumps({"peak_bytes": open_peak(args.open, args.points)}))
        return
    print("| points | width | peak growth per point (bytes) | estimate per point (bytes) |\n|---|---|---|---|")
    for dim in args.dims:
        with tempfile.TemporaryDirectory() as tmp:
            vectors = np.random.default_rng(0).normal(size=(args.points, dim)).astype(np.float32)
            write_qdrant(Path(tmp), vectors / np.linalg.norm(vectors, axis=1, keepdims=True), QdrantConfig(),
                         version="v1")
            child = subprocess.run([sys.executable, __file__, "--points", str(args.points), "--open", tmp],
                                   check=True, capture_output=True, text=True)
            peak = json.loads(child.stdout.strip().splitlines()[-1])["peak_bytes"]
            print(f"| {args.points} | {dim} | {peak // args.points} | {local_open_bytes(1, dim)} |", flush=True)


if __name__ == "__main__":
    main()
