"""Expected parameters after three optimizer steps, from torch.optim's update rules written
out in numpy (independently of Glimpse's code). Paste-ready output for OptimizerTests.swift.

Run:  python3 Tests/GlimpseLayersTests/reference/optimizer_reference.py
"""
import numpy as np

p0 = np.array([0.5, -1.0, 2.0, 0.1], dtype=np.float64)


def grad(k):
    return np.array([np.sin(k + i) * (i + 1) for i in range(4)])


def clip_norm(g, max_norm):
    n = np.sqrt((g * g).sum())
    c = max_norm / (n + 1e-6)
    return g * c if c < 1 else g


def sgd(lr, momentum=0.0, nesterov=False, wd=0.0, clip=None):
    p = p0.copy(); buf = None
    for k in range(3):
        g = grad(k)
        if clip: g = clip_norm(g, clip)
        g = g + wd * p
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
    return p


def adagrad(lr, eps=1e-10, wd=0.0):
    p = p0.copy(); s = np.zeros(4)
    for k in range(3):
        g = grad(k) + wd * p
        s += g * g
        p = p - lr * g / (np.sqrt(s) + eps)
    return p


def rmsprop(lr, alpha=0.99, eps=1e-8):
    p = p0.copy(); v = np.zeros(4)
    for k in range(3):
        g = grad(k)
        v = alpha * v + (1 - alpha) * g * g
        p = p - lr * g / (np.sqrt(v) + eps)
    return p


def adam(lr, b1=0.9, b2=0.999, eps=1e-8, wd=0.0, clip=None):
    p = p0.copy(); m = np.zeros(4); v = np.zeros(4)
    for k in range(3):
        g = grad(k)
        if clip: g = clip_norm(g, clip)
        g = g + wd * p
        t = k + 1
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        p = p - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
    return p


cases = {
    "sgd": sgd(0.1),
    "sgdMomentum": sgd(0.1, momentum=0.9, wd=0.01),
    "sgdNesterov": sgd(0.1, momentum=0.9, nesterov=True),
    "sgdClipped": sgd(0.1, clip=1.0),
    "adagrad": adagrad(0.1, wd=0.01),
    "rmsprop": rmsprop(0.01),
    "adam": adam(0.01),
    "adamClippedDecay": adam(0.01, wd=0.1, clip=0.5),
}
for name, p in cases.items():
    print(f'"{name}": [{", ".join(f"{x:.7g}" for x in p)}],')
