/**
 * The sparse high-cardinality stream of issue 14 (ad scoring): every event carries 20–40 distinct
 * binary ids out of 20,000, drawn with Zipf popularity (P(rank r) ∝ 1/(r + 1)), and its label
 * comes from a planted logistic model on 20 of the ids. Rendered as JSONL events
 * (`{"label":1,"features":{"id17":1,...}}`) for `l1stream replay` and as Vowpal Wabbit text
 * (`1 | id17 ...`) for VW, the same events in the same order.
 */
import { Rng, TextSink } from './stream.js';

export interface SparseIdsOptions {
  readonly events: number;
  readonly ids: number;
  readonly minActive: number;
  readonly maxActive: number;
  readonly trueIds: number;
  readonly seed: number;
}

export const sparseIdsDefaults: SparseIdsOptions = {
  events: 50_000,
  ids: 20_000,
  minActive: 20,
  maxActive: 40,
  trueIds: 20,
  seed: 14,
};

export interface SparseIdsStream {
  readonly options: SparseIdsOptions;
  /** Event k's ids are ids[offsets[k] .. offsets[k+1]) (id = popularity rank, 0 the most common). */
  readonly offsets: Int32Array;
  readonly ids: Int32Array;
  /** 0/1 labels. */
  readonly labels: Uint8Array;
  /** The planted model's probability of label 1 for each event. */
  readonly probabilities: Float64Array;
  readonly intercept: number;
  /** The planted coefficients: id → β. */
  readonly coefficients: ReadonlyMap<number, number>;
}

export function generateSparseIds(o: SparseIdsOptions = sparseIdsDefaults): SparseIdsStream {
  const rng = new Rng(o.seed);
  // cumulative Zipf weights, for drawing a rank by binary search
  const cumulative = new Float64Array(o.ids);
  let total = 0;
  for (let r = 0; r < o.ids; r++) cumulative[r] = total += 1 / (r + 1);
  const draw = (): number => {
    const u = rng.next() * total;
    let lo = 0;
    let hi = o.ids - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  // true ids log-uniform over ranks 10 .. ids/10 (neither the near-constant head nor the rarest
  // tail); |β| in [0.5, 1.5], signs mixed
  const coefficients = new Map<number, number>();
  while (coefficients.size < o.trueIds) {
    const id = Math.floor(10 * Math.exp(rng.next() * Math.log(o.ids / 100)));
    if (!coefficients.has(id)) coefficients.set(id, (rng.next() < 0.5 ? -1 : 1) * (0.5 + rng.next()));
  }
  const intercept = -0.5;
  const offsets = new Int32Array(o.events + 1);
  const ids = new Int32Array(o.events * o.maxActive);
  const labels = new Uint8Array(o.events);
  const probabilities = new Float64Array(o.events);
  const stamp = new Int32Array(o.ids).fill(-1);
  let w = 0;
  for (let e = 0; e < o.events; e++) {
    const k = o.minActive + Math.floor(rng.next() * (o.maxActive - o.minActive + 1));
    let eta = intercept;
    for (let c = 0; c < k; c++) {
      let id: number;
      do id = draw();
      while (stamp[id] === e);
      stamp[id] = e;
      ids[w++] = id;
      eta += coefficients.get(id) ?? 0;
    }
    offsets[e + 1] = w;
    const p = 1 / (1 + Math.exp(-eta));
    probabilities[e] = p;
    labels[e] = rng.next() < p ? 1 : 0;
  }
  return {
    options: o,
    offsets,
    ids: ids.slice(0, w),
    labels,
    probabilities,
    intercept,
    coefficients,
  };
}

/**
 * The two reference losses of a stream: the planted model's own mean log loss on its labels (the
 * Bayes floor) and that of the best constant (the positive rate, fitted in hindsight).
 */
export function referenceLogLosses(s: SparseIdsStream): {
  bayes: number;
  bestConstant: number;
  positiveRate: number;
} {
  const n = s.labels.length;
  let bayes = 0;
  let positives = 0;
  for (let e = 0; e < n; e++) {
    const p = s.probabilities[e]!;
    if (s.labels[e] === 1) {
      positives++;
      bayes -= Math.log(p);
    } else bayes -= Math.log1p(-p);
  }
  const q = positives / n;
  const bestConstant = q === 0 || q === 1 ? 0 : -(q * Math.log(q) + (1 - q) * Math.log1p(-q));
  return { bayes: bayes / n, bestConstant, positiveRate: q };
}

function writeLines(s: SparseIdsStream, path: string, line: (label: number, ids: string[]) => string): void {
  const out = new TextSink(path);
  for (let e = 0; e < s.labels.length; e++) {
    const names: string[] = [];
    for (let k = s.offsets[e]!; k < s.offsets[e + 1]!; k++) names.push(`id${s.ids[k]!}`);
    out.write(`${line(s.labels[e]!, names)}\n`);
  }
  out.close();
}

/** JSONL events: `{"label":0|1,"features":{"id<rank>":1,...}}`. */
export function writeSparseIdsJsonl(s: SparseIdsStream, path: string): void {
  writeLines(s, path, (y, names) => `{"label":${y},"features":{${names.map((n) => `"${n}":1`).join(',')}}}`);
}

/** Vowpal Wabbit text: `1 | id<rank> ...` (labels −1/+1 for the logistic loss). */
export function writeSparseIdsVw(s: SparseIdsStream, path: string): void {
  writeLines(s, path, (y, names) => `${y === 1 ? '1' : '-1'} | ${names.join(' ')}`);
}
