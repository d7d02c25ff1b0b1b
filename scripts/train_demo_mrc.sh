#!/usr/bin/env bash
# Train the demo reading-comprehension models from resources/data/mrc/,
# fixed seeds, on the encoder of the demo triple model: the project's
# pre-trained encoder (runs/mlm) after its DuIE training, which has learnt
# where names, dates and titles begin and end. `pretrain from-model` takes
# it out of resources/models/triples-demo with the MLM head of runs/mlm
# (made here first when missing, as scripts/train_demo_model.sh does) into
# runs/triples-encoder-mlm.
#   bash scripts/train_demo_mrc.sh              # the three answerers, then ship
#   bash scripts/train_demo_mrc.sh pointer mlm  # some of them (mlm, seq2seq, pointer)
#   bash scripts/train_demo_mrc.sh ship         # copy the trained three into resources/models/
# BASE=DIR starts them from another encoder (e.g. BASE=runs/mlm).
# Each run resumes where it stopped (state in runs/mrc/METHOD.state/); the
# three can run at the same time, each in its own shell.
# All three read Traditional characters folded to Simplified. Epochs: the
# pointer answerer 10 (2,770 steps of 32 questions), reading question
# marks; seq2seq 4, then resumed for 2 more (its dev F1 still rose by 0.06
# an epoch), then to 12; MLM 2, then resumed to 8: what the time left
# allowed them. Each then has its decoding settings chosen on dev (tune
# mrc: the window stride; MLM and seq2seq also the length penalty).
# EPOCHS="N ..." sets the schedules for all (several: the run is resumed
# with each in turn).
# Shipping: the answerer with the best dev F1 (training.best_dev in its
# model.json; dev.json, not the test sets) becomes resources/models/mrc-demo,
# the other two resources/models/mrc-METHOD-demo.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
EPOCHS=${EPOCHS:-}
BASE=${BASE:-runs/triples-encoder-mlm}  # the encoder the answerers start from
D=resources/data/mrc
if [ $# -eq 0 ]; then set -- mlm seq2seq pointer ship; fi

for step in "$@"; do
    if [ "$step" = ship ]; then
        $PY - <<'PY'
import json, shutil
from pathlib import Path

runs, models = Path("runs/mrc"), Path("resources/models")
scores = {}
for method in ("mlm", "seq2seq", "pointer"):
    meta = json.loads((runs / method / "model.json").read_text(encoding="utf-8"))
    scores[method] = meta["training"]["best_dev"]["f1"]
best = max(scores, key=scores.get)
for old in [models / "mrc-demo", *(models / f"mrc-{m}-demo" for m in scores)]:
    if old.exists():
        shutil.rmtree(old)
for method in scores:
    target = models / ("mrc-demo" if method == best else f"mrc-{method}-demo")
    shutil.copytree(runs / method, target)
    shutil.copy(runs / f"{method}.history.json", models / f"{target.name}.history.json")
    print(f"{method}: dev F1 {scores[method]:.4f} -> {target}")
PY
        continue
    fi
    needs_mlm=no
    case "$BASE" in runs/mlm | runs/triples-encoder-mlm) needs_mlm=yes ;; esac
    if [ $needs_mlm = yes ] && [ ! -f runs/mlm/bert_model.ckpt.index ]; then
        [ -f resources/data/pretrain.txt ] || $PY scripts/build_demo_data.py
        $PY main.py pretrain mlm \
            --corpus resources/data/pretrain.txt \
            --vocab resources/bert_vocab/vocab.txt --cut-vocab \
            --out runs/mlm --steps 2400 --lr 1e-3 --warmup 400 --seed 42
    fi
    if [ "$BASE" = runs/triples-encoder-mlm ] && [ ! -f "$BASE/bert_model.ckpt.index" ]; then
        $PY main.py pretrain from-model --model resources/models/triples-demo \
            --out "$BASE" --mlm-head runs/mlm
    fi
    [ -f $D/train.json ] || $PY scripts/build_mrc_data.py
    mkdir -p runs/mrc
    case "$step" in
        pointer) extra=(--question-marks --fold-traditional) schedules=${EPOCHS:-10} version=2 ;;
        seq2seq) extra=(--fold-traditional) schedules=${EPOCHS:-"4 6 12"} version=3 ;;
        *) extra=(--fold-traditional) schedules=${EPOCHS:-"2 8"} version=3 ;;
    esac
    for epochs in $schedules; do
        $PY main.py train mrc --method "$step" "${extra[@]}" \
            --train $D/train.json --dev $D/dev.json --base "$BASE" \
            --epochs "$epochs" --lr 1e-3 --warmup 150 --seed 42 \
            --passage-len 100 --question-len 32 --answer-len 24 \
            --name "mrc-$step-demo" --model-version $version --out "runs/mrc/$step"
    done
    # the window stride, and for MLM and seq2seq the length penalty, on dev
    $PY main.py tune mrc --model "runs/mrc/$step" --dev $D/dev.json --write
done
