/**
 * Dense least squares by Householder QR, small and exact enough for the model's handful of columns.
 * Matrices are arrays of rows (m × n, m ≥ n not required: rank is reported).
 */

export type Matrix = readonly (readonly number[])[];

export interface QrSolution {
  /** Coefficients for the requested columns, in the order given. */
  readonly x: number[];
  /** Diagonal of R, |R_jj| relative to the largest: a column near 0 here is (nearly) a combination of earlier ones. */
  readonly relativeDiagonal: number[];
}

/**
 * Solve min ‖A[:, cols]·x − b‖₂. Columns whose relative pivot falls below `rankTolerance` get x = 0, so a
 * rank-deficient problem still returns a (minimum-support) solution; callers that must refuse such a fit check
 * `relativeDiagonal` themselves.
 */
export function leastSquares(A: Matrix, b: readonly number[], cols: readonly number[], rankTolerance = 1e-10): QrSolution {
  const m = A.length;
  const n = cols.length;
  // Work on a column-major copy: R overwrites it, the Householder vectors are applied to y as we go.
  const R: number[][] = cols.map((c) => A.map((row) => row[c]));
  const y = b.slice();
  const steps = Math.min(m, n);
  const diag: number[] = new Array(n).fill(0);
  for (let k = 0; k < steps; k++) {
    const col = R[k];
    let norm = 0;
    for (let i = k; i < m; i++) norm += col[i] * col[i];
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const alpha = col[k] > 0 ? -norm : norm;
    // v = x − alpha·e1, stored in place of the column below the diagonal.
    const v = col.slice(k);
    v[0] -= alpha;
    let vnorm2 = 0;
    for (const vi of v) vnorm2 += vi * vi;
    if (vnorm2 === 0) continue;
    const reflect = (target: number[]) => {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k] * target[i];
      const scale = (2 * dot) / vnorm2;
      for (let i = k; i < m; i++) target[i] -= scale * v[i - k];
    };
    for (let j = k; j < n; j++) reflect(R[j]);
    reflect(y);
  }
  for (let k = 0; k < steps; k++) diag[k] = Math.abs(R[k][k]);
  const largest = Math.max(0, ...diag);
  const relativeDiagonal = diag.map((d) => (largest > 0 ? d / largest : 0));
  // Back substitution, skipping dependent columns.
  const x: number[] = new Array(n).fill(0);
  for (let k = steps - 1; k >= 0; k--) {
    if (relativeDiagonal[k] < rankTolerance) continue;
    let s = y[k];
    for (let j = k + 1; j < n; j++) s -= R[j][k] * x[j];
    x[k] = s / R[k][k];
  }
  return { x, relativeDiagonal };
}

export function matVec(A: Matrix, x: readonly number[]): number[] {
  return A.map((row) => row.reduce((s, a, j) => s + a * x[j], 0));
}
