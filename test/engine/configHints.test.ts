/**
 * A setting written in the wrong section is named with the section that knows it, and a number
 * written in quotes is told to drop them (both found by a new user's configuration).
 */
import { describe, expect, it } from 'vitest';

import { checkEngineConfig } from '../../src/index.js';
import { configProblems as problems } from '../helpers/configProblems.js';

describe('configuration problems say where a misplaced setting belongs', () => {
  it('a top-level setting and settings in another section get the section that knows them', () => {
    const found = problems(() =>
      checkEngineConfig({
        keyBy: 'campaign',
        window: 5000,
        refit: { lambda: 0.01 },
        model: { family: 'binomial', everyEvents: 100 },
        drift: { lambda: 1 },
      }),
    );
    expect(found.get('keyBy')).toMatch(/^unknown section; did you mean "model\.keyBy"\? \(known: model, /);
    expect(found.get('window')).toMatch(/^unknown section; did you mean "refit\.window"\?/);
    expect(found.get('refit.lambda')).toMatch(
      /^unknown setting; did you mean "model\.lambda"\? \(known: enabled, /,
    );
    expect(found.get('drift.lambda')).toMatch(/^unknown setting; did you mean "model\.lambda"\?/);
    expect(found.get('model.everyEvents')).toMatch(
      /^unknown setting; did you mean "refit\.everyEvents" or "snapshots\.everyEvents" or "state\.everyEvents"\?/,
    );
  });

  it('a key no section knows, and a typo already guessed, are left as they were', () => {
    const found = problems(() =>
      checkEngineConfig({ model: { family: 'binomial', lamda: 0.1 }, nonsense: 1, refit: { __proto__x: 1 } }),
    );
    expect(found.get('model.lamda')).toMatch(/^unknown setting; did you mean "lambda"\?/);
    expect(found.get('nonsense')).toMatch(/^unknown section \(known: /);
    expect(found.get('refit.__proto__x')).toMatch(/^unknown setting \(known: /);
  });

  it('names are data: __proto__ and constructor are unknown keys everywhere, never rules or hints', () => {
    const doc = JSON.parse(
      '{"model": {"family": "binomial"}, "refit": {"__proto__": {"x": 1}}, "drift": {"__proto__": 1, "constructor": 2, "loss": {"toString": 3}}}',
    ) as unknown;
    const found = problems(() => checkEngineConfig(doc));
    // the drift section looked its rules up in a plain object: __proto__ was "a number in [undefined, undefined]"
    for (const path of ['refit.__proto__', 'drift.__proto__', 'drift.constructor', 'drift.loss.toString']) {
      expect(found.get(path), path).toMatch(/^unknown setting \(known: /);
    }
  });
});

describe('a number in quotes', () => {
  it('is told to drop the quotes where a number is asked for', () => {
    const found = problems(() =>
      checkEngineConfig({
        model: { family: 'binomial', lambda: '0.01', penaltyFactors: { x1: '0' } },
        drift: { support: { enter: '0.05' } },
        replay: { batchSize: '100' },
      }),
    );
    for (const path of ['model.lambda', 'model.penaltyFactors.x1', 'drift.support.enter', 'replay.batchSize'])
      expect(found.get(path), path).toMatch(
        /, got "[0-9.]+": a number in quotes is a string; write it without them$/,
      );
  });

  it('is not told so when the string is no number, or where a string is asked for', () => {
    const found = problems(() =>
      checkEngineConfig({ model: { family: 'binomial', lambda: 'small' }, refit: { serve: '1' } }),
    );
    expect(found.get('model.lambda')).not.toMatch(/quotes/);
    expect(found.get('refit.serve')).not.toMatch(/quotes/);
  });
});
