import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { generate, type StreamSpec } from '../../bench/drift/streams.js';
import {
  Adwin,
  GuardedDetector,
  InputSparsityDetector,
  PageHinkley,
  SequentialSparsityDetector,
  SignFlipDetector,
  SupportDriftDetector,
  type ActiveFeatures,
  type DriftDetector,
  type NamedFeatures,
} from '../../src/drift/index.js';
import type { ModelSnapshot } from '../../src/model/snapshot.js';
import { snapshot } from './helpers.js';

/**
 * One contract for every detector (River's `checks` in spirit): on a seeded stream with one
 * planted change, it fires first at an index known independently (River's fixture for the raw
 * tests, a closed form for the others), never during its warm-up, once for the one change, the
 * same after `reset()` and in a second instance, without mutating its inputs.
 */
interface Case<T> {
  readonly name: string;
  readonly make: () => DriftDetector<T>;
  readonly stream: () => readonly T[];
  /** Index of the first detection, and why it is that index. */
  readonly first: number;
  /** Updates during which it must not fire whatever the input. */
  readonly warmup: number;
  /** Detections the whole stream must produce (one change → one detection). */
  readonly detections: number;
}

/** River's detections (scripts/fixtures/drift/river_detectors.py) on the `contract-step` stream. */
const river = JSON.parse(
  readFileSync(new URL('../fixtures/drift/river_detectors.json', import.meta.url), 'utf8'),
) as {
  streams: Record<string, StreamSpec>;
  cases: Array<{ stream: string; detector: string; detections: number[] }>;
};
const riverFirst = (detector: string) =>
  river.cases.find((c) => c.stream === 'contract-step' && c.detector === detector)!.detections[0];
const stepStream = generate(river.streams['contract-step']);

/** Index at which a raw detector first fires on the values `f(x)` of stepStream from `from` on. */
function rawFirst(det: DriftDetector<number>, from: number, f: (x: number) => number): number {
  for (let i = from; i < stepStream.length; i++) {
    det.update(f(stepStream[i]));
    if (det.driftDetected) return i;
  }
  return -1;
}

/** Baseline of the guarded detector: population mean and sd of the first `n` values. */
function baseline(n: number): { mu: number; sd: number; max: number } {
  let mean = 0;
  let m2 = 0;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    max = Math.max(max, stepStream[i]);
    const d = stepStream[i] - mean;
    mean += d / (i + 1);
    m2 += d * (stepStream[i] - mean);
  }
  return { mu: mean, sd: Math.sqrt(m2 / n), max };
}
const base = baseline(1000);

function supportStream(): ModelSnapshot[] {
  return Array.from({ length: 30 }, (_, i) =>
    snapshot(i + 1, i < 15 ? { a: 1, b: 0.5, c: 0.2 } : { a: 1, b: 0.5, z: 0.3 }),
  );
}
function signStream(): ModelSnapshot[] {
  return Array.from({ length: 30 }, (_, i) => snapshot(i + 1, { a: 1, b: i < 12 ? 0.5 : -0.4 }));
}
function featureStream(): ActiveFeatures[] {
  // feature 3 is in every other event until event 5000, then never: windows of 1000 events
  return Array.from({ length: 8000 }, (_, i) => {
    const f = [1, 2];
    if (i % 2 === 0 && i < 5000) f.push(3);
    return { indices: Int32Array.from(f), start: 0, end: f.length };
  });
}
function alwaysThenNever(): NamedFeatures[] {
  // features 1 and 2 in every event; feature 3 too until event 5000 (index 4999), then never
  return Array.from({ length: 8000 }, (_, i) => {
    const f = i < 5000 ? [1, 2, 3] : [1, 2];
    return { indices: Int32Array.from(f), start: 0, end: f.length, nameOf: (j: number) => `f${j}` };
  });
}
/**
 * The sequential stop threshold in closed form: c = 5000 occurrences over 5000 events, the rate's
 * 3-sigma lower bound q = (c − 3√c)/(5000 + 1), M = 3 features under test, α = 1e−8:
 * ceil(ln(4·M·q/α)/q) absent events after the last occurrence (event 5000, 1-based).
 */
const sequentialFirst = (() => {
  const q = (5000 - 3 * Math.sqrt(5000)) / 5001;
  return 5000 + Math.ceil(Math.log((4 * 3 * q) / 1e-8) / q) - 1;
})();

const cases: ReadonlyArray<Case<never>> = [
  // the raw tests fire where River fires; the guarded ones where the (River-verified) raw test fires
  // on the normalized values after the warm-up
  {
    name: 'PageHinkley',
    make: () => new PageHinkley({ threshold: 20, delta: 0.01 }),
    stream: () => [...stepStream],
    first: riverFirst('ph-contract'),
    warmup: 30,
    detections: 1,
  },
  {
    name: 'Adwin',
    make: () => new Adwin(),
    stream: () => [...stepStream],
    first: riverFirst('adwin-default'),
    warmup: 11,
    detections: 1,
  },
  {
    name: 'GuardedDetector(page-hinkley)',
    make: () =>
      new GuardedDetector('page-hinkley', {
        warmup: 1000,
        cooldown: 1000,
        pageHinkley: { delta: 0.1, threshold: 100, alpha: 1 },
      }),
    stream: () => [...stepStream],
    first: rawFirst(
      new PageHinkley({ delta: 0.1, threshold: 100, alpha: 1 }),
      1000,
      (x) => (x - base.mu) / base.sd,
    ),
    warmup: 1000,
    detections: 1,
  },
  {
    name: 'GuardedDetector(adwin)',
    make: () => new GuardedDetector('adwin', { warmup: 1000, adwin: { delta: 1e-4 } }),
    stream: () => [...stepStream],
    first: rawFirst(new Adwin({ delta: 1e-4 }), 1000, (x) => (0.5 * (x - base.mu)) / base.sd),
    warmup: 1000,
    detections: 1,
  },
  // closed forms: persistence 2 → the 2nd snapshot of the new state (index 15 + 1, 12 + 1)
  {
    name: 'SupportDriftDetector',
    make: () => new SupportDriftDetector(),
    stream: supportStream,
    first: 16,
    warmup: 2,
    detections: 1,
  },
  {
    name: 'SignFlipDetector',
    make: () => new SignFlipDetector(),
    stream: signStream,
    first: 13,
    warmup: 1,
    detections: 1,
  },
  // windows of 1000: the window [5000, 6000) is the first without feature 3; it closes at index 5999
  {
    name: 'InputSparsityDetector',
    make: () => new InputSparsityDetector({ windowEvents: 1000, warmupEvents: 2000 }),
    stream: featureStream,
    first: 5999,
    warmup: 2000,
    detections: 1,
  },
  {
    name: 'SequentialSparsityDetector',
    // the fall in non-zeros per event is the same change: left out here (nnzMinChange)
    make: () => new SequentialSparsityDetector({ warmupEvents: 1000, armEvents: 1000, nnzMinChange: 10 }),
    stream: alwaysThenNever,
    first: sequentialFirst,
    warmup: 1000,
    detections: 1,
  },
] as unknown as ReadonlyArray<Case<never>>;

function run<T>(det: DriftDetector<T>, xs: readonly T[]): number[] {
  const hits: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    det.update(xs[i]);
    if (det.driftDetected) hits.push(i);
  }
  return hits;
}

describe.each(cases)('drift detector contract: $name', (c) => {
  it('fires first at the exact index, and once for the one change', () => {
    const hits = run(c.make(), c.stream());
    expect(c.first).toBeGreaterThan(0);
    expect(hits[0]).toBe(c.first);
    expect(hits).toHaveLength(c.detections);
  });

  it('reports no drift before any update, and never during its warm-up', () => {
    const det = c.make();
    expect(det.driftDetected).toBe(false);
    const xs = c.stream();
    // the post-change part of the stream from the start: a change right away is not reported early
    const shifted = [...xs.slice(c.first - 10), ...xs];
    const hits = run(det, shifted);
    expect(hits.every((i) => i >= c.warmup)).toBe(true);
  });

  it('driftDetected holds for one update only', () => {
    const det = c.make();
    const xs = c.stream();
    for (let i = 0; i <= c.first; i++) det.update(xs[i]);
    expect(det.driftDetected).toBe(true);
    det.update(xs[c.first + 1]);
    expect(det.driftDetected).toBe(false);
  });

  it('reset() gives the same detections as a fresh instance, and two instances agree', () => {
    const det = c.make();
    const first = run(det, c.stream());
    det.reset();
    expect(det.driftDetected).toBe(false);
    expect(run(det, c.stream())).toEqual(first);
    expect(run(c.make(), c.stream())).toEqual(first);
  });

  it('does not mutate its inputs', () => {
    const xs = c.stream();
    // a name table travels with the features (a function: compared by identity, not cloned)
    const data = (x: unknown) =>
      typeof x === 'object' && x !== null && 'nameOf' in x ? { ...x, nameOf: null } : x;
    const copy = structuredClone(xs.map(data));
    run(
      c.make(),
      xs.map((x) => (typeof x === 'object' ? Object.freeze(x) : x)),
    );
    expect(xs.map(data)).toEqual(copy);
  });
});
