"""``lira index build|info`` and ``lira serve``: put a catalogue behind a model and serve it over HTTP."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated

import typer

from lira.backbones import DEFAULT_ENGLISH
from lira.cli_options import CacheDirOpt, MultilingualOpt
from lira.cli_options import fail as _fail

index_app = typer.Typer(help="Build and inspect search indexes (`lira serve` serves them).", no_args_is_help=True)


@index_app.command("build")
def index_build(
    model: Annotated[str, typer.Option(help="A LiRA model folder, a distilled student (distilled:DIR or its "
                                            "folder) or a baseline: frozen, translate-test, dual-path.")],
    corpus: Annotated[str, typer.Option(help="A BEIR corpus.jsonl (_id, title, text, optional en), 'products' "
                                             "(the built-in English catalogue) or 'products:LANG' (a language's "
                                             "listing titles).")],
    out: Annotated[Path, typer.Option(help="The index folder (versions land in it atomically).")],
    backend: Annotated[str, typer.Option(help="faiss (embedded) or qdrant (local folder, or --qdrant-url).")] = "faiss",
    lang: Annotated[str | None, typer.Option(help="Language of a corpus.jsonl's documents (default English; checked "
                                                  "against their script and each row's own lang field).")] = None,
    backbone: MultilingualOpt = None,
    english: Annotated[str, typer.Option(help="English backbone spec (translate-test, dual-path).")] = DEFAULT_ENGLISH,
    translator: Annotated[str | None, typer.Option(
        help="Translator of the queries, recorded for `lira serve` (default: a LiRA model's own; lexicon for "
             "translate-test and dual-path).")] = None,
    exact_max: Annotated[int, typer.Option(help="faiss: exact search up to this many documents, HNSW above.")]
        = 200_000,
    hnsw_m: Annotated[int, typer.Option(help="faiss HNSW: links per node (M).")] = 32,
    ef_construction: Annotated[int, typer.Option(help="faiss HNSW: efConstruction.")] = 200,
    ef_search: Annotated[int, typer.Option(help="faiss HNSW: efSearch.")] = 128,
    qdrant_url: Annotated[str | None, typer.Option(
        help="qdrant: a server or cluster URL (API key from $QDRANT_API_KEY); default: embedded local mode in "
             "the index folder.")] = None,
    batch_size: Annotated[int, typer.Option(help="Documents embedded per batch.")] = 256,
    overwrite: Annotated[bool, typer.Option(help="Replace an index built with another model.")] = False,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
    cache_dir: CacheDirOpt = None,
) -> None:
    """Embed a corpus with a model and write a new index version; a rebuild embeds only new or edited
    documents."""
    from lira.serving.build import BuildConfig, build_index
    from lira.serving.faiss_index import FaissConfig
    from lira.serving.index import IndexFolderError
    from lira.serving.qdrant_index import QdrantConfig

    if qdrant_url and backend != "qdrant":
        _fail("--qdrant-url needs --backend qdrant")
    try:
        config = BuildConfig(model=model, corpus=corpus, out=out, backend=backend, lang=lang, backbone=backbone,
                             english=english, translator=translator,
                             faiss=FaissConfig(exact_max, hnsw_m, ef_construction, ef_search),
                             qdrant=QdrantConfig(url=qdrant_url), batch_size=batch_size, overwrite=overwrite,
                             cache_dir=cache_dir, progress=progress)
        report = build_index(config)
    except (IndexFolderError, ValueError) as e:
        _fail(str(e))
        return
    typer.echo(f"index {out}: version {report.version}, {report.documents} documents ({report.embedded} embedded, "
               f"{report.reused} reused), {report.backend['name']} {report.backend['kind']}, "
               f"{report.seconds:.1f} s")


@index_app.command("info")
def index_info(index: Annotated[Path, typer.Argument(help="The index folder.")]) -> None:
    """The current version's metadata (model identity, corpus checksum, document count, backend) as JSON."""
    import json

    from lira.serving.index import IndexFolderError, read_meta

    try:
        meta = read_meta(index)
    except IndexFolderError as e:
        _fail(str(e))
        return
    typer.echo(json.dumps(meta, ensure_ascii=False, indent=2))


def _read_token(path: Path) -> str:
    try:
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as e:
        _fail(f"cannot read the token file {path}: {e}")
        return ""
    if not token:
        _fail(f"the token file {path} is empty")
    return token


def serve(
    index: Annotated[Path, typer.Option(help="The index folder (`lira index build --out`).")],
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    token_file: Annotated[Path | None, typer.Option(
        help="A file holding a bearer token that /search, /encode, /metrics and /admin/reload require.")] = None,
    model: Annotated[str | None, typer.Option(help="Refuse to start unless the index was built with this model "
                                                   "(default: the model the index records).")] = None,
    translator: Annotated[str | None, typer.Option(
        help="Translator of the queries (default: the one the index records; openai:MODEL@URL for an endpoint).")]
        = None,
    translate_timeout: Annotated[float, typer.Option(
        help="Seconds to wait for the translator before falling back (flagged in the answer).")] = 2.0,
    max_query_chars: Annotated[int, typer.Option(help="Longest query, in characters.")] = 512,
    max_k: Annotated[int, typer.Option(help="Largest k.")] = 100,
    max_batch: Annotated[int, typer.Option(help="Most texts per /encode request.")] = 64,
    max_body_bytes: Annotated[int, typer.Option(help="Largest request body, in bytes.")] = 64 * 1024,
    reload_every: Annotated[float, typer.Option(help="Check for a new index version every this many seconds "
                                                     "(0: only on POST /admin/reload).")] = 0.0,
    access_log: Annotated[bool, typer.Option(help="Log every request (uvicorn's access log).")] = True,
    search_threads: Annotated[int | None, typer.Option(
        help="Threads per search: faiss's for HNSW, or the threads sharing an exact search's blocks, BLAS kept to "
             "one thread each (default: every core when searches are batched, since one batch runs at a time; 1 "
             "with --request-batch 0, since concurrent requests already use the cores).")] = None,
    vector_cache: Annotated[int, typer.Option(help="Query vectors kept in memory (0: none).")] = 10_000,
    request_batch: Annotated[int, typer.Option(help="Most concurrent requests encoded as one batch or searched in "
                                                     "one pass over the index (0: each on its own).")] = 64,
    cache_dir: CacheDirOpt = None,
) -> None:
    """Serve an index over HTTP: the search page at /, POST /search, POST /encode, GET /health, GET /metrics."""
    import logging

    try:
        import uvicorn

        from lira.serving.app import create_app
    except ImportError as e:
        _fail(f"`lira serve` needs the serve extra ({e.name} is missing): pip install 'lira[serve]'")
        return
    from lira.serving.index import IndexFolderError
    from lira.serving.schemas import Limits
    from lira.serving.service import SearchService

    token = _read_token(token_file) if token_file else None
    if search_threads is None:
        search_threads = 0 if request_batch > 0 else 1
    if search_threads < 0 or request_batch < 0:
        _fail(f"--search-threads and --request-batch must be >= 0, got {search_threads} and {request_batch}")
        return
    from lira.serving.faiss_index import set_search_threads

    set_search_threads(search_threads)
    try:
        limits = Limits(max_query_chars=max_query_chars, max_k=max_k, max_batch=max_batch,
                        max_body_bytes=max_body_bytes, default_k=min(Limits.default_k, max_k))
        service = SearchService(index, model=model, translator=translator, timeout_s=translate_timeout,
                                cache_dir=cache_dir, limits=limits, vector_cache=vector_cache,
                                request_batch=request_batch)
    except (IndexFolderError, ValueError, FileNotFoundError) as e:
        _fail(str(e))
        return
    stop = threading.Event()
    if reload_every > 0:
        def poll() -> None:
            while not stop.wait(reload_every):
                try:
                    service.reload()
                except Exception as e:  # noqa: BLE001 - keep serving the loaded version, say why
                    logging.getLogger("lira.serving").warning("index reload failed: %s", e)

        threading.Thread(target=poll, name="lira-reload", daemon=True).start()
    current = service.holder.current
    typer.echo(f"serving {index} (version {current.version}, {len(current.docs)} documents) with "
               f"{service.method_name} on http://{host}:{port}/")
    try:
        uvicorn.run(create_app(service, token=token), host=host, port=port, log_level="info", access_log=access_log)
    finally:
        stop.set()
        service.close()


def register(app: typer.Typer) -> None:
    """Add ``lira index`` and ``lira serve`` to the ``lira`` command."""
    app.add_typer(index_app, name="index")
    app.command("serve")(serve)
