import { describe, expect, it } from 'vitest';

import { sparseOf } from '../../src/core/sparse.js';
import { Ftrl } from '../../src/learn/ftrl.js';
import { Rng } from '../helpers/random.js';

/** What `forEachNonZero` reports. */
function nonZero(learner: Ftrl): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  learner.forEachNonZero((j, w) => out.push([j, w]));
  return out;
}

/** The reference: every coordinate's `coefficient`, in index order. */
function scan(learner: Ftrl, dimension: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let j = 0; j < dimension; j++) {
    const w = learner.coefficient(j);
    if (w !== 0) out.push([j, w]);
  }
  return out;
}

describe('FTRL forEachNonZero between updates (the candidates kept from call to call)', () => {
  it('reports what a scan of every coordinate reports, through hand-backs, penalty factors and restores', () => {
    const rng = new Rng(21);
    const D = 3000;
    const learner = new Ftrl({ family: 'binomial', lambda: 1e-3 });
    let max = 0;
    for (let i = 1; i <= 6000; i++) {
      // a few popular coordinates and a long tail, so weights enter, leave and come back
      const pairs = new Map<number, number>();
      for (let m = 1 + rng.int(8); m > 0; m--) {
        const j = rng.next() < 0.5 ? rng.int(20) : rng.int(D);
        pairs.set(j, rng.next() < 0.5 ? 1 : rng.normal());
        max = Math.max(max, j + 1);
      }
      const y = rng.next() < 1 / (1 + Math.exp(-(pairs.get(3) ?? 0) + (pairs.get(7) ?? 0))) ? 1 : 0;
      learner.learnOne(sparseOf([...pairs]), y);
      if (i % 97 === 0) expect(nonZero(learner)).toEqual(scan(learner, max));
      if (i === 2000) {
        // a refit handed back: weights set anywhere
        learner.assignWeights(0.1, Int32Array.from([5, 2500, 2999]), Float64Array.from([0.5, -0.25, 1]));
        expect(nonZero(learner)).toEqual(scan(learner, max));
      }
      if (i === 3000) learner.setPenaltyFactor(3, 0);
      if (i === 4000) {
        const copy = new Ftrl({ family: 'binomial', lambda: 1e-3 });
        copy.setPenaltyFactor(3, 0);
        copy.restore(learner.state());
        learner.restore(copy.state());
      }
    }
    expect(nonZero(learner).length).toBeGreaterThan(4);
  });

  it('lists no coordinate an update leaves at 0 yet misses none, checked after every update', () => {
    // a weight that is non-zero one step after its update must be reported at that very step
    const rng = new Rng(5);
    const learner = new Ftrl({ family: 'binomial', lambda: 5e-3 });
    learner.forEachNonZero(() => undefined);
    for (let i = 1; i <= 3000; i++) {
      const pairs = new Map<number, number>();
      for (let m = 1 + rng.int(6); m > 0; m--) pairs.set(rng.int(40), rng.normal());
      const y = rng.next() < 1 / (1 + Math.exp(-(pairs.get(1) ?? 0))) ? 1 : 0;
      learner.learnOne(sparseOf([...pairs]), y);
      expect(nonZero(learner)).toEqual(scan(learner, 40));
    }
    expect(nonZero(learner).length).toBeGreaterThan(0);
  });
});

describe('FTRL update with the candidates kept', () => {
  it('learns bit for bit what a learner whose non-zeros are never asked for learns', () => {
    // the update has two loops (listing the candidates or not): they must do the same arithmetic
    const rng = new Rng(8);
    const asked = new Ftrl({ family: 'binomial', lambda: 2e-3, l1Ratio: 0.7 });
    const never = new Ftrl({ family: 'binomial', lambda: 2e-3, l1Ratio: 0.7 });
    for (const l of [asked, never]) l.setPenaltyFactor(2, 0.5);
    asked.forEachNonZero(() => undefined);
    for (let i = 1; i <= 4000; i++) {
      const pairs = new Map<number, number>();
      for (let m = 1 + rng.int(6); m > 0; m--) pairs.set(rng.int(60), rng.next() < 0.5 ? 1 : rng.normal());
      const y = rng.next() < 1 / (1 + Math.exp(-(pairs.get(2) ?? 0))) ? 1 : 0;
      const x = sparseOf([...pairs]);
      expect(asked.learnOne(x, y)).toBe(never.learnOne(x, y));
      if (i % 50 === 0) asked.forEachNonZero(() => undefined);
    }
    const a = asked.state();
    const b = never.state();
    expect(a.arrays).toEqual(b.arrays);
    expect(a.scalars).toEqual(b.scalars);
  });
});
