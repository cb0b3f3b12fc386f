/**
 * `SnapshotScorer` from plain JavaScript or parsed JSON: a snapshot without a numeric intercept or
 * an object of numeric coefficients, or an event without `features`, is a DataError naming the
 * field and the fix (it was a bare "Cannot convert undefined or null to object").
 */
import { describe, expect, it } from 'vitest';

import { DataError } from '../../src/core/errors.js';
import type { L1Event } from '../../src/core/event.js';
import { SnapshotScorer } from '../../src/model/snapshotScorer.js';
import type { ModelSnapshot } from '../../src/model/snapshot.js';

type Scored = Pick<ModelSnapshot, 'intercept' | 'coefficients' | 'family'>;
const fromJs = (value: unknown) => () => new SnapshotScorer(value as Scored);

describe('SnapshotScorer input checks', () => {
  it('refuses a snapshot that is not one, naming the field', () => {
    expect(fromJs(undefined)).toThrow(DataError);
    expect(fromJs(undefined)).toThrow('SnapshotScorer: the snapshot is undefined: pass a model snapshot');
    expect(fromJs({})).toThrow(
      'snapshot.family must be "binomial" or "gaussian" (what its prediction means), got undefined',
    );
    expect(fromJs({ family: 'binomial' })).toThrow(
      'snapshot.intercept must be a finite number, got undefined',
    );
    expect(fromJs({ family: 'binomial', intercept: '0.5', coefficients: {} })).toThrow(
      'snapshot.intercept must be a finite number, got "0.5"',
    );
    expect(fromJs({ family: 'binomial', intercept: 0 })).toThrow(
      'snapshot.coefficients must be an object of feature name → number, got undefined',
    );
    expect(fromJs({ family: 'binomial', intercept: 0, coefficients: [1] })).toThrow('got an array');
    expect(fromJs({ family: 'binomial', intercept: 0, coefficients: { x: null } })).toThrow(
      'snapshot.coefficients["x"] must be a finite number, got null',
    );
  });

  it('refuses an event without features, naming the shape', () => {
    const scorer = new SnapshotScorer({ family: 'gaussian', intercept: 1, coefficients: { x: 2 } });
    expect(() => scorer.score({ x: 1 } as unknown as L1Event)).toThrow(
      'SnapshotScorer.score: event.features must be an object of feature values, got undefined: pass { features: { name: value, ... } }',
    );
    expect(() => scorer.score(null as unknown as L1Event)).toThrow(DataError);
  });

  it('refuses a Map of coefficients or of features (their entries are no object keys: nothing would be scored) and a value the engine rejects', () => {
    expect(fromJs({ family: 'gaussian', intercept: 1, coefficients: new Map([['x', 2]]) })).toThrow(
      'snapshot.coefficients must be an object of feature name → number, got a Map: pass Object.fromEntries(map)',
    );
    const scorer = new SnapshotScorer({ family: 'gaussian', intercept: 1, coefficients: { x: 2 } });
    const asJs = (features: unknown) => () => scorer.score({ features } as unknown as L1Event);
    expect(asJs(new Map([['x', 1]]))).toThrow(
      'SnapshotScorer.score: event.features must be an object of feature values, got a Map: pass { features: Object.fromEntries(map) }',
    );
    expect(asJs({ x: { value: 1 } })).toThrow(
      'SnapshotScorer.score: feature "x" has unsupported type object (use number, string, boolean or string[]), as the engine would reject it',
    );
    expect(asJs({ x: 1n })).toThrow('feature "x" has unsupported type bigint');
    expect(asJs({ tags: ['a', 2] })).toThrow('feature "tags" is an array with a non-string element');
    // null and undefined are absent values, as null is in an event
    expect(scorer.score({ features: { x: null, y: undefined } } as unknown as L1Event).margin).toBe(1);
    expect(scorer.score({ features: { x: 1.5, tags: ['a'] } }).margin).toBe(4);
  });

  it('scores a snapshot parsed from JSON, __proto__ among its names', () => {
    const snapshot = JSON.parse(
      '{"family":"gaussian","intercept":1,"coefficients":{"x":2,"__proto__":3}}',
    ) as Scored;
    const scorer = new SnapshotScorer(snapshot);
    const features = JSON.parse('{"x":1.5,"__proto__":1}') as L1Event['features'];
    expect(scorer.score({ features }).margin).toBe(1 + 3 + 3);
  });

  it('refuses a top that is not a count (score(event, { top: 2 }) from plain JavaScript), and lists as many as asked', () => {
    const scorer = new SnapshotScorer({
      family: 'gaussian',
      intercept: 0.5,
      coefficients: { a: 2, b: -1, c: 0.25 },
    });
    const event: L1Event = { features: { a: 1, b: 1, c: 1 } };
    const asJs = (top: unknown) => () => scorer.score(event, top as number);
    expect(asJs({ top: 2 })).toThrow(DataError);
    expect(asJs({ top: 2 })).toThrow(
      'SnapshotScorer.score: top must be a number ≥ 0 (how many contributions to list), got {"top":2}: score(event, 3)',
    );
    expect(asJs('2')).toThrow('got "2"');
    expect(asJs(-1)).toThrow('got -1');
    expect(asJs(Number.NaN)).toThrow('got NaN');
    expect(scorer.score(event, 2).top.map((t) => t.feature)).toEqual(['a', 'b']);
    expect(scorer.score(event).top).toEqual([]);
  });

  it('gives the prediction as the engine does: a probability for binomial, the margin for gaussian', () => {
    const snapshot = { intercept: -0.25, coefficients: { x: 0.5, 'c=a': -1 } };
    const event: L1Event = { features: { x: 3, c: 'a' } };
    const margin = -0.25 + 1.5 - 1;
    const binomial = new SnapshotScorer({ family: 'binomial', ...snapshot }).score(event);
    expect(binomial.margin).toBe(margin);
    expect(binomial.prediction).toBeCloseTo(1 / (1 + Math.exp(-margin)), 15);
    const gaussian = new SnapshotScorer({ family: 'gaussian', ...snapshot }).score(event);
    expect(gaussian.prediction).toBe(margin);
    expect(fromJs({ family: 'poisson', ...snapshot })).toThrow(
      'snapshot.family must be "binomial" or "gaussian"',
    );
  });
});
