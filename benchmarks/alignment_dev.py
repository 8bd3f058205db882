"""The dev table behind what each pair head's linear path reads (token alignment, cosines) in a `lira benchmark` run.

Usage: `python benchmarks/alignment_dev.py RUN_DIR` (the `--out` folder of `lira benchmark`), under a second.

Every LaSR head of the full method whose start tried the token-alignment features (`lira.backbones.alignment`;
NLI and choice heads, `LaSRTrainConfig.alignment`) recorded its scores at step 0 in its model's config
(`lira_config.json`, `config.metrics`): on dev, or cross-validated over train and dev (`LaSRTrainConfig.start_folds`,
`lira.training.start_cv`). This prints, per family and seed, the score of the plain pair probe,
of the probe with alignment, of the probe on the alignment features alone and of the probe on the two pair cosines
alone at the first English weight (0.5) ("-" for a run made before that start was tried), what the step kept
(`lira.training.lasr_run.choose_english_weight`, `probe_reads`; a run made before the cosines were tried names it
as yes, no or alone), and the start kept: LiRA at step 0 (`<family>-step0`, over the
untrained Arca) and the trained model's start (over the seed's stage-1 Arca).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lira.training.card_keys import START_SCORE, reads_key, weight_key

# what the probe reads and its English weight, as the model card names them: chosen by cross-validation (any
# fold count), on dev, or (the last) on dev by a run made before the cosines were tried
CHOSEN = (reads_key("cross-validated"), reads_key("dev"), "token alignment (chosen on dev)")
WEIGHT = (weight_key("cross-validated"), weight_key("dev"))
FIRST = "0.5"  # the English weight at which the kinds are scored
KINDS = ("", " + alignment", " + alignment only", " + cosine only")


def rows(run_dir: Path) -> list[list[str]]:
    """One row per model folder under ``run_dir/models/full`` that chose on alignment."""
    out = []
    for config in sorted((run_dir / "models" / "full").glob("seed-*/*/model/lira_config.json")):
        metrics = json.loads(config.read_text())["config"]["metrics"]
        chosen = next((metrics[key] for key in CHOSEN if key in metrics), None)
        if chosen is None:
            continue
        scores = {kind: (m["metric"], v) for k, v in metrics.items()
                  if (m := START_SCORE.match(k)) and (kind := m["start"].removeprefix(FIRST)) in KINDS}
        family, seed = config.parents[1].name, config.parents[2].name.removeprefix("seed-")
        cells = [f"{100 * scores[kind][1]:.2f}" if kind in scores else "-" for kind in KINDS]
        out.append([family, seed, scores[""][0], *cells, chosen,
                    str(next((metrics[key] for key in WEIGHT if key in metrics), "-"))])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=Path, help="the --out folder of a lira benchmark run")
    args = parser.parse_args()
    table = rows(args.run_dir)
    if not table:
        raise SystemExit(f"{args.run_dir}: no model of the full method chose on token alignment")
    head = ["model", "seed", "dev metric", "plain probe (weight 0.5)", "with alignment (weight 0.5)",
            "alignment alone (weight 0.5)", "cosines alone (weight 0.5)", "probe reads", "English weight then"]
    print("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
    for row in table:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
