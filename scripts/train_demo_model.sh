#!/usr/bin/env bash
# Train the shipped demo model from the data in resources/data/ (two CPU cores:
# roughly an hour). Every step resumes where it stopped if interrupted.
#   1. MLM pre-training of a small encoder on all the unlabelled text we have;
#   2. fine-tuning of the triple extraction model on the DuIE training split.
# Produces runs/mlm/ (the encoder, Google-BERT format) and
# resources/models/triples-demo/ (the model folder).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
MLM_STEPS=${MLM_STEPS:-800}
EPOCHS=${EPOCHS:-12}

$PY main.py pretrain mlm \
    --corpus resources/data/pretrain.txt \
    --vocab resources/bert_vocab/vocab.txt --cut-vocab \
    --out runs/mlm --steps "$MLM_STEPS" --seed 42

$PY main.py train triples \
    --train resources/data/triples/train.jsonl \
    --dev resources/data/triples/dev.jsonl \
    --schema resources/data/triples/schema.jsonl \
    --base runs/mlm --lr 3e-4 --warmup 300 --epochs "$EPOCHS" --seed 42 \
    --name triples-demo --out resources/models/triples-demo

# The decoding thresholds: chosen on half of the held-out sentences, F1
# reported on the other half.
$PY main.py tune triples --model resources/models/triples-demo \
    --dev resources/data/triples/dev.jsonl --write
