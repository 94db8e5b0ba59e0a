"""Reference values for Glimpse's conv2d, maxPool2d and avgPool2d, computed with naive loops.

Written independently of the Swift kernels: plain loops over every output element and window
position in float64 (no im2col, no matrix products), following PyTorch's definitions:
  conv2d     y[n,o,i,j] = b[o] + sum_{c,u,v} w[o,c,u,v] * x[n, c, i*sh+u-ph, j*sw+v-pw], 0 outside
  max_pool2d padding counts as -inf
  avg_pool2d padding counts as 0, divisor kh*kw (count_include_pad=True)
Output size floor((H + 2p - k) / s) + 1 on each axis.

Inputs come from formulas the Swift tests reproduce, over the flat row-major index i:
  x[i] = sin(0.37 i),  w[i] = cos(0.11 i),  b[o] = 0.1 o - 0.2

Run from the repository root:  python3 Tests/GlimpseLayersTests/reference/conv_pool_reference.py
It writes fixtures/reference/conv_pool.json; CI never needs to run it.
"""
import json
import math

import numpy as np


def formula(shape, fn, frequency):
    flat = np.arange(int(np.prod(shape)), dtype=np.float64)
    # Rounded to float32 first, as the Swift side stores them.
    return fn(frequency * flat).astype(np.float32).astype(np.float64).reshape(shape)


def output_size(extent, kernel, stride, padding):
    return (extent + 2 * padding - kernel) // stride + 1


def conv2d(x, w, b, stride, padding):
    n_, c_, h, wd = x.shape
    o_, _, kh, kw = w.shape
    oh = output_size(h, kh, stride[0], padding[0])
    ow = output_size(wd, kw, stride[1], padding[1])
    y = np.zeros((n_, o_, oh, ow))
    for n in range(n_):
        for o in range(o_):
            for i in range(oh):
                for j in range(ow):
                    total = b[o]
                    for c in range(c_):
                        for u in range(kh):
                            for v in range(kw):
                                r = i * stride[0] + u - padding[0]
                                s = j * stride[1] + v - padding[1]
                                if 0 <= r < h and 0 <= s < wd:
                                    total += w[o, c, u, v] * x[n, c, r, s]
                    y[n, o, i, j] = total
    return y


def pool2d(x, kernel, stride, padding, mode):
    n_, c_, h, wd = x.shape
    oh = output_size(h, kernel[0], stride[0], padding[0])
    ow = output_size(wd, kernel[1], stride[1], padding[1])
    y = np.zeros((n_, c_, oh, ow))
    for n in range(n_):
        for c in range(c_):
            for i in range(oh):
                for j in range(ow):
                    values = []
                    for u in range(kernel[0]):
                        for v in range(kernel[1]):
                            r = i * stride[0] + u - padding[0]
                            s = j * stride[1] + v - padding[1]
                            inside = 0 <= r < h and 0 <= s < wd
                            if mode == "max":
                                values.append(x[n, c, r, s] if inside else -math.inf)
                            else:
                                values.append(x[n, c, r, s] if inside else 0.0)
                    if mode == "max":
                        y[n, c, i, j] = max(values)
                    else:
                        y[n, c, i, j] = sum(values) / (kernel[0] * kernel[1])
    return y


CASES = [
    # name, op, input shape, weight shape (conv) or kernel (pool), stride, padding
    ("conv 3x3 stride 1 pad 1", "conv2d", [2, 3, 5, 6], [4, 3, 3, 3], [1, 1], [1, 1]),
    ("conv 3x2 stride (2,1) pad (1,0)", "conv2d", [2, 3, 7, 5], [4, 3, 3, 2], [2, 1], [1, 0]),
    ("maxpool 2x2 stride 2", "maxPool2d", [2, 3, 6, 7], [2, 2], [2, 2], [0, 0]),
    ("maxpool 2x2 stride (2,1)", "maxPool2d", [1, 2, 5, 6], [2, 2], [2, 1], [0, 0]),
    ("maxpool 3x3 stride 2 pad 1", "maxPool2d", [2, 2, 7, 7], [3, 3], [2, 2], [1, 1]),
    ("avgpool 3x3 stride 2 pad 1", "avgPool2d", [2, 2, 7, 6], [3, 3], [2, 2], [1, 1]),
]

results = []
for name, op, input_shape, kernel, stride, padding in CASES:
    x = formula(input_shape, np.sin, 0.37)
    case = {"name": name, "op": op, "input_shape": input_shape, "stride": stride,
            "padding": padding}
    if op == "conv2d":
        w = formula(kernel, np.cos, 0.11)
        b = np.array([0.1 * o - 0.2 for o in range(kernel[0])], dtype=np.float32)
        y = conv2d(x, w, b.astype(np.float64), stride, padding)
        case["weight_shape"] = kernel
    else:
        y = pool2d(x, kernel, stride, padding, "max" if op == "maxPool2d" else "avg")
        case["kernel"] = kernel
    case["expected_shape"] = list(y.shape)
    case["expected"] = [float(f"{v:.8g}") for v in y.ravel()]
    results.append(case)
    print(f"{name}: {list(y.shape)}")

with open("fixtures/reference/conv_pool.json", "w") as f:
    # One case per line keeps diffs readable.
    f.write("[\n" + ",\n".join(json.dumps(case) for case in results) + "\n]\n")
