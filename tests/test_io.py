import os

import pytest

from lira.data.io import iter_jsonl
from lira.io import atomic_write, write_json, write_jsonl


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.jsonl"
    with pytest.raises(RuntimeError), atomic_write(target) as f:
        f.write("partial")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    write_jsonl(target, [{"a": "é"}])
    assert list(iter_jsonl(target)) == [(1, {"a": "é"})]


def test_atomic_write_keeps_the_old_file_when_interrupted(tmp_path):
    target = tmp_path / "out.json"
    write_json(target, {"x": 1})
    with pytest.raises(RuntimeError), atomic_write(target) as f:
        f.write("{broken")
        raise RuntimeError("boom")
    assert target.read_text(encoding="utf-8") == '{\n  "x": 1\n}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_atomic_write_respects_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        write_json(tmp_path / "a.json", {"x": 1})
    finally:
        os.umask(old)
    assert (tmp_path / "a.json").stat().st_mode & 0o777 == 0o644
