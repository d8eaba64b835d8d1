#!/usr/bin/env python3
"""Reference trajectories of torch.optim for Tracer's optimiser tests.

Writes Tests/Tracer.Tests/Training/Fixtures/torch_optim_trajectories.json. Run with Debian's interpreter:

    /usr/bin/python3 scripts/torch_optim_reference.py

If torch is missing it installs Debian's python3-torch with apt-get (needs root). Everything is float64 so the
C# tests can compare tightly. The problem is small and fixed (no randomness):

    loss(W, b) = 0.5 * sum(S * (W - T)^2) + sum(log(1 + (b - c)^2))

with W: 2x3 and b: 3, so each rule sees a quadratic part with different curvature per coordinate and a
non-convex part. Each case records the parameters after every step (steps 1..STEPS).

NAdam: PyTorch before 2.0 (Debian ships 1.13) computes mu_product_next = mu_product * mu * mu_next, counting
the current momentum factor twice; PyTorch 2.x and Dozat's paper use mu_product * mu_next. Where the installed
torch has the old formula, the NAdam cases use the small NAdamReference below (torch's update written out with
the current formula) and say so in their "source" field.
"""
import json
import os
import subprocess
import sys

try:
    import torch
except ImportError:
    subprocess.check_call(["apt-get", "install", "-y", "python3-torch", "libopenblas0-pthread"])
    import torch

torch.set_default_dtype(torch.float64)
STEPS = 12

S = torch.tensor([[1.0, 4.0, 0.25], [2.0, 0.5, 8.0]])
T = torch.tensor([[0.5, -1.0, 2.0], [-0.25, 1.5, 0.0]])
C = torch.tensor([0.3, -0.7, 1.2])
W0 = [[0.1, 0.2, -0.3], [0.4, -0.5, 0.6]]
B0 = [-0.2, 0.1, 0.05]


def loss(w, b):
    return 0.5 * torch.sum(S * (w - T) ** 2) + torch.sum(torch.log1p((b - C) ** 2))


class NAdamReference:
    """torch.optim.NAdam's single-tensor update as in PyTorch 2.x (defaults as torch's)."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, momentum_decay=4e-3):
        self.params, self.lr, self.betas, self.eps, self.psi = list(params), lr, betas, eps, momentum_decay
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]
        self.step_count, self.mu_product = 0, 1.0

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self):
        beta1, beta2 = self.betas
        self.step_count += 1
        t = self.step_count
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * self.psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * self.psi))
        self.mu_product *= mu
        for p, m, v in zip(self.params, self.m, self.v):
            m.mul_(beta1).add_(p.grad, alpha=1 - beta1)
            v.mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
            denom = (v / (1 - beta2 ** t)).sqrt().add_(self.eps)
            p.addcdiv_(p.grad, denom, value=-self.lr * (1.0 - mu) / (1.0 - self.mu_product))
            p.addcdiv_(m, denom, value=-self.lr * mu_next / (1.0 - self.mu_product * mu_next))


OLD_NADAM = int(torch.__version__.split(".")[0]) < 2


def nadam(params, **kw):
    return NAdamReference(params, **kw) if OLD_NADAM else torch.optim.NAdam(params, **kw)


# name -> (tracer rule, tracer constructor arguments, torch factory taking the parameter list)
CASES = [
    ("Descent", {"learningRate": 0.1}, lambda p: torch.optim.SGD(p, lr=0.1)),
    ("Momentum", {"learningRate": 0.05, "momentum": 0.9}, lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
    ("Nesterov", {"learningRate": 0.05, "momentum": 0.8},
     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.8, nesterov=True)),
    ("Adam", {}, lambda p: torch.optim.Adam(p)),
    ("Adam", {"learningRate": 0.1, "beta1": 0.8, "beta2": 0.9, "epsilon": 1e-6},
     lambda p: torch.optim.Adam(p, lr=0.1, betas=(0.8, 0.9), eps=1e-6)),
    ("AdamW", {"learningRate": 0.1, "weightDecay": 0.05},
     lambda p: torch.optim.AdamW(p, lr=0.1, weight_decay=0.05)),
    ("AMSGrad", {"learningRate": 0.1, "beta2": 0.9},
     lambda p: torch.optim.Adam(p, lr=0.1, betas=(0.9, 0.9), amsgrad=True)),
    ("AdaDelta", {}, lambda p: torch.optim.Adadelta(p)),
    ("AdaDelta", {"learningRate": 0.5, "decay": 0.8, "epsilon": 1e-4},
     lambda p: torch.optim.Adadelta(p, lr=0.5, rho=0.8, eps=1e-4)),
    ("AdaGrad", {"learningRate": 0.2}, lambda p: torch.optim.Adagrad(p, lr=0.2)),
    ("RMSProp", {}, lambda p: torch.optim.RMSprop(p)),
    ("RMSProp", {"learningRate": 0.02, "decay": 0.9, "momentum": 0.5},
     lambda p: torch.optim.RMSprop(p, lr=0.02, alpha=0.9, momentum=0.5)),
    ("AdaMax", {"learningRate": 0.1}, lambda p: torch.optim.Adamax(p, lr=0.1)),
    ("NAdam", {}, lambda p: nadam(p)),
    ("NAdam", {"learningRate": 0.1, "beta2": 0.95}, lambda p: nadam(p, lr=0.1, betas=(0.9, 0.95))),
    ("RAdam", {"learningRate": 0.1}, lambda p: torch.optim.RAdam(p, lr=0.1)),
    ("RAdam", {"learningRate": 0.1, "beta2": 0.5}, lambda p: torch.optim.RAdam(p, lr=0.1, betas=(0.9, 0.5))),
]


def run(factory):
    w = torch.tensor(W0, requires_grad=True)
    b = torch.tensor(B0, requires_grad=True)
    opt = factory([w, b])
    steps = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss(w, b).backward()
        opt.step()
        steps.append({"W": w.detach().flatten().tolist(), "b": b.detach().tolist()})
    return steps


def source(rule):
    if rule == "NAdam" and OLD_NADAM:
        return "NAdamReference in this script (PyTorch 2.x formula; the installed torch has the old one)"
    return "torch.optim " + torch.__version__


def main():
    out = {
        "generator": "scripts/torch_optim_reference.py",
        "torch": torch.__version__,
        "problem": "0.5*sum(S*(W-T)^2) + sum(log1p((b-C)^2)), float64",
        "S": S.flatten().tolist(), "T": T.flatten().tolist(), "C": C.tolist(), "W0": sum(W0, []), "B0": B0,
        "cases": [{"rule": r, "args": a, "source": source(r), "steps": run(f)} for r, a, f in CASES],
    }
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.join(root, "Tests", "Tracer.Tests", "Training", "Fixtures", "torch_optim_trajectories.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {len(CASES)} cases to {path}")


if __name__ == "__main__":
    sys.exit(main())
