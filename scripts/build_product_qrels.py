"""Write the product set's qrels from the queries' intents: ``qrels/<lang>/<split>.tsv``.

Run after editing products.jsonl or queries/*.jsonl:  python scripts/build_product_qrels.py
The test suite checks that the shipped qrels equal what this script derives.
"""

from __future__ import annotations

from lira.data.products import (
    PRODUCT_LANGS,
    SPLITS,
    derive_qrels,
    load_catalogue,
    load_queries,
    query_split,
    resource_dir,
)
from lira.io import atomic_write


def main() -> None:
    catalogue = load_catalogue()
    for lang in PRODUCT_LANGS:
        rows: dict[str, list[str]] = {split: [] for split in SPLITS}
        for q in load_queries(lang):
            grades = derive_qrels(q.intent, catalogue)
            rows[query_split(q.id)] += [f"{q.id}\t{pid}\t{g}" for pid, g in sorted(grades.items())]
        for split, lines in rows.items():
            with atomic_write(resource_dir() / "qrels" / lang / f"{split}.tsv") as f:
                f.write("query-id\tcorpus-id\tscore\n" + "".join(line + "\n" for line in lines))
        print(lang, {split: len({line.split()[0] for line in lines}) for split, lines in rows.items()})


if __name__ == "__main__":
    main()
