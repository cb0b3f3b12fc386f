import { describe, expect, it } from 'vitest';

import { MemoryStateStore } from '../../src/engine/ports.js';
import { ModelRegistry, type ModelRegistryOptions } from '../../src/model/registry.js';
import { configProblems } from '../helpers/configProblems.js';

interface Named {
  readonly key: string;
}

function registryOf(keys: readonly string[], maxLive: number): ModelRegistry<Named> {
  const registry = new ModelRegistry<Named>({
    maxLive,
    store: new MemoryStateStore(),
    codec: {
      create: (key) => ({ key }),
      checkpoint: (model) => new TextEncoder().encode(model.key),
      restore: (key) => ({ key }),
    },
  });
  for (const key of keys) {
    registry.acquire(key);
    registry.trim();
  }
  return registry;
}

describe('ModelRegistry.forEach', () => {
  it("in key order: every model, stored or in memory, in the keys' order, at most maxLive + 1 in memory", () => {
    const keys = ['s10', 'b', 's2', 'é', 'a', 'Z', 's1'];
    const registry = registryOf(keys, 2);
    expect(registry.live).toBe(2);
    const seen: string[] = [];
    let most = 0;
    registry.forEach((model, key) => {
      expect(model.key).toBe(key);
      seen.push(key);
      most = Math.max(most, registry.live);
    }, true);
    // UTF-16 code units: upper case before lower case, 's10' before 's2', 'é' last
    expect(seen).toEqual(['Z', 'a', 'b', 's1', 's10', 's2', 'é']);
    expect(most).toBeLessThanOrEqual(3);
    // the same order whichever models are in memory
    const other = registryOf([...keys].reverse(), 2);
    const again: string[] = [];
    other.forEach((_, key) => again.push(key), true);
    expect(again).toEqual(seen);
  });
});

describe('ModelRegistry.visit', () => {
  it("reads every model in the keys' order without evicting, writing or reordering any", () => {
    const keys = ['s10', 'b', 's2', 'é', 'a', 'Z', 's1'];
    const store = new MemoryStateStore();
    let puts = 0;
    const put = store.put.bind(store);
    store.put = (key, state) => {
      puts++;
      put(key, state);
    };
    let restored = 0;
    let disposed = 0;
    const registry = new ModelRegistry<Named>({
      maxLive: 2,
      store,
      codec: {
        create: (key) => ({ key }),
        checkpoint: (model) => new TextEncoder().encode(model.key),
        restore: (key) => {
          restored++;
          return { key };
        },
        dispose: () => disposed++,
      },
    });
    for (const key of keys) {
      registry.acquire(key);
      registry.trim();
    }
    const before = { puts, stats: { ...registry.stats }, live: registry.liveModels().map((m) => m.key) };
    const seen: string[] = [];
    registry.visit((model, key) => {
      expect(model.key).toBe(key);
      seen.push(key);
      expect(registry.live).toBe(2);
    });
    expect(seen).toEqual(['Z', 'a', 'b', 's1', 's10', 's2', 'é']);
    // the 5 stored models were restored for the call and dropped after it; nothing was stored again
    expect(restored).toBe(5);
    expect(disposed - before.stats.evicted).toBe(5);
    expect(puts).toBe(before.puts);
    expect(registry.stats).toEqual(before.stats);
    expect(registry.liveModels().map((m) => m.key)).toEqual(before.live);
    expect([...store.keys()].sort()).toEqual(['a', 'b', 's10', 's2', 'é']);
  });
});

describe('ModelRegistry.trim', () => {
  it('stores and drops the least recently acquired models: acquiring a live model makes it the newest', () => {
    const registry = registryOf(['a', 'b'], 2);
    registry.acquire('a'); // a is now used more recently than b
    registry.acquire('c');
    registry.trim();
    expect(registry.liveModels().map((m) => m.key)).toEqual(['a', 'c']);
    expect(registry.peekLive('b')).toBeUndefined();
    expect(registry.stats).toEqual({ created: 3, evicted: 1, restored: 0 });
    // b comes back from the store; c, used longer ago than a, goes
    registry.acquire('a');
    registry.acquire('b');
    registry.trim();
    expect(registry.liveModels().map((m) => m.key)).toEqual(['a', 'b']);
    expect(registry.stats).toEqual({ created: 3, evicted: 2, restored: 1 });
  });
});

describe('ModelRegistry options from JavaScript', () => {
  const codec = {
    create: (key: string) => ({ key }),
    checkpoint: (model: Named) => new TextEncoder().encode(model.key),
    restore: (key: string) => ({ key }),
  };
  const make = (options: unknown) => () => new ModelRegistry<Named>(options as ModelRegistryOptions<Named>);

  it('refuses a misspelled key (stor: ignored, and the first eviction failed on no store), naming the one meant', () => {
    const found = configProblems(make({ maxLive: 2, stor: new MemoryStateStore(), codec }));
    expect([...found.keys()]).toEqual(['ModelRegistry: stor']);
    expect(found.get('ModelRegistry: stor')).toMatch(/^unknown option; did you mean "store"\?/);
  });

  it('names a bad maxLive, store and codec at once', () => {
    const found = configProblems(make({ maxLive: '2', store: {}, codec: { create: codec.create } }));
    expect(Object.fromEntries(found)).toEqual({
      'ModelRegistry: maxLive':
        'must be a whole number >= 1 or Infinity (models kept in memory), got "2": a number in quotes is a string; write it without them',
      'ModelRegistry: store':
        'has no method get, put, delete, keys: it must be a StateStore (MemoryStateStore, DirectoryStateStore, a Kafka state store)',
      'ModelRegistry: codec':
        'has no method checkpoint, restore: it must be a RegistryCodec { create, checkpoint, restore }',
    });
    expect(Object.fromEntries(configProblems(make({ maxLive: 0, codec })))).toEqual({
      'ModelRegistry: maxLive': 'must be a whole number >= 1 or Infinity (models kept in memory), got 0',
      'ModelRegistry: store':
        'required: a StateStore (MemoryStateStore, DirectoryStateStore, a Kafka state store)',
    });
    expect(make({ maxLive: Infinity, store: new MemoryStateStore(), codec })).not.toThrow();
  });
});
