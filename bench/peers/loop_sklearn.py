"""The biasloop loop benchmark in scikit-learn: the same data-generating process, a class x group
conditional Gaussian generator (numpy mean/covariance + Cholesky draws), the replace strategy and
LogisticRegression(lbfgs) on standardised features with the same objective:
(1/n) sum loss + (l2/2) ||beta||^2  <=>  C = 1/(l2 * n) (scikit-learn >= 1.1 averages the loss).
Prints one JSON line: {"ms_per_generation": ...}.
Usage: loop_sklearn.py n dim generations test_size l2 tol"""
import json
import sys
import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

n, dim, generations, test_size = (int(v) for v in sys.argv[1:5])
l2, tol = float(sys.argv[5]), float(sys.argv[6])
rng = np.random.default_rng(0)


def benchmark_data(m):
    """Same process as src/data/synthetic-tabular.ts with its defaults."""
    minority, base_rate, gap, proxy, noise, sep = 0.3, 0.5, 0.2, 0.6, 0.05, 1.5
    a = (rng.random(m) < minority).astype(int)
    y_clean = (rng.random(m) < np.where(a == 0, base_rate, base_rate - gap)).astype(int)
    u = 1 / np.sqrt(np.arange(1, dim))
    u /= np.linalg.norm(u)
    x = np.empty((m, dim))
    x[:, :-1] = (y_clean[:, None] - 0.5) * sep * u[None, :] + rng.standard_normal((m, dim - 1))
    s = (a - minority) / np.sqrt(minority * (1 - minority))
    x[:, -1] = proxy * s + np.sqrt(1 - proxy**2) * rng.standard_normal(m)
    y = np.where(rng.random(m) < noise, 1 - y_clean, y_clean)
    return x, y, a


def fit_generator(x, y, a):
    cells = []
    for c in (0, 1):
        for g in (0, 1):
            rows = x[(y == c) & (a == g)]
            mean = rows.mean(axis=0)
            cov = np.cov(rows, rowvar=False, bias=True)
            cov[np.diag_indices_from(cov)] += 1e-6 * np.trace(cov) / dim
            cells.append((c, g, len(rows), mean, np.linalg.cholesky(cov)))
    return cells


def sample(cells, m):
    weights = np.array([k for (_, _, k, _, _) in cells], dtype=float)
    counts = rng.multinomial(m, weights / weights.sum())
    xs, ys, gs = [], [], []
    for (c, g, _, mean, chol), k in zip(cells, counts):
        xs.append(mean + rng.standard_normal((k, dim)) @ chol.T)
        ys.append(np.full(k, c))
        gs.append(np.full(k, g))
    return np.vstack(xs), np.concatenate(ys), np.concatenate(gs)


def fit_model(x, y):
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=1 / (l2 * len(y)), tol=tol, solver="lbfgs", max_iter=200)
    model.fit(scaler.transform(x), y)
    return scaler, model


def evaluate(scaler, model, x, y, a):
    pred = model.predict(scaler.transform(x))
    sel = [pred[a == g].mean() for g in (0, 1)]
    tpr = [pred[(a == g) & (y == 1)].mean() for g in (0, 1)]
    fpr = [pred[(a == g) & (y == 0)].mean() for g in (0, 1)]
    return (pred == y).mean(), abs(sel[0] - sel[1]), max(abs(tpr[0] - tpr[1]), abs(fpr[0] - fpr[1]))


x, y, a = benchmark_data(n)
xt, yt, at = benchmark_data(test_size)
scaler, model = fit_model(x, y)
evaluate(scaler, model, xt, yt, at)
times = []
for gen in range(1, generations + 1):
    t0 = time.perf_counter()
    cells = fit_generator(x, y, a)
    x, y, a = sample(cells, n)
    scaler, model = fit_model(x, y)
    evaluate(scaler, model, xt, yt, at)
    times.append(time.perf_counter() - t0)
print(json.dumps({"ms_per_generation": 1000 * sum(times) / len(times)}))
