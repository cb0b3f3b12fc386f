/**
 * A level repeated in a list feature (`tags: ["a", "a"]`) is one feature of value 2 to the
 * engine, whose score record lists it once (`tags=a`, 2β). `SnapshotScorer` listed it twice, β
 * each: the same margin, another explanation (with top 1, half of it in `others`).
 */
import { describe, expect, it } from 'vitest';

import { SnapshotScorer } from '../../src/model/snapshotScorer.js';

describe('SnapshotScorer with a level repeated in a list', () => {
  const scorer = new SnapshotScorer({
    family: 'gaussian',
    intercept: 0.5,
    coefficients: { 'tags=a': 1.25, 'tags=b': -0.5, x: 2 },
  });

  it('gives it as one contribution of its summed value', () => {
    const score = scorer.score({ features: { tags: ['a', 'b', 'a'], x: 0.25 } }, 2);
    expect(score.margin).toBe(0.5 + 2.5 - 0.5 + 0.5);
    expect(score.top).toEqual([
      { feature: 'tags=a', contribution: 2.5 },
      { feature: 'tags=b', contribution: -0.5 },
    ]);
    expect(score.others).toBe(0.5);
  });

  it('names the summed value when it overflows', () => {
    const big = new SnapshotScorer({ family: 'gaussian', intercept: 0, coefficients: { 'tags=a': 1e308 } });
    const event = { features: { tags: ['a', 'a'] } };
    expect(big.score(event).margin).toBe(Infinity);
    expect(big.overflowReason(event)).toBe('numeric overflow: feature tags=a = 2 makes the score infinite');
  });
});
