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
  });
});
