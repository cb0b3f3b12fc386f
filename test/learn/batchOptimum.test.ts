import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { OnlineModel } from '../../src/model/onlineModel.js';
import { plantedStream } from '../helpers/streams.js';

interface Fixture {
  family: 'gaussian' | 'binomial';
  seed: number;
  n: number;
  lambda: number;
  l1Ratio: number;
  coefficients: number[];
  intercept: number;
  sd: number[];
}

const fixtures = ['optimum-gaussian-lasso', 'optimum-gaussian-enet', 'optimum-binomial-lasso'].map(
  (name) =>
    [
      name,
      JSON.parse(readFileSync(new URL(`../fixtures/learn/${name}.json`, import.meta.url), 'utf8')) as Fixture,
    ] as const,
);

/** ‖(β − β*)·sd‖ / ‖β*·sd‖: the error on the standardized scale the penalty works on. */
function relativeError(coefficients: Readonly<Record<string, number>>, fx: Fixture): number {
  let num = 0;
  let den = 0;
  fx.coefficients.forEach((ref, j) => {
    const b = coefficients[`x${j}`] ?? 0;
    num += ((b - ref) * fx.sd[j]) ** 2;
    den += (ref * fx.sd[j]) ** 2;
  });
  return Math.sqrt(num / den);
}

describe('on an i.i.d. stream the online learners approach the batch optimum (scikit-learn fixture)', () => {
  for (const [name, fx] of fixtures) {
    const stream = plantedStream(fx.family, fx.seed, fx.n);
    for (const learner of ['ftrl', 'fobos', 'truncated-gradient'] as const) {
      it(`${learner} on ${name} (λ = ${fx.lambda}, α = ${fx.l1Ratio}, one pass over n = ${fx.n})`, () => {
        // the fixtures solve glmnet's standardize = TRUE (every column divided by its sd)
        const model = new OnlineModel({
          family: fx.family,
          learner,
          lambda: fx.lambda,
          l1Ratio: fx.l1Ratio,
          standardize: true,
        });
        let early = NaN;
        stream.rows.forEach((row, i) => {
          model.process(row);
          if (i + 1 === fx.n / 20) early = relativeError(model.snapshot().coefficients, fx);
        });
        const snap = model.snapshot();
        const err = relativeError(snap.coefficients, fx);
        expect(err).toBeLessThan(0.04);
        expect(err).toBeLessThan(early);
        expect(Math.abs(snap.intercept - fx.intercept)).toBeLessThan(0.05);
        const support = fx.coefficients.map((b, j) => [b, j] as const).filter(([b]) => b !== 0);
        for (const [b, j] of support) expect(Math.sign(snap.coefficients[`x${j}`] ?? 0)).toBe(Math.sign(b));
        if (learner === 'ftrl') {
          // FTRL-Proximal is exactly sparse: the same support as the batch optimum.
          expect(Object.keys(snap.coefficients).sort()).toEqual(support.map(([, j]) => `x${j}`).sort());
        } else {
          // FOBOS / truncated gradient leave noise features at small values (see proximalSgd.ts).
          for (const [feature, b] of Object.entries(snap.coefficients)) {
            const j = Number(feature.slice(1));
            if (fx.coefficients[j] === 0) expect(Math.abs(b * fx.sd[j])).toBeLessThan(0.03);
          }
        }
      });
    }
  }
});
