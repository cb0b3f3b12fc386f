import { describe, expect, it } from 'vitest';

import {
  centerLevels,
  levelGauge,
  MEDIAN_LEVELS,
  smoothMedian,
  type ColumnNames,
} from '../../src/refit/levelGauge.js';
import type { WindowRows } from '../../src/refit/window.js';

/** Columns by name: `field=value` is one-hot (its field), anything else numeric. */
function namesOf(columns: readonly string[]): ColumnNames {
  return {
    fieldOf: (j) => (columns[j].includes('=') ? columns[j].slice(0, columns[j].indexOf('=')) : null),
    nameOf: (j) => columns[j],
  };
}

function windowOf(rows: readonly (readonly number[])[], first = 1): WindowRows {
  const rowStart = new Int32Array(rows.length + 1);
  rows.forEach((r, i) => (rowStart[i + 1] = rowStart[i] + r.length));
  return {
    first,
    last: first + rows.length - 1,
    rows: rows.length,
    rowStart,
    cols: Int32Array.from(rows.flat()),
    values: new Float64Array(rowStart[rows.length]).fill(1),
    y: new Float64Array(rows.length),
    weights: new Float64Array(rows.length).fill(1),
  };
}

describe('levelGauge: the text fields with one level in every row of a window', () => {
  const columns = [
    'x',
    'plan=a',
    'plan=b',
    'plan=c',
    'tag=u',
    'tag=v',
    'one=only',
    '__proto__=1',
    '__proto__=2',
  ];
  const names = namesOf(columns);

  it('finds them with each level’s share; a field missing from a row or twice in one is left out', () => {
    const g = levelGauge(
      windowOf(
        [
          [0, 1, 4, 6, 7],
          [2, 5, 6, 8],
          [0, 1, 6, 7], // no tag
          [3, 4, 5, 6, 8], // two tags
        ],
        11,
      ),
      names,
    );
    expect(g).not.toBeNull();
    expect(g!.first).toBe(11);
    expect(g!.last).toBe(14);
    // `one` has one level in every row: a constant column, left to the intercept
    expect(g!.fields.map((f) => f.field)).toEqual(['plan', '__proto__']);
    expect(g!.fields[0].levels).toEqual(['plan=a', 'plan=b', 'plan=c']);
    expect([...g!.fields[0].shares]).toEqual([0.5, 0.25, 0.25]);
    expect(g!.fields[1].levels).toEqual(['__proto__=1', '__proto__=2']);
    expect([...g!.fields[1].shares]).toEqual([0.5, 0.5]);
  });

  it('is null without such a field, and for an empty window', () => {
    expect(levelGauge(windowOf([[0, 1], [0]]), names)).toBeNull();
    expect(levelGauge(windowOf([]), names)).toBeNull();
  });
});

describe('centerLevels: levels measured from their average, or the median of many', () => {
  const gauge = {
    first: 1,
    last: 4,
    fields: [
      {
        field: 'plan',
        levels: ['plan=a', 'plan=b', 'plan=c', 'plan=d'],
        shares: Float64Array.of(0.4, 0.3, 0.2, 0.1),
      },
    ],
  };

  it('is the same for every split of a model between the levels and the intercept', () => {
    const base = { 'plan=a': 0.75, 'plan=b': 0.25, 'plan=c': -0.25, 'plan=d': -1, x: 0.5 };
    const mean = 0.4 * 0.75 + 0.3 * 0.25 + 0.2 * -0.25 + 0.1 * -1;
    const expected = {
      'plan=a': 0.75 - mean,
      'plan=b': 0.25 - mean,
      'plan=c': -0.25 - mean,
      'plan=d': -1 - mean,
      x: 0.5,
    };
    // shifted so that one level, then another, is exactly 0 (left out of the coefficients, as a fit leaves it)
    for (const shift of [-0.25, 0.25, 1, 0]) {
      const shifted = Object.create(null) as Record<string, number>;
      for (const [name, v] of Object.entries(base))
        if (name === 'x' || v - shift !== 0) shifted[name] = name === 'x' ? v : v - shift;
      const c = centerLevels(shifted, gauge);
      expect(Object.keys(c).sort()).toEqual(Object.keys(expected).sort());
      for (const [name, v] of Object.entries(expected)) expect(c[name]).toBeCloseTo(v, 14);
      expect(Object.getPrototypeOf(c)).toBeNull();
    }
  });

  it(`a field of ${MEDIAN_LEVELS[1]} or more levels in effect: from the median, so the many levels a fit left at 0 stay near 0 beside a few large ones, whatever the split`, () => {
    // site=a 10 %, site=b 5 %, 17 other levels 5 % each (1 / Σ share² = 19.2 levels in effect)
    const levels = ['site=a', 'site=b', ...Array.from({ length: 17 }, (_, i) => `site=s${i}`)];
    const shares = Float64Array.from(levels, (_, i) => (i === 0 ? 0.1 : 0.05));
    const wide = { first: 1, last: 2, fields: [{ field: 'site', levels, shares }] };
    const results = [0, 0.6, -0.3].map((shift) => {
      const split = Object.create(null) as Record<string, number>;
      split['site=a'] = 0.6 - shift;
      split['site=b'] = -0.2 - shift;
      split.x = 0.5;
      for (const level of levels.slice(2)) if (shift !== 0) split[level] = -shift;
      return centerLevels(split, wide);
    });
    for (const c of results) {
      expect(c.x).toBe(0.5);
      for (const level of levels) expect(c[level]).toBeCloseTo(results[0]![level]!, 12);
    }
    const c = results[0]!;
    // (from the average, 0.6 · 0.1 − 0.2 · 0.05 = 0.05, the 17 would all be −0.05: a share 0.083 of site=a's)
    for (const level of levels.slice(2)) expect(Math.abs(c[level]!)).toBeLessThan(0.02 * 0.8);
    expect(c['site=a']).toBeCloseTo(0.6, 1);
    expect(c['site=b']).toBeCloseTo(-0.2, 1);
  });

  it('the median: exact where symmetry fixes it, continuous in values and shares (levels of unequal shares crossing)', () => {
    expect(smoothMedian([3], [1])).toBe(3);
    expect(smoothMedian([1, 1, 1], [0.2, 0.3, 0.5])).toBe(1);
    expect(smoothMedian([-1, 5], [0.5, 0.5])).toBeCloseTo(2, 10);
    expect(smoothMedian([0, 1, 2, 10, 11, 12], [0.1, 0.2, 0.2, 0.2, 0.2, 0.1])).toBeCloseTo(6, 10);
    // B (25 %) and C (2 %) cross at 1 among 8 levels at 0 and 6 at 2: no jump (a median at the middle
    // of each level's share of the cumulative moved by 0.17 here)
    const shares = [...new Array<number>(8).fill(0.05), 0.25, 0.02, ...new Array<number>(6).fill(0.055)];
    const at = (b: number): number =>
      smoothMedian([...new Array<number>(8).fill(0), b, 1, ...new Array<number>(6).fill(2)], shares);
    expect(Math.abs(at(1 + 1e-9) - at(1 - 1e-9))).toBeLessThan(1e-8);
    // and in the shares: 1e-9 moved from one level to another
    const moved = shares.map((v, i) => v + (i === 0 ? 1e-9 : i === 15 ? -1e-9 : 0));
    const values = [...new Array<number>(8).fill(0), 1, 1, ...new Array<number>(6).fill(2)];
    expect(Math.abs(smoothMedian(values, moved) - smoothMedian(values, shares))).toBeLessThan(1e-7);
  });

  it('the median of equal values is that of one value with their shares summed (a large field of zeros)', () => {
    const zeros = 5000;
    const values = [...new Array<number>(zeros).fill(0), 0.3, -0.2, 1.5, 0.3];
    const shares = [...new Array<number>(zeros).fill(0.6 / zeros), 0.1, 0.1, 0.1, 0.1];
    expect(smoothMedian(values, shares)).toBeCloseTo(
      smoothMedian([0, 0.3, -0.2, 1.5], [0.6, 0.2, 0.1, 0.1]),
      12,
    );
    expect(smoothMedian(values, shares)).toBeGreaterThan(0);
  });

  it(`from the average below ${MEDIAN_LEVELS[0]} levels in effect, halfway to the median at ${(MEDIAN_LEVELS[0] + MEDIAN_LEVELS[1]) / 2}`, () => {
    const levels = Array.from({ length: 8 }, (_, i) => `k=${i}`);
    const values = [5, 0, 0, 0, 0, 0, 0, 0];
    const coefficients = Object.assign(Object.create(null) as Record<string, number>, { 'k=0': 5 });
    const field = (n: number) => ({
      first: 1,
      last: 2,
      fields: [{ field: 'k', levels: levels.slice(0, n), shares: new Float64Array(n).fill(1 / n) }],
    });
    // 5 equal levels: the average, 1
    expect(centerLevels(coefficients, field(5))['k=0']).toBeCloseTo(5 - 1, 14);
    // 8: halfway between the average 0.625 and the median
    const median = smoothMedian(values, new Float64Array(8).fill(1 / 8));
    expect(centerLevels(coefficients, field(8))['k=0']).toBeCloseTo(5 - (0.625 + median) / 2, 14);
  });

  it('leaves out a level at the average, and copies names such as __proto__', () => {
    const c = centerLevels(
      Object.assign(Object.create(null) as Record<string, number>, { 'plan=a': 1, ['__proto__']: 2 }),
      {
        first: 1,
        last: 2,
        fields: [{ field: 'plan', levels: ['plan=a', 'plan=b'], shares: Float64Array.of(0, 1) }],
      },
    );
    expect(Object.keys(c).sort()).toEqual(['__proto__', 'plan=a']);
    expect(c.__proto__).toBe(2);
    expect(c['plan=a']).toBe(1);
  });
});
