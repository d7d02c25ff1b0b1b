#!/usr/bin/env bash
# The A/B runs behind resources/models/triples-demo/TRAINING.md: the same
# small encoder from scratch, the same seed and data, one change at a time,
# compared at equal steps. Each run's dev F1 per epoch lands in
# runs/ab/NAME.history.json; the last one is also the "no pre-training" arm.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
EPOCHS=${EPOCHS:-2}

D=resources/data/triples
common=(--train $D/train.jsonl --dev $D/dev.jsonl --schema $D/schema.jsonl
        --config small --cut-vocab --seed 42)
# Every run is scored on each source's own predicates; only D also masks the loss.
scored=(--source-schema duie2=$D/schema_duie2.json)

run() {  # NAME ARGS...
  local name=$1; shift
  echo "== $name: $*"
  $PY main.py train triples "${common[@]}" "${scored[@]}" --out "runs/ab/$name" "$@"
}

run A-old-recipe  --epochs "$EPOCHS" --lr 3e-4 --warmup 500 --ema 0.999 --no-source-mask
run B-raw-weights --epochs "$EPOCHS" --lr 3e-4 --warmup 500 --no-source-mask
run C-lr1e-3      --epochs "$EPOCHS" --lr 1e-3 --warmup 200 --no-source-mask
run D-source-mask --epochs "$EPOCHS" --lr 1e-3 --warmup 200
