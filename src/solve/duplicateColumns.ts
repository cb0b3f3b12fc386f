import type { Design } from './design.js';

/** Columns with fewer stored entries than this are not compared (an id's level, a rare one-hot). */
const DUPLICATE_MIN_ENTRIES = 10;

/**
 * The columns of `x` equal to an earlier column in every row, each with that earlier column:
 * `[later, earlier]` pairs in column order (a column equal to several earlier ones is paired with
 * the first). Columns with fewer than 10 entries and those in `skip` (constant ones) are not
 * compared. Found by two seeded random projections per column (O(entries)), each match confirmed
 * row by row.
 */
export function duplicateColumns(x: Design, skip: ReadonlySet<number> = new Set()): Array<[number, number]> {
  const n = x.rows;
  let s = 0x9e3779b9;
  const random = (): number => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 4294967296 - 0.5;
  };
  const r1 = Float64Array.from({ length: n }, random);
  const r2 = Float64Array.from({ length: n }, random);
  const seen = new Map<string, number[]>();
  const pairs: Array<[number, number]> = [];
  for (let j = 0; j < x.cols; j++) {
    if (skip.has(j) || x.columnNnz(j) < DUPLICATE_MIN_ENTRIES) continue;
    const key = `${x.dot(j, r1)}|${x.dot(j, r2)}|${x.columnNnz(j)}`;
    const earlier = seen.get(key);
    const twin = earlier?.find((k) => sameColumn(x, j, k));
    if (twin !== undefined) pairs.push([j, twin]);
    else if (earlier !== undefined) earlier.push(j);
    else seen.set(key, [j]);
  }
  return pairs;
}

function sameColumn(x: Design, a: number, b: number): boolean {
  const n = x.rows;
  const u = new Float64Array(n);
  const v = new Float64Array(n);
  x.axpy(a, 1, u);
  x.axpy(b, 1, v);
  for (let i = 0; i < n; i++) if (u[i] !== v[i]) return false;
  return true;
}
