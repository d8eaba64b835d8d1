#!/usr/bin/env python3
"""Reference values and first and second derivatives of elementwise ops and reductions, from PyTorch.

Writes Tests/Tracer.Tests/Fixtures/torch_ops_reference.json for Tests/Tracer.Tests/Operations/TorchOpsTests.cs. Run with
Debian's interpreter:

    /usr/bin/python3 scripts/torch_ops_reference.py

If torch is missing it installs Debian's python3-torch with apt-get (needs root). Everything is float64 and the
inputs are written out here (no random generator).

- "unary": per op, inputs x, values f(x), first derivatives f'(x) and second derivatives f''(x) (elementwise:
  the gradient of sum(f(x)), then the gradient of the sum of that). Rounding ops have zero derivatives.
- "binary": per op, inputs a and b (same shape), values, the gradients of sum(f(a, b)) in a and b, and the second
  derivatives d2f/da2, d2f/dadb, d2f/db2 elementwise.
- "reductions": per case, an input x of shape [3, 4], the result, and the gradient of sum(w * result) with fixed
  weights w (sum(result) where the result is an integer).
"""
import json
import math
import os
import subprocess

try:
    import torch
except ImportError:
    subprocess.check_call(["apt-get", "install", "-y", "python3-torch", "libopenblas0-pthread"])
    import torch

torch.set_default_dtype(torch.float64)

SIGNED = [-2.5, -1.3, -0.7, -0.2, 0.1, 0.45, 0.9, 1.6, 3.2]
OPEN_UNIT = [-0.95, -0.6, -0.3, -0.05, 0.15, 0.4, 0.7, 0.9]
ABOVE_ONE = [1.05, 1.3, 2.0, 3.7, 10.5]
POSITIVE = [0.05, 0.3, 0.8, 1.0, 1.5, 2.0, 3.3, 7.5, 25.0]
GAMMA = [-2.7, -1.5, -0.3, 0.05, 0.5, 1.0, 1.7, 2.0, 4.5, 12.0, 40.0]
ROUNDING = [-2.5, -1.5, -0.5, -0.3, 0.5, 0.7, 1.5, 2.5, 3.49]
ERF = [-4.0, -1.7, -0.6, -0.1, 0.0, 0.05, 0.8, 1.5, 2.3, 3.1, 5.5]

UNARY = {
    "Asin": (OPEN_UNIT, torch.asin),
    "Acos": (OPEN_UNIT, torch.acos),
    "Atan": (SIGNED, torch.atan),
    "Sinh": (SIGNED, torch.sinh),
    "Cosh": (SIGNED, torch.cosh),
    "Asinh": (SIGNED, torch.asinh),
    "Acosh": (ABOVE_ONE, torch.acosh),
    "Atanh": (OPEN_UNIT, torch.atanh),
    "Erf": (ERF, torch.erf),
    "Erfc": (ERF, torch.erfc),
    "Lgamma": (GAMMA, torch.lgamma),
    "Digamma": (GAMMA, torch.digamma),
    "Trigamma": (GAMMA, lambda x: torch.polygamma(1, x)),
    "Floor": (ROUNDING, torch.floor),
    "Ceil": (ROUNDING, torch.ceil),
    "Round": (ROUNDING, torch.round),
    "Trunc": (ROUNDING, torch.trunc),
    "Reciprocal": (SIGNED, torch.reciprocal),
}

A = [-3.3, -1.2, -0.4, 0.3, 0.8, 2.5, 4.1, -5.0]
B = [1.7, -0.9, 2.2, -1.4, 0.35, 0.6, -2.8, 1.1]

BINARY = {
    "Atan2": (A, B, torch.atan2),
    "Mod": (A, B, torch.remainder),
    "LogAddExp": (A, B, torch.logaddexp),
}

X34 = [[math.sin(0.4 + 1.3 * i + 0.7 * j + 0.2 * i * j) * (1 + 0.5 * i) for j in range(4)] for i in range(3)]
W3 = [0.5, -1.25, 2.0]
W4 = [1.5, -0.5, 0.75, -2.0]

# name -> (function of x, weights shape: "rows" [3], "cols" [4], "all" scalar, None for integer results)
REDUCTIONS = {
    "ArgMax axis 1": (lambda x: torch.argmax(x, dim=1), None),
    "ArgMin axis 0": (lambda x: torch.argmin(x, dim=0), None),
    "Var axis 1": (lambda x: torch.var(x, dim=1, unbiased=False), "rows"),
    "Var axis 0 ddof 1": (lambda x: torch.var(x, dim=0, unbiased=True), "cols"),
    "Var all": (lambda x: torch.var(x, unbiased=False), "all"),
    "Std axis 1 ddof 1": (lambda x: torch.std(x, dim=1, unbiased=True), "rows"),
    "Std all": (lambda x: torch.std(x, unbiased=False), "all"),
    "Norm 2 all": (lambda x: torch.linalg.vector_norm(x, 2), "all"),
    "Norm 2 axis 1": (lambda x: torch.linalg.vector_norm(x, 2, dim=1), "rows"),
    "Norm 1 axis 0": (lambda x: torch.linalg.vector_norm(x, 1, dim=0), "cols"),
    "Norm inf axis 1": (lambda x: torch.linalg.vector_norm(x, math.inf, dim=1), "rows"),
    "Norm -inf axis 0": (lambda x: torch.linalg.vector_norm(x, -math.inf, dim=0), "cols"),
    "Norm 3 axis 1": (lambda x: torch.linalg.vector_norm(x, 3, dim=1), "rows"),
    "Norm 0.5 all": (lambda x: torch.linalg.vector_norm(x, 0.5), "all"),
}


def unary_case(name, xs, f):
    x = torch.tensor(xs, requires_grad=True)
    y = f(x)
    (g,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    if g.requires_grad:
        (g2,) = torch.autograd.grad(g.sum(), x)
    else:
        g2 = torch.zeros_like(x)
    return {"name": name, "x": xs, "value": y.tolist(), "grad": g.tolist(), "grad2": g2.tolist()}


def binary_case(name, a_list, b_list, f):
    a = torch.tensor(a_list, requires_grad=True)
    b = torch.tensor(b_list, requires_grad=True)
    y = f(a, b)
    ga, gb = torch.autograd.grad(y.sum(), (a, b), create_graph=True)
    # A constant first derivative (mod's 1 in a) has no graph: its derivatives are zero.
    daa, dab = torch.autograd.grad(ga.sum(), (a, b), retain_graph=True, allow_unused=True) if ga.requires_grad else (None, None)
    (dbb,) = torch.autograd.grad(gb.sum(), (b,), allow_unused=True) if gb.requires_grad else (None,)
    zero = torch.zeros_like(a)
    return {
        "name": name, "a": a_list, "b": b_list, "value": y.tolist(), "grad_a": ga.tolist(), "grad_b": gb.tolist(),
        "grad2_aa": (zero if daa is None else daa).tolist(), "grad2_ab": (zero if dab is None else dab).tolist(),
        "grad2_bb": (zero if dbb is None else dbb).tolist(),
    }


def reduction_case(name, f, weights):
    x = torch.tensor(X34, requires_grad=True)
    y = f(x)
    if weights is None:
        return {"name": name, "x": X34, "value": y.flatten().tolist(), "grad": None}
    w = {"rows": torch.tensor(W3), "cols": torch.tensor(W4), "all": torch.tensor(1.5)}[weights]
    (g,) = torch.autograd.grad((w * y).sum(), x)
    return {"name": name, "x": X34, "weights": weights, "value": y.flatten().tolist(), "grad": g.tolist()}


def main():
    fixture = {
        "torch": torch.__version__,
        "unary": [unary_case(n, xs, f) for n, (xs, f) in UNARY.items()],
        "binary": [binary_case(n, a, b, f) for n, (a, b, f) in BINARY.items()],
        "weights": {"rows": W3, "cols": W4, "all": 1.5},
        "reductions": [reduction_case(n, f, w) for n, (f, w) in REDUCTIONS.items()],
    }
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.join(root, "Tests", "Tracer.Tests", "Fixtures", "torch_ops_reference.json")
    with open(path, "w") as out:
        json.dump(fixture, out, indent=1)
        out.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
