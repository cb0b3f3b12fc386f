/**
 * `model.penaltyFactors` given as a Map (from code: names are data, so a Map is what one reaches
 * for) has no own entries: it was accepted as no factors at all, without a word. It is a problem
 * naming the fix, as SnapshotScorer's Map of coefficients is.
 */
import { describe, expect, it } from 'vitest';

import { checkEngineConfig } from '../../src/index.js';
import { configProblems as problems } from '../helpers/configProblems.js';

describe('model.penaltyFactors as a Map', () => {
  it('is refused, saying to pass Object.fromEntries(map)', () => {
    const found = problems(() =>
      checkEngineConfig({ model: { family: 'binomial', penaltyFactors: new Map([['age', 0]]) } }),
    );
    expect(found.get('model.penaltyFactors')).toBe(
      'must be an object of feature name → factor >= 0, got a Map: pass Object.fromEntries(map)',
    );
  });

  it('is taken as an object of its entries, __proto__ among them', () => {
    const factors = Object.fromEntries(
      new Map([
        ['age', 0],
        ['__proto__', 2],
      ]),
    );
    const config = checkEngineConfig({ model: { family: 'binomial', penaltyFactors: factors } });
    expect(Object.entries(config.model.penaltyFactors ?? {})).toEqual([
      ['age', 0],
      ['__proto__', 2],
    ]);
  });
});
