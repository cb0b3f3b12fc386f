/**
 * The batch solver's entry points called from plain JavaScript with misspelled options or values
 * of the wrong kind: they used to be ignored (`{ lamda: 0.1 }` in solvePath, `kkt_tolerance` in
 * solveAt, `fold: 5` in crossValidate) or read as something else (`l1Ratio: "0.5"` passed the
 * range check as a string). Each is refused, every problem named at once.
 */
import { describe, expect, it } from 'vitest';

import { adaptiveLasso, adaptiveWeights } from '../../src/solve/adaptive.js';
import { crossValidate } from '../../src/solve/cv.js';
import { DenseDesign } from '../../src/solve/design.js';
import { checkKkt } from '../../src/solve/kkt.js';
import { objectiveValue } from '../../src/solve/objective.js';
import { checkOptions, OPTION_CHECKS } from '../../src/solve/options.js';
import { prepareProblem } from '../../src/solve/problem.js';
import { solvePath } from '../../src/solve/path.js';
import { solveAt } from '../../src/solve/solve.js';

const rows: number[][] = [];
const y: number[] = [];
for (let i = 0; i < 40; i++) {
  const a = Math.sin(i * 1.7);
  const b = Math.cos(i * 0.9);
  rows.push([a, b, (i % 3) - 1]);
  y.push(2 * a - b + 0.1 * Math.sin(i * 7.3));
}
const x = DenseDesign.fromRows(rows);
/** Options as plain JavaScript would pass them. */
const js = <T>(o: object) => o as T;

describe('options the batch solver does not read', () => {
  it('are refused with the key they most likely meant', () => {
    expect(() => solveAt(x, y, js({ lambda: 0.1, kkt_tolerance: 1e-4 }))).toThrow(
      /solveAt: an option is wrong:\n {2}"kkt_tolerance": unknown option; did you mean "kktTolerance"\?/,
    );
    expect(() => solvePath(x, y, js({ nlambda: 10 }))).toThrow(
      /"nlambda": unknown option; did you mean "nLambda"\?/,
    );
    expect(() => crossValidate(x, y, js({ fold: 5 }))).toThrow(
      /"fold": unknown option; did you mean "folds"/,
    );
    expect(() => adaptiveLasso(x, y, js({ gama: 2 }))).toThrow(
      /"gama": unknown option; did you mean "gamma"\?/,
    );
  });

  it('name every problem at once, and names that are data stay data', () => {
    let message = '';
    try {
      solvePath(x, y, js({ lamdas: [0.1], standardize: 'yes', maxPasses: 2.5, ['__proto__']: 1 }));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.split('\n')).toEqual([
      'solvePath: options are wrong:',
      expect.stringMatching(/^ {2}"lamdas": unknown option; did you mean "lambdas"\?/),
      '  standardize must be true, false, "auto", got "yes"',
      '  maxPasses must be a whole number >= 1, got 2.5',
      expect.stringMatching(/^ {2}"__proto__": unknown option \(known: /),
    ]);
  });

  it('refuse values of the wrong kind that the range checks let through', () => {
    expect(() => solvePath(x, y, js({ l1Ratio: '0.5' }))).toThrow('l1Ratio must be a number, got "0.5"');
    expect(() => solveAt(x, y, js({ lambda: 0.1, start: [0, 0, 0] }))).toThrow(
      'start must be { intercept, coefficients }',
    );
    expect(() => crossValidate(x, y, js({ onProgress: true }))).toThrow(
      'onProgress must be a function, got true',
    );
    expect(() => solveAt(x, y, js({ lambda: 0.1, wasm: 'no' }))).toThrow(
      'wasm must be true or false, got "no"',
    );
    expect(() => solveAt(x, y, js({ lambda: 0.1, family: 'poisson' }))).toThrow(
      'family must be "gaussian", "binomial", got "poisson"',
    );
    expect(() => solvePath(x, y, js(['lambdas']))).toThrow('solvePath: options must be an object');
    expect(() => solveAt(x, y, js(undefined as unknown as object))).toThrow(
      'options with lambda are required',
    );
  });

  it('accept every option each entry point documents, and undefined as not given', () => {
    const fit = solveAt(x, y, {
      lambda: 0.05,
      family: 'gaussian',
      standardize: undefined,
      kktTolerance: 1e-8,
    });
    expect(fit.converged).toBe(true);
    const cv = crossValidate(x, y, { folds: 4, seed: 3, nLambda: 12, onProgress: () => {} });
    expect(cv.path.fits.length).toBeGreaterThan(0);
    // adaptive passes its options on to cross-validation and a path, each without the keys it does not read
    const adaptive = adaptiveLasso(x, y, { folds: 4, nLambda: 12, gamma: 1 });
    expect(adaptive.path.fits.length).toBeGreaterThan(0);
    expect(adaptiveWeights(x, y, { folds: 4, nLambda: 12, gamma: 0.5 }).penaltyFactors.length).toBe(3);
    // the table covers the interfaces: a path's and a fit's options are the solver's and their own
    for (const key of Object.keys(OPTION_CHECKS.solvePath))
      expect(() => checkOptions('crossValidate', { [key]: undefined })).not.toThrow();
    expect(Object.keys(OPTION_CHECKS.solveAt)).toEqual(
      expect.arrayContaining(['lambda', 'start', 'rareMoves', 'tailSweeps', 'profileSingletons']),
    );
  });
});

describe('prepareProblem from JavaScript', () => {
  it('refuses options it does not read (it standardized with standardise: false)', () => {
    expect(() => prepareProblem(x, y, js({ standardise: false, famly: 'binomial' }))).toThrow(
      /prepareProblem: options are wrong:\n {2}"standardise": unknown option; did you mean "standardize"\?.*\n {2}"famly": unknown option; did you mean "family"\?/,
    );
    expect(prepareProblem(x, y, { standardize: false }).scale[0]).toBe(1);
  });
});

describe('objectiveValue and checkKkt from JavaScript', () => {
  it('refuse options no solver entry point reads, and take a fit’s options as they are', () => {
    const opts = { lambda: 0.05, family: 'gaussian', standardize: true } as const;
    const fit = solveAt(x, y, opts);
    expect(() => objectiveValue(x, y, fit, 0.05, js({ standardise: false }))).toThrow(
      /objectiveValue: an option is wrong:\n {2}"standardise": unknown option; did you mean "standardize"\?/,
    );
    expect(() => checkKkt(x, y, fit, 0.05, js({ l1ratio: 0.5 }))).toThrow(
      /checkKkt: an option is wrong:\n {2}"l1ratio": unknown option; did you mean "l1Ratio"\?/,
    );
    expect(objectiveValue(x, y, fit, 0.05, opts).objective).toBeCloseTo(fit.objective, 12);
    expect(checkKkt(x, y, fit, 0.05, opts).maxViolation).toBeLessThan(1e-6);
  });
});

describe('solver options out of range', () => {
  it('are named together with the other problems, each with its range (they came one at a time, after the kinds)', () => {
    let message = '';
    try {
      solvePath(x, y, {
        family: 'poisson',
        l1Ratio: -1,
        nLambda: 0,
        lambdaMinRatio: 5,
        kktTolerance: 1,
      } as never);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.split('\n')).toEqual([
      'solvePath: options are wrong:',
      '  family must be "gaussian", "binomial", got "poisson"',
      '  l1Ratio must be in (0, 1], got -1',
      '  nLambda must be a whole number >= 1, got 0',
      '  lambdaMinRatio must be in (0, 1), got 5',
      '  kktTolerance must be in (0, 1), got 1',
    ]);
    expect(() => crossValidate(x, y, { folds: 1, tolerance: 0 } as never)).toThrow(
      'crossValidate: options are wrong:\n  folds must be a whole number >= 2, got 1\n  tolerance must be a number > 0, got 0',
    );
  });
});
