"""Reference values for Glimpse's image resizing, computed independently with numpy.

Bilinear: half-pixel centres, source coordinate clamped at 0, as PyTorch's
interpolate(mode="bilinear", align_corners=False, antialias=False).
Area: each output pixel is the mean of the source area it covers (exact overlaps).
Rounding to 8 bits: round half up.

Run from the repository root:  python3 Tests/GlimpseMediaTests/reference/resize_reference.py
It writes fixtures/reference/resize.json; CI never needs to run it.
"""
import json

import numpy as np


def source_image(width, height, channels):
    y, x, c = np.meshgrid(np.arange(height), np.arange(width), np.arange(channels), indexing="ij")
    return ((x * 37 + y * 91 + c * 53 + (x * y) % 7 * 11) % 256).astype(np.float64)


def bilinear_matrix(source, target):
    m = np.zeros((target, source))
    scale = source / target
    for i in range(target):
        centre = max(0.0, (i + 0.5) * scale - 0.5)
        low = min(int(np.floor(centre)), source - 1)
        high = min(low + 1, source - 1)
        t = centre - low
        m[i, low] += 1 - t
        m[i, high] += t
    return m


def area_matrix(source, target):
    m = np.zeros((target, source))
    scale = source / target
    for i in range(target):
        start, end = i * scale, (i + 1) * scale
        for j in range(source):
            overlap = min(end, j + 1) - max(start, j)
            if overlap > 0:
                m[i, j] = overlap / scale
    return m


def resize(image, width, height, kind):
    matrix = bilinear_matrix if kind == "bilinear" else area_matrix
    rows = matrix(image.shape[0], height)
    cols = matrix(image.shape[1], width)
    out = np.einsum("yi,ijc,xj->yxc", rows, image, cols)
    return np.clip(np.floor(out + 0.5), 0, 255).astype(np.uint8)


cases = []
for (w, h, c) in [(13, 9, 3), (8, 6, 4)]:
    image = source_image(w, h, c)
    for kind, targets in [
        ("bilinear", [(7, 5), (20, 14), (13, 4), (3, 3)]),
        ("area", [(7, 5), (4, 3), (26, 18), (5, 9)]),
    ]:
        for (tw, th) in targets:
            cases.append({
                "source_width": w, "source_height": h, "channels": c, "method": kind,
                "width": tw, "height": th,
                "source": image.astype(np.uint8).flatten().tolist(),
                "expected": resize(image, tw, th, kind).flatten().tolist(),
            })

with open("fixtures/reference/resize.json", "w") as f:
    json.dump(cases, f)
print(f"wrote {len(cases)} cases")
