"""``build_index``: metadata, reuse of unchanged documents, the feature cache, refusal of another model, faiss
exact and HNSW, Qdrant local mode, and a build killed with SIGKILL."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from lira.serving.build import build_index
from lira.serving.corpus import IndexDoc
from lira.serving.faiss_index import FaissConfig
from lira.serving.index import BUILD_PREFIX, CURRENT, IndexFolderError, open_index, read_meta
from tests.evaluation.test_methods import WordBackbone
from tests.serving.conftest import DOCS, write_corpus

NEW = [{"_id": "d7", "title": "wireless earbuds", "text": "Brand: Sony."},
       {"_id": "d8", "title": "yoga mat", "text": "Material: rubber."}]
NEW_TEXTS = {IndexDoc(d["_id"], d["title"], d["text"]).full_text for d in NEW}


@pytest.fixture
def recorded(monkeypatch):
    """Every backbone is a ``WordBackbone`` that records the texts it encodes."""
    seen: list[str] = []

    class Recording(WordBackbone):
        def _encode_batch(self, texts, role):
            seen.extend(texts)
            return super()._encode_batch(texts, role)

    monkeypatch.setattr("lira.backbones.load_backbone", Recording)
    return seen


def test_build_writes_a_version_with_its_metadata(build_config, corpus_file):
    report = build_index(build_config())
    root = report.path.parents[1]
    assert (root / CURRENT).read_text().strip() == report.version == report.path.name
    meta = read_meta(root)
    assert meta["model"]["spec"] == "dual-path" and meta["model"]["kind"] == "baseline"
    assert meta["corpus"] == {"source": str(corpus_file), "documents": len(DOCS), "lang": "eng",
                              "sha256": hashlib.sha256(corpus_file.read_bytes()).hexdigest()}
    assert meta["backend"]["name"] == "faiss" and meta["backend"]["kind"] == "flat"
    assert meta["build"] == {"embedded": len(DOCS), "reused": 0, "seconds": meta["build"]["seconds"]}
    assert meta["dim"] == 2 * 512 and meta["translator"].startswith("lexicon:")
    index = open_index(root)
    assert [d.id for d in index.docs] == [d["_id"] for d in DOCS]
    top = index.search(index.searcher.vectors()[2:3], 2)[0]
    assert top[0][0].id == "d3" and top[0][1] == pytest.approx(1.0, abs=1e-5)


def test_a_corpus_in_another_script_than_its_language_warns_once(build_config, tmp_path):
    thai = write_corpus(tmp_path / "thai.jsonl", [{"_id": f"t{i}", "text": "ร้านอาหารอร่อยมาก"} for i in range(3)])
    with pytest.warns(UserWarning) as caught:
        build_index(build_config(corpus=str(thai), model="frozen"))
    messages = [str(w.message) for w in caught if "script" in str(w.message)]
    assert messages == [f"{thai}: 3 of 3 document(s) are mostly written in another script than eng's (English, "
                        "script Latn; the default, as no --lang was given), the first _id 't0'; pass --lang with the "
                        "documents' language"]


def test_rebuild_embeds_only_new_documents(build_config, recorded, corpus_file, tmp_path):
    build_index(build_config())
    first = len(recorded)
    assert first > 0
    write_corpus(corpus_file, DOCS + NEW)
    recorded.clear()
    report = build_index(build_config(cache_dir=tmp_path / "empty-cache"))  # old vectors come from the index
    assert (report.embedded, report.reused, report.documents) == (2, len(DOCS), len(DOCS) + 2)
    assert {t for t in recorded} <= NEW_TEXTS
    recorded.clear()
    fresh = build_index(build_config(out=tmp_path / "other"))  # a new index: the feature cache serves the old
    assert fresh.embedded == len(DOCS) + 2 and fresh.reused == 0
    assert {t for t in recorded} <= NEW_TEXTS and recorded
    a, b = open_index(report.path.parents[1]), open_index(fresh.path.parents[1])
    np.testing.assert_allclose(a.searcher.vectors(), b.searcher.vectors(), atol=1e-6)


def test_an_index_built_before_zero_width_spaces_were_removed_re_embeds_just_those(build_config, recorded,
                                                                                   corpus_file, tmp_path):
    spaced = {"_id": "d9", "title": "rice\u200bcooker", "text": "Brand: Sharp."}
    write_corpus(corpus_file, DOCS + [spaced])
    root = build_index(build_config()).path.parents[1]
    meta_file = root / "versions" / read_meta(root)["version"] / "meta.json"
    assert read_meta(root)["text_reading"] == "removes U+200B"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an index built now opens without a word about it
        open_index(root)
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    del meta["text_reading"]  # as an earlier LiRA wrote it
    meta_file.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.warns(UserWarning, match=r"1 of 7 documents were embedded by an earlier LiRA"):
        open_index(root)
    recorded.clear()
    with pytest.warns(UserWarning, match=r"1 document\(s\) of the current version were embedded before"):
        report = build_index(build_config(cache_dir=tmp_path / "empty-cache"))
    assert (report.embedded, report.reused) == (1, len(DOCS))
    assert recorded and all("ricecooker" in t for t in recorded)  # d9 alone, read without its zero width space
    assert read_meta(root)["text_reading"] == "removes U+200B"


def test_another_model_is_refused_unless_overwritten(build_config):
    build_index(build_config())
    with pytest.raises(IndexFolderError, match=r"built with 'dual-path'.*not 'frozen'.*--overwrite"):
        build_index(build_config(model="frozen"))
    report = build_index(build_config(model="frozen", overwrite=True))
    assert report.embedded == len(DOCS) and read_meta(report.path.parents[1])["model"]["spec"] == "frozen"


def test_old_versions_are_collected(build_config):
    versions = [build_index(build_config()).version for _ in range(4)]
    root = build_config().out
    assert sorted(p.name for p in (root / "versions").iterdir()) == versions[-2:]  # current + the one before


def test_hnsw_above_exact_max_finds_the_same_neighbours(build_config):
    exact = open_index(build_index(build_config()).path.parents[1])
    hnsw_report = build_index(build_config(out=build_config().out.parent / "hnsw",
                                           faiss=FaissConfig(exact_max=2, hnsw_m=8, ef_search=16)))
    assert hnsw_report.backend["kind"] == "hnsw" and hnsw_report.backend["ef_search"] == 16
    hnsw = open_index(hnsw_report.path.parents[1])
    queries = exact.searcher.vectors()
    assert [h[0][0].id for h in hnsw.search(queries, 3)] == [h[0][0].id for h in exact.search(queries, 3)]


def test_qdrant_local_mode_matches_faiss(build_config):
    faiss_index = open_index(build_index(build_config()).path.parents[1])
    report = build_index(build_config(out=build_config().out.parent / "qdrant", backend="qdrant"))
    assert report.backend == {"name": "qdrant", "kind": "local", "url": None, "collection": f"lira-{report.version}",
                              "folder": "qdrant"}
    index = open_index(report.path.parents[1])
    try:
        queries = faiss_index.searcher.vectors()
        np.testing.assert_allclose(index.searcher.vectors(), queries, atol=1e-6)
        for got, want in zip(index.search(queries, 4), faiss_index.search(queries, 4), strict=True):
            assert [d.id for d, _ in got][:1] == [d.id for d, _ in want][:1]
            np.testing.assert_allclose([s for _, s in got], [s for _, s in want], atol=1e-5)
        with pytest.warns(UserWarning, match="already accessed by another instance.*feature cache instead"):
            locked = build_index(build_config(out=report.path.parents[1], backend="qdrant"))
        assert locked.reused == 0 and locked.embedded == len(DOCS)  # the folder is open here: nothing reused
    finally:
        index.retire()
    again = build_index(build_config(out=report.path.parents[1], backend="qdrant"))  # reuses qdrant's vectors
    assert again.reused == len(DOCS) and again.embedded == 0


_KILLED_BUILD = """
import os, sys, time
import lira.backbones
import lira.serving.build as build
from tests.evaluation.test_methods import WordBackbone

class Slow(WordBackbone):
    def _encode_batch(self, texts, role):
        time.sleep(0.02)
        return super()._encode_batch(texts, role)

lira.backbones.load_backbone = Slow
write = build.write_faiss
def slow_write(folder, *args, **kwargs):
    (folder / "partial.bin").write_bytes(b"x" * 1000)
    time.sleep(60)  # killed here, mid-write
build.write_faiss = slow_write if os.environ.get("SLOW_WRITE") else write
from lira.cli import main
sys.argv = ["lira", "index", "build", "--model", "dual-path", "--corpus", sys.argv[1], "--out", sys.argv[2],
            "--batch-size", "8", "--no-progress", "--cache-dir", sys.argv[3]]
main()
"""


def _start(corpus: Path, out: Path, cache: Path, **env: str) -> subprocess.Popen:
    root = Path(__file__).resolve().parents[2]
    return subprocess.Popen([sys.executable, "-c", _KILLED_BUILD, str(corpus), str(out), str(cache)], cwd=root,
                            env={**os.environ, "PYTHONPATH": str(root), **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def _kill_when(process: subprocess.Popen, ready, limit_s: float = 60.0) -> None:
    deadline = time.monotonic() + limit_s
    while not ready():
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else "build ended"
        assert time.monotonic() < deadline, "the build never reached the point to kill it at"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL


def test_sigkill_mid_build_leaves_the_old_index_or_none(build_config, tmp_path):
    big = write_corpus(tmp_path / "big.jsonl", [{"_id": f"n{i}", "title": f"item {i} shoes", "text": f"Size: {i}."}
                                                for i in range(400)])
    out, cache = tmp_path / "killed", tmp_path / "kill-cache"
    # no index yet: a build killed while embedding leaves none, and loading says so
    _kill_when(p := _start(big, out, cache), lambda: any(cache.rglob("*.keys.json")))
    assert p.returncode == -signal.SIGKILL
    with pytest.raises(IndexFolderError, match="holds no complete index"):
        open_index(out)
    first = build_index(build_config(out=out, corpus=str(big)))
    # with an index: a build killed mid-write (its temporary folder half written) leaves the old one current
    grown = write_corpus(tmp_path / "grown.jsonl", [{"_id": f"n{i}", "title": f"item {i} shoes", "text": f"Size: {i}."}
                                                    for i in range(450)])
    _kill_when(_start(grown, out, cache, SLOW_WRITE="1"), lambda: any(out.glob(f"{BUILD_PREFIX}*/partial.bin")))
    assert list(out.glob(f"{BUILD_PREFIX}*")), "the killed build left its temporary folder"
    index = open_index(out)
    assert index.version == first.version and len(index.docs) == 400
    # the next build succeeds, reuses the old vectors and removes the leftovers
    report = build_index(build_config(out=out, corpus=str(grown)))
    assert (report.reused, report.embedded) == (400, 50)
    assert not list(out.glob(f"{BUILD_PREFIX}*")) and len(open_index(out).docs) == 450
    assert json.loads((report.path / "meta.json").read_text())["corpus"]["documents"] == 450


def test_documents_read_in_a_language_the_head_did_not_see_are_named():
    from types import SimpleNamespace

    from lira.serving.build import warn_unseen_document_language
    from lira.serving.corpus import Corpus

    model = SimpleNamespace(config=SimpleNamespace(languages=["tha", "vie"]))
    english = Corpus((IndexDoc("d1", "shoes", "", None),), "eng", "c.jsonl", "0")
    with pytest.warns(UserWarning, match=r"read its training documents in each query's language \(tha, vie\), and "
                                         r"this index reads them as eng, which it did not see in training"):
        assert warn_unseen_document_language(model, english)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        thai = Corpus(english.docs, "tha", "c.jsonl", "0")
        assert not warn_unseen_document_language(model, thai)  # as training read them
        assert not warn_unseen_document_language(WordBackbone(), english)  # a baseline has no head
