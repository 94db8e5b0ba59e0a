#!/usr/bin/env bash
# Regenerate the test media under fixtures/ (png/, jpeg/, video/) deterministically.
#
#   bash scripts/make-fixtures.sh
#
# Needs: ffmpeg/ffprobe (5.1 with libx264, libx265, libvpx), cjpeg (libjpeg-turbo-progs),
# python3 (standard library only; scripts/fixture_bytes.py). cmyk.jpg additionally needs
# network access to PyPI: Pillow is installed into a throwaway venv under /tmp.
#
# Inputs outside the repo: the PNG test suites at ../shared/testdata/png (override with
# GLIMPSE_PNG_TESTDATA=/path). A fresh clone has no ../shared: then the committed copies in
# fixtures/png/{pngsuite,testpngs,LICENSE-libpng.txt} are kept as they are. Likewise, when
# Pillow cannot be installed, the committed fixtures/jpeg/cmyk.jpg is kept.
#
# Everything is built in a temporary directory first and then swapped into fixtures/, so the
# script is idempotent (re-running gives byte-identical files with the same tool versions) and
# a failed run leaves fixtures/ as it was. fixtures/README.md is hand-written, not touched here.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FIX="$ROOT/fixtures"
PNG_SRC="${GLIMPSE_PNG_TESTDATA:-$ROOT/../shared/testdata/png}"
BYTES=(python3 "$ROOT/scripts/fixture_bytes.py")
PILLOW_VERSION="11.3.0"

for tool in ffmpeg ffprobe cjpeg python3; do
    command -v "$tool" >/dev/null || { echo "make-fixtures: '$tool' not found" >&2; exit 1; }
done

TMP="$(mktemp -d /tmp/glimpse-fixtures.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT
OUT="$TMP/out"           # staged fixtures
mkdir -p "$OUT/png/bad" "$OUT/jpeg" "$OUT/video"

log() { printf '[make-fixtures] %s\n' "$*"; }
die() { printf '[make-fixtures] ERROR: %s\n' "$*" >&2; exit 1; }

# ffmpeg: quiet, never interactive, overwrite; output flags that drop version strings,
# creation times, random UIDs and input metadata so that output depends only on the inputs.
FF=(ffmpeg -nostdin -hide_banner -loglevel error -y)
EXACT=(-fflags +bitexact -flags:v +bitexact -flags:a +bitexact -map_metadata -1 -map_chapters -1)

# =========================================================================== PNG
log "png: copying test suites"
if [[ -d "$PNG_SRC/pngsuite" && -d "$PNG_SRC/testpngs" ]]; then
    mkdir -p "$OUT/png/pngsuite/interlaced" "$OUT/png/testpngs"
    cp "$PNG_SRC"/pngsuite/*.png "$PNG_SRC/pngsuite/README" "$OUT/png/pngsuite/"
    # bad_interlace_conversions.txt is part of the suite's notes (names that libpng's own
    # interlace round-trip tests skip); small, kept for reference.
    cp "$PNG_SRC/pngsuite/bad_interlace_conversions.txt" "$OUT/png/pngsuite/"
    cp "$PNG_SRC"/pngsuite/interlaced/* "$OUT/png/pngsuite/interlaced/"
    cp "$PNG_SRC"/testpngs/*.png "$OUT/png/testpngs/"           # not makepngs.sh
    for sub in badpal crashers png-3; do                          # png-3 holds a PNG (cICP)
        mkdir -p "$OUT/png/testpngs/$sub"
        cp "$PNG_SRC/testpngs/$sub"/*.png "$OUT/png/testpngs/$sub/"
    done
    cp "$PNG_SRC/LICENSE-libpng.txt" "$OUT/png/LICENSE-libpng.txt"
elif [[ -f "$FIX/png/pngsuite/basn2c08.png" && -f "$FIX/png/LICENSE-libpng.txt" ]]; then
    log "png: $PNG_SRC not found; keeping the committed copies in fixtures/png"
    cp -R "$FIX/png/pngsuite" "$FIX/png/testpngs" "$OUT/png/"
    cp "$FIX/png/LICENSE-libpng.txt" "$OUT/png/"
else
    die "no PNG test data: $PNG_SRC is missing and fixtures/png has no committed copy"
fi

log "png: bad/"
: > "$OUT/png/bad/empty.png"
"${BYTES[@]}" head "$OUT/png/pngsuite/basn2c08.png" "$OUT/png/bad/truncated.png" 60
"${BYTES[@]}" random "$OUT/png/bad/garbage.png" 4096 1
"${BYTES[@]}" png-huge "$OUT/png/bad/huge_dimensions.png" 100000 100000

log "png: icc/ (an embedded ICC profile)"
mkdir -p "$OUT/png/icc"
"${BYTES[@]}" icc-profile "$OUT/png/icc/profile.icc"
"${BYTES[@]}" png-iccp "$OUT/png/pngsuite/basn2c08.png" "$OUT/png/icc/rgb_iccp.png" \
    "$OUT/png/icc/profile.icc" "Glimpse test RGB"
# jpeg_named.png is copied from jpeg/baseline_420.jpg below.

# =========================================================================== JPEG
log "jpeg: source picture 97x61 (testsrc2, frame 0)"
SRC_PPM="$TMP/source.ppm"     # not committed
"${FF[@]}" -f lavfi -i "testsrc2=size=97x61:rate=25,format=rgb24" -frames:v 1 \
    -pix_fmt rgb24 "${EXACT[@]}" "$SRC_PPM"
"${BYTES[@]}" ppm-to-rgb "$SRC_PPM" "$OUT/jpeg/source_97x61.rgb"
[[ $(stat -c %s "$OUT/jpeg/source_97x61.rgb") -eq $((97 * 61 * 3)) ]] \
    || die "source_97x61.rgb has the wrong size"

J="$OUT/jpeg"
log "jpeg: cjpeg variants"
cjpeg -quality 90 -sample 2x2 -outfile "$J/baseline_420.jpg" "$SRC_PPM"
cjpeg -quality 90 -sample 2x1 -outfile "$J/baseline_422.jpg" "$SRC_PPM"
cjpeg -quality 90 -sample 1x1 -outfile "$J/baseline_444.jpg" "$SRC_PPM"
cjpeg -quality 90 -sample 1x2 -outfile "$J/baseline_440.jpg" "$SRC_PPM"
cjpeg -quality 90 -sample 4x1 -outfile "$J/baseline_411.jpg" "$SRC_PPM"
cjpeg -quality 90 -progressive -outfile "$J/progressive.jpg" "$SRC_PPM"
cjpeg -quality 90 -arithmetic  -outfile "$J/arithmetic.jpg"  "$SRC_PPM"
cjpeg -quality 90 -grayscale   -outfile "$J/grayscale.jpg"   "$SRC_PPM"
cjpeg -quality 90 -restart 1   -outfile "$J/restart.jpg"     "$SRC_PPM"   # RST every MCU row
cjpeg -quality 90 -optimize    -outfile "$J/optimized.jpg"   "$SRC_PPM"
cjpeg -quality 90 -icc "$OUT/png/icc/profile.icc" -outfile "$J/icc_profile.jpg" "$SRC_PPM"

log "jpeg: ffmpeg mjpeg"
"${FF[@]}" -i "$SRC_PPM" -frames:v 1 -c:v mjpeg -q:v 3 -pix_fmt yuvj420p "${EXACT[@]}" \
    -f image2 -update 1 "$J/ffmpeg_mjpeg.jpg"

log "jpeg: cmyk.jpg via Pillow $PILLOW_VERSION in a throwaway venv"
make_cmyk() {
    python3 -m venv "$TMP/venv" >/dev/null 2>&1 || return 1
    "$TMP/venv/bin/pip" install --quiet --disable-pip-version-check "pillow==$PILLOW_VERSION" \
        >"$TMP/pip.log" 2>&1 || { cat "$TMP/pip.log" >&2; return 1; }
    "$TMP/venv/bin/python" - "$J/source_97x61.rgb" "$J/cmyk.jpg" <<'PY'
import sys
from PIL import Image
src, dst = sys.argv[1], sys.argv[2]
with open(src, "rb") as f:
    rgb = Image.frombytes("RGB", (97, 61), f.read())
# Pillow's RGB->CMYK is C=255-R, M=255-G, Y=255-B, K=0; its JPEG writer stores the
# samples inverted ("CMYK;I", Adobe/Photoshop convention) with an Adobe APP14 marker.
rgb.convert("CMYK").save(dst, "JPEG", quality=90)
with Image.open(dst) as im:
    assert im.format == "JPEG" and im.mode == "CMYK" and im.size == (97, 61), (im.mode, im.size)
    assert "adobe" in im.info, "no Adobe APP14 marker"
PY
}
if ! make_cmyk; then
    if [[ -f "$FIX/jpeg/cmyk.jpg" ]]; then
        log "jpeg: could not install Pillow; keeping the committed fixtures/jpeg/cmyk.jpg"
        cp "$FIX/jpeg/cmyk.jpg" "$J/cmyk.jpg"
    else
        die "could not make cmyk.jpg (Pillow install failed) and there is no committed copy"
    fi
fi

log "jpeg: EXIF orientation, patched and broken files"
for n in 3 6 8; do
    "${BYTES[@]}" jpeg-exif "$J/baseline_420.jpg" "$J/orientation_$n.jpg" "$n" II
done
"${BYTES[@]}" jpeg-exif "$J/baseline_420.jpg" "$J/orientation_6_bigendian.jpg" 6 MM
"${BYTES[@]}" jpeg-sof "$J/baseline_420.jpg" "$J/precision12.jpg" --precision 12
"${BYTES[@]}" jpeg-sof "$J/baseline_420.jpg" "$J/huge_dimensions.jpg" --height 65000 --width 65000
"${BYTES[@]}" head "$J/baseline_420.jpg" "$J/truncated.jpg" 50
"${BYTES[@]}" random "$J/garbage.jpg" 4096 2 ffd8ff
: > "$J/empty.jpg"
cp "$OUT/png/pngsuite/basn2c08.png" "$J/png_named.jpg"
cp "$J/baseline_420.jpg" "$OUT/png/bad/jpeg_named.png"

# =========================================================================== video
V="$OUT/video"
# testsrc2 rounds odd sizes down to even unless its output format is pinned to one without
# chroma subsampling, hence the optional 4th argument (e.g. yuv444p).
lavfi() { printf 'testsrc2=size=%s:rate=%s:duration=%s%s' "$1" "$2" "$3" "${4:+,format=$4}"; }
X264=(-c:v libx264 -preset medium -crf 23 -threads 1)   # fixed threads: x264's SEI lists them

log "video: h264_320x240.mp4"
"${FF[@]}" -f lavfi -i "$(lavfi 320x240 25 2)" "${X264[@]}" -pix_fmt yuv420p \
    -g 10 -keyint_min 10 -sc_threshold 0 -movflags +faststart "${EXACT[@]}" "$V/h264_320x240.mp4"

log "video: h264_321x241.mp4 (odd size, 4:4:4)"
"${FF[@]}" -f lavfi -i "$(lavfi 321x241 25 1 yuv444p)" "${X264[@]}" -pix_fmt yuv444p \
    "${EXACT[@]}" "$V/h264_321x241.mp4"

log "video: mpeg4_176x144.avi"
"${FF[@]}" -f lavfi -i "$(lavfi 176x144 15 2)" -c:v mpeg4 -q:v 4 -pix_fmt yuv420p -threads 1 \
    "${EXACT[@]}" "$V/mpeg4_176x144.avi"

log "video: vp9_160x120.webm"
"${FF[@]}" -f lavfi -i "$(lavfi 160x120 10 2)" -c:v libvpx-vp9 -deadline realtime -cpu-used 8 \
    -b:v 0 -crf 40 -row-mt 0 -threads 1 -pix_fmt yuv420p "${EXACT[@]}" "$V/vp9_160x120.webm"

log "video: mjpeg_160x120.mkv"
"${FF[@]}" -f lavfi -i "$(lavfi 160x120 10 1)" -c:v mjpeg -q:v 5 -pix_fmt yuvj420p -threads 1 \
    "${EXACT[@]}" "$V/mjpeg_160x120.mkv"

log "video: hevc_160x120.mp4"
"${FF[@]}" -f lavfi -i "$(lavfi 160x120 10 1)" -c:v libx265 -tag:v hvc1 -pix_fmt yuv420p \
    -x265-params log-level=error:info=0:pools=none:frame-threads=1 \
    "${EXACT[@]}" "$V/hevc_160x120.mp4"

log "video: rotated_90.mp4"
# ffmpeg 5.1's '-metadata:s:v:0 rotate=90' is ignored when encoding and, with -c copy, writes
# the opposite direction (ffprobe rotation=+90); so the tkhd display matrix is written
# directly: 90 degrees clockwise for display, ffprobe side data 'rotation=-90'.
"${FF[@]}" -f lavfi -i "$(lavfi 160x96 10 1)" "${X264[@]}" -pix_fmt yuv420p \
    "${EXACT[@]}" "$TMP/rotated_src.mp4"
"${BYTES[@]}" mp4-rotate "$TMP/rotated_src.mp4" "$V/rotated_90.mp4" 90

log "video: vfr.mkv"
# 20 frames: 0..9 every 40 ms, then a 240 ms gap, then every 80 ms (pts 0..360, 600..1320 ms).
"${FF[@]}" -f lavfi -i "$(lavfi 160x120 25 0.8)" \
    -vf "setpts='round(if(lt(N,10),N*0.04,0.6+(N-10)*0.08)/TB)'" -fps_mode vfr \
    "${X264[@]}" -pix_fmt yuv420p "${EXACT[@]}" "$V/vfr.mkv"

log "video: one_frame.mp4"
"${FF[@]}" -f lavfi -i "$(lavfi 160x120 10 1)" -frames:v 1 "${X264[@]}" -pix_fmt yuv420p \
    "${EXACT[@]}" "$V/one_frame.mp4"

log "video: audio_only.m4a"
"${FF[@]}" -f lavfi -i "sine=frequency=440:duration=1" -c:a aac -b:a 64k "${EXACT[@]}" \
    "$V/audio_only.m4a"

log "video: truncated / garbage / empty"
"${BYTES[@]}" head "$V/h264_320x240.mp4" "$V/truncated.mp4" 40
"${FF[@]}" -i "$V/h264_320x240.mp4" -c copy "${EXACT[@]}" "$TMP/h264_320x240.mkv"
"${BYTES[@]}" head "$TMP/h264_320x240.mkv" "$V/truncated.mkv" 5
"${BYTES[@]}" random "$V/garbage.mp4" 8192 3
: > "$V/empty.mp4"

# =========================================================================== checks
log "checking"
probe() { ffprobe -v error -select_streams v:0 "$@"; }
frames() { probe -count_frames -show_entries stream=nb_read_frames -of default=nw=1:nk=1 "$1"; }
size() { probe -show_entries stream=width,height -of default=nw=1:nk=1 "$1" | head -n 2 | paste -sd x; }
pts_list() { probe -show_entries frame=pts -of csv=p=0 "$1" | tr -d ', ' | sed '/^$/d' | sort -n; }

for want in h264_320x240.mp4:320x240 h264_321x241.mp4:321x241 mpeg4_176x144.avi:176x144 \
            vp9_160x120.webm:160x120 mjpeg_160x120.mkv:160x120 hevc_160x120.mp4:160x120 \
            rotated_90.mp4:160x96 vfr.mkv:160x120 one_frame.mp4:160x120; do
    got=$(size "$V/${want%%:*}")
    [[ $got == "${want#*:}" ]] || die "${want%%:*}: size is $got, expected ${want#*:}"
done

[[ $(frames "$V/h264_320x240.mp4") == 50 ]] || die "h264_320x240.mp4: expected 50 frames"
[[ $(frames "$V/one_frame.mp4") == 1 ]] || die "one_frame.mp4: expected 1 frame"
[[ $("${BYTES[@]}" mp4-keyframes "$V/h264_320x240.mp4") == "0 10 20 30 40" ]] \
    || die "h264_320x240.mp4: keyframes are not every 10 frames"
rot=$(probe -show_entries stream_side_data=rotation -of default=nw=1:nk=1 "$V/rotated_90.mp4")
[[ $rot == -90 ]] || die "rotated_90.mp4: ffprobe rotation is '$rot', expected -90"
deltas=$(pts_list "$V/vfr.mkv" |
    awk 'NR > 1 { print $1 - prev } { prev = $1 }' | sort -un | wc -l)
[[ $deltas -ge 2 ]] || die "vfr.mkv: frame durations are all equal"
[[ $(ffprobe -v error -show_entries stream=codec_type -of csv=p=0 "$V/audio_only.m4a") == audio ]] \
    || die "audio_only.m4a must have exactly one (audio) stream"

# =========================================================================== install
log "installing into $FIX"
mkdir -p "$FIX"
find "$OUT" -type d -exec chmod 755 {} +
find "$OUT" -type f -exec chmod 644 {} +
for d in png jpeg video; do
    rm -rf "$FIX/$d"
    cp -R "$OUT/$d" "$FIX/$d"
done

# =========================================================================== summary
echo
echo "== videos (ffprobe, frames counted by decoding) =="
for f in "$FIX"/video/*; do
    name=$(basename "$f")
    if [[ $name == audio_only.m4a ]]; then
        sel=(-select_streams a:0 -show_entries stream=codec_name,sample_rate,channels,duration,nb_read_frames)
    else
        sel=(-select_streams v:0 -show_entries
             stream=codec_name,width,height,pix_fmt,r_frame_rate,nb_read_frames:stream_side_data=rotation)
    fi
    info=$(ffprobe -v error -count_frames "${sel[@]}" -of compact=p=0 "$f" 2>"$TMP/probe.err" |
        tr '\n' ' ') || true
    if [[ -s "$TMP/probe.err" ]]; then
        info="$info(ffprobe errors, expected for broken files: $(tail -n 1 "$TMP/probe.err"))"
    fi
    printf '%-18s %s\n' "$name" "$info"
done
echo
echo "== vfr.mkv frame pts (ms) =="
pts_list "$FIX/video/vfr.mkv" | tr '\n' ' '
echo
echo
du -sh "$FIX"
