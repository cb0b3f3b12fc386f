import { describe, expect, it } from 'vitest';

import { solveRefitJob, windowDesign, type RefitJob } from '../../src/refit/job.js';
import type { WindowRows } from '../../src/refit/window.js';
import { columnStats, SparseDesign } from '../../src/solve/design.js';
import { checkKkt } from '../../src/solve/kkt.js';
import { objectiveValue } from '../../src/solve/objective.js';
import { prepareProblem, type Standardize } from '../../src/solve/problem.js';
import { WASM_GRADIENTS_MIN_ENTRIES, wasmGradients } from '../../src/solve/wasmGradients.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/**
 * A random window: rows of 0–12 entries on `ids` model columns spread by `stride` (ids past 2^24
 * take the Map path), some indices repeated within a row, next to each other or not.
 */
function randomRows(seed: number, n: number, ids: number, stride: number): WindowRows {
  const u = rng(seed);
  const rowStart = new Int32Array(n + 1);
  const cols: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = Math.floor(13 * u());
    for (let e = 0; e < k; e++) {
      const repeat = cols.length > rowStart[i] && u() < 0.1;
      const back = repeat ? Math.floor(u() * (cols.length - rowStart[i])) : 0;
      cols.push(repeat ? cols[cols.length - 1 - back] : stride * Math.floor(ids * u() ** 2));
      values.push(u() < 0.5 ? 1 : Math.round(100 * (u() - 0.3)) / 7);
    }
    rowStart[i + 1] = cols.length;
  }
  const y = Float64Array.from({ length: n }, () => (u() < 0.4 ? 1 : 0));
  const weights = Float64Array.from({ length: n }, () => 0.5 + u());
  return {
    first: 1,
    last: n,
    rows: n,
    rowStart,
    cols: Int32Array.from(cols),
    values: Float64Array.from(values),
    y,
    weights,
  };
}

/** The design as refits built it before `windowDesign`: columns compacted, then triplets. */
function tripletDesign(rows: WindowRows): { x: SparseDesign; modelCol: number[] } {
  const index = new Map<number, number>();
  const modelCol: number[] = [];
  const r: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < rows.rows; i++) {
    for (let k = rows.rowStart[i]; k < rows.rowStart[i + 1]; k++) {
      const j = rows.cols[k];
      if (!index.has(j)) {
        index.set(j, modelCol.length);
        modelCol.push(j);
      }
      r.push(i);
      c.push(index.get(j)!);
    }
  }
  return { x: SparseDesign.fromTriplets(rows.rows, modelCol.length, r, c, rows.values), modelCol };
}

describe('windowDesign', () => {
  it('builds the design the triplets gave, on random windows (repeated ids, empty rows, ids past 2^24)', () => {
    let seed = 1;
    for (const [n, ids, stride] of [
      [1, 5, 1],
      [50, 30, 7],
      [400, 2000, 3],
      [300, 500, 1 << 16], // ids up to 2^25: the Map path
      [1000, 50_000, 1],
    ]) {
      for (let rep = 0; rep < 3; rep++) {
        const rows = randomRows(seed++, n, ids, stride);
        const want = tripletDesign(rows);
        const got = windowDesign(rows);
        try {
          expect(Array.from(got.modelCol)).toEqual(want.modelCol);
          expect(got.x.cols).toBe(want.x.cols);
          expect(Array.from(got.x.colStart)).toEqual(Array.from(want.x.colStart));
          expect(Array.from(got.x.rowIndex)).toEqual(Array.from(want.x.rowIndex));
          expect(Array.from(got.x.values)).toEqual(Array.from(want.x.values));
          want.modelCol.forEach((j, c) => expect(got.column(j)).toBe(c));
          expect(got.column(stride * ids + 1)).toBe(-1);
          expect(got.column(-1)).toBe(-1);
        } finally {
          got.release();
        }
      }
    }
  });
});

describe('windowDesign, window after window in one thread', () => {
  it('builds each window as alone: its scratch (last row, row counts) carries nothing over', () => {
    // wide, then narrow on the same ids (stale last rows of the wide window land on rows of the
    // narrow one), then wide again (scratch grown before is reused), with ids repeated in rows
    const windows = [
      randomRows(31, 900, 600, 1),
      randomRows(32, 120, 40, 1),
      randomRows(33, 700, 3000, 1),
      randomRows(34, 60, 600, 1),
      randomRows(35, 900, 600, 1),
    ];
    for (const rows of [...windows, ...windows.reverse()]) {
      const want = tripletDesign(rows);
      const got = windowDesign(rows);
      try {
        expect(Array.from(got.modelCol)).toEqual(want.modelCol);
        expect(Array.from(got.x.colStart)).toEqual(Array.from(want.x.colStart));
        expect(Array.from(got.x.rowIndex)).toEqual(Array.from(want.x.rowIndex));
        expect(Array.from(got.x.values)).toEqual(Array.from(want.x.values));
      } finally {
        got.release();
      }
    }
  });

  it('a second design while the first holds the table takes the Map path, and both are right', () => {
    const a = randomRows(41, 300, 200, 1);
    const b = randomRows(42, 200, 150, 1);
    const da = windowDesign(a);
    const db = windowDesign(b);
    try {
      expect(Array.from(db.x.rowIndex)).toEqual(Array.from(tripletDesign(b).x.rowIndex));
      expect(Array.from(db.modelCol)).toEqual(tripletDesign(b).modelCol);
      expect(Array.from(da.x.values)).toEqual(Array.from(tripletDesign(a).x.values));
      tripletDesign(a).modelCol.forEach((j, c) => expect(da.column(j)).toBe(c));
    } finally {
      db.release();
      da.release();
    }
  });
});

describe('SparseDesign.fromCountedRows', () => {
  it('equals fromRows given the rows per column and the repeats, and refuses counts that do not add up', () => {
    for (const seed of [51, 52, 53]) {
      const rows = randomRows(seed, 400, 120, 1);
      const want = tripletDesign(rows);
      const index = new Map(want.modelCol.map((j, c) => [j, c]));
      const p = want.modelCol.length;
      const compact = Int32Array.from(rows.cols, (j) => index.get(j)!);
      const counts = new Int32Array(p + 1);
      let repeats = 0;
      for (let i = 0; i < rows.rows; i++) {
        const inRow = new Set<number>();
        for (let k = rows.rowStart[i]; k < rows.rowStart[i + 1]; k++) {
          if (inRow.has(compact[k])) repeats++;
          else counts[compact[k] + 1]++;
          inRow.add(compact[k]);
        }
      }
      expect(repeats).toBeGreaterThan(0);
      const plain = SparseDesign.fromRows(rows.rows, p, rows.rowStart, compact, rows.values);
      const bad = counts.slice();
      const got = SparseDesign.fromCountedRows(
        rows.rows,
        p,
        rows.rowStart,
        compact,
        rows.values,
        counts,
        repeats,
      );
      expect(Array.from(got.colStart)).toEqual(Array.from(plain.colStart));
      expect(Array.from(got.rowIndex)).toEqual(Array.from(plain.rowIndex));
      expect(Array.from(got.values)).toEqual(Array.from(plain.values));
      expect(() =>
        SparseDesign.fromCountedRows(rows.rows, p, rows.rowStart, compact, rows.values, bad, repeats + 1),
      ).toThrow(/do not add up/);
    }
  });
});

describe('columnStats on a sparse design', () => {
  it('gives the bits of the column kernels (dot, then centeredSquares around that mean)', () => {
    const rows = randomRows(61, 500, 300, 1);
    const design = windowDesign(rows);
    design.release();
    const { x } = design;
    const w = Float64Array.from(rows.weights);
    const total = w.reduce((s, v) => s + v, 0);
    for (let i = 0; i < w.length; i++) w[i] /= total;
    // the rows' weights, and equal ones (read as a constant, not per row)
    for (const u of [w, new Float64Array(w.length).fill(1 / w.length)]) {
      const { mean, sd } = columnStats(x, u);
      let differ = 0;
      for (let j = 0; j < x.cols; j++) {
        const m = x.dot(j, u);
        const v = x.centeredSquares(j, u, m, 1);
        if (!Object.is(mean[j], m) || !Object.is(sd[j], v > 1e-26 * m * m && v > 0 ? Math.sqrt(v) : 0))
          differ++;
      }
      expect(differ).toBe(0);
    }
  });
});

/** `x` as a `Design` that is not a `SparseDesign` (its JavaScript kernels, none of the WebAssembly paths). */
function plainDesign(x: SparseDesign): SparseDesign {
  return new Proxy(x, {
    getPrototypeOf: () => Object.prototype,
    get: (target, key) => {
      const v = Reflect.get(target, key) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** Counts the entries of `a` and `b` that are not the same number (bit for bit, -0 ≠ 0). */
function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) d++;
  return d;
}

describe('a large window’s certificate, its gradients in WebAssembly', () => {
  const rows = randomRows(71, 14_000, 100_000, 1);
  const built = windowDesign(rows);
  built.release();
  const { x } = built;
  const n = rows.rows;
  const w = Float64Array.from(rows.weights);
  const total = w.reduce((s, v) => s + v, 0);
  for (let i = 0; i < n; i++) w[i] /= total;

  it('is large enough for them (smaller designs stay in JavaScript)', () => {
    expect(x.colStart[x.cols]).toBeGreaterThanOrEqual(WASM_GRADIENTS_MIN_ENTRIES);
    const small = windowDesign(randomRows(72, 300, 80, 1));
    small.release();
    const u = new Float64Array(300).fill(1 / 300);
    expect(wasmGradients(small.x, u, u, new Float64Array(small.x.cols))).toBe(false);
  });

  it('the certificate: the gradients of dot2, and checkKkt’s report of the JavaScript kernels', () => {
    const u = rng(73);
    const r = Float64Array.from({ length: n }, () => u() - 0.4);
    const out = new Float64Array(x.cols);
    expect(wasmGradients(x, w, r, out)).toBe(true);
    expect(
      differing(
        out,
        Float64Array.from({ length: x.cols }, (_, j) => x.dot2(j, w, r)),
      ),
    ).toBe(0);
    // a model with some non-zeros, at a λ where some conditions hold and some do not
    const coefficients = Float64Array.from({ length: x.cols }, (_, j) => (j % 7 === 0 ? u() - 0.5 : 0));
    const model = { intercept: -0.3, coefficients };
    for (const standardize of [true, false, 'auto'] as Standardize[]) {
      const options = { family: 'binomial' as const, standardize, weights: rows.weights };
      const fast = checkKkt(x, rows.y, model, 0.002, options);
      const loop = checkKkt(plainDesign(x), rows.y, model, 0.002, options);
      expect(fast.maxViolation).toBeGreaterThan(0);
      expect(fast).toEqual(loop);
      expect(Object.is(fast.maxViolation, loop.maxViolation)).toBe(true);
    }
  });
});

describe('windowDesign with the thread’s scratch (a refit job’s)', () => {
  it('builds the next design in the same arrays: no fresh entries per refit; without it, new ones', () => {
    const a = randomRows(81, 2000, 500, 1);
    const b = randomRows(82, 1500, 400, 1);
    const da = windowDesign(a, undefined, true);
    da.release();
    const want = Array.from(da.x.values.subarray(0, da.x.colStart[da.x.cols]));
    expect(want).toEqual(Array.from(tripletDesign(a).x.values));
    const db = windowDesign(b, undefined, true);
    db.release();
    expect(db.x.values).toBe(da.x.values);
    expect(db.x.rowIndex).toBe(da.x.rowIndex);
    expect(Array.from(db.x.values.subarray(0, db.x.colStart[db.x.cols]))).toEqual(
      Array.from(tripletDesign(b).x.values),
    );
    const own = windowDesign(a);
    own.release();
    expect(own.x.values).not.toBe(db.x.values);
    expect(Array.from(own.x.values)).toEqual(want);
  });
});

function job(rows: WindowRows, lambda: number, starts: RefitJob['starts'] = []): RefitJob {
  return {
    key: 'k',
    family: 'binomial',
    lambda,
    l1Ratio: 1,
    standardize: 'auto',
    kktTolerance: 1e-6,
    gapTolerance: 1e-8,
    rows,
    penaltyCols: Int32Array.of(rows.cols[0]),
    penaltyValues: Float64Array.of(0.5),
    starts,
  };
}

describe('solveRefitJob in one thread, job after job', () => {
  it('gives each job the result it gets alone (the column table is cleared, also after a failure)', () => {
    const a = randomRows(11, 600, 300, 5);
    const b = randomRows(12, 800, 4000, 3); // wider: the table grows
    const first = solveRefitJob(job(a, 0.01));
    const bAfterA = solveRefitJob(job(b, 0.01));
    expect(() => solveRefitJob(job(b, -1))).toThrow(/lambda/);
    const again = solveRefitJob(job(a, 0.01));
    const bAgain = solveRefitJob(job(b, 0.01));
    const strip = (o: ReturnType<typeof solveRefitJob>) => ({ ...o, buildMs: 0, solveMs: 0, kktMs: 0 });
    expect(strip(again)).toEqual(strip(first));
    expect(strip(bAgain)).toEqual(strip(bAfterA));
    expect(first.model.cols.length).toBeGreaterThan(0);
    // a start on columns of the window (and one it does not have) is read through the same table
    const start = { intercept: first.model.intercept, cols: first.model.cols, values: first.model.values };
    const warm = solveRefitJob(
      job(a, 0.01, [{ source: 'refit', model: { ...start, cols: Int32Array.of(...start.cols, 1 << 30) } }]),
    );
    expect(warm.startObjectives.refit).toBeCloseTo(first.objective, 12);
  });
});

describe('column scales from prepareProblem', () => {
  it('give checkKkt and objectiveValue the numbers they compute from scratch (constant columns too)', () => {
    for (const standardize of [true, false, 'auto'] as Standardize[]) {
      const rows = randomRows(21, 300, 80, 1);
      const { x } = tripletDesign(rows);
      // a column constant over the window, and one constant to rounding
      const n = rows.rows;
      const extra = new Float64Array(n * 2);
      for (let i = 0; i < n; i++) {
        extra[i] = 3;
        extra[n + i] = 1e15 + (i === 0 ? 0.125 : 0);
      }
      const cs = new Int32Array(x.cols + 3);
      cs.set(x.colStart);
      cs[x.cols + 1] = cs[x.cols] + n;
      cs[x.cols + 2] = cs[x.cols] + 2 * n;
      const nnz = x.colStart[x.cols];
      const ri = new Int32Array(nnz + 2 * n);
      ri.set(x.rowIndex.subarray(0, nnz));
      const vals = new Float64Array(nnz + 2 * n);
      vals.set(x.values.subarray(0, nnz));
      for (let i = 0; i < n; i++) {
        ri[nnz + i] = i;
        ri[nnz + n + i] = i;
      }
      vals.set(extra, nnz);
      const design = new SparseDesign(n, x.cols + 2, cs, ri, vals);
      const options = { family: 'binomial' as const, standardize, weights: rows.weights };
      const problem = prepareProblem(design, rows.y, options);
      expect(problem.sd[x.cols]).toBe(0);
      expect(problem.sd[x.cols + 1]).toBe(0);
      const u = rng(5);
      const model = {
        intercept: -0.3,
        coefficients: Float64Array.from({ length: design.cols }, (_, j) =>
          j >= x.cols || u() < 0.3 ? u() - 0.5 : 0,
        ),
      };
      expect(checkKkt(design, rows.y, model, 0.02, options, problem)).toEqual(
        checkKkt(design, rows.y, model, 0.02, options),
      );
      expect(objectiveValue(design, rows.y, model, 0.02, options, problem)).toEqual(
        objectiveValue(design, rows.y, model, 0.02, options),
      );
    }
  });
});
