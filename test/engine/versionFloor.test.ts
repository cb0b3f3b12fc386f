/**
 * A key whose state the bounded MemoryStateStore forgot (maxKeys) or that was deleted starts a new
 * model, but its snapshot versions go on above the forgotten model's: a key never gives a version
 * twice (they went back to 1).
 */
import { describe, expect, it } from 'vitest';

import { MemoryStateStore } from '../../src/engine/ports.js';
import { runUserRounds } from './userRounds.js';

async function run(store: MemoryStateStore, users: number, passes: number) {
  return (await runUserRounds(store, users, passes, 3, 4)).models;
}

/** Keys that gave a version twice. */
function repeated(models: readonly { key: string; version: number }[]): string[] {
  const seen = new Map<string, Set<number>>();
  const twice = new Set<string>();
  for (const m of models) {
    const versions = seen.get(m.key) ?? new Set<number>();
    if (versions.has(m.version)) twice.add(m.key);
    versions.add(m.version);
    seen.set(m.key, versions);
  }
  return [...twice];
}

describe('versions of a forgotten key', () => {
  it('go on above the forgotten model: no key repeats a version (maxKeys 2, 30 users, 3 rounds)', async () => {
    const store = new MemoryStateStore({ maxKeys: 2 });
    const models = await run(store, 30, 3);
    expect(store.forgotten).toBeGreaterThan(0);
    expect(repeated(models)).toEqual([]);
    // each key's versions increase in the order they were published
    const last = new Map<string, number>();
    for (const m of models) {
      expect(m.version).toBeGreaterThan(last.get(m.key) ?? 0);
      last.set(m.key, m.version);
    }
  });

  it('a deleted key numbers its new model above the deleted one, in a later run on the same store', async () => {
    const store = new MemoryStateStore();
    const first = await run(store, 5, 2);
    const key = [...store.keys()][0]!;
    const before = Math.max(...first.filter((m) => m.key === key).map((m) => m.version));
    store.delete(key);
    const second = await run(store, 5, 1);
    const after = second.filter((m) => m.key === key);
    expect(after[0]!.offset).toBe(1); // a new model
    expect(after[0]!.version).toBe(before + 1);
  });
});
