"""The audit benchmark's peer: the same audit as `biasloop audit` written the way a competent pandas
user would, run with Debian's /usr/bin/python3 (python3-pandas, python3-numpy).

Usage: audit_pandas.py FILE RESAMPLES OUT_JSON
Reads FILE (columns race, sex, label, score), predicts score >= 0.5, and for race, sex and race & sex
computes per group: size, share, base rate, selection rate, TPR, FPR, FNR, TNR, PPV, FDR, FOR, NPV,
accuracy; ratio and difference to the largest group with the four-fifths verdict; demographic-parity
and equalized-odds difference and ratio (groups with an undefined rate omitted, as Fairlearn); and
95% percentile bootstrap intervals for all of it from RESAMPLES resamples. The bootstrap redraws the
confusion cells from a multinomial (vectorised over resamples), the same exact shortcut biasloop
uses: re-sampling a million rows a thousand times with pandas would take minutes and give the same
distribution. Writes the result to OUT_JSON and prints {"seconds": …} (file → JSON) as its last line.
"""
import json
import sys
import time

import numpy as np
import pandas as pd

METRICS = ["base_rate", "selection_rate", "true_positive_rate", "false_positive_rate",
           "false_negative_rate", "true_negative_rate", "precision", "false_discovery_rate",
           "false_omission_rate", "negative_predictive_value", "accuracy"]


def rates(tn, fp, fn, tp):
    """Every metric from count arrays of shape (..., groups); 0/0 gives NaN."""
    n = tn + fp + fn + tp
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "base_rate": (tp + fn) / n,
            "selection_rate": (tp + fp) / n,
            "true_positive_rate": tp / (tp + fn),
            "false_positive_rate": fp / (fp + tn),
            "false_negative_rate": fn / (fn + tp),
            "true_negative_rate": tn / (tn + fp),
            "precision": tp / (tp + fp),
            "false_discovery_rate": fp / (tp + fp),
            "false_omission_rate": fn / (tn + fn),
            "negative_predictive_value": tn / (tn + fn),
            "accuracy": (tp + tn) / n,
        }


def ratio(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        r = a / b
    return np.where(a == b, 1.0, r)


def summary(m):
    """Demographic parity and equalized odds over the group axis (last), NaN groups omitted."""
    def diff(x):
        return np.nanmax(x, axis=-1) - np.nanmin(x, axis=-1)

    def rat(x):
        lo, hi = np.nanmin(x, axis=-1), np.nanmax(x, axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(lo == hi, 1.0, lo / hi)
    tpr, fpr, sr = m["true_positive_rate"], m["false_positive_rate"], m["selection_rate"]
    return {
        "demographic_parity_difference": diff(sr),
        "demographic_parity_ratio": rat(sr),
        "equalized_odds_difference": np.maximum(diff(tpr), diff(fpr)),
        "equalized_odds_ratio": np.minimum(rat(tpr), rat(fpr)),
    }


def ci(samples):
    with np.errstate(invalid="ignore"):
        lo = np.nanpercentile(samples, 2.5, axis=0)
        hi = np.nanpercentile(samples, 97.5, axis=0)
    return lo, hi


def num(x):
    x = float(x)
    return None if not np.isfinite(x) else x


def main():
    path, resamples, out_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    t0 = time.perf_counter()
    df = pd.read_csv(path, usecols=["race", "sex", "label", "score"],
                     dtype={"race": "category", "sex": "category", "label": "int8", "score": "float64"})
    df["pred"] = (df["score"] >= 0.5).astype("int8")
    combos = df.groupby(["race", "sex", "label", "pred"], observed=True).size()
    cells = combos.unstack(["label", "pred"], fill_value=0)
    for col in [(0, 0), (0, 1), (1, 0), (1, 1)]:
        if col not in cells.columns:
            cells[col] = 0
    cells = cells[[(0, 0), (0, 1), (1, 0), (1, 1)]]
    combo_index = cells.index  # (race, sex) pairs that occur
    counts = cells.to_numpy(dtype=np.float64)  # combos × 4 (tn, fp, fn, tp)
    n = counts.sum()
    flat = counts.ravel()
    rng = np.random.default_rng(0)
    boot = rng.multinomial(int(n), flat / n, size=resamples).astype(np.float64).reshape(resamples, *counts.shape)

    attributes = {
        "race": combo_index.get_level_values("race").astype(str),
        "sex": combo_index.get_level_values("sex").astype(str),
    }
    attributes["race & sex"] = pd.Index([f"{r} & {s}" for r, s in zip(attributes["race"], attributes["sex"])])
    result = {"rows": int(n), "attributes": []}
    for name, labels in attributes.items():
        groups = sorted(set(labels))
        member = np.array([[1.0 if lab == g else 0.0 for g in groups] for lab in labels])  # combos × groups
        point = counts.T @ member  # 4 × groups
        bs = np.einsum("bck,cg->bkg", boot, member)  # resamples × 4 × groups
        pm = rates(*point)
        bm = rates(*[bs[:, k, :] for k in range(4)])
        size = point.sum(axis=0)
        ref = int(np.argmax(size))
        share, bshare = size / n, bs.sum(axis=1) / n
        out_groups = []
        ci_share = ci(bshare)
        cis = {m: ci(bm[m]) for m in METRICS}
        rcis = {m: ci(ratio(bm[m], bm[m][:, [ref]])) for m in METRICS}
        dcis = {m: ci(bm[m] - bm[m][:, [ref]]) for m in METRICS}
        for g, gname in enumerate(groups):
            metrics, disp = {}, {}
            for m in METRICS:
                metrics[m] = {"value": num(pm[m][g]), "ciLow": num(cis[m][0][g]), "ciHigh": num(cis[m][1][g])}
                r = ratio(pm[m][g], pm[m][ref])
                verdict = "undefined" if np.isnan(r) else ("fair" if 0.8 <= r <= 1 / 0.8 else "unfair")
                disp[m] = {"reference": groups[ref],
                           "ratio": {"value": num(r), "ciLow": num(rcis[m][0][g]), "ciHigh": num(rcis[m][1][g])},
                           "difference": {"value": num(pm[m][g] - pm[m][ref]), "ciLow": num(dcis[m][0][g]),
                                          "ciHigh": num(dcis[m][1][g])},
                           "verdict": verdict}
            out_groups.append({"group": gname, "rows": int(size[g]),
                               "share": {"value": num(share[g]), "ciLow": num(ci_share[0][g]),
                                         "ciHigh": num(ci_share[1][g])},
                               "small": bool(size[g] < 30), "metrics": metrics, "disparities": disp})
        ps, bsum = summary(pm), summary(bm)
        summ = {}
        for k in ps:
            lo, hi = ci(bsum[k][:, None])
            summ[k] = {"value": num(ps[k]), "ciLow": num(lo[0]), "ciHigh": num(hi[0])}
        result["attributes"].append({"attribute": name, "reference": groups[ref], "groups": out_groups,
                                     "summary": summ})
    with open(out_path, "w") as f:
        json.dump(result, f, indent=2)
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "rows": int(n)}))


if __name__ == "__main__":
    main()
