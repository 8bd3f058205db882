"""The built-in product set: sizes promised in its DATASHEET, and qrels in sync with the intents."""

from collections import Counter

import pytest

from lira.data.products import (
    EXACT,
    PRODUCT_LANGS,
    SPLITS,
    derive_qrels,
    heldout_lexicon_terms,
    heldout_product_lexicon,
    lexicon_coverage,
    load_catalogue,
    load_product_lexicon,
    load_products,
    load_queries,
    load_titles,
    matched_terms,
    query_split,
    read_qrels,
)
from lira.languages import UnknownLanguageError, get_language, script_share
from lira.translators.lexicon import LexiconTranslator


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


def _texts(lang: str) -> tuple[list[str], list[str]]:
    """(titles + train + dev query texts, test query texts) of ``lang``."""
    queries = load_queries(lang)
    seen = [*load_titles(lang).values(), *(q.text for q in queries if query_split(q.id) != "test")]
    return seen, [q.text for q in queries if query_split(q.id) == "test"]


@pytest.mark.parametrize("lang", PRODUCT_LANGS)
def test_heldout_lexicon_drops_test_only_terms(lang):
    lexicon, full = load_product_lexicon(lang), LexiconTranslator.for_products(lang)
    seen_texts, test_texts = _texts(lang)
    seen = matched_terms(seen_texts, lexicon, full)
    test_only = matched_terms(test_texts, lexicon, full) - seen
    keep = heldout_lexicon_terms(lang, segmenter=LexiconTranslator)
    assert test_only and not keep & test_only
    assert keep == seen  # every term a title, train or dev query uses is kept
    assert heldout_product_lexicon(lang, segmenter=LexiconTranslator) == {t: lexicon[t] for t in keep}
    # Independent of the segmenter: a kept term occurs in some title or train/dev query (ignoring case and spaces).
    haystack = "\n".join("".join(t.lower().split()) for t in seen_texts)
    assert all("".join(term.split()) in haystack for term in keep)


@pytest.mark.parametrize("lang", PRODUCT_LANGS)
def test_heldout_lexicon_coverage(lang):
    shipped, held_out = LexiconTranslator.for_products(lang), LexiconTranslator.for_products(lang, held_out=True)
    a, b = lexicon_coverage(lang, "test", lexicon=shipped), lexicon_coverage(lang, "test", lexicon=held_out)
    assert b.query_share < a.query_share and b.token_share < a.token_share
    assert b.translated_tokens < a.translated_tokens
    # Train and dev coverage are exactly unchanged: each term the full lexicon matches there is kept, and stays the
    # longest match at its position (longer terms did not match before either), so the segmentation is identical.
    for split in ("train", "dev"):
        assert lexicon_coverage(lang, split, lexicon=held_out) == lexicon_coverage(lang, split, lexicon=shipped)


def test_lexicon_coverage_definitions():
    empty = LexiconTranslator({}, lang="vie")
    c = lexicon_coverage("vie", "train", lexicon=empty)
    assert c.queries == sum(query_split(q.id) == "train" for q in load_queries("vie")) and c.tokens > 0
    assert c.translated_tokens == c.translated_queries == 0
    # Without a lexicon, only copies the English gloss has (brand and model names) count as covered.
    assert 0 < c.covered_tokens < c.tokens and c.covered_queries < c.queries
    assert c.as_dict()["token_share"] == c.token_share
    with pytest.raises(ValueError, match="unknown split"):
        lexicon_coverage("vie", "validation", lexicon=empty)
    with pytest.raises(ValueError, match="for vie, not tha"):
        lexicon_coverage("tha", "train", lexicon=empty)
    with pytest.raises(UnknownLanguageError, match="its languages: vie, tha"):
        heldout_lexicon_terms("khm", segmenter=LexiconTranslator)
