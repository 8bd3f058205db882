"""The benchmark's task catalogue: names and metadata (no data), then every loader on the real data (skipped when
``../shared/data`` is absent) with the sizes the specs document, and the train/test separation."""

from __future__ import annotations

import pytest

from lira.data import benchmarks
from lira.data.formats import (
    ChoiceExample,
    ClassificationExample,
    NLIExample,
    ParallelExample,
    RetrievalDataset,
    ScoredPair,
)
from lira.languages import LOW_RESOURCE
from lira.tasks import TASKS, check_disjoint, get_parallel, get_task
from lira.tasks.catalogue import SPLIT_SEED, TATOEBA_LANGS, XNLI_LANGS
from lira.tasks.spec import TASK_TYPES, hashed_subset, seeded_halves

LOADED = [t for t in TASKS if t.loader is not None]
CASES = [(t.name, s.name) for t in LOADED for s in t.subsets]

# (train, test) records per subset, as the specs' ``splits`` texts and caps document them
SIZES = {
    "tatoeba": (0, 1000),  # no training data; every test pair (tha, khm and tam have fewer)
    "sib200-bitext": (701, 204),
    "sib200": (701, 204),
    "nusax-sentiment": (500, 400),
    "thai-stsb": (0, 1379),
    "hindi-stsb": (0, 1374),
    # halves of the 2490 dev rows (1218 train-half rows, 1272 test-half rows); 20% of the train half is dev
    "xnli": (972, 1000),
    "myxnli": (972, 1000),
    "indonli": (1000, 1000),  # val less its 20% dev (1733) / test_lay / test_expert all above the 1000 cap
    "xcopa": (83, 500),  # val (100) less its 20% dev (17)
    "products": (1, 1),  # the subset's whole retrieval set; its qrels carry the query splits
    "products-heldout": (1, 1),  # the same sets; only the English path (held-out lexicon) differs
}
RECORD_TYPES = {"bitext": ParallelExample, "sts": ScoredPair, "nli": NLIExample, "choice": ChoiceExample,
                "classification": ClassificationExample, "retrieval": RetrievalDataset}


def _row(record) -> str:
    return str(record.id).rsplit(":", 1)[-1]


# ------------------------------------------------------------------------------------------- metadata

def test_task_names_are_unique_and_valid():
    names = [t.name for t in TASKS]
    assert len(names) == len(set(names))
    assert all(t.type in TASK_TYPES and t.subsets for t in TASKS)
    assert get_task("xnli").name == "xnli" and get_task("xnli").langs == list(XNLI_LANGS)
    assert get_task("sib200").langs == list(LOW_RESOURCE)
    assert get_task("tatoeba").max_test is None and get_task("xnli").max_train == 1000


def test_unknown_task_lists_the_valid_names():
    with pytest.raises(KeyError, match="unknown task 'glue'") as e:
        get_task("glue")
    assert "valid: " + ", ".join(t.name for t in TASKS) in str(e.value)


def test_mgsm_is_outside_the_benchmark_and_says_why():
    mgsm = get_task("mgsm")
    assert not mgsm.in_benchmark and mgsm.loader is None and mgsm.type == "math"
    assert "LLM endpoint" in mgsm.note and "lira eval mgsm --endpoint URL" in mgsm.note
    assert [t.name for t in TASKS if not t.in_benchmark] == ["mgsm"]  # every other task runs on CPU
    with pytest.raises(ValueError, match="task mgsm has no loader"):
        mgsm.load("anywhere", "th", "test")


# ------------------------------------------------------------------------------------------- real data

@pytest.mark.parametrize(("task", "subset"), CASES, ids=[f"{t}/{s}" for t, s in CASES])
def test_every_task_loads_train_and_test_with_the_documented_sizes(data_dir, task, subset):
    spec = get_task(task)
    train, test = spec.load(data_dir, subset, "train"), spec.load(data_dir, subset, "test")
    expected = SIZES.get(task)
    if task == "tatoeba" and subset in ("tha", "khm", "tam"):
        expected = (0, {"tha": 548, "khm": 722, "tam": 307}[subset])
    if task == "semrel":  # train is the SemRel dev split, test its test split, uncapped
        expected = (len(benchmarks.semrel(data_dir, lang=subset, split="dev")),
                    len(benchmarks.semrel(data_dir, lang=subset, split="test")))
        assert all(n > 0 for n in expected)
    assert (len(train), len(test)) == expected
    kind = RECORD_TYPES[spec.type]
    assert all(isinstance(r, kind) for r in train + test)
    lang = spec.subset(subset).lang
    if spec.type == "retrieval":
        assert test[0].lang == lang and {"train", "test"} <= set(test[0].qrels)
    elif spec.type == "sts":
        assert all(lang in (r.lang1, r.lang2) for r in test)
    else:
        assert all(r.lang == lang for r in train + test)


def test_caps_are_fixed_hashed_subsets(data_dir):
    full = benchmarks.indonli(data_dir, split="test_lay")
    assert len(full) > 1000
    assert get_task("indonli").load(data_dir, "test_lay", "test") == hashed_subset(full, 1000)
    assert len(get_task("indonli").load(data_dir, "test_lay", "test", cap=20)) == 20
    assert get_task("tatoeba").load(data_dir, "vie", "test") == benchmarks.tatoeba(data_dir, lang="vie")  # no cap


def test_xnli_halves_are_disjoint_and_share_row_numbers_across_languages(data_dir):
    xnli = get_task("xnli")
    halves = {}
    for lang in XNLI_LANGS:
        train, test = xnli.loader(data_dir, lang, "train"), xnli.loader(data_dir, lang, "test")
        dev = xnli.loader(data_dir, lang, "dev")
        assert len(train) + len(dev) + len(test) == 2490 and not {_row(r) for r in dev} & {_row(r) for r in train}
        assert not {_row(r) for r in dev} & {_row(r) for r in test}  # dev comes from the training half
        rows_train, rows_test = {_row(r) for r in train}, {_row(r) for r in test}
        assert not rows_train & rows_test  # no row in both halves
        halves[lang] = (rows_train, rows_test)
        capped_train, capped_test = xnli.load(data_dir, lang, "train"), xnli.load(data_dir, lang, "test")
        assert {_row(r) for r in capped_train} <= rows_train and {_row(r) for r in capped_test} <= rows_test
    first = halves[XNLI_LANGS[0]]
    assert all(h == first for h in halves.values())  # the same row numbers in every language
    # the halves are seeded_halves by row number with the catalogue's seed
    full = benchmarks.xnli(data_dir, lang="tha")
    assert {_row(r) for r in seeded_halves(full, seed=SPLIT_SEED, key=_row)["test"]} == first[1]
    mya = get_task("myxnli")
    train, test = mya.loader(data_dir, "mya", "train"), mya.loader(data_dir, "mya", "test")
    assert len(train) + len(mya.loader(data_dir, "mya", "dev")) + len(test) == 2490
    assert not {_row(r) for r in train} & {_row(r) for r in test}


@pytest.mark.parametrize("task,lang", [("xnli", "tha"), ("xnli", "urd"), ("myxnli", "mya")])
def test_nli_parallel_sources_share_no_sentence_with_another_split(data_dir, task, lang):
    spec, source = get_task(task), get_parallel(task)
    sentences = {split: {t for r in spec.loader(data_dir, lang, split) for t in (r.premise, r.hypothesis)}
                 for split in ("train", "dev", "test")}
    train, dev = source.load(data_dir, lang, "train"), source.load(data_dir, lang, "dev")
    for pairs, split in ((train, "train"), (dev, "dev")):
        texts = [p.text for p in pairs]
        assert len(texts) == len(set(texts)) and set(texts) <= sentences[split]  # each sentence once, from its split
        assert not set(texts) & (sentences["test"] | sentences["dev" if split == "train" else "train"])
        assert all(p.lang == lang and p.en and p.id.endswith((":premise", ":hypothesis")) for p in pairs)
    assert len(train) > 900 and len(dev) > 200  # most premises recur in other rows and are left out
    rows = {r.id: r for r in spec.loader(data_dir, lang, "train")}
    for pair in train[:50]:  # a sentence keeps the English of its own row and part
        row_id, part = pair.id.rsplit(":", 1)
        assert (getattr(rows[row_id], part), getattr(rows[row_id], f"{part}_en")) == (pair.text, pair.en)
    with pytest.raises(ValueError, match="splits train and dev, not 'test'"):
        source.load(data_dir, lang, "test")


def test_an_nli_parallel_source_needs_every_sentences_english():
    from lira.tasks.cross_lingual_nli import sentence_pairs

    def load(root, lang, split):
        return [NLIExample(lang=lang, premise=f"{split} p", hypothesis=f"{split} h", label="entailment",
                           premise_en="p", hypothesis_en=None if split == "train" else "h", id=f"{split}:1")]

    assert [p.text for p in sentence_pairs(load, "root", "tha", "dev")] == ["dev p", "dev h"]
    with pytest.raises(ValueError, match="train:1: no hypothesis_en"):
        sentence_pairs(load, "root", "tha", "train")


def test_indonli_trains_on_val_and_xcopa_on_val(data_dir):
    indonli = get_task("indonli")
    val_ids = {r.id for r in benchmarks.indonli(data_dir, split="val")}
    train = indonli.load(data_dir, "test_lay", "train")
    assert {r.id for r in train} <= val_ids
    assert train == indonli.load(data_dir, "test_expert", "train")  # one training set for both test sets
    lay = {r.id for r in benchmarks.indonli(data_dir, split="test_lay")}
    assert {r.id for r in indonli.load(data_dir, "test_lay", "test")} <= lay
    xcopa = get_task("xcopa")
    val = benchmarks.xcopa(data_dir, lang="ind", split="val")
    train, dev = xcopa.load(data_dir, "ind", "train"), xcopa.load(data_dir, "ind", "dev")
    assert sorted(train + dev, key=lambda r: r.id) == sorted(val, key=lambda r: r.id) and not set(train) & set(dev)
    assert xcopa.load(data_dir, "ind", "test") == benchmarks.xcopa(data_dir, lang="ind", split="test")
    # IndoNLI's dev is carved from val too, never from its test sets
    assert {r.id for r in indonli.load(data_dir, "test_lay", "dev")} <= val_ids - {r.id for r in train}


def test_nusax_sentiment_splits_and_refusals(data_dir):
    task = get_task("nusax-sentiment")
    dev = task.load(data_dir, "ind", "dev")
    assert dev == benchmarks.nusax_sentiment(data_dir, split="valid") and len(dev) == 100
    with pytest.raises(ValueError, match="Indonesian \\(ind\\) only here, not 'jav'"):
        task.loader(data_dir, "jav", "train")
    with pytest.raises(ValueError, match="unknown split 'valid'; valid: train, dev, test"):
        task.loader(data_dir, "ind", "valid")


def test_sib200_train_and_test_are_disjoint(data_dir):
    counts = check_disjoint(data_dir)
    assert {k: v for k, v in counts.items() if k.startswith("sib200-bitext/")} == {
        f"sib200-bitext/{lang}": 0 for lang in LOW_RESOURCE}
    assert {k for k in counts if k.startswith("tatoeba/")} == {f"tatoeba/{lang}" for lang in TATOEBA_LANGS}
    assert all(isinstance(v, int) and v >= 0 for v in counts.values())
    assert counts["nusax-sentiment/ind"] == 0  # NusaX-MT train (stage 1) holds the sentiment train sentences only
    bitext = get_task("sib200-bitext")
    train, test = bitext.load(data_dir, "tha", "train"), bitext.load(data_dir, "tha", "test")
    assert not {r.id for r in train} & {r.id for r in test}
