/**
 * A spill directory (`DirectoryStateStore` with `durable: false`, what `replay` uses for keyed
 * models without `--state`) keeps the states evicted last in memory up to `memoryBytes`, and
 * writes only older ones to files: an eviction within the bound costs no file.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { DirectoryStateStore } from '../../connectors/file/index.js';
import { SPILL_MEMORY_BYTES } from '../../connectors/file/stateDirectory.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'l1s-spill-'));
const state = (fill: number, bytes = 100) => new Uint8Array(bytes).fill(fill);
const files = (dir: string) => readdirSync(dir).sort();

describe('a spill directory', () => {
  it('keeps the newest states in memory up to memoryBytes and writes the oldest to files', () => {
    const dir = tmp();
    const store = new DirectoryStateStore(dir, { durable: false, memoryBytes: 250 });
    store.put('a', state(1));
    store.put('b', state(2));
    expect(files(dir)).toEqual([]);
    // a third state is over 250 bytes: the oldest, a, goes to its file
    store.put('c', state(3));
    expect(files(dir)).toEqual([`${Buffer.from('a').toString('hex')}.state`]);
    for (const [key, fill] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ] as const)
      expect(Uint8Array.from(store.get(key) ?? [])).toEqual(state(fill));
    expect(store.keys().sort()).toEqual(['a', 'b', 'c']);
    // a (from its file) and b (from memory) are in memory again
    store.release('a');
    store.release('b');
    expect(store.get('a')).toBeUndefined();
    expect(store.get('b')).toBeUndefined();
    expect(files(dir)).toEqual([]);
    expect(store.keys()).toEqual(['c']);
    store.close();
  });

  it('a key put again after its state went to a file reads the new state, and delete removes both', () => {
    const dir = tmp();
    const store = new DirectoryStateStore(dir, { durable: false, memoryBytes: 150 });
    store.put('a', state(1));
    store.put('b', state(2)); // a to its file
    store.put('a', state(7)); // b to its file; a's new state in memory
    expect(Uint8Array.from(store.get('a') ?? [])).toEqual(state(7));
    expect(store.keys().sort()).toEqual(['a', 'b']);
    store.delete('a');
    expect(store.get('a')).toBeUndefined();
    expect(store.keys()).toEqual(['b']);
    store.close();
  });

  it('a state larger than memoryBytes goes to its file at once; memoryBytes 0 keeps nothing in memory', () => {
    const dir = tmp();
    const store = new DirectoryStateStore(dir, { durable: false, memoryBytes: 50 });
    store.put('a', state(1));
    expect(files(dir)).toHaveLength(1);
    expect(Uint8Array.from(store.get('a') ?? [])).toEqual(state(1));
    store.close();
    const none = new DirectoryStateStore(tmp(), { durable: false, memoryBytes: 0 });
    none.put('a', state(1));
    expect(files(none.dir)).toHaveLength(1);
    none.close();
  });

  it('16 MiB by default; a durable directory writes every state when put returns', () => {
    expect(SPILL_MEMORY_BYTES).toBe(16 * 2 ** 20);
    const spill = new DirectoryStateStore(tmp(), { durable: false });
    spill.put('a', state(1));
    expect(files(spill.dir)).toEqual([]);
    spill.close();
    const durable = new DirectoryStateStore(tmp(), { memoryBytes: 2 ** 20 });
    durable.put('a', state(1));
    expect(files(durable.dir)).toHaveLength(1);
    durable.close();
  });

  it('refuses a negative or NaN memoryBytes', () => {
    expect(() => new DirectoryStateStore(tmp(), { durable: false, memoryBytes: -1 })).toThrow(/memoryBytes/);
    expect(() => new DirectoryStateStore(tmp(), { durable: false, memoryBytes: NaN })).toThrow(/memoryBytes/);
  });
});
