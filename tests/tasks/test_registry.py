"""The task registry: a dataset is one module of ``lira.tasks``, found automatically and read by the benchmark's
family lookup and the training sources; every registered spec is well formed."""

from __future__ import annotations

import sys
import types
from dataclasses import replace

import pytest

import lira.tasks
from lira.benchmark.config import ENGLISH_SPACES, BenchmarkConfig
from lira.benchmark.models import english_for
from lira.data.formats import ClassificationExample
from lira.tasks import PARALLEL, TASKS, catalogue, get_parallel, get_task, records
from lira.tasks.spec import RECORD_TYPES, SHARED_FAMILIES, Disjoint, ParallelSpec, TaskSpec
from lira.training import lasr_run

TINY = '''
from lira.data.formats import ClassificationExample
from lira.tasks.spec import Subset, TaskSpec


def load(root, subset, split):
    return [ClassificationExample(lang=subset, text=f"{split} {i}", label=str(i % 2), id=f"{split}:{i}")
            for i in range(6)]


TASKS = (TaskSpec(name="tiny-topics", type="classification", family="tiny-topics",
                  record_type=ClassificationExample, subsets=(Subset("vie", "vie"),), data="tiny/",
                  splits="train: 6; test: 6", main_score="accuracy", translations="none", reference="a test",
                  loader=load, max_test=4),)
'''


@pytest.fixture
def tiny_dataset(tmp_path, monkeypatch):
    """``lira.tasks`` with one more dataset module, ``tiny_topics.py``, in a folder of its own."""
    (tmp_path / "tiny_topics.py").write_text(TINY, encoding="utf-8")
    monkeypatch.setattr(lira.tasks, "__path__", [*lira.tasks.__path__, str(tmp_path)])
    monkeypatch.delitem(sys.modules, "lira.tasks.tiny_topics", raising=False)
    tasks, parallel = catalogue.collect(catalogue.dataset_modules())
    monkeypatch.setattr(catalogue, "TASKS", tasks)
    yield tasks
    sys.modules.pop("lira.tasks.tiny_topics", None)


def test_adding_a_dataset_takes_one_module(tiny_dataset, tmp_path):
    names = [t.name for t in tiny_dataset]
    assert names[:-1] == [t.name for t in TASKS] and names[-1] == "tiny-topics"  # after the benchmark's order
    tiny = get_task("tiny-topics")
    assert tiny.family == "tiny-topics" and tiny.trains_head and tiny.subsets[0].tag == "vie_Latn"
    assert [r.id for r in tiny.load(tmp_path, "vie", "train")] == [f"train:{i}" for i in range(6)]
    assert len(tiny.load(tmp_path, "vie", "test")) == 4  # its own cap
    # the benchmark's family lookup reads the spec: a new family reads English in the run's default space,
    # or in the space configured for it
    config = BenchmarkConfig()
    assert english_for(config, "tiny-topics") == english_for(BenchmarkConfig(english_spaces={}), "xnli")
    spaced = BenchmarkConfig(english_spaces={**config.english_spaces, "tiny-topics": "minilm"})
    assert english_for(spaced, "tiny-topics") == english_for(BenchmarkConfig(english_spaces={"xnli": "minilm"}),
                                                             "xnli")


def test_a_name_declared_twice_is_refused(tiny_dataset):
    module = sys.modules["lira.tasks.tiny_topics"]
    with pytest.raises(ValueError, match="task 'tiny-topics' is declared by lira.tasks.tiny_topics and "
                                         "lira.tasks.tiny_topics"):
        catalogue.collect([module, module])


def test_registry_declares_the_sts_dev_split_disjointness_and_anchor_spaces():
    sts = catalogue.family_dev("sts")
    assert (sts.name, sts.dev_subsets) == ("thai-stsb", ("th-th", "en-th"))
    assert [t.name for t in TASKS if t.dev_subsets] == ["thai-stsb"]
    with pytest.raises(KeyError, match="no task declares the dev subsets of family 'embed'"):
        catalogue.family_dev("embed")
    declared = {t.name: (t.disjoint_from.source, t.disjoint_from.by) for t in TASKS if t.disjoint_from}
    assert declared == {"tatoeba": ("sib200", "english"), "sib200-bitext": ("sib200", "id"),
                        "nusax-sentiment": ("nusax", "english")}
    spaces = {t.family: t.space_family for t in TASKS if t.space_family != t.family}
    assert spaces == {"sts": "embed"}  # products-heldout chooses its own, on dev queries that meet unknown words


def test_inconsistent_declarations_are_refused(tiny_dataset):
    module = sys.modules["lira.tasks.tiny_topics"]
    tiny = module.TASKS[0]
    clash = types.SimpleNamespace(TASKS=(replace(tiny, name="tiny-2", anchor_family="xnli"),), __name__="other")
    with pytest.raises(ValueError, match="tasks 'tiny-topics' and 'tiny-2' of family 'tiny-topics' read English in "
                                         "different families' anchor spaces \\('tiny-topics', 'xnli'\\)"):
        catalogue.collect([module, clash])
    stray = types.SimpleNamespace(TASKS=(replace(tiny, disjoint_from=Disjoint(source="web", by="id")),),
                                  __name__="stray")
    with pytest.raises(ValueError, match="task 'tiny-topics' is disjoint from an unknown parallel source 'web'"):
        catalogue.collect([stray])
    sts = catalogue.family_dev("sts")
    twice = types.SimpleNamespace(TASKS=(sts, replace(sts, name="thai-stsb-2")), __name__="twice")
    with pytest.raises(ValueError, match="tasks 'thai-stsb' and 'thai-stsb-2' both declare the dev subsets of "
                                         "family 'sts'"):
        catalogue.collect([twice])


def test_unknown_names_list_the_valid_ones():
    with pytest.raises(KeyError, match="unknown task 'glue'; valid: tatoeba, sib200-bitext"):
        get_task("glue")
    with pytest.raises(KeyError, match="unknown parallel source 'web'; valid: sib200, xnli, myxnli, products, nusax"):
        get_parallel("web")


# ------------------------------------------------------------------------------------------- every spec

@pytest.mark.parametrize("task", TASKS, ids=[t.name for t in TASKS])
def test_every_spec_is_well_formed(task: TaskSpec):
    assert task.record_type is RECORD_TYPES[task.type]
    assert task.family in SHARED_FAMILIES or task.family == task.name  # a head of its own is named after its task
    assert all(len(s.tag.split("_")) == 2 and len(s.lang) == 3 for s in task.subsets)
    assert task.main_score and task.splits and task.reference and task.data
    if task.in_benchmark:  # every family the benchmark trains reads English in a chosen anchor space
        assert task.loader is not None
        assert task.space_family in ENGLISH_SPACES
        english_for(BenchmarkConfig(), task.name)
    if task.reads_lexicon:
        assert task.type == "retrieval"


def test_products_load_their_record_type_without_the_data_folder(tmp_path):
    for name in ("products", "products-heldout"):
        task = get_task(name)
        records = task.load(tmp_path, task.subsets[0].name, "test")
        assert len(records) == 1 and isinstance(records[0], task.record_type)
        assert records[0].lang == task.subsets[0].lang


@pytest.mark.parametrize("task", [t for t in TASKS if t.loader is not None and t.name not in ("products",
                                                                                               "products-heldout")],
                         ids=lambda t: t.name)
def test_every_loader_returns_its_record_type(data_dir, task: TaskSpec):
    subset = task.subsets[0]
    records = task.load(data_dir, subset.name, "test", cap=20)
    assert records and all(isinstance(r, task.record_type) for r in records)


def test_xcopa_trains_on_every_val_language_with_the_same_dev_items(data_dir):
    """XCOPA's val sets are the same 100 items in each language: Thai and Vietnamese (no test split here) train
    too, and dev holds the same items in all four languages, so no item is in training in one language and on
    dev in another."""
    task = get_task("xcopa")
    dev = {name: {r.id for r in task.load(data_dir, name, "dev")} for name in task.training_subsets(["ind", "tam"])}
    train = {name: {r.id for r in task.load(data_dir, name, "train")} for name in dev}
    assert set(dev) == {"ind", "tam", "tha", "vie"} and len({frozenset(ids) for ids in dev.values()}) == 1
    assert all(len(train[n]) + len(dev[n]) == 100 and not train[n] & dev[n] for n in dev)


# ------------------------------------------------------------------------------------------- training sources

def test_training_sources_come_from_the_registry():
    assert isinstance(PARALLEL["sib200"], ParallelSpec) and get_task("sib200-bitext").parallel is PARALLEL["sib200"]
    assert records.PARALLEL_SOURCES == (*PARALLEL, "tsv")
    assert lasr_run.SOURCES["classification"] == ("sib200", "nusax-sentiment", "file")
    assert lasr_run.SOURCES["nli"] == ("xnli", "myxnli", "indonli", "file")
    assert lasr_run.SOURCES["choice"] == ("xcopa", "file") and lasr_run.SOURCES["sts"] == ("file",)
    assert lasr_run.serves("bitext", "sib200+nusax+products") and not lasr_run.serves("bitext", "sib200+web")
    assert not lasr_run.serves("nli", "products")
    assert ClassificationExample is get_task("sib200").record_type
