/**
 * `new OnlineModel(options)` from plain JavaScript: an l1Ratio outside (0, 1] was refused by the
 * learner under its derived value (`ftrl.l1Ratio: ... got 4.999999999999999` for 5), or not at all
 * until λ "auto" was chosen, and a negative or NaN penalty factor, or a Map of them, was taken
 * without a word. Each is a ConfigError naming the option as given.
 */
import { describe, expect, it } from 'vitest';

import { ConfigError } from '../../src/core/errors.js';
import { OnlineModel, type OnlineModelOptions } from '../../src/model/onlineModel.js';
import { configProblems as problems } from '../helpers/configProblems.js';

const fromJs = (options: unknown) => () => new OnlineModel(options as OnlineModelOptions);

describe('OnlineModel options no learner sees as given', () => {
  it('refuses an l1Ratio outside (0, 1], as given', () => {
    expect(fromJs({ family: 'binomial', lambda: 0.005, l1Ratio: 5 })).toThrow(ConfigError);
    expect(problems(fromJs({ family: 'binomial', lambda: 0.005, l1Ratio: 5 }))).toEqual(
      new Map([['l1Ratio', 'must be a number in (0, 1] (1: lasso), got 5']]),
    );
    expect(problems(fromJs({ family: 'gaussian', l1Ratio: 0 })).get('l1Ratio')).toBe(
      'must be a number in (0, 1] (1: lasso), got 0',
    );
    expect(problems(fromJs({ family: 'gaussian', l1Ratio: '0.5' })).get('l1Ratio')).toMatch(
      /got "0.5": a number in quotes is a string; write it without them$/,
    );
  });

  it('refuses a labelWarmup that is negative or not whole', () => {
    for (const bad of [-5, 2.5, '100'])
      expect(problems(fromJs({ family: 'gaussian', labelWarmup: bad })).get('labelWarmup')).toMatch(
        /^must be a whole number >= 0 \(0: none\), got /,
      );
    expect(
      new OnlineModel({ family: 'gaussian', labelWarmup: 0 }).process({ label: 1, features: {} }).labelled,
    ).toBe(true);
  });

  it('refuses a penalty factor that is negative or not a number, and a Map of them', () => {
    const factors = JSON.parse('{"x": -1, "__proto__": "a"}') as Record<string, number>;
    const found = problems(fromJs({ family: 'binomial', penaltyFactors: factors }));
    expect(found.get('penaltyFactors.x')).toBe('must be a finite number >= 0, got -1');
    expect(found.get('penaltyFactors.__proto__')).toBe('must be a finite number >= 0, got "a"');
    expect(
      problems(fromJs({ family: 'binomial', penaltyFactors: new Map([['x', 0]]) })).get('penaltyFactors'),
    ).toBe('must be an object of feature name → factor >= 0, got a Map: pass Object.fromEntries(map)');
  });

  it('takes valid options, __proto__ among the penalty factors', () => {
    const factors = JSON.parse('{"x": 0, "__proto__": 2}') as Record<string, number>;
    const model = new OnlineModel({
      family: 'binomial',
      lambda: 0.01,
      l1Ratio: 0.5,
      penaltyFactors: factors,
    });
    expect(model.process({ label: 1, features: { x: 1 } }).labelled).toBe(true);
  });
});

describe('OnlineModel options checked as the model section is', () => {
  it('refuses a misspelled option, naming the one it meant', () => {
    const found = problems(fromJs({ family: 'binomial', lamda: 0.1, hashbits: 10 }));
    expect(found.get('lamda')).toMatch(/^unknown setting; did you mean "lambda"\?/);
    expect(found.get('hashbits')).toMatch(/^unknown setting; did you mean "hashBits"\?/);
  });

  it('refuses options of the wrong type or out of range, every one at once', () => {
    const found = problems(
      fromJs({
        family: 'binomial',
        lambda: '0.1',
        maxFeatures: 'x',
        standardize: 'yes',
        center: 'no',
        key: 5,
        aucSample: -1,
        learner: 'sgd',
        clock: 3,
        keyField: 7,
      }),
    );
    expect([...found.keys()].sort()).toEqual(
      [
        'lambda',
        'maxFeatures',
        'standardize',
        'center',
        'key',
        'aucSample',
        'learner',
        'clock',
        'keyField',
      ].sort(),
    );
    expect(found.get('lambda')).toBe(
      'must be a number >= 0 or "auto", got "0.1": a number in quotes is a string; write it without them',
    );
    expect(found.get('maxFeatures')).toBe('must be a finite number, got "x"');
    expect(problems(fromJs({ family: 'binomial', maxFeatures: 2.5 })).get('maxFeatures')).toBe(
      'must be a whole number, got 2.5',
    );
    expect(problems(fromJs({ family: 'poisson' })).get('family')).toBe(
      'must be "gaussian" or "binomial", got "poisson"',
    );
    expect(problems(fromJs(null)).get('options')).toBe('must be an object with at least "family", got null');
  });

  it('takes the options a keyed engine passes (keyBy, maxLiveModels, clock, keyField)', () => {
    const model = new OnlineModel({
      family: 'binomial',
      lambda: 0.01,
      center: false,
      clock: () => new Date(0),
      keyField: 'segment',
      ...({ keyBy: 'segment', maxLiveModels: 10 } as object),
    });
    expect(model.process({ label: 1, features: { x: 1, segment: 'a' } }).labelled).toBe(true);
  });
});
