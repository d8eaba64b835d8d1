#!/usr/bin/env python3
"""Reference values and gradients from PyTorch for Tracer's cumulative, sorting, shape and indexing operations.

Writes Tests/Tracer.Tests/Fixtures/torch_shape_reference.json. Run with Debian's interpreter:

    /usr/bin/python3 scripts/torch_shape_reference.py

Everything is float64; inputs are fixed formulas (no random generator) and are stored in the fixture with the
weights, so the C# test (Tests/Tracer.Tests/ShapeOps/TorchShapeTests.cs) rebuilds nothing but the operations. Each
case applies one operation to x and gives one or more outputs; the loss is the sum over the float outputs of
sum(output * weight), and the fixture holds every output and the gradient of the loss with respect to x.

Where PyTorch's convention differs from Tracer's the input avoids the difference: cummax/cummin get no ties
(PyTorch sends a tie's gradient to the last occurrence, Tracer to the first, as the API asks), topk gets no ties
(PyTorch does not promise an order among equal values). Sorting uses stable=True.
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def fixed(shape, seed, scale=1.0):
    """Entries sin(seed + 1.3 k + 0.07 k^2) for the flat position k: deterministic, no ties."""
    n = math.prod(shape)
    return scale * torch.tensor([math.sin(seed + 1.3 * k + 0.07 * k * k) for k in range(n)]).reshape(shape)


def with_ties(shape, seed):
    """Values rounded to halves: many exact ties, for stability checks."""
    return torch.round(fixed(shape, seed) * 2) / 2


def with_zeros(shape, seed):
    """Every fourth entry exactly zero (cumprod's gradient must stay exact)."""
    x = fixed(shape, seed) + 0.0
    flat = x.reshape(-1)
    flat[1::4] = 0
    return x


# name -> (input, function of x returning a tuple of outputs)
CASES = {
    "cumsum axis 1": (fixed([3, 5], 1), lambda x: (torch.cumsum(x, 1),)),
    "cumsum reverse axis 0": (fixed([4, 3], 2), lambda x: (torch.flip(torch.cumsum(torch.flip(x, [0]), 0), [0]),)),
    "cumprod axis 1 with zeros": (with_zeros([3, 6], 3), lambda x: (torch.cumprod(x, 1),)),
    "cumprod axis 0": (fixed([5, 2], 4), lambda x: (torch.cumprod(x, 0),)),
    "cummax axis 1": (fixed([3, 7], 5), lambda x: (torch.cummax(x, 1).values,)),
    "cummin axis 0": (fixed([6, 2], 6), lambda x: (torch.cummin(x, 0).values,)),
    "logcumsumexp axis 1": (fixed([2, 9], 7, scale=3.0), lambda x: (torch.logcumsumexp(x, 1),)),
    "logcumsumexp large": (fixed([8], 8, scale=400.0), lambda x: (torch.logcumsumexp(x, 0),)),
    "sort last with ties": (with_ties([3, 8], 9), lambda x: torch.sort(x, stable=True, dim=-1)),
    "sort descending with ties": (with_ties([2, 9], 10), lambda x: torch.sort(x, stable=True, dim=-1, descending=True)),
    "sort axis 0": (with_ties([7, 3], 11), lambda x: torch.sort(x, stable=True, dim=0)),
    "topk 3": (fixed([4, 6], 12), lambda x: torch.topk(x, 3)),
    "pad value": (fixed([2, 3], 13), lambda x: (F.pad(x, (2, 0, 1, 1), value=1.5),)),
    "flip 0 1": (fixed([3, 4], 14), lambda x: (torch.flip(x, [0, 1]),)),
    "tile 2 1 3": (fixed([2, 3], 15), lambda x: (torch.tile(x, (2, 1, 3)),)),
    "repeat 3 axis 1": (fixed([2, 3], 16), lambda x: (torch.repeat_interleave(x, 3, 1),)),
    "roll -2 axis 1": (fixed([2, 5], 17), lambda x: (torch.roll(x, -2, 1),)),
    "split 3 axis 1": (fixed([2, 6], 18), lambda x: torch.split(x, 2, 1)),
    "tril 1": (fixed([2, 4, 5], 19), lambda x: (torch.tril(x, 1),)),
    "triu -1": (fixed([4, 3], 20), lambda x: (torch.triu(x, -1),)),
    "diag vector": (fixed([4], 21), lambda x: (torch.diag(x),)),
    "diag batched": (fixed([2, 3, 4], 22), lambda x: (torch.diagonal(x, dim1=-2, dim2=-1),)),
    "trace": (fixed([2, 4, 4], 23), lambda x: (torch.diagonal(x, dim1=-2, dim2=-1).sum(-1),)),
    "index [1]": (fixed([3, 4], 24), lambda x: (x[1],)),
    "index [1..3]": (fixed([4, 2], 25), lambda x: (x[1:3],)),
    "index [.., ^1]": (fixed([3, 4], 26), lambda x: (x[:, -1],)),
    "index [2, 1..]": (fixed([3, 4, 2], 27), lambda x: (x[2, 1:],)),
}

# Integer-valued results (no gradient), stored as values only.
INT_CASES = {
    "argsort with ties": (with_ties([3, 8], 28), lambda x: torch.sort(x, stable=True, dim=-1).indices),
    "argsort descending with ties": (with_ties([3, 8], 29), lambda x: torch.sort(x, stable=True, dim=-1, descending=True).indices),
    "argsort axis 0": (with_ties([6, 2], 30), lambda x: torch.sort(x, stable=True, dim=0).indices),
    "one_hot depth 5": (torch.tensor([[0.0, 4, 2], [1, 1, 3]]), lambda x: F.one_hot(x.long(), 5)),
}

FACTORIES = {
    "arange 0.5 3 0.25": torch.arange(0.5, 3, 0.25),
    "arange 5 -3 -2": torch.arange(5, -3, -2, dtype=torch.float64),
    "linspace -1 2 7": torch.linspace(-1, 2, 7),
    "eye 3": torch.eye(3),
}


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def main():
    cases = []
    for name, (x0, f) in CASES.items():
        x = x0.clone().requires_grad_(True)
        outs = f(x)
        loss = 0
        entries = []
        for k, out in enumerate(outs):
            entry = {"shape": list(out.shape), "values": flat(out), "weight": None}
            if out.is_floating_point():
                w = fixed(list(out.shape), 100 + k)
                loss = loss + (out * w).sum()
                entry["weight"] = flat(w)
            entries.append(entry)
        (grad,) = torch.autograd.grad(loss, x)
        cases.append({"name": name, "x": flat(x0), "x_shape": list(x0.shape), "outputs": entries, "grad": flat(grad)})
    for name, (x0, f) in INT_CASES.items():
        out = f(x0)
        cases.append({"name": name, "x": flat(x0), "x_shape": list(x0.shape),
                      "outputs": [{"shape": list(out.shape), "values": flat(out), "weight": None}], "grad": None})
    factories = [{"name": name, "values": flat(t)} for name, t in FACTORIES.items()]
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    path = os.path.join(root, "Tests", "Tracer.Tests", "Fixtures", "torch_shape_reference.json")
    with open(path, "w") as fh:
        json.dump({"torch": torch.__version__, "cases": cases, "factories": factories}, fh, indent=1)
        fh.write("\n")
    print(f"wrote {len(cases)} cases and {len(factories)} factories to {path}")


if __name__ == "__main__":
    main()
