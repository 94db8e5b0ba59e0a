#!/usr/bin/env bash
# Regenerate the fuzzers' seed corpora under fixtures/fuzz/ (png, jpeg, video, safetensors,
# model, captiondata) from the committed fixtures and a few tiny generated files.
#
#   bash scripts/make-fuzz-corpus.sh
#
# Needs: ffmpeg 5.1 (libx264, libx265, libvpx) and python3 (standard library only). Idempotent:
# same tool versions, same bytes. Crashers the fuzzers found (fixtures/fuzz/*/crash-*) are kept.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FIX="$ROOT/fixtures"
OUT="$FIX/fuzz"
FF=(ffmpeg -nostdin -hide_banner -loglevel error -y)
EXACT=(-fflags +bitexact -flags:v +bitexact -map_metadata -1 -map_chapters -1)

for target in png jpeg video safetensors model captiondata; do
    mkdir -p "$OUT/$target"
    find "$OUT/$target" -type f ! -name 'crash-*' -delete
done

# PNG: one file per colour type and bit depth family, palette and tRNS, Adam7, damaged ones.
for name in basn0g01 basn0g16 basn2c08 basn2c16 basn3p01 basn3p08 basn4a16 basn6a08 \
    ftbbn3p08 ftp1n3p08 ibasn0g16 ibasn3p08 ibasn6a16; do
    cp "$FIX/png/pngsuite/$name.png" "$OUT/png/"
done
cp "$FIX/png/bad/truncated.png" "$FIX/png/bad/huge_dimensions.png" "$OUT/png/"

# JPEG: every coding process and colour space the decoder handles, EXIF orientation, damage.
for name in baseline_420 baseline_444 baseline_411 progressive arithmetic grayscale cmyk \
    restart optimized orientation_6_bigendian precision12 truncated; do
    cp "$FIX/jpeg/$name.jpg" "$OUT/jpeg/"
done

# Video: 3-frame testsrc2 clips of 28×18 (a width swscale used to overrun), one per codec and
# container the fixtures cover.
clip() { printf 'testsrc2=size=%s:rate=10:duration=0.3' "$1"; }
V="$OUT/video"
"${FF[@]}" -f lavfi -i "$(clip 28x18)" -c:v libx264 -preset medium -crf 30 -threads 1 \
    -pix_fmt yuv420p -g 2 "${EXACT[@]}" "$V/h264_28x18.mp4"
"${FF[@]}" -f lavfi -i "$(clip 28x18)" -c:v libx265 -x265-params log-level=none -threads 1 \
    -tag:v hvc1 -pix_fmt yuv420p "${EXACT[@]}" "$V/hevc_28x18.mp4"
"${FF[@]}" -f lavfi -i "$(clip 32x24)" -c:v mpeg4 -q:v 8 -threads 1 -pix_fmt yuv420p \
    "${EXACT[@]}" "$V/mpeg4_32x24.avi"
"${FF[@]}" -f lavfi -i "$(clip 28x18)" -c:v mjpeg -q:v 8 -threads 1 -pix_fmt yuvj420p \
    "${EXACT[@]}" "$V/mjpeg_28x18.mkv"
"${FF[@]}" -f lavfi -i "$(clip 28x18)" -c:v libvpx-vp9 -deadline realtime -cpu-used 8 \
    -threads 1 -pix_fmt yuv420p "${EXACT[@]}" "$V/vp9_28x18.webm"

# safetensors: the reference implementation's file, plus the tiny model's weights below.
cp "$FIX/safetensors/python_written.safetensors" "$OUT/safetensors/"

# Model directories: a tiny made-up attention captioner (2 and 4 channels, 8×8 input, 4
# hidden units, 6 words; random weights), its four files joined by the separator
# Tests/Fuzz/Sources/FuzzModel splits on; and the same without position embedding.
python3 - "$OUT" <<'PY'
import json, random, struct, sys

out = sys.argv[1]
SEPARATOR = b"\n--glimpse-fuzz-file--\n"

def safetensors(tensors, metadata):
    header, data = {"__metadata__": metadata}, b""
    for name in sorted(tensors):
        shape = tensors[name]
        count = 1
        for n in shape:
            count *= n
        values = [random.uniform(-0.5, 0.5) for _ in range(count)]
        header[name] = {"dtype": "F32", "shape": shape,
                        "data_offsets": [len(data), len(data) + 4 * count]}
        data += struct.pack("<%df" % count, *values)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data

def model(position_embedding):
    random.seed(1)
    channels, side, hidden, embed, att = [2, 4], 8, 4, 4, 4
    words = ["<pad>", "<start>", "<end>", "<unk>", "a", "circle"]
    config = {
        "attention": att, "attention_regularization": 1, "decoder": "attention",
        "embedding": embed, "hidden": hidden, "length_penalty": 0, "max_length": 5,
        "min_word_count": 1, "seed": 1,
        "encoder": {
            "channels": channels, "position_embedding": position_embedding,
            "preprocessing": {"width": side, "height": side, "method": "area",
                              "resize": "stretch", "mean": [0.5] * 3, "std": [0.25] * 3},
        },
    }
    e, v, p = channels[-1], len(words), (side >> len(channels)) ** 2
    encoder, previous = {}, 3
    for i, c in enumerate(channels, 1):
        encoder[f"encoder.conv{i}.weight"] = [c, previous, 3, 3]
        encoder[f"encoder.conv{i}.bias"] = [c]
        previous = c
    if position_embedding:
        encoder["encoder.position"] = [p, e]
    d = "decoder."
    decoder = {
        d + "attention.decoder_att.weight": [att, hidden], d + "attention.decoder_att.bias": [att],
        d + "attention.encoder_att.weight": [att, e], d + "attention.encoder_att.bias": [att],
        d + "attention.full_att.weight": [1, att], d + "attention.full_att.bias": [1],
        d + "decode_step.weight_ih": [4 * hidden, embed + e],
        d + "decode_step.weight_hh": [4 * hidden, hidden],
        d + "decode_step.bias_ih": [4 * hidden], d + "decode_step.bias_hh": [4 * hidden],
        d + "deep_h.weight": [embed, hidden], d + "deep_h.bias": [embed],
        d + "deep_z.weight": [embed, e], d + "embedding.weight": [v, embed],
        d + "f_beta.weight": [1, hidden], d + "f_beta.bias": [1],
        d + "fc.weight": [v, embed], d + "fc.bias": [v],
        d + "init_c.weight": [hidden, e], d + "init_c.bias": [hidden],
        d + "init_h.weight": [hidden, e], d + "init_h.bias": [hidden],
    }
    metadata = {"glimpse.save_id": "fuzz-seed"}
    files = [json.dumps(config, indent=2).encode(), json.dumps(words).encode(),
             safetensors(encoder, metadata), safetensors(decoder, metadata)]
    return files

for name, position in [("tiny_attention", True), ("tiny_no_position", False)]:
    files = model(position)
    with open(f"{out}/model/{name}", "wb") as f:
        f.write(SEPARATOR.join(files))
    if position:
        with open(f"{out}/safetensors/tiny_encoder.safetensors", "wb") as f:
            f.write(files[2])
        with open(f"{out}/safetensors/tiny_decoder.safetensors", "wb") as f:
            f.write(files[3])
PY
# Caption datasets: one small file per layout (the first byte picks .json when even, .jsonl
# when odd; see Tests/Fuzz/Sources/FuzzCaptionData).
C="$OUT/captiondata"
seed() { { printf "$1"; printf '%s' "$3"; } > "$C/$2"; }
seed '\x00' coco.json '{"images": [{"id": 1, "file_name": "a.png"}, {"id": "b", "file_name": "b.png"}], "annotations": [{"image_id": 1, "caption": "a dog"}, {"image_id": "b", "caption": "two cats"}]}'
seed '\x00' karpathy.json '{"images": [{"filepath": "val2014", "filename": "a.jpg", "split": "train", "cocoid": 3, "sentences": [{"raw": "a dog", "tokens": ["a", "dog"]}, {"tokens": ["a", "cat"]}]}]}'
seed '\x00' neuraltalk2.json '[{"file_path": "a.jpg", "captions": ["a dog", "a brown dog"]}, {"file_path": "/abs/b.png", "captions": [], "id": 7}]'
seed '\x01' lines.jsonl $'{"image": "a.png", "captions": ["a \\u00e9t\\u00e9 dog"]}\n\n{"image": "b.png", "caption": "one"}\n'
seed '\x00' nested.json '{"images": [[[[{"a": [1.5e-3, -0, true, false, null]}]]]]}'

du -sh "$OUT"
