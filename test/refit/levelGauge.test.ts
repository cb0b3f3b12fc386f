import { describe, expect, it } from 'vitest';

import { centerLevels, levelGauge, type ColumnNames } from '../../src/refit/levelGauge.js';
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

describe('centerLevels: levels measured from their average', () => {
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
