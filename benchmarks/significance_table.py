"""The significance table of a finished ``lira benchmark`` run, recomputed from its ``results.json``.

Prints what the run's report prints under "LiRA against the best baseline" (``lira.benchmark.report.significance``
on the run's saved rows: the same seeded paired bootstrap, so the same numbers), with the columns a newer version
adds, such as the p a model right on every item would get. Test rows only, no training. Usage::

    python benchmarks/significance_table.py RUN_DIR/results.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lira.benchmark.report import significance, significance_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results", type=Path, help="results.json of a lira benchmark run")
    args = parser.parse_args()
    try:
        rows = json.loads(args.results.read_text())["rows"]
    except (OSError, ValueError, KeyError) as err:
        raise SystemExit(f"{args.results}: not a lira benchmark results.json ({err})") from None
    print(significance_table(significance(rows)))


if __name__ == "__main__":
    main()
