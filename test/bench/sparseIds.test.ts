import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import {
  generateSparseIds,
  referenceLogLosses,
  sparseIdsDefaults,
  writeSparseIdsJsonl,
  writeSparseIdsVw,
} from '../../bench/online/sparseIds.js';

const s = generateSparseIds({ ...sparseIdsDefaults, events: 4_000 });
const dir = mkdtempSync(join(tmpdir(), 'l1s-sparse-ids-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the sparse-ids stream of bench:online', () => {
  it('has 20–40 distinct ids per event, Zipf-popular, and 20 true ids', () => {
    const counts = new Float64Array(sparseIdsDefaults.ids);
    for (let e = 0; e < 4_000; e++) {
      const row = Array.from(s.ids.subarray(s.offsets[e], s.offsets[e + 1]));
      expect(row.length).toBeGreaterThanOrEqual(20);
      expect(row.length).toBeLessThanOrEqual(40);
      expect(new Set(row).size).toBe(row.length);
      for (const id of row) counts[id]!++;
    }
    // P(rank r) ∝ 1/(r + 1) per draw: beyond the head (where an id already in the event is drawn
    // again) every octave of ranks holds the same share of the ids, 10 times fewer per id a decade on
    const band = (from: number) => counts.slice(from, 2 * from).reduce((a, b) => a + b, 0);
    for (const [a, b] of [
      [100, 1_000],
      [1_000, 10_000],
    ]) {
      expect(band(a!) / band(b!)).toBeGreaterThan(0.9);
      expect(band(a!) / band(b!)).toBeLessThan(1.1);
    }
    expect(band(100) / band(10)).toBeGreaterThan(1.05); // the head saturates: one per event at most
    expect(s.coefficients.size).toBe(20);
  });

  it('is the same stream for the same seed', () => {
    const again = generateSparseIds({ ...sparseIdsDefaults, events: 4_000 });
    expect(again.ids).toEqual(s.ids);
    expect(again.labels).toEqual(s.labels);
  });

  it('writes the same events as JSONL and as VW text', () => {
    writeSparseIdsJsonl(s, join(dir, 's.jsonl'));
    writeSparseIdsVw(s, join(dir, 's.vw'));
    const jsonl = readFileSync(join(dir, 's.jsonl'), 'utf8').trimEnd().split('\n');
    const vw = readFileSync(join(dir, 's.vw'), 'utf8').trimEnd().split('\n');
    expect(jsonl).toHaveLength(4_000);
    expect(vw).toHaveLength(4_000);
    for (let e = 0; e < 4_000; e++) {
      const event = JSON.parse(jsonl[e]!) as { label: number; features: Record<string, number> };
      const [label, names] = vw[e]!.split(' | ');
      expect(Number(label)).toBe(event.label === 1 ? 1 : -1);
      expect(names!.split(' ')).toEqual(Object.keys(event.features));
      expect(Object.values(event.features).every((v) => v === 1)).toBe(true);
      expect(event.label).toBe(s.labels[e]);
    }
  });

  it('reports the Bayes and best-constant log losses of its labels', () => {
    // recomputed from the written events and the planted model, apart from the generator's bookkeeping
    const lines = readFileSync(join(dir, 's.jsonl'), 'utf8').trimEnd().split('\n');
    let bayes = 0;
    let positives = 0;
    for (const line of lines) {
      const event = JSON.parse(line) as { label: number; features: Record<string, number> };
      let eta = s.intercept;
      for (const name of Object.keys(event.features)) eta += s.coefficients.get(Number(name.slice(2))) ?? 0;
      const p = 1 / (1 + Math.exp(-eta));
      bayes += -(event.label * Math.log(p) + (1 - event.label) * Math.log(1 - p));
      positives += event.label;
    }
    // the best constant by brute force over a fine grid of probabilities
    let bestConstant = Infinity;
    for (let q = 0.0005; q < 1; q += 0.0005) {
      const loss = -(positives * Math.log(q) + (lines.length - positives) * Math.log(1 - q)) / lines.length;
      bestConstant = Math.min(bestConstant, loss);
    }
    const ref = referenceLogLosses(s);
    expect(ref.bayes).toBeCloseTo(bayes / lines.length, 12);
    expect(ref.positiveRate).toBe(positives / lines.length);
    expect(ref.bestConstant).toBeLessThanOrEqual(bestConstant + 1e-15);
    expect(ref.bestConstant).toBeGreaterThan(bestConstant - 1e-6);
    // the planted model is worth learning: well below the constant
    expect(ref.bestConstant - ref.bayes).toBeGreaterThan(0.03);
  });
});
