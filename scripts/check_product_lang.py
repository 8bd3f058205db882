"""Check one language's files of the built-in product set.

Usage: python scripts/check_product_lang.py LANG   (LANG in vie tha ind zsm tgl urd ben)
Prints every problem found and a summary; exits 1 when there are problems.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter

from lira.data.products import EXACT, INTENT_FIELDS, QUERY_STYLES, derive_qrels, load_catalogue, resource_dir

ROOT = resource_dir()
INTENT_KEYS = set(INTENT_FIELDS)
STYLES = set(QUERY_STYLES)


def main(lang: str) -> int:
    products = [json.loads(line) for line in (ROOT / "products.jsonl").open(encoding="utf-8")]
    by_id = {p["id"]: p for p in products}
    catalogue = load_catalogue()
    problems: list[str] = []

    tpath = ROOT / "titles" / f"{lang}.jsonl"
    titles = {}
    for n, line in enumerate(tpath.open(encoding="utf-8"), 1):
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(f"{tpath}:{n}: bad JSON: {e}")
            continue
        if set(row) != {"id", "title"}:
            problems.append(f"{tpath}:{n}: keys must be id,title")
        if row.get("id") not in by_id:
            problems.append(f"{tpath}:{n}: unknown id {row.get('id')}")
        if row.get("id") in titles:
            problems.append(f"{tpath}:{n}: duplicate id {row.get('id')}")
        if not str(row.get("title", "")).strip():
            problems.append(f"{tpath}:{n}: empty title")
        titles[row.get("id")] = row.get("title")
    cats = Counter(by_id[i]["category"] for i in titles if i in by_id)
    if len(titles) < 220:
        problems.append(f"only {len(titles)} titles (need >= 220)")
    for c in {p["category"] for p in products}:
        if cats[c] < 10:
            problems.append(f"category {c!r} has only {cats[c]} titles (need >= 10)")

    qpath = ROOT / "queries" / f"{lang}.jsonl"
    qids: set[str] = set()
    styles: Counter = Counter()
    texts: Counter = Counter()
    nq = 0
    for n, line in enumerate(qpath.open(encoding="utf-8"), 1):
        try:
            q = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(f"{qpath}:{n}: bad JSON: {e}")
            continue
        nq += 1
        if set(q) != {"id", "text", "en", "style", "intent"}:
            problems.append(f"{qpath}:{n}: keys must be id,text,en,style,intent")
            continue
        if not q["id"].startswith(f"{lang}-q") or q["id"] in qids:
            problems.append(f"{qpath}:{n}: bad or duplicate id {q['id']}")
        qids.add(q["id"])
        texts[q["text"].strip().lower()] += 1
        if q["style"] not in STYLES:
            problems.append(f"{qpath}:{n}: style {q['style']!r} not in {sorted(STYLES)}")
        styles[q["style"]] += 1
        if not q["text"].strip() or not q["en"].strip():
            problems.append(f"{qpath}:{n}: empty text or en")
        intent = q["intent"]
        if not intent or set(intent) - INTENT_KEYS:
            problems.append(f"{qpath}:{n}: intent keys must be a non-empty subset of {sorted(INTENT_KEYS)}")
            continue
        exact = [pid for pid, grade in derive_qrels(intent, catalogue).items() if grade == EXACT]
        if not exact:
            problems.append(f"{qpath}:{n}: intent {intent} matches no product")
        if len(exact) > 40:
            problems.append(f"{qpath}:{n}: intent {intent} matches {len(exact)} products (too broad, max 40)")
    dup = [t for t, c in texts.items() if c > 1]
    if dup:
        problems.append(f"duplicate query texts: {dup}")
    if nq < 160:
        problems.append(f"only {nq} queries (need >= 160)")

    lpath = ROOT / "lexicon" / f"{lang}.tsv"
    with lpath.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    if rows[0] != ["term", "translation", "note"]:
        problems.append(f"{lpath}:1: header must be term<TAB>translation<TAB>note")
    seen: set[tuple[str, str]] = set()
    terms: Counter = Counter()
    for n, row in enumerate(rows[1:], 2):
        if len(row) != 3 or not row[0].strip() or not row[1].strip():
            problems.append(f"{lpath}:{n}: need 3 tab-separated fields with term and translation: {row}")
            continue
        key = (row[0].strip().lower(), row[1].strip().lower())
        if key in seen:
            problems.append(f"{lpath}:{n}: duplicate row {row[0]!r} -> {row[1]!r}")
        seen.add(key)
        terms[row[0].strip().lower()] += 1
    multi = sum(1 for c in terms.values() if c > 1)
    if len(terms) < 420:
        problems.append(f"only {len(terms)} distinct lexicon terms (need >= 420)")
    if multi < 50:
        problems.append(f"only {multi} terms with alternative senses (need >= 50)")

    for p in problems:
        print(p)
    print(f"{lang}: {len(titles)} titles, {nq} queries {dict(styles)}, "
          f"{len(terms)} terms ({multi} with 2+ senses), {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
