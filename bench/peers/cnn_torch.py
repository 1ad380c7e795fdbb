"""PyTorch peer of the benchmark CNN (bench/nn.ts): same shapes, optimizer and batch size.

conv 3->16 3x3 ReLU, max-pool 2, conv 16->32 3x3 ReLU, max-pool 2, dense 800->64 ReLU, dense 64->10,
Adam 1e-3, batch 64, one epoch of 10,000 random 3x28x28 images (full batches only, as the TS side).

Usage: /usr/bin/python3 bench/peers/cnn_torch.py THREADS [EPOCHS]
Prints one JSON line: {"threads", "images_per_second", "epoch_seconds", "train_cores", "peak_rss_mb",
"loss"}; train_cores is the process's CPU seconds per wall second while training.
Run with OMP_WAIT_POLICY=PASSIVE at 2 threads (Debian's build oversubscribes the cores otherwise)
and with OPENBLAS_NUM_THREADS=THREADS (bench/common.ts sets it; this script sets it when absent):
Debian's torch links OpenBLAS-pthread, whose threads ignore torch.set_num_threads.
"""
import json
import os
import resource
import sys
import time

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, str(threads))  # before torch loads OpenBLAS

import torch
from torch import nn

epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 2
torch.set_num_threads(threads)
torch.manual_seed(0)

model = nn.Sequential(
    nn.Conv2d(3, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(800, 64), nn.ReLU(), nn.Linear(64, 10),
)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
N, B = 10000, 64
X = torch.rand(N, 3, 28, 28)
Y = torch.randint(0, 10, (N,))

def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


best = None
loss = None
train_wall = 0.0
train_cpu = 0.0
for epoch in range(epochs):  # the first epoch warms up; report the best
    c0 = cpu_seconds()
    t0 = time.perf_counter()
    for i in range(0, N - B + 1, B):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(X[i:i + B]), Y[i:i + B])
        loss.backward()
        opt.step()
    dt = time.perf_counter() - t0
    train_wall += dt
    train_cpu += cpu_seconds() - c0
    best = dt if best is None else min(best, dt)

images = (N // B) * B
print(json.dumps({
    "threads": threads,
    "images_per_second": images / best,
    "epoch_seconds": best,
    "train_cores": train_cpu / train_wall,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "loss": float(loss),
}))
