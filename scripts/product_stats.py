"""Print the product set's size per language as a markdown table (used in its DATASHEET.md).

Usage: python scripts/product_stats.py
"""

from __future__ import annotations

from collections import Counter

from lira.data.products import (
    PRODUCT_LANGS,
    SPLITS,
    load_catalogue,
    load_product_lexicon,
    load_queries,
    load_titles,
    query_split,
    read_qrels,
)


def main() -> None:
    catalogue = load_catalogue()
    print(f"{len(catalogue)} products in {len({p.category for p in catalogue})} categories, "
          f"{len({p.product_type for p in catalogue})} product types, {len({p.brand for p in catalogue})} brands\n")
    print("| lang | local titles | queries | train/dev/test | keyword/misspelling/romanised/code-mixed/natural "
          "| qrels 2/1 per query | lexicon terms | with 2+ senses |")
    print("|---|---|---|---|---|---|---|---|")
    for lang in PRODUCT_LANGS:
        queries = load_queries(lang)
        splits = Counter(query_split(q.id) for q in queries)
        styles = Counter(q.style for q in queries)
        grades = Counter(g for split in SPLITS for docs in read_qrels(lang, split).values() for g in docs.values())
        lexicon = load_product_lexicon(lang)
        print(f"| {lang} | {len(load_titles(lang))} | {len(queries)} | "
              f"{'/'.join(str(splits[s]) for s in SPLITS)} | "
              f"{'/'.join(str(styles[s]) for s in ('keyword', 'misspelling', 'romanised', 'code-mixed', 'natural'))} | "
              f"{grades[2] / len(queries):.1f}/{grades[1] / len(queries):.1f} | {len(lexicon)} | "
              f"{sum(len(v) > 1 for v in lexicon.values())} |")


if __name__ == "__main__":
    main()
