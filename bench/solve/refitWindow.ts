/**
 * A seeded refit window like the stream's (DESIGN §7): binary events with hashed ids over 2^18
 * columns, a fixed number of distinct ids per event drawn with Zipf-like popularity, and a binary
 * label from a logistic model on a few true ids. Every event is generated from its own ordinal
 * (`first` … `first + rows − 1`), so two windows over overlapping ordinals share those events
 * exactly: the window of a refit after the stream moved on is `refitWindow({ ...o, first: first + shift })`.
 *
 *   const w = refitWindow({ rows: 20_000 });                       // 20k × 2^18, 40 ids per event
 *   solveAt(w.x, w.y, { family: 'binomial', lambda: 0.005 });
 *   const moved = refitWindow({ rows: 20_000, first: 2_000 });     // the window 10 % later
 */
import { SparseDesign } from '../../src/solve/design.js';

export interface RefitWindowOptions {
  /** Events in the window (default 20,000). */
  readonly rows?: number;
  /** Hashed id space (default 2^18). */
  readonly cols?: number;
  /** Distinct ids per event (default 40). */
  readonly idsPerEvent?: number;
  /** Ids with a non-zero true coefficient (default 40). */
  readonly trueIds?: number;
  /** Ordinal of the window's first event (default 0). */
  readonly first?: number;
  /** Zipf exponent of id popularity: P(rank k) ∝ 1/(k + 10)^s (default 1.1). */
  readonly zipf?: number;
  readonly seed?: number;
}

export interface RefitWindow {
  readonly x: SparseDesign;
  readonly y: Float64Array;
  /** The true model: intercept and the coefficient of each true id (by column). */
  readonly truth: {
    readonly intercept: number;
    readonly columns: Int32Array;
    readonly coefficients: Float64Array;
  };
}

/** mulberry32 of (seed, ordinal): a stream of uniforms per event. */
function eventRng(seed: number, ordinal: number): () => number {
  let a = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(ordinal + 1, 0xc2b2ae35)) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Popularity rank → column: a multiplicative hash (odd multiplier: a bijection on 2^k columns). */
function columnOfRank(rank: number, cols: number, seed: number): number {
  if ((cols & (cols - 1)) === 0) return (Math.imul(rank ^ seed, 0x2545f491) >>> 0) & (cols - 1);
  return (rank * 7919 + seed) % cols;
}

/** Generates the window of `rows` events from ordinal `first` (see the module comment). */
export function refitWindow(options: RefitWindowOptions = {}): RefitWindow {
  const rows = options.rows ?? 20_000;
  const cols = options.cols ?? 2 ** 18;
  const k = Math.min(options.idsPerEvent ?? 40, cols);
  const nTrue = options.trueIds ?? 40;
  const first = options.first ?? 0;
  const s = options.zipf ?? 1.1;
  const seed = options.seed ?? 1;
  // cumulative popularity over ranks
  const cdf = new Float64Array(cols);
  let acc = 0;
  for (let r = 0; r < cols; r++) {
    acc += 1 / (r + 10) ** s;
    cdf[r] = acc;
  }
  for (let r = 0; r < cols; r++) cdf[r]! /= acc;
  const rankOf = (u: number): number => {
    let lo = 0;
    let hi = cols - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  // true ids: spread over the popular head and the middle (ranks 5 … ~3,000), signs alternating
  const truthRng = eventRng(seed, -7);
  const trueCols = new Int32Array(nTrue);
  const trueCoef = new Float64Array(nTrue);
  const coefOf = new Map<number, number>();
  for (let t = 0; t < nTrue; t++) {
    let c: number;
    do c = columnOfRank(5 + Math.floor(Math.exp(truthRng() * Math.log(3000))), cols, seed);
    while (coefOf.has(c));
    trueCols[t] = c;
    trueCoef[t] = (t % 2 === 0 ? 1 : -1) * (0.4 + 0.8 * truthRng());
    coefOf.set(c, trueCoef[t]!);
  }
  const intercept = -1.5;
  const ri = new Int32Array(rows * k);
  const ci = new Int32Array(rows * k);
  const y = new Float64Array(rows);
  const picked = new Set<number>();
  for (let i = 0; i < rows; i++) {
    const u = eventRng(seed, first + i);
    picked.clear();
    let eta = intercept;
    while (picked.size < k) {
      const c = columnOfRank(rankOf(u()), cols, seed);
      if (picked.has(c)) continue;
      picked.add(c);
      eta += coefOf.get(c) ?? 0;
    }
    let q = i * k;
    for (const c of picked) {
      ri[q] = i;
      ci[q++] = c;
    }
    y[i] = u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
  }
  const x = SparseDesign.fromTriplets(rows, cols, ri, ci, new Float64Array(rows * k).fill(1));
  return { x, y, truth: { intercept, columns: trueCols, coefficients: trueCoef } };
}
