import { describe, expect, it } from 'vitest';

import { ConfigError, DataError, NumericError } from '../../src/core/errors.js';
import { sparseOf } from '../../src/core/sparse.js';
import { createLearner, learnerNames, type LearnerName } from '../../src/learn/factory.js';
import { Fobos } from '../../src/learn/fobos.js';
import { Ftrl } from '../../src/learn/ftrl.js';
import { TruncatedGradient } from '../../src/learn/truncatedGradient.js';

/** The problems' paths of the ConfigError `make` throws (fails the test if it throws none). */
function problemPaths(make: () => unknown): string[] {
  try {
    make();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.map((p) => p.path);
  }
  throw new Error('no ConfigError');
}

describe('learners built directly check their hyperparameters', () => {
  it('FTRL names every bad one at once', () => {
    const paths = problemPaths(
      () => new Ftrl({ family: 'binomial', lambda: NaN, l1Ratio: 0, alpha: 0, beta: -1 }),
    );
    expect(paths).toEqual(['ftrl.lambda', 'ftrl.l1Ratio', 'ftrl.alpha', 'ftrl.beta']);
    expect(() => new Ftrl({ family: 'binomial', lambda: NaN })).toThrow(
      /ftrl\.lambda: must be a finite number >= 0, got NaN/,
    );
    expect(problemPaths(() => new Ftrl({ family: 'poisson' as never, lambda: Infinity }))).toEqual([
      'ftrl.family',
      'ftrl.lambda',
    ]);
  });

  it('FOBOS and truncated gradient check their rates, K and θ', () => {
    expect(
      problemPaths(() => new Fobos({ family: 'gaussian', lambda: -1, rates: { eta0: 0, delta: NaN } })),
    ).toEqual(['fobos.lambda', 'fobos.rates.eta0', 'fobos.rates.delta']);
    expect(
      problemPaths(
        () => new TruncatedGradient({ family: 'gaussian', lambda: 0.1, truncateEvery: 2.5, theta: NaN }),
      ),
    ).toEqual(['truncated-gradient.truncateEvery', 'truncated-gradient.theta']);
  });

  it('names keys they do not read, with the key meant (from JavaScript, l1ratio left the lasso of l1Ratio 1)', () => {
    const js = <T>(o: object) => o as T;
    expect(problemPaths(() => new Ftrl(js({ family: 'binomial', lamda: 0.1 })))).toEqual([
      'ftrl.lamda',
      'ftrl.lambda',
    ]);
    let message = '';
    try {
      new Fobos(js({ family: 'binomial', lambda: 0.1, l1ratio: 0.5, rates: { eta: 0.1 } }));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('fobos.l1ratio: unknown setting; did you mean "l1Ratio"?');
    expect(message).toContain('fobos.rates.eta: unknown setting; did you mean "eta0"?');
    expect(
      problemPaths(() => new TruncatedGradient(js({ family: 'binomial', lambda: 0.1, gravity: 1 }))),
    ).toEqual(['truncated-gradient.gravity']);
    // FOBOS took K and θ and overwrote them with 1 and ∞: now refused, naming the learner that reads them
    let fobos: ConfigError | undefined;
    try {
      new Fobos(js({ family: 'gaussian', lambda: 0.1, truncateEvery: 'x', theta: 0.5 }));
    } catch (e) {
      fobos = e as ConfigError;
    }
    expect(fobos?.problems).toEqual([
      {
        path: 'fobos.truncateEvery',
        message:
          'not read by FOBOS, which applies the penalty at every step to every coefficient (K = 1, θ = ∞); for another K use TruncatedGradient (learner "truncated-gradient")',
      },
      {
        path: 'fobos.theta',
        message:
          'not read by FOBOS, which applies the penalty at every step to every coefficient (K = 1, θ = ∞); for another θ use TruncatedGradient (learner "truncated-gradient")',
      },
    ]);
    // a key one learner does not read is named once, not checked as if it did
    expect(
      problemPaths(() => new Ftrl(js({ family: 'binomial', lambda: 0.1, rates: { eta0: -1 } }))),
    ).toEqual(['ftrl.rates']);
    expect(
      () => new TruncatedGradient({ family: 'binomial', lambda: 0.1, truncateEvery: 10, theta: 0.5 }),
    ).not.toThrow();
    // what the engine builds passes
    for (const name of learnerNames) expect(() => createLearner(name, 'binomial', 0.01, 0.5)).not.toThrow();
  });

  it('accepts the edges the engine accepts (λ = 0, l1Ratio 1, β = 0, θ = ∞)', () => {
    expect(() => new Ftrl({ family: 'binomial', lambda: 0, l1Ratio: 1, beta: 0 })).not.toThrow();
    expect(() => new TruncatedGradient({ family: 'binomial', lambda: 0, theta: Infinity })).not.toThrow();
  });

  it('createLearner names a misspelled key of the hyperparameters of the learner it makes (its default was used)', () => {
    const js = <T>(o: object) => o as T;
    let error: ConfigError | undefined;
    try {
      createLearner('ftrl', 'binomial', 0.01, 1, js({ ftrl: { alhpa: 0.5, beta: 1 } }));
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error?.problems.map((p) => p.path)).toEqual(['ftrl.alhpa']);
    expect(error?.problems[0]!.message).toMatch(/^unknown setting; did you mean "alpha"\?/);
    expect(
      problemPaths(() =>
        createLearner('truncated-gradient', 'binomial', 0.01, 1, js({ truncatedGradient: { thta: 0.5 } })),
      ),
    ).toEqual(['truncatedGradient.thta']);
    expect(
      createLearner('truncated-gradient', 'binomial', 0.01, 1, { truncatedGradient: { theta: 0.5 } }),
    ).toMatchObject({ theta: 0.5 });
    expect(createLearner('ftrl', 'binomial', 0.01, 1, { ftrl: { alpha: 0.5 } })).toMatchObject({
      alpha: 0.5,
    });
  });

  it('createLearner names an unknown learner', () => {
    expect(() => createLearner('sgd' as LearnerName, 'binomial', 0.01, 1)).toThrow(
      /learner: must be "ftrl", "fobos", "truncated-gradient", got "sgd"/,
    );
  });
});

describe.each(learnerNames)('learnOne of %s on a non-finite event', (name) => {
  for (const family of ['gaussian', 'binomial'] as const) {
    it(`${family}: throws a NumericError and learns nothing`, () => {
      const learner = createLearner(name, family, 0.01, 1);
      const ok = sparseOf([
        [0, 1],
        [3, -0.5],
      ]);
      for (let i = 0; i < 20; i++) learner.learnOne(ok, i % 2);
      const before = JSON.stringify([
        learner.steps,
        learner.intercept(),
        learner.coefficient(0),
        learner.coefficient(3),
      ]);
      const cases: Array<[ReturnType<typeof sparseOf>, number, number]> = [
        [sparseOf([[0, NaN]]), 1, 1],
        [ok, NaN, 1],
        [ok, 1, NaN],
        [
          sparseOf([
            [5, 1e308],
            [6, 1e308],
          ]),
          1,
          1,
        ],
      ];
      for (const [x, y, w] of cases) {
        expect(() => learner.learnOne(x, y, w)).toThrow(NumericError);
        expect(
          JSON.stringify([
            learner.steps,
            learner.intercept(),
            learner.coefficient(0),
            learner.coefficient(3),
          ]),
        ).toBe(before);
      }
      expect(() => learner.learnOne(sparseOf([[0, NaN]]), 1)).toThrow(/learnOne: the margin is NaN/);
      learner.learnOne(ok, 1);
      expect(Number.isFinite(learner.intercept())).toBe(true);
    });
  }
});

describe.each(learnerNames)('learnOne of %s on a label or weight out of range', (name) => {
  it('throws a DataError, learns nothing, and takes the edges', () => {
    const binomial = createLearner(name, 'binomial', 0.01, 1);
    const gaussian = createLearner(name, 'gaussian', 0.01, 1);
    const x = sparseOf([[0, 1]]);
    for (const learner of [binomial, gaussian]) learner.learnOne(x, 1);
    const before = JSON.stringify([binomial.steps, binomial.intercept(), binomial.coefficient(0)]);
    expect(() => binomial.learnOne(x, 2)).toThrow(/a binomial label must be 0 or 1, got 2/);
    expect(() => binomial.checkUpdate(x, 0.5)).toThrow(DataError);
    expect(() => binomial.learnOne(x, -1)).toThrow(/got -1 \(for labels -1\/\+1, pass \(y \+ 1\) \/ 2\)/);
    expect(() => binomial.learnOne(x, 1, -2)).toThrow(/the weight must be >= 0, got -2/);
    expect(() => gaussian.learnOne(x, 1, -0.5)).toThrow(DataError);
    expect(JSON.stringify([binomial.steps, binomial.intercept(), binomial.coefficient(0)])).toBe(before);
    // a gaussian label of any size, a weight of 0, and NaN (a NumericError, as before) are not its concern
    expect(gaussian.learnOne(x, 250, 0)).toBeTypeOf('number');
    expect(() => binomial.learnOne(x, NaN)).toThrow(NumericError);
    binomial.learnOne(x, 0);
    expect(binomial.steps).toBe(2);
  });
});
