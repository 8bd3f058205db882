"""How much of the product queries the built-in lexicon covers, shipped and held out (issue 14, item 4).

Usage: python benchmarks/lexicon_coverage.py [--out FILE.json]
Prints, per language and split, the share of queries whose every word token is covered and the share of
word tokens covered (``lira.data.products.lexicon_coverage``: translated by the lexicon, or copied through
where the English gloss has the word, as brand names are), with the shipped lexicon (``lexicon``) and with
the held-out one (``lexicon-heldout``: no term that only test queries use). Strict shares (translated by the
lexicon only) are in the JSON.
"""

from __future__ import annotations

import argparse

from lira.data.products import PRODUCT_LANGS, SPLITS, lexicon_coverage
from lira.io import write_json
from lira.translators.lexicon import LexiconTranslator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", help="also write the rows as JSON to this file")
    args = parser.parse_args()
    rows = []
    print("| lang | split | queries | shipped: queries covered | shipped: tokens covered "
          "| held-out: queries covered | held-out: tokens covered | lexicon terms shipped/held-out |")
    print("|---|---|---|---|---|---|---|---|")
    for lang in PRODUCT_LANGS:
        shipped = LexiconTranslator.for_products(lang)
        held_out = LexiconTranslator.for_products(lang, held_out=True)
        for split in SPLITS:
            a = lexicon_coverage(lang, split, lexicon=shipped)
            b = lexicon_coverage(lang, split, lexicon=held_out)
            rows.append({"lang": lang, "split": split, "shipped": {"translator": shipped.name, **a.as_dict()},
                         "held_out": {"translator": held_out.name, **b.as_dict()},
                         "terms": {"shipped": len(shipped), "held_out": len(held_out)}})
            print(f"| {lang} | {split} | {a.queries} | {a.query_share:.1%} | {a.token_share:.1%} "
                  f"| {b.query_share:.1%} | {b.token_share:.1%} | {len(shipped)}/{len(held_out)} |")
    if args.out:
        write_json(args.out, {"rows": rows})


if __name__ == "__main__":
    main()
