/**
 * docs/outputs.md: with `hashBits`, a snapshot's `hashCollisions` counts the names that shared a
 * hashed column with another name (each distinct name once, however often it comes back), and a
 * checkpoint keeps the count.
 */
import { describe, expect, it } from 'vitest';

import { OnlineModel } from '../../src/model/onlineModel.js';

describe('hashCollisions', () => {
  it('is, over the columns, the names a column took beyond its first, and survives a checkpoint', () => {
    const options = { family: 'gaussian' as const, lambda: 0.01, hashBits: 4 };
    const model = new OnlineModel(options);
    const names = Array.from({ length: 40 }, (_, j) => `n${j}`);
    // every name many times, three at a time
    for (let i = 0; i < 400; i++) {
      const features: Record<string, number> = {};
      for (let k = 0; k < 3; k++) features[names[(7 * i + 13 * k) % names.length]!] = ((i + k) % 5) - 2;
      model.process({ label: i % 3, features });
    }
    const metrics = model.snapshot().metrics as { hashCollisions: number };
    // the names of each of the 16 columns
    const byColumn = new Map<number, Set<string>>();
    for (const name of names) {
      const j = model.featurizer.vocabulary.indexOf(name);
      byColumn.set(j, (byColumn.get(j) ?? new Set()).add(name));
    }
    let expected = 0;
    for (const set of byColumn.values()) expected += set.size - 1;
    expect(byColumn.size).toBeLessThanOrEqual(16);
    expect(expected).toBeGreaterThanOrEqual(24);
    expect(metrics.hashCollisions).toBe(expected);
    const restored = OnlineModel.decodeCheckpoint(options, model.encodeCheckpoint());
    expect((restored.snapshot().metrics as { hashCollisions: number }).hashCollisions).toBe(expected);
    // the names seen again after the restore are counted already
    for (let i = 0; i < 40; i++) restored.process({ label: 1, features: { [names[i]!]: 1 } });
    expect((restored.snapshot().metrics as { hashCollisions: number }).hashCollisions).toBe(expected);
    // exact names: no such metric
    const exact = new OnlineModel({ family: 'gaussian', lambda: 0.01 });
    exact.process({ label: 1, features: { a: 1 } });
    expect(exact.snapshot().metrics).not.toHaveProperty('hashCollisions');
  });
});
