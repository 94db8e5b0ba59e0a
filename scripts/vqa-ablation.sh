#!/usr/bin/env bash
# The VQA ablation of the model card: the shipped model's command with each fusion — relational
# attention (the shipped one), plain stacked attention, Antol et al.'s element-wise product, and
# the question-only and image-only baselines — then the held-out accuracy overall and per
# question type side by side.
# EPOCHS (default 10) sets every run's length; 2–5 minutes per model on 2 cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
swift build -c release --product glimpse
glimpse=.build/release/glimpse
[ -d data/vqa-train ] || "$glimpse" data scenes --out data/vqa-train --count 3000 --seed 11 --questions
[ -d data/vqa-heldout ] || "$glimpse" data scenes --out data/vqa-heldout --count 500 --seed 12 --questions
epochs="${EPOCHS:-10}"
printf '%-14s %8s %8s %8s %8s %8s %8s %8s\n' fusion overall color shape size count exists relation
for fusion in relational attention product question-only image-only; do
    out="data/vqa-ablation-$fusion"
    "$glimpse" vqa train --data data/vqa-train/questions.jsonl --out "$out" --fusion "$fusion" \
        --hops 2 --encoder-from models/captioner --epochs "$epochs" --seed 1 --threads 2 \
        --overwrite --quiet > /dev/null
    "$glimpse" vqa eval --data data/vqa-heldout/questions.jsonl --model "$out" --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
t = {k: v["accuracy"] for k, v in r["by_question_type"].items()}
print("%-14s %8.4f" % (sys.argv[1], r["accuracy"]) + "".join(
    " %8.4f" % t.get(k, float("nan")) for k in ["color", "shape", "size", "count", "exists", "relation"]))
' "$fusion"
done
