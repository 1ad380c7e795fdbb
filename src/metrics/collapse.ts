/**
 * Collapse and association statistics of one set of rows: entropy of a categorical distribution,
 * the per-feature variance ratio against a reference, and how strongly labels and groups are tied
 * (Cramér's V, mutual information, and the phi coefficient for two binary variables).
 */

/** Shannon entropy of counts or probabilities, in bits by default (`base` e for nats). 0 for one category. */
export function entropy(p: ArrayLike<number>, base = 2): number {
  let total = 0;
  for (let i = 0; i < p.length; i++) {
    if (!(p[i] >= 0)) throw new RangeError(`entropy: value ${i} is ${p[i]}, expected ≥ 0`);
    total += p[i];
  }
  if (!(total > 0)) return NaN;
  let h = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] > 0) {
      const q = p[i] / total;
      h -= q * Math.log(q);
    }
  }
  return h / Math.log(base);
}

/** Per-column sample variance ((n − 1)-normalised) of a row-major n×d matrix. */
export function columnVariances(x: ArrayLike<number>, d: number): Float64Array {
  const n = x.length / d;
  const mean = new Float64Array(d);
  const m2 = new Float64Array(d);
  // Welford per column: stable for large offsets.
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) {
      const v = x[i * d + k];
      const delta = v - mean[k];
      mean[k] += delta / (i + 1);
      m2[k] += delta * (v - mean[k]);
    }
  }
  const out = new Float64Array(d);
  for (let k = 0; k < d; k++) out[k] = n > 1 ? m2[k] / (n - 1) : NaN;
  return out;
}

/**
 * Mean over features of var(sample) / var(reference): < 1 means the sample is narrower (the classic
 * model-collapse signature), 1 means the same spread. Features constant in the reference are skipped.
 */
export function varianceRatio(sample: ArrayLike<number>, reference: ArrayLike<number>, d: number): number {
  const vs = columnVariances(sample, d);
  const vr = columnVariances(reference, d);
  let s = 0;
  let k = 0;
  for (let j = 0; j < d; j++) {
    if (vr[j] > 0 && !Number.isNaN(vs[j])) {
      s += vs[j] / vr[j];
      k++;
    }
  }
  return k > 0 ? s / k : NaN;
}

/** Association statistics of an R×C contingency table `[r·C + c]`. */
export interface Association {
  /** Cramér's V = sqrt(χ² / (n · (min(R', C') − 1))) over the non-empty rows/columns, in [0, 1]. */
  readonly cramersV: number;
  /** Mutual information in bits. */
  readonly mutualInformation: number;
  /** For a 2×2 table: the phi coefficient (= Pearson correlation of the two indicators), else NaN. */
  readonly phi: number;
}

export function association(table: ArrayLike<number>, rows: number, cols: number): Association {
  const rowSum = new Float64Array(rows);
  const colSum = new Float64Array(cols);
  let n = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = table[r * cols + c];
      rowSum[r] += v;
      colSum[c] += v;
      n += v;
    }
  }
  if (!(n > 0)) return { cramersV: NaN, mutualInformation: NaN, phi: NaN };
  let chi2 = 0;
  let mi = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const e = (rowSum[r] * colSum[c]) / n;
      const o = table[r * cols + c];
      if (e > 0) chi2 += ((o - e) * (o - e)) / e;
      if (o > 0) mi += (o / n) * Math.log2((o * n) / (rowSum[r] * colSum[c]));
    }
  }
  const usedRows = rowSum.filter((v) => v > 0).length;
  const usedCols = colSum.filter((v) => v > 0).length;
  const k = Math.min(usedRows, usedCols) - 1;
  const cramersV = k > 0 ? Math.sqrt(chi2 / (n * k)) : NaN;
  let phi = NaN;
  if (rows === 2 && cols === 2) {
    const [a, b, c, d] = [table[0], table[1], table[2], table[3]];
    const denom = Math.sqrt(rowSum[0] * rowSum[1] * colSum[0] * colSum[1]);
    phi = denom > 0 ? (a * d - b * c) / denom : NaN;
  }
  return { cramersV, mutualInformation: Math.max(0, mi), phi };
}
