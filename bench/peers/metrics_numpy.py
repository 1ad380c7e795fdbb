"""numpy peer for bench/metrics.ts: the same per-group confusion counts and bootstrap, timed in numpy.

Usage: python3 bench/peers/metrics_numpy.py <dir with y_true.u8, y_pred.u8, group.u8> <groups> <boot_rows> <resamples>
Prints one JSON object with timings in seconds (best of repeats) and the counts for a cross-check.

Work per step, written the fastest plain-numpy way (vectorised across groups and resamples):
- counts: one combined cell code per row, one np.bincount.
- rates: selection rate, accuracy, TPR, FPR, precision per group and overall, and their
  between-group difference and ratio (the same 55 values biasloop's "subset" bench computes).
- bootstrap (cells): rng.multinomial over the 32 cells for all resamples at once, the rates for all
  resamples at once, np.percentile for the 95% interval of every value.
- bootstrap (rows): per resample rng.integers + np.bincount (and a variant writing into preallocated
  buffers; the faster of the two is reported), then the same vectorised rates/percentiles.
"""
import json
import sys
import time

import numpy as np


def best(fn, repeats):
    times = []
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def rates(c, groups):
    """c: (..., groups*4) counts → (..., 55) values: 5 rates × (groups + overall), then 5 differences, 5 ratios."""
    c = c.reshape(c.shape[:-1] + (groups, 2, 2)).astype(np.float64)
    c = np.concatenate([c, c.sum(axis=-3, keepdims=True)], axis=-3)  # overall as an extra "group"
    tn, fp, fn, tp = c[..., 0, 0], c[..., 0, 1], c[..., 1, 0], c[..., 1, 1]
    n = tn + fp + fn + tp
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.stack([(tp + fp) / n, (tp + tn) / n, tp / (tp + fn), fp / (fp + tn), tp / (tp + fp)], axis=-2)
        per_group = r[..., :groups]
        mx, mn = per_group.max(-1), per_group.min(-1)
        out = np.concatenate([r.reshape(r.shape[:-2] + (-1,)), mx - mn, mn / mx], axis=-1)
    return out


def main():
    d, groups, boot_rows, resamples = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    yt = np.fromfile(f"{d}/y_true.u8", dtype=np.uint8)
    yp = np.fromfile(f"{d}/y_pred.u8", dtype=np.uint8)
    g = np.fromfile(f"{d}/group.u8", dtype=np.uint8)
    cells = groups * 4

    def counts():
        code = g.astype(np.intp) * 4 + yt.astype(np.intp) * 2 + yp
        return np.bincount(code, minlength=cells)

    t_counts, c = best(counts, 5)
    t_all, _ = best(lambda: rates(counts(), groups), 5)

    code_small = g[:boot_rows].astype(np.intp) * 4 + yt[:boot_rows].astype(np.intp) * 2 + yp[:boot_rows]
    base = np.bincount(code_small, minlength=cells)
    rng = np.random.default_rng(0)

    def intervals(draws):
        v = rates(draws, groups)
        return np.nanpercentile(v, [2.5, 97.5], axis=0)

    def boot_cells_fn():
        return intervals(rng.multinomial(boot_rows, base / boot_rows, size=resamples))

    def boot_rows_fn():
        draws = np.empty((resamples, cells), dtype=np.int64)
        for b in range(resamples):
            draws[b] = np.bincount(code_small[rng.integers(0, boot_rows, boot_rows)], minlength=cells)
        return intervals(draws)

    # The same without a fresh 100,000-element array per step (allocation and page faults dominate
    # the plain version on some machines): indices from rng.random into preallocated buffers.
    fbuf = np.empty(boot_rows)
    ibuf = np.empty(boot_rows, dtype=np.intp)
    cbuf = np.empty(boot_rows, dtype=np.intp)

    def boot_rows_prealloc_fn():
        draws = np.empty((resamples, cells), dtype=np.int64)
        for b in range(resamples):
            rng.random(out=fbuf)
            np.multiply(fbuf, boot_rows, out=fbuf)
            ibuf[:] = fbuf
            np.take(code_small, ibuf, out=cbuf)
            draws[b] = np.bincount(cbuf, minlength=cells)
        return intervals(draws)

    t_boot_cells, _ = best(boot_cells_fn, 5)
    t_boot_rows_plain, _ = best(boot_rows_fn, 2)
    t_boot_rows_prealloc, _ = best(boot_rows_prealloc_fn, 2)
    t_boot_rows = min(t_boot_rows_plain, t_boot_rows_prealloc)
    print(json.dumps({
        "numpy": np.__version__,
        "rows": int(len(yt)),
        "values": int(rates(base, groups).shape[-1]),
        "counts_s": t_counts,
        "counts_and_rates_s": t_all,
        "bootstrap_cells_s": t_boot_cells,
        "bootstrap_rows_s": t_boot_rows,
        "bootstrap_rows_plain_s": t_boot_rows_plain,
        "bootstrap_rows_prealloc_s": t_boot_rows_prealloc,
        "counts": c.tolist(),
    }))


if __name__ == "__main__":
    main()
