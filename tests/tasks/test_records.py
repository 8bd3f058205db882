"""Data selection over the registry (``lira.tasks.records``): parallel sources by name, their pairs per language
with the hashed cap and its warning, a task's subsets by language and its records without duplicates."""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import replace

import pytest

from lira.data.formats import NLIExample, ParallelExample, RetrievalDataset
from lira.tasks import PARALLEL, get_task
from lira.tasks.records import (
    PARALLEL_SOURCES,
    parallel_examples,
    parallel_sources,
    parallel_task,
    restrict,
    source_langs,
    task_records,
)
from lira.tasks.spec import ParallelSpec, Subset, TaskSpec
from lira.tasks.user import user_parallel


def toy_source(name: str, langs: tuple[str, ...], n: int = 6) -> ParallelSpec:
    def load(data_dir, lang, split, *, lexicon_pairs=True, **_):
        extra = [ParallelExample(lang, f"{name} term", "term", id=f"{name}:lexicon")] if lexicon_pairs else []
        return [ParallelExample(lang, f"{name} {lang} {split} {i}", f"en {i}", id=f"{name}:{lang}:{i}")
                for i in range(n)] + extra

    return ParallelSpec(source=name, langs=langs, load=load)


A, B = toy_source("a", ("vie", "tha")), toy_source("b", ("tha", "ind"))


def sha(ex: ParallelExample) -> str:
    return hashlib.sha1(str(ex.id or ex.text).encode()).hexdigest()


def test_parallel_sources_by_name(tmp_path):
    assert parallel_sources("sib200+nusax+products") == [PARALLEL["sib200"], PARALLEL["nusax"], PARALLEL["products"]]
    assert PARALLEL_SOURCES == (*PARALLEL, "tsv")
    user = parallel_sources("products+tsv", path=tmp_path / "p.tsv", dev_fraction=0.3)[1]
    assert user.source == "tsv" and user.langs == ()
    with pytest.raises(ValueError, match=r"unknown data source 'web'; valid: .*tsv, or several joined by \+"):
        parallel_sources("sib200+web")
    with pytest.raises(ValueError, match="data.source tsv needs data.path"):
        parallel_sources("tsv")


def test_languages_per_source():
    # several sources: each keeps the asked languages it has; one source: asked for every one (codes normalized)
    assert [(s.source, lang) for s, lang in source_langs([A, B], ["th", "vie", "khm"])] == [
        ("a", "tha"), ("a", "vie"), ("b", "tha")]
    assert [lang for _, lang in source_langs([A], ["khm", "vi", "vie"])] == ["khm", "vie"]
    assert [lang for _, lang in source_langs([A, B], None)] == ["vie", "tha", "tha", "ind"]
    assert source_langs([A, B], []) == [] and [lang for _, lang in source_langs([A], [])] == ["vie", "tha"]
    user = user_parallel("unused.tsv")
    assert source_langs([A, user], ["vie"]) == [(A, "vie"), (user, None)]  # a user's file: its own languages


def test_parallel_examples_select_and_cap_per_language_and_source():
    pairs = parallel_examples([A, B], "train", langs=["tha", "ind"], lexicon_pairs=False)
    assert [(ex.id.split(":")[0], ex.lang) for ex in pairs[::6]] == [("a", "tha"), ("b", "tha"), ("b", "ind")]
    assert len(parallel_examples([A], "dev")) == 14  # both languages, with the lexicon pair each
    with pytest.warns(UserWarning) as caught:
        capped = parallel_examples([A, B], "train", langs=["tha"], max_per_lang=3)
    assert [str(w.message) for w in caught] == [  # one warning for the call, naming each cut
        "train: using 3 examples per language and source, a fixed subset chosen by a hash of their ids "
        "(data.max_per_lang), for a:tha (of 7), b:tha (of 7)"]
    full = A.load(None, "tha", "train")
    assert capped[:3] == sorted(full, key=sha)[:3]  # the smallest hashes, in hash order
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no cap reached: no warning
        assert len(parallel_examples([A, B], "train", langs=["tha"], max_per_lang=7)) == 14


def test_user_file_pairs_keep_their_languages(tmp_path):
    rows = "".join(f"câu {i}\tsentence {i}\t{'vi' if i % 3 else 'th'}\n" for i in range(30))
    (tmp_path / "p.tsv").write_text("text\ten\tlang\n" + rows, encoding="utf-8")
    source = user_parallel(tmp_path / "p.tsv", dev_fraction=0.3)
    train, dev = (parallel_examples([source], split, langs=["khm"]) for split in ("train", "dev"))
    assert len(train) + len(dev) == 30 and not {ex.text for ex in train} & {ex.text for ex in dev}
    first = [ex.lang for ex in train]
    assert first == sorted(first, key=first.index)  # grouped by language, in the order they first appear
    with pytest.warns(UserWarning) as caught:
        assert len(parallel_examples([source], "train", max_per_lang=2)) == 4
    assert len(caught) == 1 and str(caught[0].message).endswith(
        f"for {source.source}:tha (of {first.count('tha')}), {source.source}:vie (of {first.count('vie')})")


def test_parallel_task_gives_the_pairs_of_parallel_examples():
    task = parallel_task([A, B], langs=["tha", "ind"], max_per_lang=4)
    assert task.name == "a+b" and task.type == "bitext" and task.family == "embed"
    assert [s.name for s in task.subsets] == ["a:tha", "b:tha", "b:ind"] and task.langs == ["tha", "ind"]
    with pytest.warns(UserWarning, match=r"using 4 examples per language and source.*a:tha \(of 7\)"):
        expected = parallel_examples([A, B], "dev", langs=["tha", "ind"], max_per_lang=4)
    with pytest.warns(UserWarning, match=r"using 4 examples per language and source.*a:tha \(of 7\)"):
        assert task_records(task, "dev") == expected
    with pytest.raises(ValueError, match="user_task"):
        parallel_task([A, user_parallel("p.tsv")])


def test_restrict_keeps_the_subsets_of_languages_in_their_order():
    products = get_task("products")
    assert [s.lang for s in restrict(products, ["vi", "tha"]).subsets] == ["vie", "tha"]
    assert restrict(products, None) is products and restrict(products, []) is products
    with pytest.raises(ValueError, match="products has no data for mya; available: "):
        restrict(products, ["mya"])
    assert [s.name for s in restrict(get_task("indonli"), ["ind"]).subsets] == ["test_lay", "test_expert"]


def test_task_records_pool_the_subsets_without_duplicates(tmp_path):
    shared = [NLIExample(lang="ind", premise=f"p{i}", hypothesis="h", label="neutral", id=str(i)) for i in range(3)]

    def load(root, subset, split):  # both test subsets share one training split, as IndoNLI's
        return list(shared) if split == "train" else [NLIExample("ind", subset, "h", "neutral", id=subset)]

    task = TaskSpec(name="toy-nli", type="nli", family="toy-nli", record_type=NLIExample,
                    subsets=(Subset("lay", "ind"), Subset("expert", "ind")), data="toy/", splits="train; test",
                    main_score="accuracy", translations="none", reference="a test", loader=load)
    assert task_records(task, "train") == shared
    assert [r.id for r in task_records(task, "test")] == ["lay", "expert"]
    sets = task_records(get_task("products"), "test", data_dir=tmp_path)  # built in: no data folder needed
    assert len(sets) == 7 and all(isinstance(s, RetrievalDataset) for s in sets)
    assert len(task_records(restrict(get_task("products"), ["vie", "vie"]), "train")) == 2  # mutable: never merged
    with pytest.raises(ValueError, match="has no loader"):
        task_records(replace(task, loader=None), "train")


def test_task_records_say_when_a_subset_repeats_a_record():
    twice = [NLIExample(lang="ind", premise="p", hypothesis="h", label="neutral", id="1")] * 2

    task = TaskSpec(name="toy-nli", type="nli", family="toy-nli", record_type=NLIExample,
                    subsets=(Subset("lay", "ind"), Subset("expert", "ind")), data="toy/", splits="train",
                    main_score="accuracy", translations="none", reference="a test", loader=lambda r, s, sp: twice)
    with pytest.warns(UserWarning, match=r"toy-nli lay train: 1 record\(s\) repeated exactly"):
        assert task_records(task, "train") == twice[:1]


def test_training_only_subsets_train_and_choose_but_are_never_tested(tmp_path):
    """``TaskSpec.train_subsets`` (XCOPA's Thai and Vietnamese val): their train and dev records join the
    scored subsets', ``restrict`` keeps those of the languages asked for, and asking for their test split, or
    declaring a subset both scored and training-only, is an error."""
    def load(root, subset, split):
        return [NLIExample(subset, f"{subset} {split}", "h", "neutral", id=f"{subset}:{split}")]

    task = TaskSpec(name="toy-nli", type="nli", family="toy-nli", record_type=NLIExample,
                    subsets=(Subset("ind", "ind"),), train_subsets=(Subset("tha", "tha"),), data="toy/",
                    splits="train; test", main_score="accuracy", translations="none", reference="a test",
                    loader=load)
    assert [r.id for r in task_records(task, "train")] == ["ind:train", "tha:train"]
    assert [r.id for r in task_records(task, "dev")] == ["ind:dev", "tha:dev"]
    assert [r.id for r in task_records(task, "test")] == ["ind:test"]
    assert task.training_subsets(["ind"]) == ["ind", "tha"] and task.subset("tha").lang == "tha"
    assert [r.id for r in task.load(tmp_path, "tha", "train")] == ["tha:train"]
    with pytest.raises(ValueError, match="subset 'tha' is training-only"):
        task.load(tmp_path, "tha", "test")
    assert restrict(task, ["ind"]).train_subsets == ()
    assert restrict(get_task("xcopa"), ["ind"]).train_subsets == ()
    assert [s.lang for s in get_task("xcopa").train_subsets] == ["tha", "vie"]
    with pytest.raises(ValueError, match="subset\\(s\\) ind are both scored and training-only"):
        replace(task, train_subsets=(Subset("ind", "ind"),))
    with pytest.raises(KeyError, match="valid: ind, tha"):
        task.subset("vie")
