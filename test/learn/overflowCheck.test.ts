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
      ['weight 1e300', { x: sparseOf([[3, 1.5]]), y: 1, weight: 1e300 }, [0, GRADIENT_OVERFLOW]],
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
