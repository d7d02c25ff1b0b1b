#!/usr/bin/env bash
# Train the shipped demo linker (resources/models/linker-demo/) from the data in
# resources/data/linking/ (two CPU cores: about 40 minutes). Resumes if interrupted.
#   1. the linking data from the CCKS KB subset (scripts/build_linking_data.py);
#   2. the encoder of the demo triple model as the starting point: it has
#      learnt where Chinese entity names begin and end;
#   3. mention head + ranker trained together; thresholds tuned on dev;
#   4. the held-out test queries scored.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
EPOCHS=${EPOCHS:-14}
DATA=resources/data/linking

if [ -f ../shared/data/ccks_kb/kb_data ] && [ ! -f "$DATA/kb.jsonl" ]; then
    $PY scripts/build_linking_data.py --kb ../shared/data/ccks_kb/kb_data
fi

[ -d runs/triples-encoder ] || $PY main.py pretrain from-model \
    --model resources/models/triples-demo --out runs/triples-encoder

$PY main.py train link --kb "$DATA/kb.jsonl" \
    --train "$DATA/train.jsonl" --dev "$DATA/dev.jsonl" \
    --base runs/triples-encoder --epochs "$EPOCHS" --lr 1.5e-4 --warmup 100 --seed 42 \
    --name linker-demo --out resources/models/linker-demo

# The alias-match and NIL thresholds, chosen on the dev queries.
$PY main.py tune link --model resources/models/linker-demo --kb "$DATA/kb.jsonl" \
    --dev "$DATA/dev.jsonl" --write

$PY main.py evaluate link --gold "$DATA/test.jsonl" \
    --model resources/models/linker-demo --kb "$DATA/kb.jsonl"
