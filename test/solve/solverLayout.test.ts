import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { DenseDesign, SparseDesign, solverLayout } from '../../src/solve/design.js';
import { loadTrainingData } from '../../src/solve/input.js';
import { checkKkt } from '../../src/solve/kkt.js';
import { solvePath } from '../../src/solve/path.js';

/** A seeded CSV of numbers with a text column and a few empty cells (mostly filled). */
function churnCsv(rows: number, seed: number): string {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const lines = ['churned,tenure,plan,calls,x1,x2,x3'];
  const plans = ['basic', 'pro', 'max'];
  for (let i = 0; i < rows; i++) {
    const tenure = Math.floor(1 + 72 * next());
    const plan = plans[Math.floor(3 * next())]!;
    const calls = Math.floor(9 * next());
    const x = [next() - 0.5, next() - 0.5, next() - 0.5].map((v) => v.toFixed(3));
    const z = -1 + 0.4 * calls - 0.03 * tenure + (plan === 'basic' ? 0.8 : 0) + Number(x[0]);
    const y = next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    // one cell in 50 of x3 left empty (absent, as in a sparse design)
    lines.push([y, tenure, plan, calls, x[0], x[1], i % 50 === 7 ? '' : x[2]].join(','));
  }
  return `${lines.join('\n')}\n`;
}

describe('solverLayout', () => {
  it('turns a sparse design that fills half its cells into a dense one with the same entries', () => {
    // 4 × 3, 6 of 12 cells stored (one of them a stored 0)
    const x = new SparseDesign(
      4,
      3,
      Int32Array.from([0, 3, 4, 6]),
      Int32Array.from([0, 1, 3, 2, 1, 3]),
      Float64Array.from([1, -2, 3, 4, 0, -1]),
    );
    const d = solverLayout(x);
    expect(d).toBeInstanceOf(DenseDesign);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) expect(d.get(i, j)).toBe(x.get(i, j));
    expect(d.get(3, 2)).toBe(-1);
  });

  it('keeps sparser designs, and dense ones, as they are', () => {
    const sparse = SparseDesign.fromTriplets(10, 2, [0, 3, 7], [0, 1, 1], [1, 2, 3]);
    expect(solverLayout(sparse)).toBe(sparse);
    const dense = new DenseDesign(2, 2, Float64Array.from([1, 2, 3, 4]));
    expect(solverLayout(dense)).toBe(dense);
    const empty = new SparseDesign(0, 3, new Int32Array(4), new Int32Array(0), new Float64Array(0));
    expect(solverLayout(empty)).toBe(empty);
  });

  it('a CSV with a text column is solved dense, to the optimum of its sparse design at every λ', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-layout-'));
    const file = join(dir, 'churn.csv');
    writeFileSync(file, churnCsv(3000, 5));
    const data = await loadTrainingData(file, 'churned', 'binomial');
    expect(data.x).toBeInstanceOf(DenseDesign);
    expect(data.names).toContain('plan=basic');
    // the same rows as the sparse design the events give (their layout before solverLayout)
    const x = data.x as DenseDesign;
    const triplets: [number[], number[], number[]] = [[], [], []];
    for (let j = 0; j < x.cols; j++)
      for (let i = 0; i < x.rows; i++) {
        const v = x.get(i, j);
        if (v !== 0) {
          triplets[0].push(i);
          triplets[1].push(j);
          triplets[2].push(v);
        }
      }
    const sparse = SparseDesign.fromTriplets(x.rows, x.cols, ...triplets);
    const onDense = solvePath(x, data.y, { family: 'binomial' });
    const onSparse = solvePath(sparse, data.y, {
      family: 'binomial',
      lambdas: onDense.fits.map((f) => f.lambda),
    });
    expect(onSparse.fits).toHaveLength(onDense.fits.length);
    for (let k = 0; k < onDense.fits.length; k++) {
      const a = onDense.fits[k]!;
      const b = onSparse.fits[k]!;
      expect(Math.abs(a.objective - b.objective)).toBeLessThanOrEqual(1e-12 * Math.abs(b.objective));
      expect(a.nonzero).toBe(b.nonzero);
      const kkt = checkKkt(sparse, data.y, a, a.lambda, { family: 'binomial' });
      expect(kkt.maxViolation).toBeLessThan(1e-8);
    }
  });
});
