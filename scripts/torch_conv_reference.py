#!/usr/bin/env python3
"""Reference values and gradients of PyTorch's convolutions and pools for Tracer's Conv/Pool tests.

Writes Tests/Tracer.Tests/Fixtures/torch_conv_reference.json. Run with Debian's interpreter:

    /usr/bin/python3 scripts/torch_conv_reference.py

Everything is float64; inputs are fixed formulas (no random generator) and are stored in the fixture. Each case
applies one torch.nn.functional function (conv1d/2d/3d, conv_transpose1d/2d/3d, max_pool*, avg_pool*) with the
case's strides, padding, dilation, groups, output padding or window, reduces the result to a scalar with fixed
weights, and stores the result, the loss and its gradients with respect to the input (and the weight).
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def fixed(shape, seed, rounded=False):
    """Deterministic entries in (-1, 1): sin of a quadratic in the flat index; rounded to tenths for ties."""
    n = math.prod(shape)
    values = [math.sin(seed + 0.7 * i + 0.013 * i * i) for i in range(n)]
    if rounded:
        values = [round(v * 2) / 2 for v in values]
    return torch.tensor(values).reshape(shape)


CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
MAX = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
AVG = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}

# (name, op, x shape, w shape or None, parameters); parameters not given take the functions' defaults.
CASES = [
    ("conv1d", "conv", [2, 3, 9], [4, 3, 3], {}),
    ("conv1d stride 2 pad 2 dilation 2 groups 3", "conv", [2, 3, 11], [6, 1, 3],
     {"strides": [2], "padding": [2], "dilation": [2], "groups": 3}),
    ("conv2d", "conv", [2, 2, 6, 5], [3, 2, 3, 3], {}),
    ("conv2d stride (2,1) pad (1,2) dilation (1,2) groups 2", "conv", [1, 4, 7, 8], [6, 2, 3, 2],
     {"strides": [2, 1], "padding": [1, 2], "dilation": [1, 2], "groups": 2}),
    ("conv2d depthwise 5x5 pad 2", "conv", [2, 3, 6, 6], [3, 1, 5, 5], {"padding": [2, 2], "groups": 3}),
    ("conv3d stride (1,2,1) pad (1,0,1)", "conv", [1, 2, 5, 4, 5], [2, 2, 2, 3, 2],
     {"strides": [1, 2, 1], "padding": [1, 0, 1]}),
    ("conv_transpose1d stride 2 pad 1 output_padding 1", "conv_transpose", [2, 3, 5], [3, 2, 3],
     {"strides": [2], "padding": [1], "output_padding": [1]}),
    ("conv_transpose2d stride (2,3) pad (1,0) dilation (1,2) groups 2 output_padding (1,2)", "conv_transpose",
     [1, 4, 3, 4], [4, 3, 2, 3],
     {"strides": [2, 3], "padding": [1, 0], "dilation": [1, 2], "groups": 2, "output_padding": [1, 2]}),
    ("conv_transpose3d stride 2", "conv_transpose", [1, 2, 3, 2, 3], [2, 3, 2, 2, 2], {"strides": [2, 2, 2]}),
    ("max_pool2d window 2", "max_pool", [2, 3, 6, 6], None, {"window": [2, 2]}),
    ("max_pool2d window 3 stride 2 pad 1", "max_pool", [1, 2, 7, 6], None, {"window": [3, 3], "strides": [2, 2], "padding": [1, 1]}),
    ("max_pool1d window 3 stride 1 pad 1", "max_pool", [2, 2, 8], None, {"window": [3], "strides": [1], "padding": [1]}),
    ("max_pool3d window 2 stride (1,2,2)", "max_pool", [1, 2, 4, 4, 4], None, {"window": [2, 2, 2], "strides": [1, 2, 2]}),
    ("max_pool2d ties window 2 stride 1", "max_pool", [1, 2, 5, 5], None, {"window": [2, 2], "strides": [1, 1], "rounded": True}),
    ("avg_pool2d window 2", "avg_pool", [2, 3, 6, 6], None, {"window": [2, 2]}),
    ("avg_pool2d window 3 stride 2 pad 1", "avg_pool", [1, 2, 7, 6], None, {"window": [3, 3], "strides": [2, 2], "padding": [1, 1]}),
    ("avg_pool1d window 4 stride 3 pad 2", "avg_pool", [2, 2, 11], None, {"window": [4], "strides": [3], "padding": [2]}),
    ("avg_pool3d window (2,3,2) stride (2,1,2) pad (1,1,0)", "avg_pool", [1, 2, 5, 4, 4], None,
     {"window": [2, 3, 2], "strides": [2, 1, 2], "padding": [1, 1, 0]}),
]


def apply(op, x, w, p):
    d = x.dim() - 2
    if op == "conv":
        return CONV[d](x, w, stride=p.get("strides", 1), padding=p.get("padding", 0),
                       dilation=p.get("dilation", 1), groups=p.get("groups", 1))
    if op == "conv_transpose":
        return CONV_T[d](x, w, stride=p.get("strides", 1), padding=p.get("padding", 0),
                         output_padding=p.get("output_padding", 0), groups=p.get("groups", 1), dilation=p.get("dilation", 1))
    pool = MAX if op == "max_pool" else AVG
    return pool[d](x, p["window"], stride=p.get("strides", None), padding=p.get("padding", 0))


def main():
    out = {"torch": torch.__version__, "cases": []}
    for k, (name, op, xs, ws, p) in enumerate(CASES):
        x = fixed(xs, seed=k, rounded=p.get("rounded", False)).requires_grad_()
        w = fixed(ws, seed=k + 50).requires_grad_() if ws else None
        y = apply(op, x, w, p)
        weights = fixed(list(y.shape), seed=k + 100)
        loss = torch.sum(weights * y)
        grads = torch.autograd.grad(loss, [x] + ([w] if ws else []))
        params = {key: value for key, value in p.items() if key != "rounded"}
        out["cases"].append({
            "name": name,
            "op": op,
            "params": params,
            "x_shape": xs,
            "x": x.detach().flatten().tolist(),
            "w_shape": ws,
            "w": w.detach().flatten().tolist() if ws else None,
            "y_shape": list(y.shape),
            "y": y.detach().flatten().tolist(),
            "weights": weights.flatten().tolist(),
            "loss": loss.item(),
            "grad_x": grads[0].flatten().tolist(),
            "grad_w": grads[1].flatten().tolist() if ws else None,
        })
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.join(root, "Tests", "Tracer.Tests", "Fixtures", "torch_conv_reference.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1)
    print(f"wrote {len(CASES)} cases to {path}")


if __name__ == "__main__":
    main()
