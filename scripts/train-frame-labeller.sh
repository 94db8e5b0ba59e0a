#!/usr/bin/env bash
# Reproduces the shipped frame labeller (models/frame-labeller) and prints its held-out scores:
# the plain online LSTM with Ma et al.'s detection-score ranking loss L_s (λ_r = 1), the
# "lstm / score" row of scripts/label-ablation.sh (same data, seed and budget). Deterministic for
# a given thread count (--threads 2). About 8 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
swift build -c release --product glimpse
glimpse=.build/release/glimpse
[ -d data/act-train ] || "$glimpse" data activities --out data/act-train --count 300 --seed 21
[ -d data/act-heldout ] || "$glimpse" data activities --out data/act-heldout --count 60 --seed 22
# Validation (model selection): every 10th training clip; the held-out seed is used only below.
"$glimpse" label train --data data/act-train --out data/frame-labeller --temporal lstm \
    --rank-loss score --epochs "${EPOCHS:-15}" --seed 1 --threads 2 --overwrite
"$glimpse" label eval --data data/act-heldout --model data/frame-labeller --json
mkdir -p models/frame-labeller
cp data/frame-labeller/{config.json,model.safetensors} models/frame-labeller/
