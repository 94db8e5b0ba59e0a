#!/usr/bin/env bash
# Reproduces the shipped VQA model (models/vqa) and prints its held-out scores. Deterministic for
# a given thread count (--threads 2). About 9 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
swift build -c release --product glimpse
glimpse=.build/release/glimpse
"$glimpse" data scenes --out data/vqa-train --count 3000 --seed 11 --questions
"$glimpse" data scenes --out data/vqa-heldout --count 500 --seed 12 --questions
# Validation (model selection): every 20th training image's questions; the held-out seed is
# used only below.
# The CNN starts from the shipped captioner's encoder (trained on 16 000 scenes of the same kind).
"$glimpse" vqa train --data data/vqa-train/questions.jsonl --out data/vqa --epochs "${EPOCHS:-15}" \
    --fusion relational --hops 2 --encoder-from models/captioner --seed 1 --threads 2
"$glimpse" vqa eval --data data/vqa-heldout/questions.jsonl --model data/vqa
mkdir -p models/vqa
cp data/vqa/{config.json,question_vocab.json,answer_vocab.json,encoder.safetensors,vqa.safetensors} \
    models/vqa/
