#!/usr/bin/env bash
# The sentences the window opens with: 300 held-out sentences pre-annotated by
# the demo model (statuses "predicted", with scores), so a first start shows
# real model output without waiting for TensorFlow.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head -n 300 resources/data/triples/dev.jsonl | $PY -c '
import json, sys
for line in sys.stdin:
    print(json.dumps({"text": json.loads(line)["text"]}, ensure_ascii=False))
' > "$tmp/texts.jsonl"
$PY main.py extract --model resources/models/triples-demo --input "$tmp/texts.jsonl" --output "$tmp/out.jsonl"
# Mark each triple as the demo model's prediction, so the project records its origin.
$PY - "$tmp/out.jsonl" resources/demo/demo_project.jsonl <<'PYEOF'
import json, sys
model = json.load(open("resources/models/triples-demo/model.json", encoding="utf-8"))
origin = f"{model['name']}@{model['version']}"
with open(sys.argv[1], encoding="utf-8") as f, open(sys.argv[2], "w", encoding="utf-8") as out:
    for line in f:
        record = json.loads(line)
        for spo in record["spo_list"]:
            spo["status"], spo["origin"] = "predicted", origin
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
PYEOF
