import { Mulberry32 } from '../../bench/drift/streams.js';
import type { ModelSnapshot } from '../../src/model/snapshot.js';
import type { LearnedBatch } from '../../src/stream/types.js';

/** One synthetic event for the drift monitor: its label, loss and active feature indices. */
export interface SyntheticEvent {
  readonly label: number;
  readonly loss: number;
  readonly features: readonly number[];
}

/** Packs events into a `LearnedBatch` as the `learn` operator would (all labelled). */
export function learnedBatch(
  events: readonly SyntheticEvent[],
  offsetBefore: number,
  nameOf = (j: number) => `f${j}`,
  key = 'm',
): LearnedBatch {
  const n = events.length;
  const featureStarts = new Int32Array(n + 1);
  const indices: number[] = [];
  const labels = new Float64Array(n);
  const losses = new Float64Array(n);
  events.forEach((e, i) => {
    featureStarts[i] = indices.length;
    indices.push(...e.features);
    labels[i] = e.label;
    losses[i] = e.loss;
  });
  featureStarts[n] = indices.length;
  return {
    key,
    offset: offsetBefore + n,
    count: n,
    labelled: new Uint8Array(n).fill(1),
    labels,
    predictions: new Float64Array(n),
    losses,
    featureStarts,
    featureIndices: Int32Array.from(indices),
    nameOf,
    rejected: 0,
    records: [],
  };
}

/** A stream of events whose features appear i.i.d. with `rates[j]`; `change(i)` may alter them. */
export function* syntheticEvents(
  seed: number,
  n: number,
  rates: readonly number[],
  opts: {
    readonly baseRate?: number;
    readonly changeAt?: number;
    readonly ratesAfter?: readonly number[];
    readonly baseRateAfter?: number;
    /** Gaussian family: the loss is the squared error e², e ~ near-normal with this sd (sdAfter after the change). */
    readonly sd?: number;
    readonly sdAfter?: number;
  } = {},
): Generator<SyntheticEvent> {
  const rng = new Mulberry32(seed);
  const features: number[] = [];
  for (let i = 0; i < n; i++) {
    const after = opts.changeAt !== undefined && i >= opts.changeAt;
    const r = after && opts.ratesAfter ? opts.ratesAfter : rates;
    const p = after && opts.baseRateAfter !== undefined ? opts.baseRateAfter : (opts.baseRate ?? 0.3);
    features.length = 0;
    for (let j = 0; j < r.length; j++) if (rng.next() < r[j]) features.push(j);
    if (opts.sd !== undefined) {
      let e = -6;
      for (let k = 0; k < 12; k++) e += rng.next();
      e *= after && opts.sdAfter !== undefined ? opts.sdAfter : opts.sd;
      yield { label: e, loss: e * e, features: features.slice() };
      continue;
    }
    const label = rng.next() < p ? 1 : 0;
    // the model predicts the base rate it learned before (0.3): log loss of that prediction
    const loss = label === 1 ? -Math.log(0.3) : -Math.log(0.7);
    yield { label, loss, features: features.slice() };
  }
}

/** Feeds `events` to `onBatch` in batches of `size`, returning everything it returned. */
export function feed<T>(
  events: Iterable<SyntheticEvent>,
  size: number,
  onBatch: (b: LearnedBatch) => T[],
  nameOf?: (j: number) => string,
): T[] {
  const out: T[] = [];
  let buf: SyntheticEvent[] = [];
  let offset = 0;
  for (const e of events) {
    buf.push(e);
    if (buf.length === size) {
      out.push(...onBatch(learnedBatch(buf, offset, nameOf)));
      offset += buf.length;
      buf = [];
    }
  }
  if (buf.length > 0) out.push(...onBatch(learnedBatch(buf, offset, nameOf)));
  return out;
}

/** A model snapshot with the given coefficients. */
export function snapshot(
  version: number,
  coefficients: Record<string, number>,
  source: 'online' | 'refit' = 'online',
): ModelSnapshot {
  return {
    key: 'm',
    version,
    offset: version * 1000,
    source,
    family: 'gaussian',
    learner: 'ftrl',
    lambda: 0.01,
    l1Ratio: 1,
    intercept: 0,
    coefficients,
    createdAt: '2026-01-01T00:00:00.000Z',
  };
}

/** A fixed clock for deterministic `createdAt`. */
export const fixedClock = () => new Date('2026-11-23T00:00:00.000Z');

/** Small tables and short horizons: field slots are taken, released and reused, fields find no room. */
export const smallTables = {
  alpha: 1e-3,
  maxFields: 5,
  warmupEvents: 500,
  armEvents: 200,
  armCount: 10,
  appearEvents: 100,
  minAppearCount: 5,
  horizonEvents: 1500,
  groupEvents: 500,
  sketchWidth: 256,
};
