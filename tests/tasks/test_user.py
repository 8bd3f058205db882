"""The user's own files as specs (``lira.tasks.user``): one ``TaskSpec`` per task type over per-split files or a
BEIR folder, and a stage-1 ``ParallelSpec`` over one parallel TSV split by a hash of the texts."""

from __future__ import annotations

import json

import pytest

from lira.data.formats import ClassificationExample, ParallelExample, RetrievalDataset
from lira.tasks.records import task_records
from lira.tasks.spec import RECORD_TYPES
from lira.tasks.user import UNDETERMINED, USER_SOURCES, hash_split, user_parallel, user_task


def _jsonl(path, rows) -> str:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def test_user_task_reads_one_file_per_split(tmp_path):
    rows = [{"text": "giày đen", "label": "shoes"}] * 2 + [{"text": "nồi cơm", "label": "kitchen", "lang": "th"}]
    files = {"train": _jsonl(tmp_path / "train.jsonl", rows), "dev": _jsonl(tmp_path / "dev.jsonl", rows[:1])}
    task = user_task("classification", files, langs=["vi", "tha"])
    assert (task.name, task.family, task.record_type) == ("file", "file", ClassificationExample)
    assert [s.lang for s in task.subsets] == ["vie"]  # the first language: of the records that name none
    train = task_records(task, "train")
    assert [(r.lang, r.label) for r in train] == [("vie", "shoes"), ("vie", "shoes"), ("tha", "kitchen")]
    assert len({r.id for r in train}) == 3 and len(task_records(task, "dev")) == 1  # repeated rows stay
    assert user_task("classification", files).subsets == (UNDETERMINED,)  # every record names its language
    with pytest.raises(ValueError, match="file: no file for split 'test'; given: train, dev"):
        task_records(task, "test")
    with pytest.raises(ValueError, match="one file per split"):
        user_task("nli", str(tmp_path / "train.jsonl"))


def test_user_task_per_type(tmp_path):
    for kind, source in USER_SOURCES.items():
        path = tmp_path if kind == "retrieval" else {"train": str(tmp_path / "t")}
        task = user_task(kind, path, langs=["vie"])
        assert task.name == source and task.type == kind and task.record_type is RECORD_TYPES[kind]
    assert USER_SOURCES["bitext"] == "tsv" and USER_SOURCES["retrieval"] == "beir"
    with pytest.raises(ValueError, match="no user data for task type 'math'"):
        user_task("math", {"train": "x"})


def _beir(folder, query):
    (folder / "qrels").mkdir(parents=True)
    _jsonl(folder / "corpus.jsonl", [{"_id": "d1", "title": "", "text": "shoes"}])
    _jsonl(folder / "queries.jsonl", [{"_id": "q1", "text": query}])
    (folder / "qrels" / "train.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\n", encoding="utf-8")
    return folder


def test_beir_folders_are_one_subset_per_language(tmp_path):
    vi, th = _beir(tmp_path / "vi", "giày"), _beir(tmp_path / "th", "รองเท้า")
    task = user_task("retrieval", {"vi": vi, "th": th})
    assert [s.lang for s in task.subsets] == ["vie", "tha"]
    sets = task_records(task, "train")
    assert [d.lang for d in sets] == ["vie", "tha"] and all(isinstance(d, RetrievalDataset) for d in sets)
    assert [d.queries["q1"].text for d in sets] == ["giày", "รองเท้า"]
    assert [s.lang for s in user_task("retrieval", vi, langs=["vi"]).subsets] == ["vie"]
    with pytest.raises(ValueError, match=r"one language: give it in data.langs \(none given\)"):
        user_task("retrieval", vi)
    # its queries carry no language: read under two, each query would count twice
    with pytest.raises(ValueError, match=r"\(got 2 \(vi, th\)\), or give data.path as a mapping LANG: FOLDER"):
        user_task("retrieval", vi, langs=["vi", "th"])


def test_user_parallel_splits_one_file_by_a_hash_of_the_text(tmp_path):
    rows = "".join(f"câu {i}\tsentence {i}\tvi\n" for i in range(40))
    (tmp_path / "p.tsv").write_text("text\ten\tlang\n" + rows, encoding="utf-8")
    source = user_parallel(tmp_path / "p.tsv", dev_fraction=0.25)
    assert source.source == "tsv" and source.langs == ()
    train, dev = source.load(None, None, "train"), source.load(None, "khm", "dev")  # whatever the language
    assert len(train) + len(dev) == 40 and all(isinstance(ex, ParallelExample) for ex in train)
    assert all(hash_split(ex.text, 0.25) == "dev" for ex in dev) and 0 < len(dev) < 20
    assert hash_split("câu 1", 0.0) == "train" and hash_split("câu 1", 1.0) == "dev"
