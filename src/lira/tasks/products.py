"""The built-in product set (``lira/resources``): query-to-product retrieval in the product languages, with the
English path from the product lexicon (full, or held out: without the terms only test queries use), and its
titles, queries and lexicon terms as the stage-1 parallel source ``products``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lira.data.formats import ParallelExample, RetrievalDataset
from lira.data.products import (
    PRODUCT_LANGS,
    heldout_lexicon_terms,
    load_catalogue,
    load_product_lexicon,
    load_products,
    load_queries,
    load_titles,
    query_split,
)
from lira.tasks.spec import ParallelSpec, Subset, TaskSpec

REFERENCE = "LiRA built-in product set (DATASHEET.md)"


def load(root: Path, subset: str, split: str) -> list[RetrievalDataset]:
    """The whole retrieval set of ``subset`` (a language), whatever the split: its qrels carry the query splits."""
    return [load_products(subset)]


def product_parallel(lang: str, split: str, *, lexicon_pairs: bool = True) -> list[ParallelExample]:
    """Product-set parallel pairs of ``split``: local titles with their English titles (split by a hash of the
    product id, like queries), shopper queries with their English glosses and, with ``lexicon_pairs``, lexicon
    terms with their first sense (split by a hash of the term), only those of the held-out lexicon
    (``heldout_lexicon_terms``): a term that only test queries use never reaches training."""
    english = {p.id: p.title for p in load_catalogue()}
    out = [ParallelExample(lang, title, english[pid], id=pid) for pid, title in load_titles(lang).items()
           if query_split(pid) == split]
    out += [ParallelExample(lang, q.text, q.en, id=q.id) for q in load_queries(lang) if query_split(q.id) == split]
    if lexicon_pairs:
        from lira.translators.lexicon import LexiconTranslator

        keep = heldout_lexicon_terms(lang, segmenter=LexiconTranslator)
        out += [ParallelExample(lang, senses[0].term, senses[0].translation, id=f"lexicon:{term}")
                for term, senses in load_product_lexicon(lang).items()
                if term in keep and query_split(f"lexicon:{term}") == split]
    return out


def parallel(data_dir: str | Path, lang: str, split: str, *, lexicon_pairs: bool = True, **_: Any,
             ) -> list[ParallelExample]:
    """The stage-1 pairs of ``lang`` (``product_parallel``; the product set is built in, ``data_dir`` unused)."""
    return product_parallel(lang, split, lexicon_pairs=lexicon_pairs)


PARALLEL = ParallelSpec(source="products", langs=PRODUCT_LANGS, load=parallel, reference=REFERENCE)

PRODUCTS = TaskSpec(
    name="products", type="retrieval", family="products", record_type=RetrievalDataset,
    subsets=tuple(Subset(c, c) for c in PRODUCT_LANGS), data="built-in (lira/resources)",
    splits="train / dev / test query splits of the built-in product set", main_score="ndcg@10",
    translations="lexicon", reference=REFERENCE, loader=load, parallel=PARALLEL)

PRODUCTS_HELDOUT = TaskSpec(
    name="products-heldout", type="retrieval", family="products-heldout", record_type=RetrievalDataset,
    subsets=tuple(Subset(c, c) for c in PRODUCT_LANGS), data="built-in (lira/resources)",
    splits="as products, but the English path comes from the held-out lexicon: every lexicon term used only by "
           "test queries removed (`python benchmarks/lexicon_coverage.py` gives its coverage per split)",
    main_score="ndcg@10", translations="lexicon-heldout", reference=REFERENCE, loader=load)

TASKS = (PRODUCTS, PRODUCTS_HELDOUT)
