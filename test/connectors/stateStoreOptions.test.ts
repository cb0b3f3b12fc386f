/**
 * The state stores' options from plain JavaScript: a misspelled key was ignored, so
 * `new MemoryStateStore({ maxkeys: 100 })` kept every key's state (memory unbounded) and
 * `new DirectoryStateStore(dir, { durabel: false })` was a durable store; `durable: "no"` too.
 * Now a ConfigError names the key and the one it meant.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { DirectoryStateStore, type DirectoryStateStoreOptions } from '../../connectors/file/index.js';
import { MemoryStateStore, type MemoryStateStoreOptions } from '../../src/index.js';
import { configProblems as problems } from '../helpers/configProblems.js';

const dir = () => mkdtempSync(join(tmpdir(), 'l1s-store-options-'));

describe('the options of the state stores', () => {
  it('MemoryStateStore refuses a misspelled maxKeys', () => {
    const found = problems(() => new MemoryStateStore({ maxkeys: 100 } as MemoryStateStoreOptions));
    expect(found.get('MemoryStateStore: maxkeys')).toMatch(/^unknown option; did you mean "maxKeys"\?/);
    expect(new MemoryStateStore({ maxKeys: 100 }).maxKeys).toBe(100);
  });

  it('DirectoryStateStore refuses a misspelled durable and values of the wrong type, all at once', () => {
    const found = problems(
      () => new DirectoryStateStore(dir(), { durabel: false } as DirectoryStateStoreOptions),
    );
    expect(found.get('DirectoryStateStore: durabel')).toMatch(/^unknown option; did you mean "durable"\?/);
    const typed = problems(
      () =>
        new DirectoryStateStore(dir(), {
          durable: 'no',
          memoryBytes: 'x',
        } as unknown as DirectoryStateStoreOptions),
    );
    expect([...typed.keys()]).toEqual(['DirectoryStateStore: durable', 'DirectoryStateStore: memoryBytes']);
    const store = new DirectoryStateStore(dir(), { durable: false, memoryBytes: 0 });
    expect(store.durable).toBe(false);
    store.close();
  });
});
