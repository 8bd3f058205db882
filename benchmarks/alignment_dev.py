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
import re
from pathlib import Path

# what the probe reads and its English weight, as the model card names them (the later ones: older runs)
CHOSEN = ("pair probe reads (chosen on train + dev)", "pair probe reads (chosen on dev)",
          "token alignment (chosen on dev)")
WEIGHT = ("English weight (chosen on train + dev)", "English weight (chosen on dev)")
SCORE = re.compile(r"^(?:dev|\d+-fold cross-validated) (\S+) at step 0, English weight 0\.5( \+ alignment)?"
                   r"( \+ cosine)?( only)?$")
KINDS = ("", " + alignment", " + alignment only", " + cosine only")


def rows(run_dir: Path) -> list[list[str]]:
    """One row per model folder under ``run_dir/models/full`` that chose on alignment."""
    out = []
    for config in sorted((run_dir / "models" / "full").glob("seed-*/*/model/lira_config.json")):
        metrics = json.loads(config.read_text())["config"]["metrics"]
        chosen = next((metrics[key] for key in CHOSEN if key in metrics), None)
        if chosen is None:
            continue
        scores = {"".join(g or "" for g in m.groups()[1:]): (m.group(1), v)
                  for k, v in metrics.items() if (m := SCORE.match(k))}
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
