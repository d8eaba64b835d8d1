"""The W1-W8, E and S workloads in PyTorch eager mode (the peer of Benchmarks/). Usage: torch_bench.py THREADS OUT.jsonl [W8|W7|S|W1|W3|W6|"W6 512"]

Same shapes, dtypes (f32) and data distributions as Workloads.cs; timings are medians of repeated calls after a
warm-up, like the C# quick harness. W5 has no PyTorch counterpart (eager mode has no trace/compile step)."""
import json, sys, time
import torch

threads = int(sys.argv[1])
out = open(sys.argv[2], "a")
only_w8 = len(sys.argv) > 3 and sys.argv[3] == "W8"
only_w7 = len(sys.argv) > 3 and sys.argv[3] == "W7"
only_s = len(sys.argv) > 3 and sys.argv[3] == "S"
# W1, W3, W6 or "W6 512": only the workloads whose name starts with it (and not W2 n=4), while tuning one kernel
select = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] in ("W1", "W3", "W6", "W6 512") else ""
torch.set_num_threads(threads)
torch.manual_seed(0)


def measure(workload, fn, max_seconds=2.0):
    if select and not workload.startswith(select.replace("W6 ", "W6 sgemm ")):
        return
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


def w1_to_w6_and_eager():
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

    w7()

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


def w7():
    """W7: a LeNet-style CNN training step, and PyTorch's conv2d on its two layers."""
    # W7: LeNet-style CNN SGD step, batch 128 of 28x28 (conv 5x5x6, pool 2, conv 5x5x16, pool 2, 120, 84, 10)
    C1 = uniform((6, 1, 5, 5), -0.2, 0.2).requires_grad_(True)
    CB1 = torch.zeros(6, requires_grad=True)
    C2 = uniform((16, 6, 5, 5), -0.08, 0.08).requires_grad_(True)
    CB2 = torch.zeros(16, requires_grad=True)
    D3 = uniform((256, 120), -0.06, 0.06).requires_grad_(True)
    DB3 = torch.zeros(120, requires_grad=True)
    D4 = uniform((120, 84), -0.09, 0.09).requires_grad_(True)
    DB4 = torch.zeros(84, requires_grad=True)
    D5 = uniform((84, 10), -0.1, 0.1).requires_grad_(True)
    DB5 = torch.zeros(10, requires_grad=True)
    CX = uniform((128, 1, 28, 28), -1, 1)
    CY = torch.zeros(128, 10)
    CY[torch.arange(128), torch.arange(128) % 10] = 1
    cnn_params = [C1, CB1, C2, CB2, D3, DB3, D4, DB4, D5, DB5]
    F = torch.nn.functional

    def step():
        h = F.max_pool2d(torch.relu(F.conv2d(CX, C1, CB1)), 2)
        h = F.max_pool2d(torch.relu(F.conv2d(h, C2, CB2)), 2).reshape(128, 256)
        h = torch.relu(h @ D3 + DB3)
        h = torch.relu(h @ D4 + DB4)
        loss = -(CY * torch.log_softmax(h @ D5 + DB5, 1)).sum(1).mean()
        grads = torch.autograd.grad(loss, cnn_params)
        with torch.no_grad():
            return [p - 0.01 * g for p, g in zip(cnn_params, grads)]

    measure("W7 LeNet step", step)
    for layer, (xs, ws) in enumerate([((128, 1, 28, 28), (6, 1, 5, 5)), ((128, 6, 12, 12), (16, 6, 5, 5))], 1):
        VX = uniform(xs, -1, 1)
        VW = uniform(ws, -0.2, 0.2)
        measure("W7 conv layer %d forward" % layer, lambda VX=VX, VW=VW: F.conv2d(VX, VW))


def w8():
    """W8: f64 Cholesky and solve of 512 x 512, and the gradient of a GP's negative log marginal likelihood."""
    n = 512
    g = torch.Generator().manual_seed(20)
    x = torch.rand(n, n, generator=g, dtype=torch.float64) * 2 - 1
    a = x @ x.T / n + torch.eye(n, dtype=torch.float64)
    b = torch.rand(n, 1, generator=g, dtype=torch.float64) * 2 - 1
    measure("W8 cholesky 512 f64", lambda: torch.linalg.cholesky(a))
    measure("W8 solve 512 f64", lambda: torch.linalg.solve(a, b))

    m = 1000
    xs = torch.arange(m, dtype=torch.float64) * 10.0 / m
    ys = torch.sin(xs) + 0.1 * (torch.rand(m, generator=g, dtype=torch.float64) * 2 - 1)
    eye = torch.eye(m, dtype=torch.float64)
    theta = [torch.tensor(0.0, dtype=torch.float64, requires_grad=True), torch.tensor(0.0, dtype=torch.float64, requires_grad=True),
             torch.tensor(-2.0, dtype=torch.float64, requires_grad=True)]

    def gp():
        log_ls, log_sig, log_noise = theta
        d = xs[:, None] - xs[None, :]
        k = torch.exp(log_sig) * torch.exp(d * d * (-0.5) * torch.exp(-2.0 * log_ls)) + eye * torch.exp(log_noise)
        l = torch.linalg.cholesky(k)
        alpha = torch.linalg.solve_triangular(l, ys[:, None], upper=False)
        nll = 0.5 * (alpha * alpha).sum() + torch.log(torch.diagonal(l)).sum()
        return torch.autograd.grad(nll, theta)

    measure("W8 GP grad n=1000", gp, max_seconds=4.0)


def sequence():
    """S1-S2: a stable sort of 1e6 f32 and a cumsum of 1e7 f32 (Tracer's sort is stable, so is this one; PyTorch's
    CPU cumsum accumulates f32 in f64, as Tracer's does). The eager rows of Tracer compare with the same numbers."""
    xs = uniform((1000000,), -3, 3)
    measure("S1 sort 1e6 f32", lambda: torch.sort(xs, stable=True))
    measure("S1 sort 1e6 f32, eager", lambda: torch.sort(xs, stable=True))
    xc = uniform((10000000,), -1, 1)
    measure("S2 cumsum 1e7 f32", lambda: torch.cumsum(xc, 0))
    measure("S2 cumsum 1e7 f32, eager", lambda: torch.cumsum(xc, 0))


if select:
    w1_to_w6_and_eager()
elif only_w7:
    w7()
elif only_s:
    sequence()
else:
    if not only_w8:
        w1_to_w6_and_eager()
    w8()
    if not only_w8:
        sequence()
