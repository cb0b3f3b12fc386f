import { describe, expect, it } from 'vitest';

import { SparseBuffer } from '../../src/core/sparse.js';
import { Featurizer } from '../../src/features/featurizer.js';
import { ExactVocabulary } from '../../src/features/vocabulary.js';

/** The exact vocabulary after featurizing `events` in order. */
function vocabularyOf(events: ReadonlyArray<Record<string, number | string | string[]>>): ExactVocabulary {
  const f = new Featurizer();
  const x = new SparseBuffer();
  for (const features of events) expect(f.featurize({ features }, x)).toBeNull();
  return f.vocabulary as ExactVocabulary;
}

describe('an exact vocabulary counts two columns with one name (a field with "=")', () => {
  it('a number field "a=b" and the value "b" of field "a", in either order, name both sources', () => {
    const orders: Array<Array<Record<string, number | string>>> = [
      [{ a: 'b' }, { 'a=b': 2 }],
      [{ 'a=b': 2 }, { a: 'b' }],
    ];
    for (const events of orders) {
      const v = vocabularyOf(events);
      expect(v.dimension).toBe(2);
      expect(v.nameCollisions).toBe(1);
      const [c] = v.nameCollisionExamples();
      expect(c.name).toBe('a=b');
      expect([c.first, c.second].sort()).toEqual([
        'the number (or boolean) field "a=b"',
        'the value "b" of the string field "a"',
      ]);
    }
  });

  it('two one-hots: value "b=c" of "a" and value "c" of "a=b"; counted once per column, kept by a restored state', () => {
    const v = vocabularyOf([
      { a: 'b=c', 'a=b': 'c' },
      { a: 'b=c', 'a=b': 'c' },
    ]);
    expect(v.nameCollisions).toBe(1);
    expect(v.nameCollisionExamples()[0].name).toBe('a=b=c');
    expect(ExactVocabulary.fromState(v.state()).nameCollisions).toBe(1);
  });

  it('no collision: "=" in fields or values whose names differ', () => {
    const v = vocabularyOf([{ 'a=b': 1, a: 'c', x: 'y=z', 'x=y': 'w', tags: ['a=b', 'p'] }]);
    expect(v.nameCollisions).toBe(0);
  });
});
