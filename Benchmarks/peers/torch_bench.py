"""The W1-W6 workloads in PyTorch eager mode (the peer of Benchmarks/). Usage: torch_bench.py THREADS OUT.jsonl

Same shapes, dtypes (f32) and data distributions as Workloads.cs; timings are medians of repeated calls after a
warm-up, like the C# quick harness. W5 has no PyTorch counterpart (eager mode has no trace/compile step)."""
import json, sys, time
import torch

threads = int(sys.argv[1])
out = open(sys.argv[2], "a")
torch.set_num_threads(threads)
torch.manual_seed(0)


def measure(workload, fn, max_seconds=2.0):
    t0 = time.perf_counter()
    i = 0
    while i < 2 or time.perf_counter() - t0 < 1.0:
        fn(); i += 1
    batch = 1
    while True:
        t = time.perf_counter()
        for _ in range(batch): fn()
        if time.perf_counter() - t >= 1e-3 or batch >= 1 << 20: break
        batch *= 4
    samples = []
    start = time.perf_counter()
    while len(samples) < 5 or (time.perf_counter() - start < max_seconds and len(samples) < 200):
        t = time.perf_counter()
        for _ in range(batch): fn()
        samples.append((time.perf_counter() - t) * 1e6 / batch)
    samples.sort()
    line = json.dumps({"workload": workload, "impl": "torch", "threads": threads,
                       "median_us": samples[len(samples) // 2], "samples": len(samples)})
    print(line); out.write(line + "\n"); out.flush()


def uniform(shape, lo, hi):
    return torch.empty(shape, dtype=torch.float32).uniform_(lo, hi)


# W1 / W2: gradient of sum(tanh(x) sin(x) + x^2)
for n in [4, 1000, 1000000, 10000000]:
    x = uniform((n,), -3, 3).requires_grad_(True)
    def w1(x=x):
        y = (torch.tanh(x) * torch.sin(x) + x * x).sum()
        return torch.autograd.grad(y, x)[0]
    name = "W2 n=4" if n == 4 else "W1 n=1e%d" % len(str(n)[1:])
    measure(name, w1)

# W3: MLP 784-512-10, batch 256, tanh, softmax cross-entropy, SGD step
W1 = uniform((784, 512), -0.05, 0.05).requires_grad_(True)
B1 = torch.zeros(512, requires_grad=True)
W2 = uniform((512, 10), -0.1, 0.1).requires_grad_(True)
B2 = torch.zeros(10, requires_grad=True)
X = uniform((256, 784), 0, 1)
Y = torch.zeros(256, 10)
Y[torch.arange(256), torch.arange(256) % 10] = 1
params = [W1, B1, W2, B2]


def w3():
    h = torch.tanh(X @ W1 + B1)
    logits = h @ W2 + B2
    loss = -(Y * torch.log_softmax(logits, 1)).sum(1).mean()
    grads = torch.autograd.grad(loss, params)
    with torch.no_grad():
        return [p - 0.01 * g for p, g in zip(params, grads)]


measure("W3 MLP step", w3)

# W4: masked matrix factorisation gradient
U = uniform((1000, 32), -0.1, 0.1).requires_grad_(True)
V = uniform((800, 32), -0.1, 0.1).requires_grad_(True)
XM = uniform((1000, 800), -1, 1)
M = (torch.rand(1000, 800) < 0.3).float()


def w4():
    loss = (M * (U @ V.T - XM) ** 2).sum() + 0.01 * ((U * U).sum() + (V * V).sum())
    return torch.autograd.grad(loss, [U, V])


measure("W4 MatFac grad", w4)

# W6: sgemm through OpenBLAS
for n in [512, 2048]:
    A = uniform((n, n), -1, 1)
    B = uniform((n, n), -1, 1)
    measure("W6 sgemm %d^3" % n, lambda A=A, B=B: torch.matmul(A, B))

# E1-E6: single eager ops (output allocated per call), as in EagerWorkloads.cs
EX = uniform((1000, 1000), -3, 3)
EY = uniform((1000, 1000), -3, 3)
EM = uniform((1000, 1000), -1, 1)
ES = uniform((4,), -1, 1)
measure("E1 eager add 1e6", lambda: EX + EY)
measure("E2 eager exp 1e6", lambda: torch.exp(EX))
measure("E3 eager sum rows 1e6", lambda: EX.sum(1))
measure("E4 eager softmax 1e6", lambda: torch.softmax(EX, 1))
measure("E5 eager matmul 1000^3", lambda: EM @ EM)
measure("E6 eager add n=4", lambda: ES + ES)
measure("E7 eager add 1e6, result disposed", lambda: EX + EY)   # PyTorch frees by reference counting anyway
