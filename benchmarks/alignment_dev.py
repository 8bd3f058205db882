"""The dev table behind each pair head's token-alignment choice in a `lira benchmark` run.

Usage: `python benchmarks/alignment_dev.py RUN_DIR` (the `--out` folder of `lira benchmark`), under a second.

Every LaSR head of the full method whose start tried the token-alignment features (`lira.backbones.alignment`;
NLI and choice heads, `LaSRTrainConfig.alignment`) recorded its dev scores at step 0 in its model's config
(`lira_config.json`, `config.metrics`). This prints, per family and seed, the dev score of the plain pair probe,
of the probe with alignment and of the probe on the alignment features alone at the first English weight (0.5)
("-" for a run made before that start was tried), the step that decided it (yes, no, or alone)
(`lira.training.lasr_run.choose_english_weight`), and the start kept: LiRA at step 0 (`<family>-step0`, over the
untrained Arca) and the trained model's start (over the seed's stage-1 Arca).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

CHOSEN = "token alignment (chosen on dev)"
SCORE = re.compile(r"^dev (\S+) at step 0, English weight 0\.5( \+ alignment)?( only)?$")


def rows(run_dir: Path) -> list[list[str]]:
    """One row per model folder under ``run_dir/models/full`` that chose on alignment."""
    out = []
    for config in sorted((run_dir / "models" / "full").glob("seed-*/*/model/lira_config.json")):
        metrics = json.loads(config.read_text())["config"]["metrics"]
        if CHOSEN not in metrics:
            continue
        scores = {(m.group(2) or "") + (m.group(3) or ""): (m.group(1), v)
                  for k, v in metrics.items() if (m := SCORE.match(k))}
        family, seed = config.parents[1].name, config.parents[2].name.removeprefix("seed-")
        cells = [f"{100 * scores[kind][1]:.2f}" if kind in scores else "-"
                 for kind in ("", " + alignment", " + alignment only")]
        out.append([family, seed, scores[""][0], *cells, metrics[CHOSEN],
                    str(metrics.get("English weight (chosen on dev)", "-"))])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=Path, help="the --out folder of a lira benchmark run")
    args = parser.parse_args()
    table = rows(args.run_dir)
    if not table:
        raise SystemExit(f"{args.run_dir}: no model of the full method chose on token alignment")
    head = ["model", "seed", "dev metric", "plain probe (weight 0.5)", "with alignment (weight 0.5)",
            "alignment alone (weight 0.5)", "alignment kept", "English weight then"]
    print("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
    for row in table:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
