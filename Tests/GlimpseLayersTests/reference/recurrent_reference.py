#!/usr/bin/env python3
"""Reference outputs for RecurrentCellTests, RecurrentLayerTests and SoftAttentionTests.

Implements PyTorch's nn.LSTMCell / nn.GRUCell / nn.RNNCell equations, the multi-layer
bidirectional nn.LSTM / nn.GRU / nn.RNN wrappers and Show-Attend-Tell soft attention directly in
numpy (float64, from float32-rounded inputs), independent of Glimpse's code. Every parameter and
input is a pattern both sides can rebuild: element k (row-major) of a tensor with spec
(scale, frequency, offset) is float32(scale * sin(frequency * k + offset)). Parameters are
listed in creation order with their PyTorch names, so the Swift tests also check the names.

Run `python3 recurrent_reference.py > ../../../fixtures/reference/recurrent.json`
(numpy only). CI never runs it.
"""
import json
import re

import numpy as np


def pattern(shape, scale, frequency, offset):
    k = np.arange(int(np.prod(shape)), dtype=np.float64)
    values = (scale * np.sin(frequency * k + offset)).astype(np.float32)
    return values.astype(np.float64).reshape(shape)


class Case:
    """Builds one fixture case: parameters and inputs as patterns, outputs as values."""

    def __init__(self):
        self.parameters, self.inputs, self.outputs, self.values = [], {}, {}, {}

    def parameter(self, name, shape):
        offset = 0.5 + 1.3 * len(self.parameters)
        spec = {"name": name, "shape": list(shape), "scale": 0.4, "frequency": 0.7,
                "offset": offset}
        self.parameters.append(spec)
        self.values[name] = pattern(shape, 0.4, 0.7, offset)
        return self.values[name]

    def input(self, name, shape, scale=1.0, offset=0.0):
        self.inputs[name] = {"shape": list(shape), "scale": scale, "frequency": 0.37,
                             "offset": offset}
        return pattern(shape, scale, 0.37, offset)

    def output(self, name, array):
        self.outputs[name] = {"shape": list(array.shape),
                              "values": [float(f"{v:.9g}") for v in array.ravel()]}

    def json(self, **extra):
        return {"parameters": self.parameters, "inputs": self.inputs, "outputs": self.outputs,
                **extra}


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def cell_parameters(case, gates, input_size, hidden, suffix=""):
    return [case.parameter(name + suffix, shape) for name, shape in [
        ("weight_ih", (gates * hidden, input_size)), ("weight_hh", (gates * hidden, hidden)),
        ("bias_ih", (gates * hidden,)), ("bias_hh", (gates * hidden,))]]


def lstm_step(p, x, h, c):
    w_ih, w_hh, b_ih, b_hh = p
    a = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
    ai, af, ag, ao = np.split(a, 4, axis=1)
    i, f, g, o = sigmoid(ai), sigmoid(af), np.tanh(ag), sigmoid(ao)
    c2 = f * c + i * g
    return o * np.tanh(c2), c2


def gru_step(p, x, h):
    w_ih, w_hh, b_ih, b_hh = p
    xr, xz, xn = np.split(x @ w_ih.T + b_ih, 3, axis=1)
    hr, hz, hn = np.split(h @ w_hh.T + b_hh, 3, axis=1)
    r, z = sigmoid(xr + hr), sigmoid(xz + hz)
    n = np.tanh(xn + r * hn)
    return (1 - z) * n + z * h


def rnn_step(p, x, h, relu=False):
    w_ih, w_hh, b_ih, b_hh = p
    a = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
    return np.maximum(a, 0) if relu else np.tanh(a)


IN, H, N, T = 3, 4, 2, 4
cases = {}

# Cells: two steps from a non-zero state.
case = Case()
p = cell_parameters(case, 4, IN, H)
x1, x2 = case.input("x1", (N, IN), 1, 0.1), case.input("x2", (N, IN), 1, 0.4)
h0, c0 = case.input("h0", (N, H), 0.5, 0.2), case.input("c0", (N, H), 0.5, 0.3)
h1, c1 = lstm_step(p, x1, h0, c0)
h2, c2 = lstm_step(p, x2, h1, c1)
for name, value in [("h1", h1), ("c1", c1), ("h2", h2), ("c2", c2)]:
    case.output(name, value)
cases["lstm_cell"] = case.json()

case = Case()
p = cell_parameters(case, 3, IN, H)
x1, x2 = case.input("x1", (N, IN), 1, 0.1), case.input("x2", (N, IN), 1, 0.4)
h0 = case.input("h0", (N, H), 0.5, 0.2)
h1 = gru_step(p, x1, h0)
case.output("h1", h1)
case.output("h2", gru_step(p, x2, h1))
cases["gru_cell"] = case.json()

case = Case()
p = cell_parameters(case, 1, IN, H)
x1, x2 = case.input("x1", (N, IN), 1, 0.1), case.input("x2", (N, IN), 1, 0.4)
h0 = case.input("h0", (N, H), 0.5, 0.2)
h1 = rnn_step(p, x1, h0)
case.output("h1", h1)
case.output("h2", rnn_step(p, x2, h1))
cases["rnn_cell"] = case.json()


def run_network(case, gates, step, layers, directions, with_cell):
    """nn.LSTM/GRU/RNN over x [T, N, IN] from initial states [layers·D, N, H]."""
    params = [[cell_parameters(case, gates, IN if layer == 0 else H * directions, H,
                               f"_l{layer}" + ("_reverse" if d == 1 else ""))
               for d in range(directions)] for layer in range(layers)]
    x = case.input("x", (T, N, IN), 1, 0.1)
    h0 = case.input("h0", (layers * directions, N, H), 0.5, 0.2)
    c0 = case.input("c0", (layers * directions, N, H), 0.5, 0.3) if with_cell else None
    h_n, c_n = [], []
    for layer in range(layers):
        outputs = []
        for d in range(directions):
            k = layer * directions + d
            h, c = h0[k], (c0[k] if with_cell else None)
            out = [None] * T
            for t in (reversed(range(T)) if d == 1 else range(T)):
                if with_cell:
                    h, c = step(params[layer][d], x[t], h, c)
                else:
                    h = step(params[layer][d], x[t], h)
                out[t] = h
            outputs.append(np.stack(out))
            h_n.append(h)
            c_n.append(c)
        x = np.concatenate(outputs, axis=2)
    case.output("outputs", x)
    case.output("h_n", np.stack(h_n))
    if with_cell:
        case.output("c_n", np.stack(c_n))
    return {"layers": layers, "bidirectional": directions == 2}


case = Case()
extra = run_network(case, 4, lstm_step, layers=2, directions=2, with_cell=True)
cases["lstm"] = case.json(**extra)

case = Case()
extra = run_network(case, 3, gru_step, layers=2, directions=1, with_cell=False)
cases["gru"] = case.json(**extra)

case = Case()
extra = run_network(
    case, 1, lambda p, x, h: rnn_step(p, x, h, relu=True), layers=1, directions=2,
    with_cell=False)
cases["rnn_relu"] = case.json(**extra)

# Soft attention: N = 2, P = 5 locations, E = 3, D = 4, A = 6; row 1 masks its last 2 locations.
P, E, D, A = 5, 3, 4, 6
case = Case()
w_enc, b_enc = case.parameter("encoder_att.weight", (A, E)), case.parameter("encoder_att.bias", (A,))
w_dec, b_dec = case.parameter("decoder_att.weight", (A, D)), case.parameter("decoder_att.bias", (A,))
w_full, b_full = case.parameter("full_att.weight", (1, A)), case.parameter("full_att.bias", (1,))
features = case.input("features", (N, P, E), 1, 0.1)
hidden = case.input("hidden", (N, D), 1, 0.2)
mask = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=np.float64)
scores = (np.tanh(features @ w_enc.T + b_enc + (hidden @ w_dec.T + b_dec)[:, None, :])
          @ w_full.T + b_full)[:, :, 0]
for name, valid in [("", np.ones_like(mask)), ("masked_", mask)]:
    e = np.where(valid > 0, scores, -np.inf)
    alpha = np.exp(e - e.max(axis=1, keepdims=True))
    alpha /= alpha.sum(axis=1, keepdims=True)
    case.output(name + "alpha", alpha)
    case.output(name + "context", np.einsum("np,npe->ne", alpha, features))
case.output("mask", mask)
cases["soft_attention"] = case.json()

# One line per numeric list keeps the fixture readable and diffable.
text = json.dumps(cases, indent=1)
print(re.sub(r"\[[^\[\]{}]*\]", lambda m: " ".join(m.group(0).split()), text))
