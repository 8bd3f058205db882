"""Index reload: concurrent searches see the old or the new version whole, never a mix; a version built with
another model is refused and the old one stays."""

from __future__ import annotations

import threading

import pytest

from lira.serving.build import build_index
from lira.serving.holder import IndexHolder
from tests.serving.conftest import DOCS, write_corpus

MORE = [{"_id": f"x{i}", "title": f"running shoes model {i}", "text": "Brand: Asics."} for i in range(6)]


@pytest.mark.parametrize("backend", ["faiss", "qdrant"])
@pytest.mark.filterwarnings("ignore:cannot read the vectors")  # qdrant local mode: the server holds the folder
def test_concurrent_searches_during_reloads_see_whole_versions(build_config, corpus_file, tmp_path, backend):
    from lira.serving.service import SearchService

    root = build_index(build_config(backend=backend)).path.parents[1]
    service = SearchService(root, cache_dir=tmp_path / "c")
    sizes = {len(DOCS): {d["_id"] for d in DOCS}, len(DOCS + MORE): {d["_id"] for d in DOCS + MORE}}
    seen: list[tuple[str, int, set[str]]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def search() -> None:
        while not stop.is_set():
            try:
                out = service.search("giày chạy", k=50)
                seen.append((out["index"]["version"], out["index"]["documents"], {r["id"] for r in out["results"]}))
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)
                return

    threads = [threading.Thread(target=search) for _ in range(4)]
    for t in threads:
        t.start()
    versions = {}
    try:
        for round_ in range(6):
            docs = DOCS + MORE if round_ % 2 == 0 else DOCS
            write_corpus(corpus_file, docs)
            report = build_index(build_config(backend=backend))
            versions[report.version] = len(docs)
            assert service.reload()["version"] == report.version
    finally:
        stop.set()
        for t in threads:
            t.join()
        service.close()
    assert not errors, errors
    assert len({v for v, _, _ in seen}) >= 2, "the searches never overlapped a reload"
    for version, documents, ids in seen:
        assert documents in sizes and ids == sizes[documents]  # all documents of one version, none of another
        assert versions.get(version, len(DOCS)) == documents


def test_reload_refuses_another_model_and_keeps_serving(build_config, tmp_path):
    from lira.serving.service import SearchService

    root = build_index(build_config()).path.parents[1]
    service = SearchService(root, cache_dir=tmp_path / "c")
    try:
        served = service.holder.current.version
        assert service.reload() == {"reloaded": False, "version": served, "documents": len(DOCS)}
        build_index(build_config(model="frozen", overwrite=True))
        with pytest.raises(ValueError, match=r"built with 'frozen'.*not 'dual-path'"):
            service.reload()
        assert service.holder.current.version == served and service.search("giày đỏ")["results"]
    finally:
        service.close()


def test_holder_closes_a_retired_version_after_its_last_request(index_dir):
    holder = IndexHolder(index_dir)
    closed = []
    with holder.use() as index:
        index.searcher.close = lambda: closed.append(True)
        index.retire()
        assert not closed  # still in use
    assert closed == [True]
