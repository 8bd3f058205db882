"""Check that two ``lira benchmark`` runs agree: every row (task, subset, method, seed, setting, value,
variant) found in both has the same main score (a run of fewer tasks, ``--task``, is compared on its rows).
Exits 1 on any difference. Usage::

    python benchmarks/compare_runs.py runs/benchmark/results.json runs/benchmark-rerun/results.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def rows(path: Path) -> dict[tuple, float]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {(r["task"], r["subset"], r["method"], r["seed"], r["setting"], str(r["value"]), r["variant"]):
            r["main_score"] for r in data["rows"]}


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    a, b = rows(Path(sys.argv[1])), rows(Path(sys.argv[2]))
    missing = sorted(map(str, set(a) ^ set(b)))
    diffs = sorted(((abs(a[k] - b[k]), str(k)) for k in set(a) & set(b)), reverse=True)
    print(f"{len(set(a) & set(b))} rows in both; {len(missing)} in only one; "
          f"largest score difference {diffs[0][0] if diffs else 0:.3g}")
    for d, k in diffs[:5]:
        if d:
            print(f"  {d:.3g}  {k}")
    return 0 if not diffs or diffs[0][0] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
