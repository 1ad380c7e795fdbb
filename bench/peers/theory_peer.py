"""numpy peer for bench/theory.ts: the Gaussian replace loop and the Wright–Fisher loop with the
same sizes as biasloop's defaults, vectorised over seeds (numpy's best case).
Run: /usr/bin/python3 bench/peers/theory_peer.py  (prints one JSON line per measurement)."""
import json
import time

import numpy as np


def gaussian_replace(seeds=1000, n=100, generations=50, rng=None):
    rng = rng or np.random.default_rng(0)
    x = rng.standard_normal((seeds, n))
    mu, var = x.mean(1), x.var(1)  # MLE, divisor n
    ratios = [var.copy()]
    for _ in range(1, generations):
        x = mu[:, None] + np.sqrt(var)[:, None] * rng.standard_normal((seeds, n))
        mu, var = x.mean(1), x.var(1)
        ratios.append(var.copy())
    return np.array(ratios)


def wright_fisher(shares=(0.5, 0.3, 0.15, 0.05), n=100, generations=100, seeds=1000, rng=None):
    rng = rng or np.random.default_rng(0)
    p = np.tile(np.array(shares), (seeds, 1))
    h = [1 - (p**2).sum(1)]
    for _ in range(1, generations):
        counts = np.array([rng.multinomial(n, row) for row in p])
        p = counts / n
        h.append(1 - (p**2).sum(1))
    return np.array(h)


def timed(name, fn, repeats=3):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"name": name, "value": round(sorted(times)[len(times) // 2], 1), "unit": "ms"}))


if __name__ == "__main__":
    timed("numpy.gaussian replace only (1000 seeds, n=100, G=50)", gaussian_replace)
    timed("numpy.wright-fisher (K=4, N=100, G=100, 1000 seeds, no exact chain)", wright_fisher)
