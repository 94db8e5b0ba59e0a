#!/usr/bin/env python3
"""Expected forward values for GlimpseTensorTests, computed with numpy.

Run `python3 forward_values.py` and paste the printed arrays into the tests named in each
section. CI never runs this; it documents where the numbers in the tests come from.
"""
import numpy as np

np.set_printoptions(precision=9)


def show(name, array):
    values = ", ".join(f"{v:.7g}" for v in np.asarray(array, dtype=np.float64).ravel())
    print(f"{name} {list(np.shape(array))}: [{values}]")


def splitmix64(state, count):
    mask = (1 << 64) - 1
    out = []
    for _ in range(count):
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        out.append(z ^ (z >> 31))
    return out


# ElementwiseTests: x = arange(-1, 1.25, 0.5) as float32.
x = np.arange(-1, 1.25, 0.5, dtype=np.float32)
show("exp", np.exp(x))
show("tanh", np.tanh(x))
show("sigmoid", 1 / (1 + np.exp(-x.astype(np.float64))))
show("log(x + 2)", np.log(x + 2))
show("sqrt(x + 2)", np.sqrt(x + 2))
show("pow(x + 2, 1.5)", np.power(x + 2, 1.5))

# SoftmaxTests: a 2x3 matrix along both axes.
s = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 4.0]])
for axis in (0, 1):
    e = np.exp(s - s.max(axis=axis, keepdims=True))
    soft = e / e.sum(axis=axis, keepdims=True)
    show(f"softmax axis {axis}", soft)
    show(f"logSoftmax axis {axis}", np.log(soft))

# MatmulTests.
a = np.arange(6, dtype=np.float64).reshape(2, 3) - 2
b = np.arange(12, dtype=np.float64).reshape(3, 4) / 4
show("a @ b", a @ b)
show("a.T @ a", a.T @ a)
show("a @ a.T", a @ a.T)
ba = np.arange(12, dtype=np.float64).reshape(2, 2, 3) - 5
bb = np.arange(12, dtype=np.float64).reshape(2, 3, 2) / 3
show("batched ba @ bb", ba @ bb)

# ReductionTests: arange(24) reshaped to [2, 3, 4], squared mod 7.
r = (np.arange(24).reshape(2, 3, 4) ** 2) % 7
show("r", r)
print("r.sum():", r.sum(), "r.mean():", r.mean())
show("r.sum(axis=1)", r.sum(axis=1))
show("r.mean(axis=2)", r.mean(axis=2))
show("r.max(axis=1)", r.max(axis=1))
show("r.argmax(axis=1)", r.argmax(axis=1))

# RandomTests: first outputs of SplitMix64 seeded with 0.
print("splitmix64(0):", [hex(v) for v in splitmix64(0, 3)])
