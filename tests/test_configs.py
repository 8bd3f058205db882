"""Every shipped config in configs/ parses with its loader (so none can rot) and names the command that uses it."""

from pathlib import Path

import pytest

from lira.backbones import english_spec
from lira.benchmark.config import ENGLISH_SPACES, STAGE1_STEPS, BenchmarkConfig
from lira.tasks.records import task_records
from lira.training.arca_run import load_run_config
from lira.training.distill_run import load_distill_config
from lira.training.lasr_run import load_lasr_config, stage2_task

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
LOADERS = {"arca": load_run_config, "lasr": load_lasr_config, "distill": load_distill_config}


def test_the_benchmark_families_have_configs():
    names = {path.name for path in CONFIGS.glob("*.yaml")}
    assert {"arca-products.yaml", "lasr-products.yaml", "lasr-bitext.yaml", "lasr-classification.yaml",
            "lasr-nli.yaml", "lasr-choice.yaml", "lasr-sentiment.yaml"} <= names
    # a stage-1 Arca and a distillation peer for every English anchor space the benchmark's families read
    # (the benchmark's steps for that space: the distillation peer trains as long as stage 1)
    for space in set(ENGLISH_SPACES.values()):
        arca = load_run_config(CONFIGS / f"arca-{space}.yaml")
        distill = load_distill_config(CONFIGS / f"distill-{space}.yaml")
        assert arca.backbones["english"] == distill.backbones["english"] == space
        assert arca.train.steps == distill.train.steps == STAGE1_STEPS[space]
    # each head config builds on the stage-1 Arca of its family's space and reads English with that space
    for name, family in (("bitext", "embed"), ("classification", "sib200"), ("nli", "xnli"), ("choice", "xcopa"),
                         ("sentiment", "nusax-sentiment")):
        config = load_lasr_config(CONFIGS / f"lasr-{name}.yaml")
        assert config.arca == f"runs/arca-{ENGLISH_SPACES[family]}/arca"
        assert config.model.en_backbone == english_spec(ENGLISH_SPACES[family], config.model.lr_backbone)
    # and trains as the benchmark's head of the task it names: its learning rate, and its probe's C
    benchmark = BenchmarkConfig()
    for name, task in (("bitext", "tatoeba"), ("classification", "sib200"), ("nli", "indonli"), ("choice", "xcopa"),
                       ("sentiment", "nusax-sentiment")):
        train = load_lasr_config(CONFIGS / f"lasr-{name}.yaml").train
        assert train.lr == benchmark.lasr_lr_of(task, retrieval=name == "bitext"), name
        assert train.probe_cs == benchmark.probe_cs(task), name


@pytest.mark.parametrize("path", sorted(CONFIGS.glob("*.yaml")), ids=lambda path: path.name)
def test_config_parses_and_names_its_command(path):
    stage = path.name.split("-", 1)[0]
    assert stage in LOADERS, f"{path.name}: name it <{'|'.join(LOADERS)}>-<what>.yaml so a loader checks it"
    LOADERS[stage](path)
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith(f"# lira train {stage} --config configs/{path.name} --out "), first


def test_benchmark_configs_read_the_real_data(data_dir):
    from lira.data import benchmarks
    from lira.languages import LOW_RESOURCE
    from lira.training.arca_run import stage1_examples, stage1_sources

    for name, loader in (("arca-e5.yaml", load_run_config), ("distill-both.yaml", load_distill_config)):
        data = loader(CONFIGS / name).data
        data.data_dir = str(data_dir)
        sources = stage1_sources(data)
        train = stage1_examples(sources, data, "train")  # all of SIB-200 train (701 per language), NusaX MT, products
        assert {ex.lang for ex in train} == set(LOW_RESOURCE), name
        assert sum(ex.lang == "khm" for ex in train) == 701 and sum(ex.lang == "ind" for ex in train) > 701 + 500
        assert {ex.lang for ex in stage1_examples(sources, data, "dev")} == set(LOW_RESOURCE), name
    # IndoNLI and XCOPA select on a dev part carved from val, never on a test split
    nli = load_lasr_config(CONFIGS / "lasr-nli.yaml").data
    assert nli.dev_split == "dev" and benchmarks.indonli(data_dir, split="val")
    choice = load_lasr_config(CONFIGS / "lasr-choice.yaml")
    assert choice.data.dev_split == "dev"  # XCOPA trains on all four val languages, as the benchmark does
    assert {ex.lang for ex in task_records(stage2_task(choice), "train", data_dir=data_dir)} == {
        "ind", "tam", "tha", "vie"}
