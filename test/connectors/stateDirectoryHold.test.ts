/**
 * One open DirectoryStateStore per directory in a process: a second one is refused with a
 * StateError (they would overwrite each other's states) until the first is closed, or until the
 * engine it was given to has ended (the README's example opens a store per run and closes none).
 */
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { DirectoryStateStore } from '../../connectors/file/index.js';
import { Engine, StateError, checkEngineConfig } from '../../src/index.js';
import { batchOf, keepingSink } from '../library/helpers.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'l1s-hold-'));
const held =
  /^the state directory .* is held by another DirectoryStateStore in this process: .*close\(\) that store first/;

describe('two DirectoryStateStores of one directory in one process', () => {
  it('the second is refused with a StateError, however the directory is spelled', () => {
    const dir = tmp();
    const first = new DirectoryStateStore(dir);
    const link = join(tmp(), 'link');
    symlinkSync(dir, link);
    for (const spelled of [dir, `${dir}/`, relative(process.cwd(), dir), link]) {
      expect(() => new DirectoryStateStore(spelled, { durable: false })).toThrow(StateError);
      expect(() => new DirectoryStateStore(spelled)).toThrow(held);
    }
    const other = join(dir, 'inner');
    mkdirSync(other);
    new DirectoryStateStore(other).close();
    first.close();
  });

  it('after the first is closed, the directory opens again; the first, writing again, is refused', () => {
    const dir = tmp();
    const first = new DirectoryStateStore(dir);
    first.put('a', new Uint8Array([1]));
    first.close();
    first.close();
    const second = new DirectoryStateStore(dir);
    expect(second.get('a')).toEqual(Buffer.from([1]));
    expect(() => first.put('b', new Uint8Array([2]))).toThrow(held);
    expect(() => first.delete('a')).toThrow(StateError);
    expect(first.keys()).toEqual(['a']); // reading needs no hold
    second.close();
    first.put('b', new Uint8Array([2])); // writing takes the directory again
    expect(() => new DirectoryStateStore(dir)).toThrow(held);
    first.close();
  });

  it("an engine's end lets go of its store: a new store per run, none closed, goes on", async () => {
    const dir = tmp();
    const config = checkEngineConfig({ model: { family: 'binomial' }, refit: { threads: 0 } });
    for (const [from_, to] of [
      [0, 500],
      [500, 900],
    ] as const) {
      const store = new DirectoryStateStore(dir);
      const stats = await new Engine(config, {
        source: { batches$: from([batchOf(from_, to)]) },
        sink: keepingSink(),
        store,
      }).run();
      expect(stats.learned).toBe(to - from_);
      expect(stats.checkpoints.models).toBe(1);
    }
    const after = new DirectoryStateStore(dir);
    expect(after.keys()).toEqual(['default']);
    after.close();
  });
});
