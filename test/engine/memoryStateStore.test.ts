/**
 * The in-memory state store keeps the states of evicted models: `maxKeys` bounds how many (the
 * state evicted longest ago is forgotten and its key starts afresh), `delete` forgets one.
 */
import { concatMap, from } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { Engine } from '../../src/engine/engine.js';
import { MemoryStateStore } from '../../src/engine/ports.js';
import { engineConfig } from './helpers.js';
import { MemorySink } from './memoryPorts.js';
import { runUserRounds } from './userRounds.js';

const state = (n: number) => new Uint8Array(n);

/** Runs 200 users × 3 rounds with 10 models in memory; the events each key's last model learned. */
async function runUsers(store: MemoryStateStore) {
  const { stats, models } = await runUserRounds(store, 200, 3, 10, 10);
  const learned = new Map<string, number>();
  for (const m of models) learned.set(m.key, m.offset);
  return { stats, learned };
}

describe('MemoryStateStore', () => {
  it('keeps at most maxKeys states, forgetting the one stored longest ago', () => {
    const store = new MemoryStateStore({ maxKeys: 2 });
    store.put('a', state(1));
    store.put('b', state(2));
    store.put('a', state(3)); // a is now the newest
    store.put('__proto__', state(4));
    expect([...store.keys()]).toEqual(['a', '__proto__']);
    expect(store.get('b')).toBeUndefined();
    expect(store.get('a')?.byteLength).toBe(3);
    expect(store.forgotten).toBe(1);
    expect(store.bytes).toBe(7);
    store.delete('a');
    expect([...store.keys()]).toEqual(['__proto__']);
  });

  it('refuses a maxKeys that is not a whole number >= 1', () => {
    for (const bad of [0, -1, 1.5, Number.NaN])
      expect(() => new MemoryStateStore({ maxKeys: bad })).toThrow(
        // a ConfigError, as every other option's problem
        expect.objectContaining({
          code: 'L1S_CONFIG',
          problems: [
            {
              path: 'MemoryStateStore: maxKeys',
              message: `must be a whole number >= 1 or Infinity (the states kept), got ${bad}`,
            },
          ],
        }),
      );
  });

  it("bounds an engine's stored states by maxKeys; a forgotten key's model starts afresh when it returns", async () => {
    const unbounded = new MemoryStateStore();
    const all = await runUsers(unbounded);
    expect(all.stats.learned).toBe(600);
    expect([...unbounded.keys()].length).toBeGreaterThanOrEqual(190);
    // every user's model learned its 3 events
    expect(new Set(all.learned.values())).toEqual(new Set([3]));

    const bounded = new MemoryStateStore({ maxKeys: 50 });
    const some = await runUsers(bounded);
    expect(some.stats.learned).toBe(600);
    expect([...bounded.keys()].length).toBeLessThanOrEqual(50);
    expect(bounded.forgotten).toBeGreaterThan(0);
    // a user returns 200 events after it was evicted, 190 evictions later: its state was forgotten,
    // so its model is a new one that learned only the last round
    expect(new Set(some.learned.values())).toEqual(new Set([1]));
  });

  it("delete forgets a key's state: its model starts afresh", async () => {
    const store = new MemoryStateStore();
    const config = engineConfig({
      model: { family: 'binomial', keyBy: 'user', maxLiveModels: 1, lambda: 0.01 },
      refit: { enabled: false },
      snapshots: { everyEvents: 1, everySeconds: 'Infinity' },
    });
    const sink = new MemorySink();
    const users = ['a', 'b', 'a', 'a'];
    const batches = users.map((user, i) => ({
      records: [
        {
          value: JSON.stringify({ label: i % 2, features: { user, x: i } }),
          position: { source: 's', offset: `${i}` },
        },
      ],
    }));
    const storedBeforeDelete: string[] = [];
    // before the third batch (a again), the user "a" asks to be forgotten
    const batches$ = from(batches).pipe(
      concatMap(async (batch, i) => {
        await new Promise(setImmediate);
        if (i === 2) {
          storedBeforeDelete.push(...store.keys());
          store.delete('a');
        }
        return batch;
      }),
    );
    await new Engine(config, { source: { batches$ }, sink, store }).run();
    expect(storedBeforeDelete).toEqual(['a']);
    const last = new Map(sink.models.map((m) => [m.key, m.offset]));
    // without the delete: 3 (a's first event and the two after it)
    expect(last.get('a')).toBe(2);
  });
});
