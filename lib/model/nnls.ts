/**
 * Non-negative least squares, min ‖A·x − b‖₂ subject to x ≥ 0, by the active-set method of Lawson & Hanson
 * (Solving Least Squares Problems, 1974, ch. 23): grow a passive set P one column at a time (the one with the
 * largest gradient), solve the unconstrained problem on P, and step back towards the previous feasible point
 * whenever that solution has a non-positive entry.
 */
import { finiteArray, integerIn } from '../validate.js';
import { invalidOption } from '../errors.js';
import { leastSquares, matVec, type Matrix } from './least-squares.js';

export interface NnlsResult {
  readonly x: number[];
  readonly residualNorm: number;
  readonly iterations: number;
}

export function nnls(A: Matrix, b: readonly number[], maxIterations?: number): NnlsResult {
  if (!Array.isArray(A)) throw invalidOption('A', 'an array of rows (an m × n matrix)', A, 'type');
  const m = A.length;
  // Every row as long as the first, b one entry per row: a ragged or short input otherwise reads undefined as NaN.
  const n = m === 0 ? 0 : finiteArray('A[0]', A[0]).length;
  for (let i = 1; i < m; i++) finiteArray(`A[${i}]`, A[i], n);
  finiteArray('b', b, m);
  maxIterations = maxIterations === undefined ? 30 * Math.max(1, n) : integerIn('maxIterations', maxIterations, 0);
  const x: number[] = new Array(n).fill(0);
  const passive: boolean[] = new Array(n).fill(false);
  // Tolerance on the dual (gradient) as in Lawson–Hanson / scipy: scale of A times machine epsilon.
  let normA = 0;
  for (const row of A) for (const a of row) normA = Math.max(normA, Math.abs(a));
  const tol = 10 * Number.EPSILON * normA * Math.max(m, n) * Math.max(1, Math.sqrt(b.reduce((s, v) => s + v * v, 0)));
  const gradient = () => {
    const r = matVec(A, x).map((ax, i) => b[i] - ax);
    const w: number[] = new Array(n).fill(0);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) w[j] += A[i][j] * r[i];
    return w;
  };
  let iterations = 0;
  for (;;) {
    const w = gradient();
    let t = -1;
    for (let j = 0; j < n; j++) if (!passive[j] && w[j] > tol && (t < 0 || w[j] > w[t])) t = j;
    if (t < 0 || iterations >= maxIterations) break;
    passive[t] = true;
    // Inner loop: keep the passive solution feasible.
    for (;;) {
      iterations++;
      const cols = passive.flatMap((p, j) => (p ? [j] : []));
      const { x: sP } = leastSquares(A, b, cols);
      const s: number[] = new Array(n).fill(0);
      cols.forEach((j, k) => (s[j] = sP[k]));
      if (cols.every((j) => s[j] > 0)) {
        for (let j = 0; j < n; j++) x[j] = s[j];
        break;
      }
      let alpha = Infinity;
      for (const j of cols) if (s[j] <= 0) alpha = Math.min(alpha, x[j] / (x[j] - s[j]));
      for (let j = 0; j < n; j++) x[j] += alpha * (s[j] - x[j]);
      for (const j of cols) {
        if (x[j] <= tol) {
          x[j] = 0;
          passive[j] = false;
        }
      }
      if (iterations >= maxIterations) break;
    }
  }
  const r = matVec(A, x).map((ax, i) => ax - b[i]);
  return { x, residualNorm: Math.sqrt(r.reduce((s, v) => s + v * v, 0)), iterations };
}
