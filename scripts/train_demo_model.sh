#!/usr/bin/env bash
# Train the shipped demo model from the data in resources/data/ on two CPU
# cores (about two hours in all; TRAINING.md has the time of each stage).
# Every stage resumes where it stopped if interrupted: run it again.
#   1. MLM pre-training of a small encoder on all the unlabelled text we have;
#   2. fine-tuning of the triple extraction model on the DuIE training split,
#      each sentence's object loss on the predicates its source annotates,
#      half the sentences given other names of the same types each epoch;
#   3. the decoding thresholds, chosen on half of the held-out sentences.
# Produces runs/mlm/ (the encoder, Google-BERT format) and
# resources/models/triples-demo/ (the model folder).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
MLM_STEPS=${MLM_STEPS:-2400}
EPOCHS=${EPOCHS:-14}
D=resources/data/triples
SOURCES=(--source-schema duie2=$D/schema_duie2.json)

$PY main.py pretrain mlm \
    --corpus resources/data/pretrain.txt \
    --vocab resources/bert_vocab/vocab.txt --cut-vocab \
    --out runs/mlm --steps "$MLM_STEPS" --lr 1e-3 --warmup 400 --seed 42

# A training writes over a folder only to continue its own run: a new one
# replaces the shipped model, so that goes first.
[ -d resources/models/triples-demo.state ] || rm -rf resources/models/triples-demo
$PY main.py train triples \
    --train $D/train.jsonl --dev $D/dev.jsonl --schema $D/schema.jsonl "${SOURCES[@]}" \
    --base runs/mlm --lr 1e-3 --warmup 200 --epochs "$EPOCHS" --seed 42 \
    --swap-entities 0.5 \
    --name triples-demo --out resources/models/triples-demo

# The decoding thresholds: chosen on half of the held-out sentences, F1
# reported on the other half.
$PY main.py tune triples --model resources/models/triples-demo \
    --dev $D/dev.jsonl "${SOURCES[@]}" --write
