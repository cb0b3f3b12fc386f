import type { CdState } from './state.js';

/** Unpenalized features the exact step takes at most (its QR costs n·k²). */
const MAX_FEATURES = 64;
/** Rows × columns² the exact step's QR may cost at most. */
const MAX_WORK = 2e8;
/** A column whose norm falls below this share of the first pivot's depends on the others: left out. */
const DEPENDENT = 1e-13;

/**
 * Gaussian: moves the intercept and the unpenalized features (penalty factor 0, so no ridge term
 * either) to their exact optimum given the other coefficients: a weighted least-squares fit of
 * the residual on them, by Householder QR with column pivoting (columns that depend on the others
 * are left where they are), twice (the second on the residual recomputed after the first). The
 * objective can only fall. Coordinate descent stalls on such a block when its columns are nearly
 * collinear (columns near 3e5 whose centred values share most of their variation: their gradients
 * stalled 2,000 times above their rounding level at the optimum), and a duality gap bounds nothing
 * until those gradients are at rounding level (`unpenalizedExcess`). False when there are none or
 * too many to take; else the residual and every gradient are current.
 */
export function unpenalizedStep(st: CdState): boolean {
  const block = UnpenalizedBlock.of(st);
  if (block === null) return false;
  const { excluded } = st.problem;
  for (let round = 0; round < 2; round++) {
    const delta = block.fitResidual(st);
    if (delta === null) return false;
    let moved = false;
    for (let c = 0; c < delta.length; c++) if (delta[c] !== 0) moved = true;
    if (!moved) break;
    st.b0 += delta[0]!;
    block.features.forEach((j, c) => {
      const d = delta[c + 1]!;
      if (d === 0) return;
      st.beta[j] = st.beta[j]! + d;
      st.addToSet(j);
    });
    st.resetResidual(st.problem.y);
  }
  // every gradient from the residual as it is now (resetResidual refreshed the sums)
  for (let j = 0; j < st.p; j++) {
    if (excluded[j]) {
      st.grad[j] = 0;
      continue;
    }
    st.ensureColumnSum(j);
    st.grad[j] = st.gradient(j);
  }
  return true;
}

/**
 * The intercept and the unpenalized features (penalty factor 0) of a gaussian state, and the
 * weighted least-squares fit of its residual on them: `unpenalizedStep` moves them by it,
 * `projectedGap` takes it out of the residual.
 */
export class UnpenalizedBlock {
  private readonly a: Float64Array;
  private readonly b: Float64Array;
  private readonly column: Float64Array;
  private readonly delta: Float64Array;

  private constructor(
    /** The unpenalized features, in column order. */
    readonly features: readonly number[],
    private readonly n: number,
  ) {
    const k = features.length + 1;
    this.a = new Float64Array(n * k);
    this.b = new Float64Array(n);
    this.column = new Float64Array(n);
    this.delta = new Float64Array(k);
  }

  /** Null when there are none, or too many to take (MAX_FEATURES, MAX_WORK). */
  static of(st: CdState): UnpenalizedBlock | null {
    const { excluded, pf } = st.problem;
    const features: number[] = [];
    for (let j = 0; j < st.p; j++) if (!excluded[j] && pf[j] === 0) features.push(j);
    const k = features.length + 1;
    if (features.length === 0 || features.length > MAX_FEATURES || st.n * k * k > MAX_WORK) return null;
    return new UnpenalizedBlock(features, st.n);
  }

  /**
   * δ minimizing Σ w (r − δ_0 − Σ_c δ_c x̃_c)² over the block (δ_0 the intercept's), r the residual
   * kept in `st`; null when the QR fails. The array is reused by the next call. With `projected`,
   * also √w·(r − δ_0 − Σ_c δ_c x̃_c) there (`leastSquares`' residual).
   */
  fitResidual(st: CdState, projected?: Float64Array): Float64Array | null {
    const { a, b, n } = this;
    const W = st.W;
    // column-major: √w, then √w·x̃_j; the right-hand side √w·r
    for (let i = 0; i < n; i++) {
      const s = Math.sqrt(W[i]!);
      a[i] = s;
      b[i] = s * (st.rho[i]! + st.shift);
    }
    this.features.forEach((j, c) => {
      const x = this.centred(st, j);
      const at = (c + 1) * n;
      for (let i = 0; i < n; i++) a[at + i] = a[i]! * x[i]!;
    });
    return leastSquares(a, b, n, this.features.length + 1, this.delta, projected) ? this.delta : null;
  }

  /** x̃_j = (x_j − m_j)/s_j, in a buffer reused by the next call. */
  centred(st: CdState, j: number): Float64Array {
    const { x, mean, scale } = st.problem;
    const column = this.column;
    column.fill(0);
    x.axpy(j, 1, column);
    const m = mean[j]!;
    const inv = 1 / scale[j]!;
    for (let i = 0; i < this.n; i++) column[i] = (column[i]! - m) * inv;
    return column;
  }
}

/**
 * The least-squares solution of a·δ ≈ b (a: n × k, column-major; both overwritten) by Householder
 * QR with column pivoting; the coefficients of columns left out as dependent are 0. False when a
 * has no column of positive norm or the solution is not finite. With `residual`, also b − a·δ
 * there, from the reflections (Q times Qᵀb with its first rank entries zeroed): orthogonal to
 * a's columns to rounding however ill-conditioned they are, which b − a·δ computed from δ is not.
 */
export function leastSquares(
  a: Float64Array,
  b: Float64Array,
  n: number,
  k: number,
  out: Float64Array,
  residual?: Float64Array,
): boolean {
  const order = Int32Array.from({ length: k }, (_, c) => c);
  const norms = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[c * n + i]! * a[c * n + i]!;
    norms[c] = s;
  }
  const diag = new Float64Array(k);
  // vᵀv of each step's reflection (0: none); v is a[order[t]·n + t ..]
  const reflections = new Float64Array(k);
  let rank = 0;
  let first = 0;
  const steps = Math.min(n, k);
  for (let t = 0; t < steps; t++) {
    // the remaining column of largest norm (below row t) goes next
    let best = t;
    for (let c = t + 1; c < k; c++) if (norms[order[c]!]! > norms[order[best]!]!) best = c;
    [order[t], order[best]] = [order[best]!, order[t]!];
    const col = order[t]! * n;
    let sq = 0;
    for (let i = t; i < n; i++) sq += a[col + i]! * a[col + i]!;
    const norm = Math.sqrt(sq);
    if (t === 0) first = norm;
    if (!(norm > DEPENDENT * first) || !Number.isFinite(norm)) break;
    // the reflection that takes a[t.., col] to (−sign·norm, 0, …): v = x + sign·norm·e_t
    const alpha = a[col + t]! >= 0 ? -norm : norm;
    a[col + t] = a[col + t]! - alpha;
    let vv = 0;
    for (let i = t; i < n; i++) vv += a[col + i]! * a[col + i]!;
    if (vv > 0) {
      const apply = (target: Float64Array, at: number): void => {
        let dot = 0;
        for (let i = t; i < n; i++) dot += a[col + i]! * target[at + i]!;
        const f = (2 * dot) / vv;
        for (let i = t; i < n; i++) target[at + i] = target[at + i]! - f * a[col + i]!;
      };
      for (let c = t + 1; c < k; c++) {
        const other = order[c]! * n;
        apply(a, other);
        // the norm below row t + 1 (recomputed: downdating it loses the digits that matter here)
        let s = 0;
        for (let i = t + 1; i < n; i++) s += a[other + i]! * a[other + i]!;
        norms[order[c]!] = s;
      }
      apply(b, 0);
    }
    reflections[t] = vv;
    diag[t] = alpha;
    rank++;
  }
  if (rank === 0) return false;
  if (residual) {
    residual.set(b);
    residual.fill(0, 0, rank);
    // Q = H_0 ⋯ H_{rank−1}: the last reflection first
    for (let t = rank - 1; t >= 0; t--) {
      const vv = reflections[t]!;
      if (!(vv > 0)) continue;
      const col = order[t]! * n;
      let dot = 0;
      for (let i = t; i < n; i++) dot += a[col + i]! * residual[i]!;
      const f = (2 * dot) / vv;
      for (let i = t; i < n; i++) residual[i] = residual[i]! - f * a[col + i]!;
    }
  }
  out.fill(0);
  // back substitution on R (the rows of the pivoted columns above their diagonal)
  for (let t = rank - 1; t >= 0; t--) {
    let s = b[t]!;
    for (let c = t + 1; c < rank; c++) s -= a[order[c]! * n + t]! * out[order[c]!]!;
    const v = s / diag[t]!;
    if (!Number.isFinite(v)) return false;
    out[order[t]!] = v;
  }
  return true;
}
