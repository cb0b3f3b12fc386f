import { describe, expect, it } from 'vitest';

import { NumericError } from '../../src/core/errors.js';
import { sparseOf, type SparseVector } from '../../src/core/sparse.js';
import { createLearner, learnerNames, type PenalizedLearner } from '../../src/learn/factory.js';
import { GRADIENT_OVERFLOW, MARGIN_OVERFLOW, UPDATE_FINITE } from '../../src/learn/learner.js';
import { Rng } from '../helpers/random.js';

/** Events on 30 columns, values of order 1 (standardized inputs), labels 0/1 (both families learn them). */
function events(seed: number, n: number): Array<{ x: SparseVector; y: number; weight: number }> {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const pairs = new Map<number, number>();
    for (let k = 0; k < 1 + rng.int(5); k++) pairs.set(rng.int(30), rng.normal());
    return { x: sparseOf([...pairs]), y: rng.next() < 0.4 ? 1 : 0, weight: 1 + rng.int(2) };
  });
}

/** What a learner has learned, as its reads give it: intercept and every coefficient. */
function weights(l: PenalizedLearner): number[] {
  return [l.intercept(), ...Array.from({ length: 40 }, (_, j) => l.coefficient(j))];
}

const finite = (values: Iterable<number>) => [...values].every((v) => Number.isFinite(v));

/** True when every number of the learner's state is finite. */
function finiteState(l: PenalizedLearner): boolean {
  const s = l.state();
  return finite(Object.values(s.scalars)) && Object.values(s.arrays).every((a) => finite(a));
}

describe.each(learnerNames)('checkUpdate, the pre-check of learnOne: %s', (name) => {
  for (const family of ['gaussian', 'binomial'] as const) {
    const make = () => createLearner(name, family, 0.01, 0.7, { truncatedGradient: { truncateEvery: 3 } });

    it(`${family}: on ordinary events it finds the update finite, and learnChecked learns what learnOne learns, bit for bit`, () => {
      const a = make();
      const b = make();
      for (const { x, y, weight } of events(1, 300)) {
        expect(b.checkUpdate(x, y, weight)).toBe(UPDATE_FINITE);
        const margin = b.checkedMargin;
        b.learnChecked();
        expect(margin).toBe(a.learnOne(x, y, weight));
      }
      expect(weights(b)).toEqual(weights(a));
      expect(b.state()).toEqual(a.state());
    });

    // each would make the state non-finite: learnOne takes it, checkUpdate refuses it and changes nothing
    const extreme: Array<[string, { x: SparseVector; y: number; weight: number }, number[]]> = [
      [
        'a feature of 1e200 (new column)',
        {
          x: sparseOf([
            [2, 0.5],
            [35, 1e200],
          ]),
          y: 0,
          weight: 1,
        },
        [1],
      ],
      [
        'a feature of 1e200 (known column)',
        { x: sparseOf([[3, 1e200]]), y: 0, weight: 1 },
        [0, MARGIN_OVERFLOW],
      ],
    ];
    if (family === 'gaussian')
      extreme.push([
        'label 1e200',
        {
          x: sparseOf([
            [3, 1],
            [4, -1],
          ]),
          y: 1e200,
          weight: 1,
        },
        [0, 1],
      ]);
    it(`${family}: a weight of 1e300 counts as the t + 1 events learned with it, no more; one that makes the sum of weights infinite is refused`, () => {
      const stream = events(2, 200);
      const heavy = make();
      const reference = make();
      for (const { x, y, weight } of stream) {
        heavy.learnOne(x, y, weight);
        reference.learnOne(x, y, weight);
      }
      // the mean with the event in it is 1e300 / 201: the event weighs 201 means of the rest
      const sum = stream.reduce((s, e) => s + e.weight, 0);
      const x = sparseOf([[3, 1.5]]);
      expect(heavy.checkUpdate(x, 1, 1e300)).toBe(UPDATE_FINITE);
      heavy.learnChecked();
      // 1e200 is as heavy: 201 · 1e200 / (sum + 1e200) rounds to 201 too
      expect(sum).toBeLessThan(1e3);
      reference.learnOne(x, 1, 1e200);
      expect(finiteState(heavy)).toBe(true);
      expect(weights(heavy)).toEqual(weights(reference));
      // weights of 1e308 twice: their sum overflows
      const overflow = make();
      overflow.learnOne(x, 1, 1e308);
      const learned = weights(overflow);
      expect(overflow.checkUpdate(x, 0, 1e308)).toBe(GRADIENT_OVERFLOW);
      expect(() => overflow.learnOne(x, 0, 1e308)).toThrow(NumericError);
      expect(weights(overflow)).toEqual(learned);
      expect(finiteState(overflow)).toBe(true);
    });

    it(`${family}: a tiny first weight, or events of weight 0 first, do not blow up the next events' steps (only ratios of weights matter)`, () => {
      // a planted model: y = 1.5·x1 − x2 (+ noise), or its logistic draw
      const rng = new Rng(71);
      const labelled = Array.from({ length: 3000 }, () => {
        const a = rng.normal();
        const b = rng.normal();
        const eta = 1.5 * a - b;
        const u = rng.next();
        const y = family === 'binomial' ? (u < 1 / (1 + Math.exp(-eta)) ? 1 : 0) : eta + 0.3 * rng.normal();
        const x = sparseOf([
          [1, a],
          [2, b],
        ]);
        return { x, y };
      });
      // a small λ: 2,000 events of weight 0 before the others add 2,000 events' penalty
      const light = () => createLearner(name, family, 1e-5, 1, { truncatedGradient: { truncateEvery: 3 } });
      const tiny = light();
      const zeros = light();
      const plain = light();
      for (let i = 0; i < 2000; i++) zeros.learnOne(labelled[i].x, labelled[i].y, 0);
      labelled.forEach(({ x, y }, i) => {
        tiny.learnOne(x, y, i === 0 ? 1e-8 : 1);
        zeros.learnOne(x, y, 1);
        plain.learnOne(x, y, 1);
      });
      const b = weights(plain);
      for (const a of [weights(tiny), weights(zeros)]) {
        // (weights() lists the intercept first) the first events' own steps are the only difference left
        expect(Math.abs(a[2] - b[2])).toBeLessThan(0.05 * Math.abs(b[2]));
        expect(Math.abs(a[3] - b[3])).toBeLessThan(0.05 * Math.abs(b[3]));
        expect(Math.sign(a[2])).toBe(1);
        expect(Math.sign(a[3])).toBe(-1);
      }
    });

    it(`${family}: a checkpoint from before the count of weighted events was kept restores it from its weight sum`, () => {
      const stream = events(4, 40);
      for (const weightOf of [() => 0, (i: number) => stream[i].weight]) {
        const a = make();
        stream.forEach(({ x, y }, i) => a.learnOne(x, y, weightOf(i)));
        const state = a.state();
        const { weightedEvents, ...older } = state.scalars;
        expect(weightedEvents).toBe(weightOf(0) === 0 ? 0 : 40);
        const fromNew = make();
        fromNew.restore(state);
        const fromOld = make();
        fromOld.restore({ ...state, scalars: older });
        for (const { x, y, weight } of stream.slice(0, 5)) {
          fromNew.learnOne(x, y, weight);
          fromOld.learnOne(x, y, weight);
        }
        expect(weights(fromOld)).toEqual(weights(fromNew));
      }
    });

    for (const [what, bad, where] of extreme) {
      it(`${family}, ${what}: checkUpdate says where it overflows and the event leaves no trace`, () => {
        const stream = events(2, 400);
        const before = stream.slice(0, 200);
        const after = stream.slice(200);
        const checked = make();
        const clean = make();
        const unchecked = make();
        for (const { x, y, weight } of before) {
          checked.learnOne(x, y, weight);
          clean.learnOne(x, y, weight);
          unchecked.learnOne(x, y, weight);
        }
        expect(where).toContain(checked.checkUpdate(bad.x, bad.y, bad.weight));
        expect(() => checked.learnChecked()).toThrow(
          /learnChecked needs a checkUpdate that found the update finite/,
        );
        expect(weights(checked)).toEqual(weights(clean));
        for (const { x, y, weight } of after)
          expect(checked.learnOne(x, y, weight)).toBe(clean.learnOne(x, y, weight));
        expect(weights(checked)).toEqual(weights(clean));
        expect(finiteState(checked)).toBe(true);
        // learnOne refuses the same event (it checks as checkUpdate does), and learns nothing
        const learned = weights(unchecked);
        expect(() => unchecked.learnOne(bad.x, bad.y, bad.weight)).toThrow(NumericError);
        expect(weights(unchecked)).toEqual(learned);
        expect(finiteState(unchecked)).toBe(true);
      });
    }
  }
});
