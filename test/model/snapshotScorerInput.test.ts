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

type Scored = Pick<ModelSnapshot, 'intercept' | 'coefficients'>;
const fromJs = (value: unknown) => () => new SnapshotScorer(value as Scored);

describe('SnapshotScorer input checks', () => {
  it('refuses a snapshot that is not one, naming the field', () => {
    expect(fromJs(undefined)).toThrow(DataError);
    expect(fromJs(undefined)).toThrow('SnapshotScorer: the snapshot is undefined: pass a model snapshot');
    expect(fromJs({})).toThrow('snapshot.intercept must be a finite number, got undefined');
    expect(fromJs({ intercept: '0.5', coefficients: {} })).toThrow(
      'snapshot.intercept must be a finite number, got "0.5"',
    );
    expect(fromJs({ intercept: 0 })).toThrow(
      'snapshot.coefficients must be an object of feature name → number, got undefined',
    );
    expect(fromJs({ intercept: 0, coefficients: [1] })).toThrow('got an array');
    expect(fromJs({ intercept: 0, coefficients: { x: null } })).toThrow(
      'snapshot.coefficients["x"] must be a finite number, got null',
    );
  });

  it('refuses an event without features, naming the shape', () => {
    const scorer = new SnapshotScorer({ intercept: 1, coefficients: { x: 2 } });
    expect(() => scorer.score({ x: 1 } as unknown as L1Event)).toThrow(
      'SnapshotScorer.score: event.features must be an object of feature values, got undefined: pass { features: { name: value, ... } }',
    );
    expect(() => scorer.score(null as unknown as L1Event)).toThrow(DataError);
  });

  it('scores a snapshot parsed from JSON, __proto__ among its names', () => {
    const snapshot = JSON.parse('{"intercept":1,"coefficients":{"x":2,"__proto__":3}}') as Scored;
    const scorer = new SnapshotScorer(snapshot);
    const features = JSON.parse('{"x":1.5,"__proto__":1}') as L1Event['features'];
    expect(scorer.score({ features }).margin).toBe(1 + 3 + 3);
  });

  it('refuses a top that is not a count (score(event, { top: 2 }) from plain JavaScript), and lists as many as asked', () => {
    const scorer = new SnapshotScorer({ intercept: 0.5, coefficients: { a: 2, b: -1, c: 0.25 } });
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
});
