import { describe, expect, it } from 'vitest';

import type { L1Event } from '../../src/core/event.js';
import { SparseBuffer } from '../../src/core/sparse.js';
import { Featurizer } from '../../src/features/featurizer.js';
import { SparseDesign } from '../../src/solve/design.js';
import { readEventsDesign } from '../../src/solve/events.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Events with every kind of feature: numbers (zeros too), one-hot strings, booleans, id lists with repeats. */
function events(seed: number, n: number): L1Event[] {
  const u = lcg(seed);
  const out: L1Event[] = [];
  for (let i = 0; i < n; i++) {
    const features: Record<string, number | string | boolean | string[]> = {};
    for (let j = 0; j < 5; j++)
      if (u() < 0.6) features[`x${j}`] = u() < 0.1 ? 0 : Math.round((u() * 4 - 2) * 1000) / 1000;
    if (u() < 0.8) features.plan = ['basic', 'pro', 'team'][Math.floor(u() * 3)]!;
    if (u() < 0.5) features.premium = u() < 0.5;
    const ids: string[] = [];
    const k = Math.floor(u() * 6);
    for (let t = 0; t < k; t++) ids.push(`id${Math.floor(u() * 40)}`);
    if (k > 0 && u() < 0.3) ids.push(ids[0]!); // a repeated id within the event
    features.ids = ids;
    out.push({ label: u() < 0.4 ? 1 : 0, ...(i % 5 === 2 ? { weight: 3 } : {}), features });
  }
  return out;
}

/** The construction before the column-compressed one: featurizer rows as triplets, then `fromTriplets`. */
function tripletDesign(stream: readonly L1Event[]): { x: SparseDesign; names: string[] } {
  const featurizer = new Featurizer({ maxFeatures: Infinity });
  const buf = new SparseBuffer();
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  stream.forEach((event, i) => {
    expect(featurizer.featurize(event, buf)).toBeNull();
    for (let e = 0; e < buf.nnz; e++) {
      r.push(i);
      c.push(buf.indices[e]!);
      v.push(buf.values[e]!);
    }
  });
  const names: string[] = [];
  for (let j = 0; j < featurizer.dimension; j++) names.push(featurizer.nameOf(j));
  return { x: SparseDesign.fromTriplets(stream.length, featurizer.dimension, r, c, v), names };
}

function expectSameDesign(a: SparseDesign, b: SparseDesign): void {
  expect(a.rows).toBe(b.rows);
  expect(a.cols).toBe(b.cols);
  expect(Array.from(a.colStart)).toEqual(Array.from(b.colStart));
  const nnz = a.colStart[a.cols]!;
  expect(Array.from(a.rowIndex.subarray(0, nnz))).toEqual(Array.from(b.rowIndex.subarray(0, nnz)));
  expect(Array.from(a.values.subarray(0, nnz))).toEqual(Array.from(b.values.subarray(0, nnz)));
}

describe('JSON-lines events straight into column-compressed arrays', () => {
  it('readEventsDesign builds the same design, names, labels and weights as featurizer triplets', () => {
    const stream = events(3, 700);
    const text = stream.map((e) => JSON.stringify(e)).join('\n');
    const d = readEventsDesign(text, 'binomial');
    const ref = tripletDesign(stream);
    expect(d.names).toEqual(ref.names);
    expectSameDesign(d.x, ref.x);
    expect(Array.from(d.y)).toEqual(stream.map((e) => e.label));
    expect(Array.from(d.weights)).toEqual(stream.map((e) => e.weight ?? 1));
    // a repeated id within an event is one entry of 2 (the featurizer sums it)
    expect(Array.from(d.x.values).some((x) => x === 2)).toBe(true);
  });

  it('SparseDesign.fromRows equals fromTriplets on rows with repeated indices, empty rows and columns', () => {
    const u = lcg(9);
    const rows = 60;
    const cols = 25;
    const rowStart = [0];
    const c: number[] = [];
    const v: number[] = [];
    const r: number[] = [];
    for (let i = 0; i < rows; i++) {
      const k = i % 7 === 0 ? 0 : Math.floor(u() * 8);
      for (let t = 0; t < k; t++) {
        const j = Math.floor(u() * (cols - 3)); // the last 3 columns stay empty
        c.push(j, ...(u() < 0.2 ? [j] : []));
        v.push(u() - 0.5, ...(c.length > v.length + 1 ? [u()] : []));
      }
      while (r.length < c.length) r.push(i);
      rowStart.push(c.length);
    }
    expectSameDesign(
      SparseDesign.fromRows(rows, cols, rowStart, c, v),
      SparseDesign.fromTriplets(rows, cols, r, c, v),
    );
  });
});
