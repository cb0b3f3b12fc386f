/**
 * `SnapshotScorer.score` with a feature value that is not a finite number (NaN, ±Infinity, which
 * the engine dead-letters: `feature "x" is not a finite number`) is a DataError naming the
 * feature; it gave a NaN prediction, or left the feature out when the snapshot did not name it.
 * An event that is not an object names the event, not its `features`.
 */
import { describe, expect, it } from 'vitest';

import { DataError } from '../../src/core/errors.js';
import type { L1Event } from '../../src/core/event.js';
import { SnapshotScorer } from '../../src/model/snapshotScorer.js';

describe('SnapshotScorer.score with a value that is not finite', () => {
  const scorer = new SnapshotScorer({ family: 'binomial', intercept: 0.5, coefficients: { x: 2 } });

  it('refuses NaN and ±Infinity, named, whether or not the snapshot has the feature', () => {
    for (const [name, value] of [
      ['x', Number.NaN],
      ['x', Infinity],
      ['unknown', -Infinity],
    ] as const) {
      const score = () => scorer.score({ features: Object.fromEntries([[name, value]]) });
      expect(score).toThrow(DataError);
      expect(score).toThrow(
        `SnapshotScorer.score: feature "${name}" is not a finite number (${value}), as the engine would reject it`,
      );
    }
    expect(scorer.score({ features: { x: 1e300 } }).margin).toBe(2e300);
  });

  it('names the event when the event itself is not an object', () => {
    for (const [event, got] of [
      [null, 'null'],
      [undefined, 'undefined'],
      ['{"features":{}}', '"{\\"features\\":{}}"'],
    ] as const) {
      expect(() => scorer.score(event as unknown as L1Event)).toThrow(
        `SnapshotScorer.score: the event must be an object { features: { name: value, ... } }, got ${got}`,
      );
    }
  });
});
