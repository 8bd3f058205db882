"""The ``lira`` command line: ``lira encode``, ``lira eval retrieval``, ``lira demo``, ``lira cache``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from lira.backbones import DEFAULT_MULTILINGUAL, SPECS

app = typer.Typer(help="LiRA: anchor low-resource languages to the English semantic space.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
eval_app = typer.Typer(help="Score a model or baseline on data in LiRA's formats.", no_args_is_help=True)
cache_app = typer.Typer(help="Inspect or clear the on-disk feature cache.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
app.add_typer(cache_app, name="cache")
train_app = typer.Typer(help="Train LiRA's stages from a YAML config.", no_args_is_help=True)
app.add_typer(train_app, name="train")

BackboneOpt = Annotated[str, typer.Option(help=f"Backbone spec: {', '.join(SPECS)}.")]
CacheDirOpt = Annotated[
    Path | None, typer.Option(help="Feature cache folder (default $LIRA_CACHE_DIR or ~/.cache/lira).")]


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def _read_texts(path: Path, field: str) -> list[str]:
    from lira.data.io import iter_jsonl, read_text, require

    if path.suffix == ".jsonl":
        return [require(r, field, path=path, line=n) for n, r in iter_jsonl(path)]
    lines = read_text(path).splitlines()
    blank = [n for n, line in enumerate(lines, 1) if not line.strip()]
    if blank:
        _fail(f"{path}:{blank[0]}: empty line ({len(blank)} in all); one text per line, none empty")
    return lines


@app.command()
def encode(
    input: Annotated[Path, typer.Argument(help="A .txt file (one text per line) or .jsonl file.")],
    out: Annotated[Path, typer.Option(help="Output .npy file of float32 [n, dim] embeddings.")],
    lang: Annotated[str | None, typer.Option(help="Language code of the texts (checked against their script).")] = None,
    role: Annotated[str, typer.Option(help="query, passage or text.")] = "text",
    field: Annotated[str, typer.Option(help="JSONL field holding the text.")] = "text",
    backbone: BackboneOpt = DEFAULT_MULTILINGUAL,
    cache_dir: CacheDirOpt = None,
    no_cache: Annotated[bool, typer.Option(help="Encode everything, bypassing the feature cache.")] = False,
) -> None:
    """Encode texts with a backbone (through the feature cache) and save the embeddings."""
    from lira.backbones import load_backbone
    from lira.cache import CachedBackbone, FeatureCache
    from lira.data.io import atomic_write

    texts = _read_texts(input, field)
    model = load_backbone(backbone)
    encoder = model if no_cache else CachedBackbone(model, FeatureCache(cache_dir))
    vectors = encoder.encode(texts, lang=lang, role=role)  # type: ignore[arg-type]
    with atomic_write(out, "wb") as f:
        np.save(f, vectors)
    stats = "" if no_cache else f" ({encoder.hits} from cache, {encoder.misses} encoded)"  # type: ignore[union-attr]
    typer.echo(f"{len(texts)} texts -> {out} {vectors.shape}{stats}")


@eval_app.command("retrieval")
def eval_retrieval(
    data: Annotated[str, typer.Option(help="A BEIR folder, or 'products' for the built-in product set.")] = "products",
    lang: Annotated[list[str] | None, typer.Option(help="Language(s); default: all 7 of the product set.")] = None,
    split: Annotated[str, typer.Option(help="Qrels split to score.")] = "test",
    backbone: BackboneOpt = DEFAULT_MULTILINGUAL,
    out: Annotated[Path | None, typer.Option(help="Write the results as JSON here.")] = None,
    cache_dir: CacheDirOpt = None,
) -> None:
    """nDCG@10, Recall@1/10/100 and MRR@10 of a backbone on a retrieval set."""
    from lira.backbones import load_backbone
    from lira.cache import CachedBackbone, FeatureCache
    from lira.data.loaders import load_beir
    from lira.data.products import PRODUCT_LANGS, load_products
    from lira.demo import markdown_table
    from lira.evaluation.retrieval import RetrievalEvaluator
    from lira.retrieval.metrics import METRICS

    if data != "products" and not lang:
        _fail("--lang is required for a BEIR folder")
    langs = lang or list(PRODUCT_LANGS)
    encoder = CachedBackbone(load_backbone(backbone), FeatureCache(cache_dir))
    results = {}
    for code in langs:
        dataset = load_products(code) if data == "products" else load_beir(data, lang=code)
        result = RetrievalEvaluator(dataset, split=split)(encoder)
        result.pop("per_query")
        results[dataset.lang] = result
    typer.echo(markdown_table([{"lang": k, **v} for k, v in results.items()], ["lang", "n_queries", *METRICS]))
    if out:
        from lira.data.io import write_json

        write_json(out, {"data": data, "split": split, "backbone": encoder.name, "results": results})


@eval_app.command("arca")
def eval_arca(
    config: Annotated[Path, typer.Option(help="YAML run config naming the data and backbones.")],
    model: Annotated[Path, typer.Option(help="Trained Arca folder (RUN/arca).")],
    split: Annotated[str, typer.Option(help="Held-out split to score.")] = "test",
    out: Annotated[Path | None, typer.Option(help="Write the results as JSON here.")] = None,
    cache_dir: CacheDirOpt = None,
) -> None:
    """Candidate choice on held-out data: the Actor against chance and critic-free choices, with sign tests."""
    from lira.demo import markdown_table
    from lira.training.arca_run import evaluate_choice, load_run_config

    result = evaluate_choice(load_run_config(config), model_dir=model, split=split, cache_dir=cache_dir)
    rows = [{"lang": k, **v, "p vs sim_only": f"{v['actor_vs_sim_only']['p_value']:.2g}",
             "p vs critic_s_only": f"{v['actor_vs_critic_s_only']['p_value']:.2g}"}
            for k, v in [*result["per_lang"].items(), ("all", result["overall"])]]
    typer.echo(markdown_table(rows, ["lang", "n", "actor_accuracy", "sim_only_accuracy", "critic_s_only_accuracy",
                                     "chance", "p vs sim_only", "p vs critic_s_only", "anchor_gap"]))
    if out:
        from lira.data.io import write_json

        write_json(out, result)


@eval_app.command("mgsm")
def eval_mgsm(
    endpoint: Annotated[str, typer.Option(help="Solver LLM's OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1.")],
    llm_model: Annotated[str, typer.Option(help="Model name sent to the endpoint.")],
    api_key_env: Annotated[str | None, typer.Option(help="Environment variable holding the endpoint's key.")] = None,
    lang: Annotated[list[str] | None, typer.Option(help="Language(s): th, bn, en; default th and bn.")] = None,
    model: Annotated[Path | None, typer.Option(help="LiRA model folder (needed by --method lira).")] = None,
    translator: Annotated[str | None, typer.Option(help="Translator spec giving the English candidates, e.g. "
                                                        "openai:MODEL@BASE_URL.")] = None,
    translations: Annotated[Path | None, typer.Option(help="Parallel file of precomputed candidates (text, en, "
                                                           "en_2, ...).")] = None,
    method: Annotated[list[str] | None, typer.Option(help="direct, translate-test, lira, gold-english; default "
                                                          "every method the other options allow.")] = None,
    candidates: Annotated[int | None, typer.Option(help="English candidates per question (default: the model's, "
                                                        "else 2).")] = None,
    data_dir: Annotated[Path, typer.Option(help="The benchmark data folder.")] = Path("../shared/data"),
    limit: Annotated[int | None, typer.Option(help="Score only the first N problems per language.")] = None,
    max_tokens: Annotated[int, typer.Option(help="Token budget of each solver reply.")] = 1024,
    timeout_s: Annotated[float, typer.Option(help="Seconds to wait for one solver reply.")] = 120.0,
    out: Annotated[Path | None, typer.Option(help="Write the results (with per-item records) as JSON here.")] = None,
) -> None:
    """MGSM accuracy (exact numeric match) of an LLM endpoint reading each question directly, its translation
    (translate-test), Arca's chosen translation (lira) or the gold English question."""
    from lira.data import benchmarks
    from lira.data.errors import DataFormatError
    from lira.demo import markdown_table
    from lira.evaluation.mgsm import METHODS, MGSMEvaluator
    from lira.languages import normalize_code
    from lira.translators.chat import ChatClient, ChatConfig
    from lira.translators.precomputed import MissingTranslationError

    has_translator = translator is not None or translations is not None
    usable = {"direct": True, "translate-test": has_translator, "lira": has_translator and model is not None,
              "gold-english": True}
    methods = list(dict.fromkeys(method or [m for m in METHODS if usable[m]]))
    if unknown := [m for m in methods if m not in METHODS]:
        _fail(f"unknown method {unknown[0]!r}; valid: {', '.join(METHODS)}")
    if "lira" in methods and model is None:
        _fail("--method lira needs --model DIR (a LiRA model folder)")
    if translator is not None and translations is not None:
        _fail("give --translator or --translations, not both")
    if not has_translator and {"translate-test", "lira"} & set(methods):
        _fail("translate-test and lira need English candidates: give --translator SPEC or --translations FILE")
    if limit is not None and limit < 1:
        _fail("--limit must be >= 1")
    lira_model = None
    if model is not None and "lira" in methods:
        from lira.model import LiRAModel

        try:
            lira_model = LiRAModel.load(model)
        except ValueError as e:  # another format version
            _fail(str(e))
    k = candidates or (lira_model.config.candidates if lira_model else 2)
    try:
        client = ChatClient(ChatConfig(base_url=endpoint, model=llm_model, api_key_env=api_key_env,
                                       max_tokens=max_tokens, timeout_s=timeout_s))
    except ValueError as e:
        _fail(str(e))
    results: dict[str, dict] = {}
    rows = []
    with client:
        for code in lang or ["th", "bn"]:
            name = normalize_code(code)
            try:
                problems = benchmarks.mgsm(data_dir, lang=name)[:limit]
            except DataFormatError:
                raise
            except ValueError as e:  # a language MGSM does not cover
                _fail(str(e))
            source = None
            if translations is not None:
                from lira.data.loaders import load_parallel
                from lira.translators.precomputed import PrecomputedTranslator

                source = PrecomputedTranslator.from_examples(
                    [e for e in load_parallel(translations, lang=name) if e.lang == name])
            elif translator is not None:
                from lira.translators import load_translator

                source = load_translator(translator, lang=name)
            evaluator = MGSMEvaluator(problems, client, translator=source, model=lira_model, candidates=k)
            for m in methods:
                try:
                    result = evaluator(m)
                except MissingTranslationError as e:
                    _fail(f"{translations}: {e}")
                results.setdefault(name, {})[m] = result
                rows.append({"lang": name, "method": m, "n": result["n"], "accuracy": result["accuracy"],
                             "unparseable": result["n_unparseable"], "failed": result["n_failed"],
                             "no text": result["n_no_text"]})
                if result["errors"]:
                    typer.secho(f"{name} {m}: {result['n_failed']} failed at the endpoint, {result['n_no_text']} "
                                f"without text; first: {result['errors'][0]}", fg=typer.colors.YELLOW, err=True)
    typer.echo(markdown_table(rows, ["lang", "method", "n", "accuracy", "unparseable", "failed", "no text"]))
    if out:
        from lira.data.io import write_json

        write_json(out, {"benchmark": "mgsm", "solver": llm_model, "endpoint": endpoint, "methods": methods,
                         "translator": translator or (str(translations) if translations else None),
                         "model": str(model) if model else None, "candidates": k, "limit": limit,
                         "results": results})


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option(help="Runs are written to OUT_DIR/<timestamp>/.")] = Path("runs"),
    split: Annotated[str, typer.Option(help="Product-set split to evaluate on.")] = "test",
    backbone: BackboneOpt = DEFAULT_MULTILINGUAL,
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


def _echo_summary(summary: dict, model: Path) -> None:
    for when in ("before", "after"):
        metrics = summary[when]
        values = ", ".join(f"{k} {v:.4f}" for k, v in metrics.items() if isinstance(v, float))
        typer.echo(f"{when:6s} step {metrics.get('step', 0):4d}: {values}")
    typer.echo(f"model: {model}")


@train_app.command("arca")
def train_arca_cmd(
    config: Annotated[Path, typer.Option(help="YAML run config (see configs/arca-products.yaml).")],
    out: Annotated[Path, typer.Option(help="Run folder: checkpoints/, arca/ and history.json.")] = Path("runs/arca"),
    resume: Annotated[bool, typer.Option(help="Continue from the last checkpoint in --out.")] = False,
    cache_dir: CacheDirOpt = None,
) -> None:
    """Stage 1: train Arca's shared adaptor and actor (critics and backbones frozen)."""
    from lira.data.io import write_json
    from lira.training.arca_run import load_run_config, run_arca

    summary = run_arca(load_run_config(config), out, resume=resume, cache_dir=cache_dir)
    write_json(out / "summary.json", summary)
    _echo_summary(summary, out / "arca")


@train_app.command("lasr")
def train_lasr_cmd(
    config: Annotated[Path, typer.Option(help="YAML run config (see configs/lasr-products.yaml).")],
    out: Annotated[Path, typer.Option(help="Run folder: checkpoints/, model/ and history.json.")] = Path("runs/lasr"),
    resume: Annotated[bool, typer.Option(help="Continue from the last checkpoint in --out.")] = False,
    cache_dir: CacheDirOpt = None,
) -> None:
    """Stage 2: train the LaSR head on one task (Arca frozen unless train.joint) and save a LiRA model."""
    from lira.data.io import write_json
    from lira.training.lasr_run import load_lasr_config, run_lasr

    summary = run_lasr(load_lasr_config(config), out, resume=resume, cache_dir=cache_dir)
    write_json(out / "summary.json", summary)
    _echo_summary(summary, Path(summary["model"]))


@app.command()
def diagnose(
    config: Annotated[Path, typer.Option(help="YAML run config naming the data and backbones.")],
    model: Annotated[Path | None, typer.Option(help="Trained Arca folder; omit for the untrained model.")] = None,
    split: Annotated[str, typer.Option(help="Split to diagnose on.")] = "dev",
    out: Annotated[Path | None, typer.Option(help="Write the estimates as JSON here.")] = None,
    cache_dir: CacheDirOpt = None,
) -> None:
    """Stability diagnostics: eps1, eps2, C, L_loc, the bound and the observed deviation."""
    from lira.data.io import write_json
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
        typer.echo(f"  {r.backbone}  {r.role_pooling}  {r.entries} entries in {r.shards} shard(s), "
                   f"{r.bytes / 1e6:.2f} MB")
    if not rows:
        typer.echo("  (empty)")


@cache_app.command("clear")
def cache_clear(
    backbone: Annotated[str | None, typer.Option(help="Clear only this backbone name (see `lira cache info`).")] = None,
    cache_dir: CacheDirOpt = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete cached features."""
    from lira.cache import FeatureCache

    cache = FeatureCache(cache_dir)
    what = f"features of {backbone}" if backbone else "all cached features"
    if not yes and not typer.confirm(f"Delete {what} under {cache.root}?"):
        raise typer.Abort()
    typer.echo(f"freed {cache.clear(backbone) / 1e6:.2f} MB")


def main() -> None:
    """Entry point of the ``lira`` script; data and language errors become one-line messages."""
    from lira.data.errors import DataFormatError
    from lira.languages import UnknownLanguageError

    try:
        app()
    except (DataFormatError, UnknownLanguageError, FileNotFoundError) as e:
        typer.secho(f"error: {e}", fg=typer.colors.RED, err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
