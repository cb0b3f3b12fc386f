import { describe, expect, it } from 'vitest';

import type { Family } from '../../src/core/event.js';
import { sparseOf } from '../../src/core/sparse.js';
import { createLearner, learnerNames, type PenalizedLearner } from '../../src/learn/factory.js';
import { GRADIENT_OVERFLOW } from '../../src/learn/learner.js';
import { Rng } from '../helpers/random.js';

/** Learns 3,000 seeded events with `weightOf(i)` (undefined: no weight); returns the coefficients. */
function learn(learner: PenalizedLearner, family: Family, weightOf: (i: number) => number | undefined) {
  const rng = new Rng(7);
  for (let i = 0; i < 3000; i++) {
    const pairs = new Map<number, number>();
    for (let m = 1 + rng.int(6); m > 0; m--) pairs.set(rng.int(30), rng.normal());
    const eta = (pairs.get(1) ?? 0) - 0.5 * (pairs.get(2) ?? 0);
    const y = family === 'binomial' ? (rng.next() < 1 / (1 + Math.exp(-eta)) ? 1 : 0) : eta + rng.normal();
    const w = weightOf(i);
    if (w === undefined) learner.learnOne(sparseOf([...pairs]), y);
    else learner.learnOne(sparseOf([...pairs]), y, w);
    if (i === 1500) {
      // through a checkpoint, which keeps the weights' sum
      const copy = createLearner(learner.name as 'ftrl', family, learner.lambda, learner.l1Ratio);
      copy.restore(learner.state());
      learner.restore(copy.state());
    }
  }
  const out: Array<[number, number]> = [[-1, learner.intercept()]];
  learner.forEachNonZero((j, v) => out.push([j, v]));
  return out;
}

describe('event weights are relative to their running mean (README "Online learners")', () => {
  for (const name of learnerNames)
    for (const family of ['binomial', 'gaussian'] as const) {
      const make = () => createLearner(name, family, 0.005, 0.8);
      it(`${name}, ${family}: a weight of 10 on every event learns exactly what no weight learns`, () => {
        const plain = learn(make(), family, () => undefined);
        expect(plain.length).toBeGreaterThan(2);
        expect(learn(make(), family, () => 10)).toEqual(plain);
        // 0.1 is not a binary fraction: the mean is 0.1 to rounding
        const tenth = learn(make(), family, () => 0.1);
        expect(tenth.map(([j]) => j)).toEqual(plain.map(([j]) => j));
        tenth.forEach(([, v], k) => expect(Math.abs(v - plain[k][1])).toBeLessThan(1e-12));
      });
      it(`${name}, ${family}: unequal weights still weight, and only their ratios matter`, () => {
        const plain = learn(make(), family, () => undefined);
        const uneven = learn(make(), family, (i) => (i % 3 === 0 ? 3 : 1));
        expect(uneven).not.toEqual(plain);
        expect(learn(make(), family, (i) => (i % 3 === 0 ? 12 : 4))).toEqual(uneven);
      });
    }
});

describe('the sum of the weights', () => {
  it('an event whose weight would make it infinite is refused and changes nothing', () => {
    const learner = createLearner('ftrl', 'binomial', 0.005, 1);
    const x = sparseOf([[0, 1]]);
    learner.learnOne(x, 1, 1e308);
    learner.learnOne(x, 0, 1e307);
    const before = learner.state();
    expect(learner.checkUpdate(x, 0, 1e308)).toBe(GRADIENT_OVERFLOW);
    expect(learner.state()).toEqual(before);
  });
});
