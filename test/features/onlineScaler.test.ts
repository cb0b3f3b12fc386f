import { describe, expect, it } from 'vitest';

import { SparseBuffer } from '../../src/core/sparse.js';
import { OnlineScaler } from '../../src/features/onlineScaler.js';
import { decodeState, encodeState } from '../../src/model/stateCodec.js';
import { Rng } from '../helpers/random.js';

const roundTrip = <T>(state: T): T => decodeState(encodeState(state)) as T;

describe('OnlineScaler: population sd over all events, absent = 0, O(nnz) per event', () => {
  it('matches the two-pass weighted sd at every step', () => {
    const rng = new Rng(3);
    const p = 6;
    const s = new OnlineScaler();
    const rows: Array<{ v: Float64Array; w: number }> = [];
    for (let i = 0; i < 500; i++) {
      const x = new SparseBuffer();
      const v = new Float64Array(p);
      for (let j = 0; j < p; j++) {
        if (rng.next() < (j + 1) / (p + 2)) {
          v[j] = j === 5 ? 1e6 + rng.normal() : rng.normal() * (j + 1) + j;
          x.push(j, v[j]);
        }
      }
      const w = rng.next() < 0.3 ? 2.5 : 1;
      s.observe(x, w);
      rows.push({ v, w });
      if (i % 50 === 49) {
        const W = rows.reduce((a, r) => a + r.w, 0);
        for (let j = 0; j < p; j++) {
          const mean = rows.reduce((a, r) => a + r.w * r.v[j], 0) / W;
          const variance = rows.reduce((a, r) => a + r.w * (r.v[j] - mean) ** 2, 0) / W;
          const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-300, Math.abs(b));
          expect(rel(s.sd(j), Math.sqrt(variance))).toBeLessThan(1e-9);
          expect(rel(s.meanOf(j), mean)).toBeLessThan(1e-12);
        }
      }
    }
  });

  it('standardize "auto": 1 for 0/1 columns, sd_j / √q_j for the others (exactly sd_j when always present)', () => {
    const rng = new Rng(11);
    const s = new OnlineScaler();
    // 0: always present; 1: numeric, present in ~2 %; 2: 0/1, present in ~2 %; 3: numeric in ~50 %
    const rows: Array<{ v: number[]; w: number }> = [];
    for (let i = 0; i < 3000; i++) {
      const v = [rng.normal() * 3 + 1, rng.next() < 0.02 ? rng.normal() : 0, rng.next() < 0.02 ? 1 : 0, 0];
      if (rng.next() < 0.5) v[3] = 5 + rng.normal();
      const x = new SparseBuffer();
      v.forEach((value, j) => value !== 0 && x.push(j, value));
      const w = rng.next() < 0.3 ? 2 : 1;
      s.observe(x, w);
      rows.push({ v, w });
    }
    const W = rows.reduce((a, r) => a + r.w, 0);
    for (let j = 0; j < 4; j++) {
      const mean = rows.reduce((a, r) => a + r.w * r.v[j]!, 0) / W;
      const squares = rows.reduce((a, r) => a + r.w * (r.v[j]! - mean) ** 2, 0);
      const present = rows.reduce((a, r) => a + (r.v[j] !== 0 ? r.w : 0), 0);
      const expected = j === 2 ? 1 : Math.sqrt(squares / present);
      expect(Math.abs(s.scaleOf(j, true) - expected) / expected).toBeLessThan(1e-9);
      expect(s.scaleOf(j, false)).toBe(s.sd(j));
    }
    expect(s.scaleOf(0, true)).toBe(s.sd(0));
    // the rare numeric column is scaled by about the size of its values, not by sd ≈ √0.02
    expect(s.sd(1)).toBeLessThan(0.2);
    expect(s.scaleOf(1, true)).toBeGreaterThan(0.8);
  });

  it('matches the two-pass sd when new columns far apart arrive mid-stream (its arrays grow within an event)', () => {
    const rng = new Rng(8);
    const s = new OnlineScaler();
    const columns = [3, 40, 900, 70_000, 5_000];
    const rows: Float64Array[] = [];
    for (let i = 0; i < 400; i++) {
      const x = new SparseBuffer();
      const v = new Float64Array(columns.length);
      // column c is seen from event 80·c on; the largest index comes before smaller new ones
      for (const c of [3, 0, 4, 1, 2]) {
        if (i >= 80 * c && rng.next() < 0.7) {
          v[c] = rng.normal() * (c + 1) + 2;
          x.push(columns[c], v[c]);
        }
      }
      s.observe(x);
      rows.push(v);
    }
    const n = rows.length;
    columns.forEach((j, c) => {
      const mean = rows.reduce((a, r) => a + r[c], 0) / n;
      const sd = Math.sqrt(rows.reduce((a, r) => a + (r[c] - mean) ** 2, 0) / n);
      expect(Math.abs(s.meanOf(j) - mean)).toBeLessThan(1e-12 * Math.max(1, Math.abs(mean)));
      expect(Math.abs(s.sd(j) - sd) / sd).toBeLessThan(1e-9);
    });
  });

  it('keeps the same statistics, bit for bit, as the plain per-column update (weights, growth, repeated columns)', () => {
    // the reference: each column's synced weight, present weight, mean and m2, updated one field at a time
    const ref = new Map<
      number,
      { synced: number; present: number; mean: number; m2: number; nonBinary: boolean }
    >();
    let total = 0;
    const observe = (x: SparseBuffer, weight: number) => {
      const before = total;
      total += weight;
      if (weight === 0) return;
      for (let k = 0; k < x.nnz; k++) {
        const c = ref.get(x.indices[k]) ?? { synced: 0, present: 0, mean: 0, m2: 0, nonBinary: false };
        ref.set(x.indices[k], c);
        if (c.synced !== before && c.synced > 0 && c.mean !== 0) {
          c.m2 += c.mean * c.mean * ((c.synced * (before - c.synced)) / before);
          c.mean = (c.mean * c.synced) / before;
        }
        const v = x.values[k];
        const delta = v - c.mean;
        c.mean += (delta * weight) / total;
        c.m2 += weight * delta * (v - c.mean);
        c.synced = total;
        c.present += weight;
        if (v !== 1) c.nonBinary = true;
      }
    };
    const rng = new Rng(29);
    const s = new OnlineScaler();
    for (let i = 0; i < 4000; i++) {
      const x = new SparseBuffer();
      // columns spread further as the stream goes on (the arrays grow within an event), a few repeated
      const spread = 20 + 5 * i;
      for (let k = rng.int(12); k > 0; k--) {
        const j = rng.int(spread);
        const v = rng.next() < 0.7 ? 1 : rng.next() < 0.5 ? rng.normal() * 3 : rng.int(4);
        x.push(j, v);
        if (rng.next() < 0.05) x.push(j, v);
      }
      const w = [1, 1, 1, 0, 2.5, 0.3][rng.int(6)];
      s.observe(x, w);
      observe(x, w);
    }
    const state = s.state();
    const dense = OnlineScaler.fromState(state);
    expect(s.weight).toBe(total);
    for (const [j, c] of ref) {
      // sd, mean and the "auto" rule read exactly these four numbers
      const m2 =
        c.synced !== total ? c.m2 + c.mean * c.mean * ((c.synced * (total - c.synced)) / total) : c.m2;
      expect(Object.is(s.meanOf(j), (c.mean * c.synced) / total), `mean ${j}`).toBe(true);
      expect(Object.is(s.presentFraction(j), c.present / total), `present ${j}`).toBe(true);
      expect(s.isNumeric(j), `numeric ${j}`).toBe(c.present > 0 && c.nonBinary);
      const variance = m2 / total;
      const meanNow = c.synced === total ? c.mean : (c.mean * c.synced) / total;
      const sd = variance > 1e-26 * (1 + meanNow * meanNow) ? Math.sqrt(variance) : 0;
      expect(Object.is(s.sd(j), sd), `sd ${j}`).toBe(true);
      expect(Object.is(dense.sd(j), sd), `restored sd ${j}`).toBe(true);
    }
  });

  it('a constant column has sd 0 and scales to 0', () => {
    const s = new OnlineScaler();
    const x = new SparseBuffer();
    for (let i = 0; i < 5; i++) {
      x.clear();
      x.push(0, 7);
      s.observe(x);
    }
    expect(s.sd(0)).toBe(0);
    s.scaleInPlace(x);
    expect(x.values[0]).toBe(0);
  });

  it('scaleInPlace divides by scaleOf and writes it, bit for bit: indicators, constants, unseen and rare columns, weights', () => {
    const rng = new Rng(21);
    const s = new OnlineScaler();
    for (let i = 0; i < 400; i++) {
      const x = new SparseBuffer();
      for (let j = 0; j < 12; j++) {
        if (rng.next() > (j + 1) / 14) continue;
        // 0-2: indicators; 3: constant; 4: rare; the others numbers of several scales
        const v =
          j < 3 ? 1 : j === 3 ? 7 : j === 4 ? (rng.next() < 0.05 ? rng.normal() : 0) : rng.normal() * j + j;
        if (v !== 0) x.push(j, v);
      }
      s.observe(x, rng.next() < 0.2 ? 0 : rng.next() < 0.3 ? 2.5 : 1);
      for (const auto of [false, true]) {
        const y = new SparseBuffer();
        // every column, and ones the scaler never saw (within and beyond its arrays)
        for (let j = 0; j < 12; j++) y.push(j, rng.normal());
        y.push(40, 1.5);
        y.push(5000, -2);
        const before = Float64Array.from(y.values.subarray(0, y.nnz));
        const scales = new Float64Array(y.nnz);
        s.scaleInPlace(y, auto, scales);
        for (let k = 0; k < y.nnz; k++) {
          const want = s.scaleOf(y.indices[k], auto);
          expect(Object.is(scales[k], want)).toBe(true);
          expect(Object.is(y.values[k], want > 0 ? before[k] / want : 0)).toBe(true);
        }
      }
    }
  });

  it('observeAndScale is observe then scaleInPlace, bit for bit: values, divisors and the state after (weights, growth, "auto" or not)', () => {
    for (const auto of [true, false]) {
      const rng = new Rng(auto ? 37 : 38);
      const fused = new OnlineScaler();
      const plain = new OnlineScaler();
      for (let i = 0; i < 3000; i++) {
        const x = new SparseBuffer();
        // distinct columns (a featurizer's), spreading as the stream goes on (arrays grow within an event)
        const spread = 20 + 3 * i;
        // column 0 in every event at 0.1: constant, with a variance at rounding level (divisor 0)
        x.push(0, 0.1);
        for (let k = rng.int(14); k > 0; k--) {
          const j = 1 + rng.int(spread);
          if (x.indices.subarray(0, x.nnz).includes(j)) continue;
          // indicators mostly; numbers, a constant column (3) and a column that turns numeric late (5)
          const v = j === 3 ? 7 : j === 5 ? (i > 1500 ? 2 : 1) : rng.next() < 0.7 ? 1 : rng.normal() * 3;
          x.push(j, v);
        }
        const w = [1, 1, 1, 0, 2.5, 0.3][rng.int(6)];
        const y = new SparseBuffer();
        for (let k = 0; k < x.nnz; k++) y.push(x.indices[k], x.values[k]);
        const scales = new Float64Array(x.nnz);
        const want = new Float64Array(x.nnz);
        fused.observeAndScale(x, w, auto, scales);
        plain.observe(y, w);
        plain.scaleInPlace(y, auto, want);
        for (let k = 0; k < x.nnz; k++) {
          expect(Object.is(scales[k], want[k]), `event ${i} divisor ${k}`).toBe(true);
          expect(Object.is(x.values[k], y.values[k]), `event ${i} value ${k}`).toBe(true);
        }
      }
      expect(fused.state()).toEqual(plain.state());
      expect(fused.hasNumeric).toBe(true);
    }
  });

  it('hasNumeric: false while every value observed was 1 (no column isNumeric), true from the first other value on, and restored', () => {
    const s = new OnlineScaler();
    const x = new SparseBuffer();
    for (let j = 0; j < 50; j++) x.push(j, 1);
    s.observe(x);
    s.observeAndScale(x, 2, true, new Float64Array(x.nnz));
    expect(s.hasNumeric).toBe(false);
    expect(OnlineScaler.fromState(roundTrip(s.state())).hasNumeric).toBe(false);
    // a weight-0 event is not observed: its values change nothing
    x.clear();
    x.push(7, 3);
    s.observe(x, 0);
    expect(s.hasNumeric).toBe(false);
    s.observeAndScale(x, 1, true, new Float64Array(1));
    expect(s.hasNumeric).toBe(true);
    expect(s.isNumeric(7)).toBe(true);
    expect(OnlineScaler.fromState(roundTrip(s.state())).hasNumeric).toBe(true);
    const t = new OnlineScaler();
    x.clear();
    x.push(60, 0.5);
    t.observe(x);
    expect(t.hasNumeric).toBe(true);
  });

  it('state round-trips', () => {
    const s = new OnlineScaler();
    const x = new SparseBuffer();
    x.push(2, 3);
    s.observe(x);
    x.clear();
    x.push(0, 1);
    s.observe(x);
    const t = OnlineScaler.fromState(roundTrip(s.state()));
    expect(t.sd(2)).toBe(s.sd(2));
    expect(t.weight).toBe(2);
    // column 2 is numeric and in half the events: "auto" divides it by sd/√0.5, and so does the copy
    expect(t.scaleOf(2, true)).toBe(s.sd(2) / Math.sqrt(0.5));
    expect(t.scaleOf(2, true)).toBe(s.scaleOf(2, true));
    // a checkpoint from before that rule keeps dividing by sd
    const { perPresence: _perPresence, ...older } = s.state();
    expect(OnlineScaler.fromState(roundTrip(older)).scaleOf(2, true)).toBe(s.sd(2));
  });
});
