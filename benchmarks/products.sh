#!/usr/bin/env bash
# Stage 1 and 2 on the built-in product set, with every figure BENCHMARKS.md quotes for them.
# Usage: bash benchmarks/products.sh [OUT]   (default OUT=runs/bench; seeds are in the configs: 0)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/bench}
lira train arca --config configs/arca-products.yaml --out "$OUT/arca"
lira eval arca --config configs/arca-products.yaml --model "$OUT/arca/arca" --split test --out "$OUT/choice-test.json"
lira diagnose --config configs/arca-products.yaml --out "$OUT/diagnose-before.json"
lira diagnose --config configs/arca-products.yaml --model "$OUT/arca/arca" --out "$OUT/diagnose-after.json"
sed "s#^arca: .*#arca: $OUT/arca/arca#" configs/lasr-products.yaml > "$OUT/lasr.yaml"
lira train lasr --config "$OUT/lasr.yaml" --out "$OUT/lasr"
python benchmarks/lasr_dev_choices.py --arca "$OUT/arca/arca" --out "$OUT/lasr-dev-choices.json"
