/**
 * Seeded event streams of the engine benchmark, in bench/online/stream.ts's pre-featurized form
 * (CSR rows in flat typed arrays, rendered to JSONL by its `writeJsonl`): ~40 non-zeros per event
 * over 2^18 columns with Zipf-like (log-uniform rank) popularity, one column in ten numeric, and
 * binomial labels from a planted sparse logistic model on ~40 columns. The drifting stream draws a
 * new planted model (new informative columns and coefficients) at its midpoint.
 */
import { Observable } from 'rxjs';

import type { OutputSink } from '../../src/engine/ports.js';
import type { WindowRows } from '../../src/refit/window.js';
import type { RawBatch, RawRecord } from '../../src/stream/types.js';
import { isNumericColumn, Rng, type SparseStream } from '../online/stream.js';

export interface EngineStreamOptions {
  readonly events: number;
  /** Columns (a power of two). */
  readonly dimension: number;
  /** Mean non-zeros per event (uniform on [mean − 10, mean + 10]). */
  readonly meanNnz: number;
  /** Columns with a planted coefficient. */
  readonly informative: number;
  /** Informative columns are drawn among the `informativeRanks` most popular ones. */
  readonly informativeRanks: number;
  readonly seed: number;
  /** Event index at which the planted model is replaced by a new one (absent: stationary). */
  readonly driftAt?: number;
}

/** Column id of popularity rank r (an odd multiplier is a bijection modulo a power of two). */
function columnOfRank(rank: number, dimension: number): number {
  return Math.imul(rank, 0x9e3779b1) & (dimension - 1);
}

function plantedModel(rng: Rng, o: EngineStreamOptions): Float64Array {
  const beta = new Float64Array(o.dimension);
  let planted = 0;
  while (planted < o.informative) {
    const j = columnOfRank(Math.floor(rng.next() * o.informativeRanks), o.dimension);
    if (beta[j] !== 0) continue;
    // |β| in [0.5, 1.5], random sign: each one matters
    beta[j] = (rng.next() < 0.5 ? -1 : 1) * (0.5 + rng.next());
    planted++;
  }
  return beta;
}

export interface EngineStream extends SparseStream {
  /** Bayes log loss before and after the drift point (the same when stationary). */
  readonly bayesBefore: number;
  readonly bayesAfter: number;
}

export function generateEngineStream(o: EngineStreamOptions): EngineStream {
  const rng = new Rng(o.seed);
  const d = o.dimension;
  const before = plantedModel(rng, o);
  const after = o.driftAt === undefined ? before : plantedModel(rng, o);
  const bias = -0.5;
  const capacity = Math.ceil(o.events * (o.meanNnz + 11));
  const offsets = new Int32Array(o.events + 1);
  const indices = new Int32Array(capacity);
  const values = new Float64Array(capacity);
  const labels = new Float64Array(o.events);
  const stamp = new Int32Array(d).fill(-1);
  const logD = Math.log(d);
  const switchAt = o.driftAt ?? o.events;
  let pos = 0;
  let bayesBefore = 0;
  let bayesAfter = 0;
  for (let e = 0; e < o.events; e++) {
    const beta = e < switchAt ? before : after;
    const k = o.meanNnz - 10 + Math.floor(rng.next() * 21);
    let eta = bias;
    for (let c = 0; c < k; c++) {
      let j: number;
      do {
        const rank = Math.floor(Math.exp(rng.next() * logD)) - 1;
        j = columnOfRank(rank, d);
      } while (stamp[j] === e);
      stamp[j] = e;
      const v = isNumericColumn(j) ? Math.round(rng.normal() * 1000) / 1000 || 0.001 : 1;
      indices[pos] = j;
      values[pos] = v;
      eta += beta[j]! * v;
      pos++;
    }
    offsets[e + 1] = pos;
    const p = 1 / (1 + Math.exp(-eta));
    const y = rng.next() < p ? 1 : 0;
    labels[e] = y;
    const loss = y === 1 ? -Math.log(p) : -Math.log1p(-p);
    if (e < switchAt) bayesBefore += loss;
    else bayesAfter += loss;
  }
  const nBefore = Math.min(switchAt, o.events);
  const nAfter = o.events - nBefore;
  return {
    events: o.events,
    dimension: d,
    offsets,
    indices: indices.slice(0, pos),
    values: values.slice(0, pos),
    labels,
    totalNnz: pos,
    informative: o.informative,
    bayesLogLoss: (bayesBefore + bayesAfter) / o.events,
    bayesBefore: nBefore > 0 ? bayesBefore / nBefore : NaN,
    bayesAfter: nAfter > 0 ? bayesAfter / nAfter : bayesBefore / Math.max(nBefore, 1),
  };
}

/**
 * Events [from, from + n) of a stream as the refit window a model would hand to `solveRefitJob`:
 * raw values, labels, unit weights, ordinals first..last (1-based, as the engine counts them).
 */
export function windowRows(s: SparseStream, from: number, n: number): WindowRows {
  const a = s.offsets[from]!;
  const b = s.offsets[from + n]!;
  const rowStart = new Int32Array(n + 1);
  for (let i = 0; i <= n; i++) rowStart[i] = s.offsets[from + i]! - a;
  return {
    first: from + 1,
    last: from + n,
    rows: n,
    rowStart,
    cols: s.indices.slice(a, b),
    values: s.values.slice(a, b),
    y: s.labels.slice(from, from + n),
    weights: new Float64Array(n).fill(1),
  };
}

/** A sink that keeps nothing (the keyed memory runs measure the models, not their outputs). */
export const discardingSink: OutputSink = {
  model: () => undefined,
  score: () => undefined,
  alert: () => undefined,
  deadLetter: () => undefined,
  flush: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

/**
 * Batches of 1,024 JSON records, `event(i)` for i < `events` in order, one batch a macrotask; the
 * stream completes when `beforeEnd` (if given) has settled.
 */
export function keyedBatches(
  events: number,
  event: (i: number) => object,
  beforeEnd: () => Promise<void> = () => Promise.resolve(),
): Observable<RawBatch> {
  return new Observable<RawBatch>((subscriber) => {
    let i = 0;
    const next = () => {
      if (i >= events) {
        void beforeEnd().then(() => subscriber.complete());
        return;
      }
      const records: RawRecord[] = [];
      for (let k = 0; k < 1024 && i < events; k++, i++)
        records.push({
          value: JSON.stringify(event(i)),
          position: { source: 'keyed', offset: String(i + 1) },
        });
      subscriber.next({ records });
      setImmediate(next);
    };
    setImmediate(next);
  });
}
