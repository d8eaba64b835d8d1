#!/usr/bin/env python3
"""Reference values and gradients of torch.linalg for Tracer's Linalg tests.

Writes Tests/Tracer.Tests/Fixtures/torch_linalg_reference.json. Run with Debian's interpreter:

    /usr/bin/python3 scripts/torch_linalg_reference.py

If torch is missing it installs Debian's python3-torch with apt-get (needs root). Everything is float64 and the
inputs are fixed formulas (no random generator), so the C# tests rebuild the same inputs from the fixture.

Each case maps a raw input x (and b for solves) through a well-posedness map written in the case (a positive
definite x x^T + n I, a diagonal shift, a symmetrisation), applies one torch.linalg function and reduces the
result to a scalar with fixed weights. Results whose signs are arbitrary (eigen- and singular vectors, Q and R)
enter squared, so the loss and its gradient are well defined. The fixture stores the loss, the gradients with
respect to x (and b), and sign-free forward values.
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


def fixed(rows, cols, seed):
    """A deterministic matrix with entries in (-1, 1): sin of a quadratic in the indices."""
    return torch.tensor([[math.sin(seed + 1.7 * i + 0.9 * j + 0.31 * i * j) for j in range(cols)] for i in range(rows)])


def weights(shape, seed):
    rows, cols = {0: (1, 1), 1: (1, shape[0]) if shape else None, 2: shape[:2] if len(shape) == 2 else None}[len(shape)]
    return fixed(rows, cols, seed).reshape(shape)


def spd(x):
    n = x.shape[-1]
    return x @ x.T + n * torch.eye(n)


def shift(x, by):
    return x + by * torch.eye(x.shape[-1])


def sym(x):
    return x + x.T


# name -> (x shape, b shape or None, function of (x, b) returning a list of result tensors)
CASES = {
    "cholesky": ((4, 4), None, lambda x, b: [torch.linalg.cholesky(spd(x))]),
    "triangular_solve lower": ((4, 4), (4, 2), lambda x, b: [torch.linalg.solve_triangular(torch.tril(shift(x, 3)), b, upper=False)]),
    "triangular_solve lower transposed": ((4, 4), (4, 2),
                                          lambda x, b: [torch.linalg.solve_triangular(torch.tril(shift(x, 3)).T, b, upper=True)]),
    "triangular_solve upper": ((4, 4), (4, 2), lambda x, b: [torch.linalg.solve_triangular(torch.triu(shift(x, 3)), b, upper=True)]),
    "solve": ((4, 4), (4, 2), lambda x, b: [torch.linalg.solve(shift(x, 2), b)]),
    "inv": ((4, 4), None, lambda x, b: [torch.linalg.inv(shift(x, 2))]),
    "det": ((4, 4), None, lambda x, b: [torch.linalg.det(shift(x, 2))]),
    "slogdet": ((4, 4), None, lambda x, b: list(torch.linalg.slogdet(shift(x, -1.5)))),
    "eigh": ((4, 4), None, lambda x, b: (lambda w, v: [w, v * v])(*torch.linalg.eigh(sym(x)))),
    "qr": ((5, 3), None, lambda x, b: (lambda q, r: [q * q, r * r])(*torch.linalg.qr(x))),
    "svd tall": ((5, 3), None, lambda x, b: (lambda u, s, vh: [u * u, s, vh * vh])(*torch.linalg.svd(x, full_matrices=False))),
    "svd wide": ((3, 5), None, lambda x, b: (lambda u, s, vh: [u * u, s, vh * vh])(*torch.linalg.svd(x, full_matrices=False))),
}


def main():
    out = {"torch": torch.__version__, "cases": []}
    for k, (name, (xs, bs, f)) in enumerate(CASES.items()):
        x = fixed(*xs, seed=k).requires_grad_()
        b = fixed(*bs, seed=k + 100).requires_grad_() if bs else None
        results = f(x, b)
        loss = sum(torch.sum(weights(tuple(r.shape), 200 + 10 * k + i) * r) for i, r in enumerate(results))
        grads = torch.autograd.grad(loss, [x] + ([b] if bs else []))
        out["cases"].append({
            "name": name,
            "x_shape": list(xs),
            "x": x.detach().flatten().tolist(),
            "b_shape": list(bs) if bs else None,
            "b": b.detach().flatten().tolist() if bs else None,
            "result_shapes": [list(r.shape) for r in results],
            "results": [r.detach().flatten().tolist() for r in results],
            "weights": [weights(tuple(r.shape), 200 + 10 * k + i).flatten().tolist() for i, r in enumerate(results)],
            "loss": loss.item(),
            "grad_x": grads[0].flatten().tolist(),
            "grad_b": grads[1].flatten().tolist() if bs else None,
        })
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.join(root, "Tests", "Tracer.Tests", "Fixtures", "torch_linalg_reference.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1)
    print(f"wrote {len(CASES)} cases to {path}")


if __name__ == "__main__":
    main()
