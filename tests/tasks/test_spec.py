"""TaskSpec validation and loading, and the fixed hashed subsets / halves it builds on."""

from __future__ import annotations

import hashlib
import random

import pytest

from lira.data.formats import ClassificationExample, Document, NLIExample, Query, RetrievalDataset, ScoredPair
from lira.tasks.spec import (
    OVERLAP_KEYS,
    RECORD_TYPES,
    TASK_TYPES,
    TRANSLATION_SOURCES,
    Disjoint,
    Subset,
    TaskSpec,
    capped_retrieval,
    carve_dev,
    hashed_subset,
    record_key,
    seeded_halves,
)


def spec(**kwargs) -> TaskSpec:
    base = dict(name="toy", type="classification", family="toy", record_type=ClassificationExample,
                subsets=(Subset("a", "tha"), Subset("b", "tha"), Subset("c", "vie")), data="toy/",
                splits="train: all; test: all", main_score="accuracy", translations="data", reference="none")
    kind = kwargs.get("type")
    if kind is not None and "record_type" not in kwargs:
        base["record_type"] = RECORD_TYPES.get(kind, ClassificationExample)
    return TaskSpec(**{**base, **kwargs})


def sha(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


# ------------------------------------------------------------------------------------------- TaskSpec

def test_bad_type_and_translation_source_raise_with_valid_values():
    with pytest.raises(ValueError, match="task toy: unknown type 'ranking'") as e:
        spec(type="ranking")
    assert ", ".join(TASK_TYPES) in str(e.value)
    with pytest.raises(ValueError, match="unknown translation source 'google'") as e:
        spec(translations="google")
    assert ", ".join(TRANSLATION_SOURCES) in str(e.value)
    for kind in TASK_TYPES:  # every listed type is accepted
        assert spec(type=kind).type == kind


def test_fields_are_keyword_only():
    with pytest.raises(TypeError):
        TaskSpec("toy", "classification")  # type: ignore[misc]


def test_record_type_and_family_must_fit_the_type():
    with pytest.raises(ValueError, match="task toy: a classification task reads ClassificationExample records, "
                                         "not NLIExample"):
        spec(record_type=NLIExample)
    with pytest.raises(ValueError, match="family 'embed' serves bitext and sts tasks only, not classification"):
        spec(family="embed")
    with pytest.raises(ValueError, match="task toy: no family"):
        spec(family="")
    assert spec(type="sts", family="embed").family == "embed" and not spec(type="sts", family="embed").trains_head
    assert spec().trains_head and not spec().reads_lexicon
    assert spec(type="retrieval", translations="lexicon-heldout").reads_lexicon


def test_dev_subsets_disjointness_and_anchor_family_are_checked():
    with pytest.raises(ValueError, match="task toy: dev subset\\(s\\) z are not among its subsets"):
        spec(type="sts", family="sts", dev_subsets=("a", "z"))
    with pytest.raises(ValueError, match="dev subsets select a shared family \\(embed, sts\\), not 'toy'"):
        spec(dev_subsets=("a",))
    assert spec(type="sts", family="sts", dev_subsets=("a", "b")).dev_subsets == ("a", "b")
    with pytest.raises(ValueError, match="disjoint from sib200: unknown key 'title'") as e:
        Disjoint(source="sib200", by="title")
    assert ", ".join(OVERLAP_KEYS) in str(e.value)
    assert spec().space_family == "toy" and spec(anchor_family="other").space_family == "other"


def test_subset_language_is_iso_639_3_plus_script():
    assert Subset("th-th", "tha").script == "Thai" and Subset("th-th", "tha").tag == "tha_Thai"
    assert Subset("a", "hin").lang == "hin" and Subset("a", "hin").tag == "hin_Deva"
    assert Subset("a", "tha", "Latn").tag == "tha_Latn"  # an explicit script wins (a romanised set)
    assert Subset("a", "tha") == Subset("a", "tha", "Thai")


def test_langs_subset_lookup_and_load_errors():
    task = spec()
    assert task.langs == ["tha", "vie"]  # distinct, in subset order
    assert task.subset("c") == Subset("c", "vie")
    with pytest.raises(KeyError, match="task toy has no subset 'd'; valid: a, b, c"):
        task.subset("d")
    with pytest.raises(ValueError, match="task toy has no loader"):
        task.load("data", "a", "test")
    loaded = spec(loader=lambda root, subset, split: [f"{subset}-{split}-{i}" for i in range(3)])
    with pytest.raises(ValueError, match="split must be 'train', 'dev' or 'test', got 'valid'"):
        loaded.load("data", "a", "valid")
    assert loaded.load("data", "a", "dev") == ["a-dev-0", "a-dev-1", "a-dev-2"]


def test_load_passes_subset_and_split_and_applies_caps(tmp_path):
    calls = []

    def loader(root, subset, split):
        calls.append((root, subset, split))
        return [f"{subset}-{split}-{i}" for i in range(10)]

    task = spec(loader=loader, max_train=4, max_test=None)
    assert task.load(tmp_path, "b", "test") == [f"b-test-{i}" for i in range(10)]  # no test cap
    assert calls == [(tmp_path, "b", "test")]
    train = task.load(str(tmp_path), "a", "train")
    assert calls[-1] == (tmp_path, "a", "train")  # the root is always a Path
    assert train == hashed_subset([f"a-train-{i}" for i in range(10)], 4) and len(train) == 4
    assert len(task.load(tmp_path, "a", "train", cap=2)) == 2  # an explicit cap wins over max_train
    assert len(task.load(tmp_path, "a", "test", cap=20)) == 10


# ------------------------------------------------------------------------------------------- record_key

def test_record_key_on_strings_and_records():
    assert record_key("plain text") == "plain text"
    assert record_key(ClassificationExample("tha", "ข้อความ", "food", id="sib:7")) == "sib:7"  # the id wins
    assert record_key(ClassificationExample("tha", "ข้อความ", "food")) == "ข้อความ"
    assert record_key(NLIExample("vie", "tiền đề", "giả thuyết", "neutral")) == "tiền đề"
    assert record_key(ScoredPair("một", "hai", 3.0, "vie", "vie")) == "một"
    assert record_key(ScoredPair("một", "hai", 3.0, "vie", "vie", id="")) == "một"  # an empty id is no id
    with pytest.raises(ValueError, match="has no id or text"):
        record_key(object())


# ------------------------------------------------------------------------------------------- hashed_subset

def test_hashed_subset_without_or_above_limit_returns_everything():
    records = ["c", "a", "b"]
    for limit in (None, 3, 10):
        out = hashed_subset(records, limit)
        assert out == records and out is not records  # a copy, order kept


def test_hashed_subset_keeps_the_smallest_hashes_in_input_order():
    records = [f"row {i}" for i in range(20)]
    out = hashed_subset(records, 5)
    expected = set(sorted(records, key=sha)[:5])  # hand-computed: the 5 smallest SHA-1 digests
    assert set(out) == expected and len(out) == 5
    assert out == [r for r in records if r in expected]  # original order
    assert hashed_subset(records, 5) == out  # deterministic


def test_hashed_subset_does_not_depend_on_input_order():
    records = [f"row {i}" for i in range(50)]
    shuffled = records[:]
    random.Random(3).shuffle(shuffled)
    a, b = hashed_subset(records, 10), hashed_subset(shuffled, 10)
    assert set(a) == set(b)
    assert b == [r for r in shuffled if r in set(a)]  # each keeps its own input order


def test_hashed_subset_of_records_uses_their_ids():
    records = [ClassificationExample("tha", f"text {i}", "x", id=f"id{i}") for i in range(8)]
    kept = hashed_subset(records, 3)
    assert {r.id for r in kept} == set(sorted((r.id for r in records), key=sha)[:3])


# ---------------------------------------------------------------------------------------- capped_retrieval

def _retrieval_set() -> RetrievalDataset:
    corpus = {f"d{i}": Document(title=f"title {i}", text="") for i in range(40)}
    queries = {f"q{i}": Query(text=f"query {i}") for i in range(30)}
    # query i judges documents i and i + 10 (grade 2 and 1); queries 0-9 are test, 10-19 train, 20-29 dev
    qrels = {split: {f"q{i}": {f"d{i % 40}": 2, f"d{(i + 10) % 40}": 1} for i in range(lo, lo + 10)}
             for split, lo in (("test", 0), ("train", 10), ("dev", 20))}
    return RetrievalDataset(name="toy", lang="vie", corpus=corpus, queries=queries, qrels=qrels)


def test_capped_retrieval_without_caps_is_the_same_set():
    dataset = _retrieval_set()
    assert capped_retrieval(dataset, max_corpus=None, max_queries={}) == dataset
    assert capped_retrieval(dataset, max_corpus=100, max_queries={"test": 50}) == dataset


def test_capped_retrieval_samples_the_corpus_and_drops_the_judgements_that_go_with_it():
    dataset = _retrieval_set()
    small = capped_retrieval(dataset, max_corpus=12, max_queries={"test": 3})
    kept = set(sorted(dataset.corpus, key=sha)[:12])  # the 12 smallest SHA-1 digests of the document ids
    assert set(small.corpus) == kept
    for split, judged in small.qrels.items():
        for q, docs in judged.items():  # every judgement left points into the kept corpus, with its grade
            assert docs and set(docs) <= kept
            assert docs == {d: g for d, g in dataset.qrels[split][q].items() if d in kept}
        # a query keeps its place unless none of its documents is left (or the split's cap drops it)
        left = [q for q, docs in dataset.qrels[split].items() if set(docs) & kept]
        assert set(judged) <= set(left)
        assert len(judged) == (min(3, len(left)) if split == "test" else len(left))
    assert set(small.queries) == {q for judged in small.qrels.values() for q in judged}


def test_capped_retrieval_caps_queries_per_split_by_hash():
    dataset = _retrieval_set()
    small = capped_retrieval(dataset, max_corpus=None, max_queries={"test": 4, "train": 2})
    assert set(small.qrels["test"]) == set(sorted(dataset.qrels["test"], key=sha)[:4])
    assert set(small.qrels["train"]) == set(sorted(dataset.qrels["train"], key=sha)[:2])
    assert small.qrels["dev"] == dataset.qrels["dev"] and small.corpus == dataset.corpus
    assert len(small.queries) == 4 + 2 + 10


# ------------------------------------------------------------------------------------------- seeded_halves

def test_seeded_halves_are_disjoint_cover_everything_and_are_fixed():
    records = [f"row {i}" for i in range(400)]
    halves = seeded_halves(records, seed=7)
    assert set(halves) == {"train", "test"}
    assert not set(halves["train"]) & set(halves["test"])
    assert sorted(halves["train"] + halves["test"]) == sorted(records)
    assert 150 < len(halves["test"]) < 250  # about half
    assert seeded_halves(records, seed=7) == halves  # deterministic
    assert seeded_halves(records, seed=8) != halves  # the seed matters
    shuffled = records[::-1]
    assert set(seeded_halves(shuffled, seed=7)["test"]) == set(halves["test"])  # order-independent
    # hand check of the rule for one record: test iff sha1("7:row 0") mod 10000 < 5000
    assert ("row 0" in halves["test"]) == (int(sha("7:row 0"), 16) % 10_000 < 5000)


def test_seeded_halves_fraction_and_same_key_same_side():
    records = [f"row {i}" for i in range(30)]
    assert seeded_halves(records, seed=1, test_fraction=0.0) == {"train": records, "test": []}
    assert seeded_halves(records, seed=1, test_fraction=1.0) == {"train": [], "test": records}
    # records with the same key (the same row in two languages) land on the same side
    tha = [NLIExample("tha", f"th {i}", "h", "neutral", id=f"dev-th.tsv:{i}") for i in range(40)]
    vie = [NLIExample("vie", f"vi {i}", "h", "neutral", id=f"dev-vi.tsv:{i}") for i in range(40)]

    def row(r):
        return r.id.rsplit(":", 1)[-1]

    a, b = seeded_halves(tha, seed=5, key=row), seeded_halves(vie, seed=5, key=row)
    for split in ("train", "test"):
        assert [row(r) for r in a[split]] == [row(r) for r in b[split]]
    assert a["test"] and a["train"]


def test_carve_dev_takes_a_fixed_fifth_of_a_training_split_for_dev():
    records = [f"row {i}" for i in range(500)]
    train, dev = carve_dev(records, "train"), carve_dev(records, "dev")
    assert sorted(train + dev) == sorted(records) and not set(train) & set(dev)
    assert 60 < len(dev) < 140  # about 20%
    assert carve_dev(records, "test") is records  # any other split is left alone
