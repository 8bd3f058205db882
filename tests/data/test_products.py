"""The built-in product set: sizes promised in its DATASHEET, and qrels in sync with the intents."""

from collections import Counter

import pytest

from lira.data.products import (
    EXACT,
    PRODUCT_LANGS,
    SPLITS,
    derive_qrels,
    load_catalogue,
    load_product_lexicon,
    load_products,
    load_queries,
    load_titles,
    query_split,
    read_qrels,
)
from lira.languages import UnknownLanguageError, get_language, script_share


def test_catalogue():
    catalogue = load_catalogue()
    assert len(catalogue) >= 600 and len({p.id for p in catalogue}) == len(catalogue)
    assert len({p.category for p in catalogue}) >= 15
    assert all(p.title and p.brand and p.product_type for p in catalogue)


@pytest.mark.parametrize("lang", PRODUCT_LANGS)
def test_language_files(lang):
    catalogue = load_catalogue()
    titles = load_titles(lang)
    assert len(titles) >= len(catalogue) / 3
    queries = load_queries(lang)
    assert len(queries) >= 120 and len({q.text for q in queries}) == len(queries)
    assert set(Counter(q.style for q in queries)) == {"keyword", "misspelling", "romanised", "code-mixed", "natural"}
    lexicon = load_product_lexicon(lang)
    assert len(lexicon) >= 400 and sum(len(senses) > 1 for senses in lexicon.values()) >= 40
    script = get_language(lang).script
    if script != "Latn":  # local titles are written in the language's own script
        shares = [script_share(t, script) for t in titles.values()]
        assert sum(s is not None and s >= 0.5 for s in shares) >= 0.9 * len(shares)


@pytest.mark.parametrize("lang", PRODUCT_LANGS)
def test_shipped_qrels_equal_derived(lang):
    catalogue = load_catalogue()
    shipped = {split: read_qrels(lang, split) for split in SPLITS}
    for q in load_queries(lang):
        split = query_split(q.id)
        assert shipped[split][q.id] == derive_qrels(q.intent, catalogue), q.id
        assert EXACT in shipped[split][q.id].values()
    assert sum(len(s) for s in shipped.values()) == len(load_queries(lang))


def test_derive_qrels_grades():
    catalogue = load_catalogue()
    shoe = next(p for p in catalogue if p.product_type == "running shoes")
    grades = derive_qrels({"product_type": "running shoes", "brand": shoe.brand}, catalogue)
    assert grades[shoe.id] == 2
    assert all(g == (2 if p.brand == shoe.brand else 1) for p in catalogue if p.product_type == "running shoes"
               for g in [grades[p.id]])
    assert all(p.product_type == "running shoes" for p in catalogue if p.id in grades)


def test_splits_are_disjoint_and_sized():
    ids = [q.id for lang in PRODUCT_LANGS for q in load_queries(lang)]
    share = Counter(query_split(i) for i in ids)
    assert 0.3 < share["train"] / len(ids) < 0.5 and 0.3 < share["test"] / len(ids) < 0.5


def test_dataset_view():
    ds = load_products("th")
    queries, qrels = ds.split("test")
    assert ds.lang == "tha" and len(ds.corpus) == len(load_catalogue())
    assert all(d.en and d.text.startswith("Category:") for d in ds.corpus.values())
    assert set(qrels) == set(queries) and all(q.en for q in queries.values())


def test_unknown_product_language():
    with pytest.raises(UnknownLanguageError, match="its languages: vie, tha"):
        load_products("khm")
