#!/usr/bin/env bash
# Installs the Debian packages Glimpse builds and tests with, only those missing (idempotent:
# a no-op when all are present). Needs root or sudo when something is missing.
set -euo pipefail

packages=(
    pkg-config
    libpng-dev libjpeg-dev libturbojpeg0-dev                       # image codecs
    libavformat-dev libavcodec-dev libavutil-dev libswscale-dev    # FFmpeg
    libopenblas-dev                                                # every matrix product
    ffmpeg libjpeg-turbo-progs                                     # reference tools for tests
)

missing=()
for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "installing: ${missing[*]}" >&2
sudo=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "error: run as root or install sudo" >&2; exit 1; }
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
