/**
 * `OnlineScaler.watchJumps`: an event is noted exactly when it multiplies a column's population sd
 * (over all events, absences as zeros) by the growth asked for or more, after the column was present
 * in `minPresent` (weighted) events, or when the sd grew that much since the column's present weight
 * last crossed a multiple of `minPresent` (once between two crossings); checked against two-pass
 * sds of the rows so far.
 */
import { describe, expect, it } from 'vitest';

import { SparseBuffer } from '../../src/core/sparse.js';
import { OnlineScaler } from '../../src/features/onlineScaler.js';
import { Rng } from '../helpers/random.js';

interface Row {
  readonly values: ReadonlyMap<number, number>;
  readonly weight: number;
}

/** Two-pass weighted population sd of column j over `rows` (absent = 0). */
function sdOf(rows: readonly Row[], j: number): number {
  const W = rows.reduce((a, r) => a + r.weight, 0);
  const mean = rows.reduce((a, r) => a + r.weight * (r.values.get(j) ?? 0), 0) / W;
  const ss = rows.reduce((a, r) => a + r.weight * ((r.values.get(j) ?? 0) - mean) ** 2, 0);
  return Math.sqrt(ss / W);
}

function buffer(values: ReadonlyMap<number, number>): SparseBuffer {
  const x = new SparseBuffer();
  for (const [j, v] of [...values].sort((a, b) => a[0] - b[0])) x.push(j, v);
  return x;
}

describe('OnlineScaler.watchJumps', () => {
  it('notes exactly the events that multiply a well-observed column’s sd by the growth (fuzzed, weighted, sparse)', () => {
    const rng = new Rng(11);
    const growth = 1.5;
    const minPresent = 20;
    const scaler = new OnlineScaler();
    scaler.watchJumps(growth, minPresent);
    const rows: Row[] = [];
    const present = [0, 0, 0, 0];
    // per column, the two-pass sd and present weight at its last crossing of a multiple of minPresent
    const reference = [0, 0, 0, 0];
    const referencePresent = [0, 0, 0, 0];
    let noted = 0;
    let near = 0;
    let gradual = 0;
    for (let i = 0; i < 3000; i++) {
      const before = rows.length > 0 ? [0, 1, 2, 3].map((j) => sdOf(rows, j)) : [0, 0, 0, 0];
      const values = new Map<number, number>();
      if (rng.next() < 0.9) values.set(0, 10 + rng.normal());
      if (rng.next() < 0.2) values.set(1, rng.next() < 0.02 ? 1e4 * rng.normal() : rng.normal());
      if (rng.next() < 0.5) values.set(2, 1);
      // column 3: now and then a value that multiplies its sd by about 1.1-2 (z² ≈ (ratio² − 1)·W)
      const W = rows.reduce((a, r) => a + r.weight, 0);
      if (rng.next() < 0.3)
        values.set(3, rng.next() < 0.05 ? before[3] * Math.sqrt(W * (0.2 + 3 * rng.next())) : rng.normal());
      const weight = rng.next() < 0.2 ? 3 : 1;
      const x = buffer(values);
      scaler.observe(x, weight);
      rows.push({ values, weight });
      const expected: Array<{ position: number; sdBefore: number; events: number }> = [];
      for (let k = 0; k < x.nnz; k++) {
        const j = x.indices[k];
        const after = sdOf(rows, j);
        const ratio = before[j] > 0 ? after / before[j] : 0;
        const sinceCrossing = reference[j] > 0 ? after / reference[j] : 0;
        for (const r of [ratio, sinceCrossing])
          if (present[j] >= minPresent && r > 0 && Math.abs(r - growth) < 1e-9)
            throw new Error('a ratio at the threshold to rounding: pick another seed');
        if (present[j] >= minPresent && ratio >= growth) {
          expected.push({ position: k, sdBefore: before[j], events: 1 });
          reference[j] = Infinity;
        } else if (sinceCrossing >= growth && Number.isFinite(reference[j])) {
          expected.push({
            position: k,
            sdBefore: reference[j],
            events: present[j] + weight - referencePresent[j],
          });
          reference[j] = Infinity;
          gradual++;
        }
        if (present[j] >= minPresent && ratio > 1.2 && ratio < growth) near++;
        if (Math.floor((present[j] + weight) / minPresent) > Math.floor(present[j] / minPresent)) {
          reference[j] = after;
          referencePresent[j] = present[j] + weight;
        }
        present[j] += weight;
      }
      const got = Array.from({ length: scaler.jumps }, (_, n) => scaler.jump(n));
      expect(got.map((g) => g.position)).toEqual(expected.map((e) => e.position));
      got.forEach((g, n) => {
        const j = x.indices[g.position];
        expect(g.sdBefore / expected[n].sdBefore).toBeCloseTo(1, 12);
        expect(g.sdAfter / sdOf(rows, j)).toBeCloseTo(1, 12);
        expect(g.events).toBe(expected[n].events);
      });
      noted += got.length;
    }
    // the stream has both kinds of events near the threshold
    expect(noted).toBeGreaterThan(4);
    expect(near).toBeGreaterThan(4);
    expect(gradual).toBeGreaterThan(0);
  });

  it('waits for minPresent events, ignores a column constant so far, and stops when told', () => {
    const scaler = new OnlineScaler();
    scaler.watchJumps(2, 5);
    const at = (v: number) => buffer(new Map([[0, v]]));
    for (let i = 0; i < 4; i++) scaler.observe(at(i % 2));
    scaler.observe(at(1000)); // present 4 times before: too early
    expect(scaler.jumps).toBe(0);
    scaler.observe(at(1e7)); // present 5 times before
    expect(scaler.jumps).toBe(1);
    scaler.observe(at(0.5));
    expect(scaler.jumps).toBe(0); // reset by each event

    const constant = new OnlineScaler();
    constant.watchJumps(2, 5);
    for (let i = 0; i < 10; i++) constant.observe(buffer(new Map([[3, 7]])));
    constant.observe(buffer(new Map([[3, 7e6]]))); // sd from 0: not a multiple of anything
    expect(constant.jumps).toBe(0);

    scaler.watchJumps(0, 5);
    scaler.observe(at(1e12));
    expect(scaler.jumps).toBe(0);
  });

  it('undo forgets the jumps of the event it takes back; scaling in the same pass notes them too', () => {
    const scaler = new OnlineScaler();
    scaler.watchJumps(2, 10);
    const scales = new Float64Array(4);
    for (let i = 0; i < 50; i++)
      expect(scaler.observeFinite(buffer(new Map([[0, i % 7]])), 1, { auto: true, scales })).toBe(-1);
    const x = buffer(new Map([[0, 1e6]]));
    expect(scaler.observeFinite(x, 1, { auto: true, scales })).toBe(-1);
    expect(scaler.jumps).toBe(1);
    expect(() => scaler.jump(1)).toThrow(RangeError);
    scaler.undo(buffer(new Map([[0, 1e6]])));
    expect(scaler.jumps).toBe(0);
  });

  it('an event taken back (overflow, or undo) leaves the next jumps as if it never came', () => {
    const stream = (i: number) => buffer(new Map([[0, i < 60 ? i % 7 : 100 * (i % 7)]]));
    const run = (rejected: 'none' | 'overflow' | 'undo') => {
      const scaler = new OnlineScaler();
      scaler.watchJumps(2, 10);
      const scales = new Float64Array(4);
      const noted: Array<[number, number, number]> = [];
      for (let i = 0; i < 80; i++) {
        if (i === 25 && rejected === 'overflow') {
          // a weight that overflows the statistics: rejected, nothing kept
          expect(scaler.observeFinite(buffer(new Map([[0, 1e200]])), 1e300, { auto: true, scales })).toBe(0);
        }
        if (i === 25 && rejected === 'undo') {
          const x = buffer(new Map([[0, 3]]));
          expect(scaler.observeFinite(x, 1e6, { auto: true, scales })).toBe(-1);
          scaler.undo(x);
        }
        expect(scaler.observeFinite(stream(i), 1, { auto: true, scales })).toBe(-1);
        for (let n = 0; n < scaler.jumps; n++) {
          const jump = scaler.jump(n);
          noted.push([i, jump.sdBefore, jump.events]);
        }
      }
      return noted;
    };
    const expected = run('none');
    expect(expected.length).toBeGreaterThan(0);
    expect(run('overflow')).toEqual(expected);
    expect(run('undo')).toEqual(expected);
  });

  it('an event taken back restores what it set for many columns at once (every one crossing minPresent)', () => {
    const columns = 12;
    const row = (i: number) =>
      buffer(
        new Map(Array.from({ length: columns }, (_, j) => [j, i < 60 ? (i + j) % 5 : 50 * ((i + j) % 5)])),
      );
    const run = (undo: boolean) => {
      const scaler = new OnlineScaler();
      scaler.watchJumps(2, 10);
      const scales = new Float64Array(columns);
      const noted: Array<[number, number, number, number]> = [];
      for (let i = 0; i < 90; i++) {
        if (i === 25 && undo) {
          // a heavy event: every column's present weight crosses a multiple of 10, so each one's
          // reference is set, and must be restored
          const x = buffer(new Map(Array.from({ length: columns }, (_, j) => [j, 3])));
          expect(scaler.observeFinite(x, 1e6, { auto: true, scales })).toBe(-1);
          scaler.undo(x);
        }
        expect(scaler.observeFinite(row(i), 1, { auto: true, scales })).toBe(-1);
        for (let n = 0; n < scaler.jumps; n++) {
          const jump = scaler.jump(n);
          noted.push([i, jump.position, jump.sdBefore, jump.events]);
        }
      }
      return noted;
    };
    const expected = run(false);
    expect(new Set(expected.map((x) => x[1])).size).toBe(columns);
    expect(run(true)).toEqual(expected);
  });
});
