#!/usr/bin/env bash
# The frame-labelling ablation of the model card: the same data, seed and budget with no ranking
# loss, L_s and L_m, with and without attention, the plain LSTM without its frame-difference
# input (with and without L_s), and the causal pooling baseline; prints the held-out frame
# accuracy, mAP and early-detection accuracy at 20 % observed side by side. About 8 minutes per
# model on 2 cores (13 with attention).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# GLIMPSE=PATH runs another build of the command (a copy, so the tree can be rebuilt meanwhile).
[ -n "${GLIMPSE:-}" ] || swift build -c release --product glimpse
glimpse="${GLIMPSE:-.build/release/glimpse}"
[ -d data/act-train ] || "$glimpse" data activities --out data/act-train --count 300 --seed 21
[ -d data/act-heldout ] || "$glimpse" data activities --out data/act-heldout --count 60 --seed 22
epochs="${EPOCHS:-15}"
printf '%-36s %8s %8s %8s\n' model accuracy mAP early@0.2
for variant in "lstm none" "lstm score" "lstm margin" "attention none" "attention score" \
    "attention margin" "lstm none --no-frame-difference" "lstm score --no-frame-difference" \
    "pooling none"; do
    set -- $variant
    out="data/ablation-$1-$2${3:-}"
    "$glimpse" label train --data data/act-train --out "$out" --temporal "$1" --rank-loss "$2" \
        ${3:-} --epochs "$epochs" --seed 1 --threads 2 --overwrite --quiet > /dev/null
    "$glimpse" label eval --data data/act-heldout --model "$out" --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("%-36s %8.4f %8.4f %8.4f" % (sys.argv[1], r["frame_accuracy"], r["map"], r["early_detection"]["0.2"]))
' "$1 / $2${3:+ (${3#--})}"
done
