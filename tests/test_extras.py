"""The default path (``lira demo``: the CLI, the demo, training and the model) imports none of the optional
extras' packages, so the core install runs it."""

from __future__ import annotations

import subprocess
import sys

EXTRAS_ONLY = ("matplotlib", "httpx", "fastapi", "uvicorn", "qdrant_client", "mteb", "datasets", "accelerate")


def test_the_demo_path_imports_no_optional_extra():
    code = ("import sys, lira.cli, lira.demo, lira.model, lira.training.arca_run, lira.training.lasr_run, "
            "lira.translators.lexicon; print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    loaded = set(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
                 .stdout.split())
    assert "lira" in loaded and loaded.isdisjoint(EXTRAS_ONLY), sorted(loaded & set(EXTRAS_ONLY))
