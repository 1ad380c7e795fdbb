"""PyTorch peer of the character transformer bench (bench/lm.ts): same shapes, optimizer and batches.

Model: vocabulary 96, context 64, width 128, 4 heads, 2 pre-LayerNorm blocks (fused qkv projection,
causal softmax attention, MLP 128->512->128 with tanh-GELU), learned absolute positions, final
LayerNorm, untied linear head; GPT-2 initialisation. Adam 3e-4, batch 32 windows of 64 tokens.

Training: STEPS steps on fixed random token windows (the same work as the TS side), best of REPEATS.
Sampling: BATCH rows generated in parallel, temperature-1 multinomial sampling, two workloads:
  * "cache": prompt PROMPT tokens + (context - PROMPT) new tokens, all within the context, with a
    KV cache (torch's best approach: one forward of a single position per step, keys/values cached);
  * "window": prompt PROMPT tokens + LONG new tokens: beyond the context the window slides, which
    invalidates a cache over learned absolute positions, so each step recomputes the last 64 tokens
    (the same rule as biasloop's default `slide`).
Characters/s = generated tokens (rows x new tokens) / seconds.

Usage: /usr/bin/python3 bench/peers/transformer_torch.py THREADS
Prints one JSON line; "train_cores" is the process's CPU seconds per wall second while training.
Run with OMP_WAIT_POLICY=PASSIVE at 2 threads (Debian's build oversubscribes the cores otherwise)
and with OPENBLAS_NUM_THREADS=THREADS (bench/common.ts sets it; this script sets it when absent):
Debian's torch links OpenBLAS-pthread, whose GEMM threads ignore torch.set_num_threads, so without
it a "1-thread" run multiplies matrices on every core.
"""
import json
import math
import os
import resource
import sys
import time

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, str(threads))  # before torch loads OpenBLAS

import torch
from torch import nn
from torch.nn import functional as F

torch.set_num_threads(threads)
torch.manual_seed(0)

V, T, C, H, L, M = 96, 64, 128, 4, 2, 512
B = 32
STEPS = 40
REPEATS = 3
SAMPLE_REPEATS = 5
SAMPLE_ROWS = 32
PROMPT = 16
LONG = 192


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(C)
        self.qkv = nn.Linear(C, 3 * C)
        self.proj = nn.Linear(C, C)
        self.ln2 = nn.LayerNorm(C)
        self.fc = nn.Linear(C, M)
        self.fc_proj = nn.Linear(M, C)

    def attend(self, x, mask, past):
        b, t, _ = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
        q = q.view(b, t, H, C // H).transpose(1, 2)
        k = k.view(b, t, H, C // H).transpose(1, 2)
        v = v.view(b, t, H, C // H).transpose(1, 2)
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        scores = (q * (1.0 / math.sqrt(C // H))) @ k.transpose(-2, -1)
        if mask is not None:
            scores = scores + mask
        y = (F.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(b, t, C)
        return self.proj(y), (k, v)

    def forward(self, x, mask, past=None):
        a, present = self.attend(x, mask, past)
        x = x + a
        x = x + self.fc_proj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))
        return x, present


class Lm(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(V, C)
        self.pos = nn.Embedding(T, C)
        self.blocks = nn.ModuleList([Block() for _ in range(L)])
        self.ln_f = nn.LayerNorm(C)
        self.head = nn.Linear(C, V)
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                nn.init.zeros_(p)
            elif p.dim() >= 2:
                std = 0.02 / math.sqrt(2 * L) if ("proj" in name) else 0.02
                nn.init.normal_(p, 0.0, std)
        self.register_buffer("causal", torch.triu(torch.full((T, T), -1e9), diagonal=1))

    def forward(self, ids, start=0, past=None):
        b, t = ids.shape
        x = self.tok(ids) + self.pos(torch.arange(start, start + t))
        mask = self.causal[:t, :t] if past is None else None
        presents = []
        for i, blk in enumerate(self.blocks):
            x, pr = blk(x, mask, None if past is None else past[i])
            presents.append(pr)
        return self.head(self.ln_f(x)), presents


model = Lm()
opt = torch.optim.Adam(model.parameters(), lr=3e-4)
g = torch.Generator().manual_seed(0)
X = torch.randint(0, V, (B, T), generator=g)
Y = torch.randint(0, V, (B, T), generator=g)

for _ in range(5):  # warm-up
    opt.zero_grad(set_to_none=True)
    logits, _ = model(X)
    F.cross_entropy(logits.view(-1, V), Y.view(-1)).backward()
    opt.step()

def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


best_train = None
loss = None
train_wall = 0.0
train_cpu = 0.0
for _ in range(REPEATS):
    c0 = cpu_seconds()
    t0 = time.perf_counter()
    for _ in range(STEPS):
        opt.zero_grad(set_to_none=True)
        logits, _ = model(X)
        loss = F.cross_entropy(logits.view(-1, V), Y.view(-1))
        loss.backward()
        opt.step()
    train_wall += time.perf_counter() - t0
    train_cpu += cpu_seconds() - c0
    dt = (time.perf_counter() - t0) / STEPS
    best_train = dt if best_train is None else min(best_train, dt)


@torch.no_grad()
def sample_cache(prompts, new_tokens):
    logits, past = model(prompts)
    nxt = torch.multinomial(F.softmax(logits[:, -1], dim=-1), 1, generator=g)
    pos = prompts.shape[1]
    for _ in range(new_tokens - 1):
        logits, past = model(nxt, start=pos, past=past)
        pos += 1
        nxt = torch.multinomial(F.softmax(logits[:, -1], dim=-1), 1, generator=g)


@torch.no_grad()
def sample_window(prompts, new_tokens):
    """KV cache while within the context, then recompute the sliding window of the last T tokens."""
    logits, past = model(prompts)
    nxt = torch.multinomial(F.softmax(logits[:, -1], dim=-1), 1, generator=g)
    seq = torch.cat([prompts, nxt], dim=1)
    for _ in range(new_tokens - 1):
        pos = seq.shape[1] - 1
        if pos < T:
            logits, past = model(nxt, start=pos, past=past)
        else:
            logits, _ = model(seq[:, -T:])
        nxt = torch.multinomial(F.softmax(logits[:, -1], dim=-1), 1, generator=g)
        seq = torch.cat([seq, nxt], dim=1)


model.eval()
prompts = torch.randint(0, V, (SAMPLE_ROWS, PROMPT), generator=g)
timings = {}
for name, fn, new in [("cache", sample_cache, T - PROMPT), ("window", sample_window, LONG)]:
    fn(prompts, new)  # warm-up: one full call, as the biasloop side does
    best = None
    for _ in range(SAMPLE_REPEATS):
        t0 = time.perf_counter()
        fn(prompts, new)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    timings[name] = SAMPLE_ROWS * new / best

print(json.dumps({
    "threads": threads,
    "train_tokens_per_second": B * T / best_train,
    "train_step_ms": best_train * 1000,
    "train_cores": train_cpu / train_wall,
    "loss": float(loss),
    "sample_cache_chars_per_second": timings["cache"],
    "sample_window_chars_per_second": timings["window"],
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
