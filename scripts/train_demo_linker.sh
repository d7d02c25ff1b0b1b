#!/usr/bin/env bash
# Train the shipped demo linker (resources/models/linker-demo/) from the data in
# resources/data/linking/ (two CPU cores: TRAINING.md has the time). Resumes if
# interrupted.
#   1. the linking data: three disjoint KBs cut from the CCKS KB subset, queries
#      with shared names and NIL entities, DuIE sentences where KB aliases are
#      ordinary words (scripts/build_linking_data.py);
#   2. the encoder of the demo triple model as the starting point: it has
#      learnt where Chinese entity names begin and end;
#   3. mention head + ranker trained together on the training KB; after each
#      epoch the dev queries are linked against the dev KB;
#   4. calibration, alias-match and NIL thresholds chosen on the dev queries
#      (dev KB); the held-out test queries scored against the test KB, with
#      the dictionary baseline beside them.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
EPOCHS=${EPOCHS:-8}
DATA=resources/data/linking

if [ -f ../shared/data/ccks_kb/kb_data ] && [ ! -f "$DATA/kb_train.jsonl" ]; then
    $PY scripts/build_linking_data.py --kb ../shared/data/ccks_kb/kb_data
fi

[ -d runs/triples-encoder ] || $PY main.py pretrain from-model \
    --model resources/models/triples-demo --out runs/triples-encoder

# A training writes over a folder only to continue its own run: a new one
# replaces the shipped model, so that goes first.
[ -d resources/models/linker-demo.state ] || rm -rf resources/models/linker-demo
$PY main.py train link --kb "$DATA/kb_train.jsonl" \
    --train "$DATA/train.jsonl" --dev "$DATA/dev.jsonl" --dev-kb "$DATA/kb_dev.jsonl" \
    --base runs/triples-encoder --epochs "$EPOCHS" --lr 1.5e-4 --warmup 100 --seed 42 \
    --name linker-demo --out resources/models/linker-demo

# The calibration, the alias-match, free-span and NIL thresholds, chosen on
# the dev queries against the dev KB: the best F1 that keeps at least 60% of
# the NIL mentions NIL.
$PY main.py tune link --model resources/models/linker-demo --kb "$DATA/kb_dev.jsonl" \
    --dev "$DATA/dev.jsonl" --min-nil-accuracy 0.6 --write

# Held-out test queries against the test KB (disjoint from both): the linker,
# then the dictionary baseline.
$PY main.py evaluate link --gold "$DATA/test.jsonl" \
    --model resources/models/linker-demo --kb "$DATA/kb_test.jsonl"
$PY main.py evaluate link --gold "$DATA/test.jsonl" --baseline --kb "$DATA/kb_test.jsonl"
