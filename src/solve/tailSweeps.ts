import { SparseDesign } from './design.js';
import type { CdState } from './state.js';
import { STALL_PROGRESS, sweep } from './sweeps.js';

/** A sweep is in its tail when the features that still move hold at most this share of the set's entries. */
const TAIL_SHARE = 0.05;
/** Working-set features with at most this many stored rows that share a row with a mover join its sweeps. */
const NEIGHBOUR_ROWS = 20;
/** The tail's own sweeps stop below the threshold, after this many, or after one full sweep's entries. */
const TAIL_PASSES = 1000;
/** …or after this many that did not lower the largest change (`STALL_PROGRESS`). */
const TAIL_STALL = 10;

/**
 * Sweeps of a quadratic model's tail on a sparse design (`solveWorkingSet`'s `tail`): after a
 * full sweep of the working set in which only a few features still moved (h·Δ² at or above the
 * threshold: after a window shift, rare ids coupled through shared rows, while the popular ids
 * have settled), those features and the rare features of the set that share a row with them
 * are swept alone until they meet the threshold, then the full sweeps go on. A full sweep visits
 * every feature of the set; on the bench's refit window at λ = 0.001 most of a warm fit's sweeps
 * were such tails, each moving 1–50 of 10,000–17,000 features (bench/results/warm-s23.md).
 *
 * Each sweep lowers the same quadratic model, so the sweeps' stopping rule and the fit's
 * certificate are unchanged; only the order of the coordinate steps differs.
 */
export class TailSweeps {
  /** β of the working set before the last full sweep (in the set's order). */
  private readonly before: Float64Array;
  private readonly rowMark: Uint8Array;
  private readonly inFocus: Uint8Array;
  /** Tail sweeps run (their features count in `CdState.columnVisits`, not as sweeps). */
  passes = 0;

  constructor(private readonly st: CdState) {
    this.before = new Float64Array(st.p);
    this.rowMark = new Uint8Array(st.n);
    this.inFocus = new Uint8Array(st.p);
  }

  /** Records the working set's coefficients before a full sweep. */
  mark(): void {
    const { set, beta, setSize } = this.st;
    const before = this.before;
    for (let k = 0; k < setSize; k++) before[k] = beta[set[k]!]!;
  }

  /**
   * After a full sweep whose largest change `change` is at or above `thr`: when the features that
   * moved by that much are a tail (TAIL_SHARE), sweeps them and their rare neighbours alone.
   */
  run(lambda: number, thr: number): void {
    const st = this.st;
    const x = st.problem.x;
    if (!(x instanceof SparseDesign)) return;
    const { colStart, rowIndex } = x;
    const { set, beta, h, setSize } = st;
    const before = this.before;
    const focus = st.active;
    const { rowMark, inFocus } = this;
    let count = 0;
    let moved = 0;
    let total = 0;
    for (let k = 0; k < setSize; k++) {
      const j = set[k]!;
      const nnz = colStart[j + 1]! - colStart[j]!;
      total += nnz;
      const d = beta[j]! - before[k]!;
      if (h[j]! * d * d >= thr) {
        focus[count++] = j;
        moved += nnz;
      }
    }
    if (count === 0 || moved > TAIL_SHARE * total) return;
    for (let a = 0; a < count; a++) {
      const j = focus[a]!;
      inFocus[j] = 1;
      for (let k = colStart[j]!; k < colStart[j + 1]!; k++) rowMark[rowIndex[k]!] = 1;
    }
    const movers = count;
    for (let k = 0; k < setSize; k++) {
      const j = set[k]!;
      const from = colStart[j]!;
      const to = colStart[j + 1]!;
      if (inFocus[j] || to - from > NEIGHBOUR_ROWS) continue;
      for (let q = from; q < to; q++) {
        if (rowMark[rowIndex[q]!]) {
          focus[count++] = j;
          inFocus[j] = 1;
          break;
        }
      }
    }
    let entries = 0;
    for (let a = 0; a < count; a++) {
      const j = focus[a]!;
      inFocus[j] = 0;
      entries += colStart[j + 1]! - colStart[j]!;
    }
    for (let a = 0; a < movers; a++) {
      const j = focus[a]!;
      for (let k = colStart[j]!; k < colStart[j + 1]!; k++) rowMark[rowIndex[k]!] = 0;
    }
    const budget = Math.min(TAIL_PASSES, Math.floor(total / Math.max(1, entries)));
    // (a change that stops falling is at the rounding level of the sums: `solveWorkingSet`'s stall)
    let best = Infinity;
    let since = 0;
    for (let pass = 0; pass < budget; pass++) {
      this.passes++;
      const c = sweep(st, lambda, focus, count);
      if (c < thr) break;
      if (c < STALL_PROGRESS * best) {
        best = c;
        since = 0;
      } else if (++since >= TAIL_STALL) break;
    }
  }
}
