import { describe, expect, it } from 'vitest';

import { explainScore } from '../../src/model/scoreExplainer.js';
import { SnapshotScorer } from '../../src/model/snapshotScorer.js';

describe('explainScore', () => {
  const terms = [0.5, -2, 0, 1, -0.25];
  const names = ['a', 'b', 'zero', 'c', 'd'];

  it('lists the largest |β_j·x_j| first, never a zero term, and sums the rest into others', () => {
    const e = explainScore(0.25, 1, terms, terms.length, 2, (k) => names[k]);
    expect(e.top).toEqual([
      { feature: 'b', contribution: -2 },
      { feature: 'c', contribution: 1 },
    ]);
    expect(e.others).toBe(0.25);
    expect(e.baseline + e.top.reduce((t, c) => t + c.contribution, 0) + e.others).toBe(e.margin);
    expect(explainScore(0.25, 1, terms, terms.length, 10, (k) => names[k]).top.map((c) => c.feature)).toEqual(
      ['b', 'c', 'a', 'd'],
    );
  });

  it('lists equal |β_j·x_j| in the order of their terms', () => {
    const tied = [1, -1, 0.5, 1, -1];
    const e = explainScore(0.5, 0, tied, tied.length, 10, (k) => `t${k}`);
    expect(e.top.map((c) => c.feature)).toEqual(['t0', 't1', 't3', 't4', 't2']);
    expect(e.others).toBe(0);
    // also when a later term took the place of an earlier one among the top
    const replaced = explainScore(0.5, 0, [0.5, 1, -1], 3, 2, (k) => `t${k}`);
    expect(replaced.top.map((c) => c.feature)).toEqual(['t1', 't2']);
    expect(replaced.others).toBe(0.5);
  });

  it('top 0: every contribution is in others, and no name is asked for', () => {
    const e = explainScore(0.25, 1, terms, terms.length, 0, () => {
      throw new Error('named');
    });
    expect(e).toEqual({ margin: 0.25, baseline: 1, top: [], others: -0.75 });
  });

  it('score --model explains with it: baseline is the intercept', () => {
    const scorer = new SnapshotScorer({
      family: 'gaussian',
      intercept: 0.5,
      coefficients: { x: 2, 'c=a': -1, y: 0.1 },
    });
    const e = scorer.score({ features: { x: 3, c: 'a', y: 1, unseen: 9 } }, 1);
    expect(e).toEqual({
      prediction: 0.5 + 6 - 1 + 0.1,
      margin: 0.5 + 6 - 1 + 0.1,
      baseline: 0.5,
      top: [{ feature: 'x', contribution: 6 }],
      others: -0.9,
    });
  });
});
