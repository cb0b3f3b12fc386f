import { describe, expect, it } from 'vitest';

import { SparseBuffer } from '../../src/core/sparse.js';
import { OnlineScaler, type OnlineScalerState } from '../../src/features/onlineScaler.js';
import { Rng } from '../helpers/random.js';

/** `SUM_OF_SQUARES_LIMIT` in src/features/onlineScaler.ts. */
const LIMIT = Number.MAX_VALUE / 16;

/** Each column's [synced, present, mean, m2, nonBinary] in a state (columns all 0 left out). */
function columnsOf(s: OnlineScalerState): Map<number, number[]> {
  const a = s.arrays;
  const out = new Map<number, number[]>();
  const count = s.columns === undefined ? s.dimension : s.columns.length;
  for (let i = 0; i < count; i++) {
    const row = [a.syncedWeight[i], a.presentWeight[i], a.mean[i], a.m2[i], a.nonBinary[i]];
    if (row.some((v) => !Object.is(v, 0))) out.set(s.columns === undefined ? i : s.columns[i], row);
  }
  return out;
}

/** The statistics bit for bit (NaN as NaN, -0 apart from 0), the total weight and `hasNumeric`. */
function expectSame(a: OnlineScaler, b: OnlineScaler, what: string): void {
  expect(Object.is(a.weight, b.weight), `${what}: weight ${a.weight} vs ${b.weight}`).toBe(true);
  expect(a.hasNumeric, what).toBe(b.hasNumeric);
  const [ca, cb] = [columnsOf(a.state()), columnsOf(b.state())];
  expect([...ca.keys()].sort(), what).toEqual([...cb.keys()].sort());
  const differ: string[] = [];
  for (const [j, row] of ca)
    row.forEach(
      (v, f) =>
        Object.is(v, cb.get(j)![f]) || differ.push(`column ${j} field ${f}: ${v} vs ${cb.get(j)![f]}`),
    );
  expect(differ, what).toEqual([]);
}

function copyOf(x: SparseBuffer): SparseBuffer {
  const y = new SparseBuffer();
  for (let k = 0; k < x.nnz; k++) y.push(x.indices[k], x.values[k]);
  return y;
}

/**
 * What `observeFinite` must do, by the plain steps: the event observed (unchecked) on a copy of
 * the state before, then the total weight and each column's m2 + W_j·mean² checked in x's order.
 */
function reference(before: OnlineScalerState, x: SparseBuffer, weight: number) {
  const after = OnlineScaler.fromState(before);
  after.observe(copyOf(x), weight);
  const columns = columnsOf(after.state());
  let bad = -1;
  if (!Number.isFinite(after.weight)) bad = x.nnz;
  for (let k = 0; k < x.nnz && bad < 0; k++) {
    const [synced, , mean, m2] = columns.get(x.indices[k]) ?? [0, 0, 0, 0];
    if (!(m2 + synced * mean * mean <= LIMIT)) bad = k;
  }
  return { after, bad };
}

const huge = [1e150, 1e152, 3e153, 1e154, -1e155, 1e160, 1e200, 1e300];

describe('observeFinite: save, update, scale and check in one pass, as the plain steps do them', () => {
  it('events of weight 0 before any other, on columns never seen, are no overflow and change nothing', () => {
    const scaler = new OnlineScaler();
    const fresh = new OnlineScaler();
    for (const [j, v] of [
      [0, 1],
      [40, 2],
    ]) {
      const x = new SparseBuffer();
      x.push(j, v);
      expect(scaler.observeFinite(x, 0)).toBe(-1);
      const scaled = new SparseBuffer();
      scaled.push(j, v);
      expect(scaler.observeFinite(scaled, 0, { auto: false, scales: new Float64Array(1) })).toBe(-1);
    }
    expectSame(scaler, fresh, 'after two weight-0 events');
    const x = new SparseBuffer();
    x.push(0, 0.5);
    const y = copyOf(x);
    expect(scaler.observeFinite(x, 1)).toBe(-1);
    expect(fresh.observeFinite(y, 1)).toBe(-1);
    expectSame(scaler, fresh, 'after a weighted event');
  });

  it('an event of weight 1e308 without features, then events of weight 1: no overflow, and the statistics of the weights', () => {
    // a column synced at weight 2 merged the zeros of a total near 1e308 as 2 (W − 2) / W: the
    // product overflowed, so every later event with the column was refused as an overflow
    const scaler = new OnlineScaler();
    const one = (v: number) => {
      const x = new SparseBuffer();
      x.push(0, v);
      return x;
    };
    // (an event on another column first: the column is synced at weight 2, 2 · 1e308 overflows)
    const other = new SparseBuffer();
    other.push(1, 1);
    expect(scaler.observeFinite(other, 1)).toBe(-1);
    expect(scaler.observeFinite(one(-1.661), 1)).toBe(-1);
    expect(scaler.observeFinite(new SparseBuffer(), 1e308)).toBe(-1);
    for (const v of [-0.244, 0.5, 2]) expect(scaler.observeFinite(one(v), 1)).toBe(-1);
    const W = 2 + 1e308 + 3;
    expect(scaler.weight).toBe(W);
    // four values among W − 4 zeros (weights 1): a mean of Σv / W (~1e-308) and m2 = Σv² − W·mean²,
    // which is Σv² to rounding
    const values = [-1.661, -0.244, 0.5, 2];
    const [synced, present, , m2] = columnsOf(scaler.state()).get(0)!;
    expect([synced, present]).toEqual([W, 4]);
    expect(m2! / values.reduce((a, v) => a + v * v, 0)).toBeCloseTo(1, 12);
    expect(Math.abs(scaler.meanOf(0) - values.reduce((a, v) => a + v, 0) / W)).toBeLessThan(1e-320);
  });

  it('an event of weight 1e308 with a feature between two of weight 1: no overflow (delta · weight overflowed)', () => {
    const scaler = new OnlineScaler();
    for (const [v, w] of [
      [5, 1],
      [0.3, 1e308],
      [1, 1],
    ] as const) {
      const x = new SparseBuffer();
      x.push(0, v);
      expect(scaler.observeFinite(x, w), `x = ${v} at weight ${w}`).toBe(-1);
    }
    // closed forms: the mean is 0.3 to rounding, m2 = Σ w (x − mean)² ≈ 4.7² + 0.7²
    const [, , mean, m2] = columnsOf(scaler.state()).get(0)!;
    expect(mean).toBeCloseTo(0.3, 12);
    expect(m2! / (4.7 ** 2 + 0.7 ** 2)).toBeCloseTo(1, 9);
  });

  it("an event of weight 1e300 between values of 1e6: its spread in the exact form (the mean's rounding times the weight was 4.7e295)", () => {
    const scaler = new OnlineScaler();
    for (const [v, w] of [
      [1e6, 1],
      [0.3, 1e300],
      [1e6, 1],
    ] as const) {
      const x = new SparseBuffer();
      x.push(0, v);
      expect(scaler.observeFinite(x, w)).toBe(-1);
    }
    // closed form: the mean is 0.3 to rounding, m2 ≈ 2 (1e6 − 0.3)²
    const [, , mean, m2] = columnsOf(scaler.state()).get(0)!;
    expect(mean).toBeCloseTo(0.3, 6);
    expect(m2! / (2 * (1e6 - 0.3) ** 2)).toBeCloseTo(1, 9);
  });

  it('refuses what overflows at any position (earlier columns updated first), keeps the rest; undo and the events after', () => {
    const rng = new Rng(71);
    const scaler = new OnlineScaler();
    scaler.watchJumps(2, 10);
    const scales = new Float64Array(64);
    const counts = { refused: 0, refusedLate: 0, undone: 0, kept: 0 };
    for (let i = 0; i < 1500; i++) {
      const x = new SparseBuffer();
      // distinct columns: a few common ones, a far new one now and then (the arrays grow mid-event)
      const n = 1 + rng.int(12);
      while (x.nnz < n) {
        const j = rng.next() < 0.05 ? 30 + rng.int(2 * (i + 1)) : rng.int(30);
        if (x.indices.subarray(0, x.nnz).includes(j)) continue;
        const r = rng.next();
        x.push(j, r < 0.5 ? 1 : r < 0.985 ? rng.normal() * 10 ** rng.int(6) : huge[rng.int(huge.length)]);
      }
      // weights of 1e300 (kept, it would make every later value above 3 overflow) only with a value above 1e4 (refused)
      const large = x.values.subarray(0, x.nnz).some((v) => Math.abs(v) > 1e4);
      const r = rng.next();
      let weight = r < 0.8 ? 1 : [2.5, 0.3, 1e-300, 0, 1e-10, Infinity, NaN][rng.int(7)];
      if (large && r > 0.98) weight = 1e300;
      const before = scaler.state();
      const want = reference(before, x, weight);
      const raw = copyOf(x);
      const scaling = rng.next() < 0.8 ? { auto: rng.next() < 0.7, scales } : null;
      const bad = scaler.observeFinite(x, weight, scaling);
      expect(bad, `event ${i}`).toBe(want.bad);
      if (bad >= 0) {
        expectSame(scaler, OnlineScaler.fromState(before), `event ${i} refused at ${bad}`);
        counts.refused++;
        if (bad > 0 && bad < x.nnz) counts.refusedLate++;
        continue;
      }
      expectSame(scaler, want.after, `event ${i}`);
      if (scaling !== null && weight > 0)
        for (let k = 0; k < x.nnz; k++) {
          const s = want.after.scaleOf(x.indices[k], scaling.auto);
          expect(Object.is(scales[k], s), `event ${i} divisor ${k}`).toBe(true);
          expect(Object.is(x.values[k], s > 0 ? raw.values[k] / s : 0), `event ${i} value ${k}`).toBe(true);
        }
      if (rng.next() < 0.2) {
        // taken back by the caller (a learner that refused it): as if it never came
        scaler.undo(raw);
        expectSame(scaler, OnlineScaler.fromState(before), `event ${i} undone`);
        counts.undone++;
      } else counts.kept++;
    }
    // the stream reaches every case
    expect(counts.refused).toBeGreaterThan(100);
    expect(counts.refusedLate).toBeGreaterThan(50);
    expect(counts.undone).toBeGreaterThan(150);
    expect(counts.kept).toBeGreaterThan(700);
  });

  it('an overflow on the third column takes back the two before it, and the next event learns as if it never came', () => {
    const run = (refused: boolean) => {
      const scaler = new OnlineScaler();
      const scales = new Float64Array(8);
      const event = (pairs: Array<[number, number]>) => {
        const x = new SparseBuffer();
        for (const [j, v] of pairs) x.push(j, v);
        return x;
      };
      for (let i = 0; i < 20; i++)
        expect(
          scaler.observeFinite(
            event([
              [0, i % 3],
              [1, 1],
              [2, 5 + i],
            ]),
            1,
            { auto: true, scales },
          ),
        ).toBe(-1);
      if (refused) {
        // columns 1 (indicator until now: 2 is not 1) and 3 (new) are updated before column 2 overflows
        const x = event([
          [1, 2],
          [3, 4],
          [2, 1e160],
          [0, 1e160],
        ]);
        expect(scaler.observeFinite(x, 1, { auto: true, scales })).toBe(2);
        expect(scaler.isIndicator(1)).toBe(true);
        expect(scaler.presentWeight(3)).toBe(0);
      }
      const x = event([
        [2, 7],
        [1, 1],
        [0, 3],
      ]);
      expect(scaler.observeFinite(x, 2, { auto: true, scales })).toBe(-1);
      return { scaler, values: [...x.values.subarray(0, 3)], scales: [...scales.subarray(0, 3)] };
    };
    const kept = run(true);
    const plain = run(false);
    expectSame(kept.scaler, plain.scaler, 'after the refused event');
    expect(kept.values).toEqual(plain.values);
    expect(kept.scales).toEqual(plain.scales);
  });
});
