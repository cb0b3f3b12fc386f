/**
 * The Featurizer's and the vocabularies' options from plain JavaScript: `new Featurizer({ hashbits:
 * 10 })` made an exact vocabulary without a word, and a bound that is not a number was taken
 * (`new ExactVocabulary({ maxFeatures: "x" })` then kept every name: memory unbounded; so was
 * `new HashedVocabulary({ bits: 4, nameCapacity: "x" })`). Each is a ConfigError naming every
 * problem.
 */
import { describe, expect, it } from 'vitest';

import {
  ExactVocabulary,
  Featurizer,
  HashedVocabulary,
  type FeaturizerOptions,
  type HashedVocabularyOptions,
} from '../../src/index.js';
import { configProblems as problems } from '../helpers/configProblems.js';

describe('the options of Featurizer, ExactVocabulary and HashedVocabulary', () => {
  it('Featurizer refuses a misspelled option', () => {
    const found = problems(() => new Featurizer({ hashbits: 10 } as FeaturizerOptions));
    expect(found.get('Featurizer: hashbits')).toMatch(/^unknown option; did you mean "hashBits"\?/);
    expect(new Featurizer({ hashBits: 10 }).dimension).toBe(1024);
  });

  it('ExactVocabulary refuses a maxFeatures that is not a whole number, and a misspelled one', () => {
    for (const bad of ['x', 2.5, 0, NaN])
      expect(
        problems(() => new ExactVocabulary({ maxFeatures: bad as number })).get(
          'ExactVocabulary: maxFeatures',
        ),
      ).toMatch(/^must be a whole number >= 1 or Infinity, got /);
    expect(
      problems(() => new ExactVocabulary({ maxfeatures: 3 } as { maxFeatures?: number })).get(
        'ExactVocabulary: maxfeatures',
      ),
    ).toMatch(/did you mean "maxFeatures"\?/);
    expect(problems(() => new Featurizer({ maxFeatures: 'x' as unknown as number })).size).toBe(1);
    const v = new ExactVocabulary({ maxFeatures: 2 });
    expect(v.maxFeatures).toBe(2);
  });

  it('HashedVocabulary names every problem at once', () => {
    const found = problems(
      () =>
        new HashedVocabulary({
          bits: '4',
          seed: 1.5,
          nameCapacity: 'x',
        } as unknown as HashedVocabularyOptions),
    );
    expect(found).toEqual(
      new Map([
        [
          'HashedVocabulary: bits',
          'hash bits must be a whole number in 1..28, got "4": a number in quotes is a string; write it without them',
        ],
        ['HashedVocabulary: seed', 'must be a whole number, got 1.5'],
        ['HashedVocabulary: nameCapacity', 'must be a whole number >= 1, got "x"'],
      ]),
    );
    expect(
      problems(() => new HashedVocabulary({ bits: 4, seeed: 1 } as HashedVocabularyOptions)).get(
        'HashedVocabulary: seeed',
      ),
    ).toMatch(/did you mean "seed"\?/);
    expect(new HashedVocabulary({ bits: 4, seed: 7, nameCapacity: 10 }).dimension).toBe(16);
  });
});
