import { from, lastValueFrom, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';

import { StateError } from '../../src/core/errors.js';
import { ModelRegistry } from '../../src/model/registry.js';
import type { LiveModel } from '../../src/model/liveModel.js';
import { MemoryStateStore } from '../../src/engine/ports.js';
import type { EngineElement } from '../../src/stream/engineTypes.js';
import { snapshotEvery } from '../../src/stream/snapshotEvery.js';
import { engineConfig, gaussianEvents, learnBatch, liveModel } from '../engine/helpers.js';

const events = gaussianEvents(1, 1000);

/** One model learning `sizes[i]` events per batch, through `snapshotEvery`, as (offset, version) marbles. */
function run(
  doc: Record<string, unknown>,
  marbles: string,
  sizes: Record<string, number>,
  expected: string,
  values: Record<string, string>,
) {
  new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable }) => {
    let now = 0;
    const config = engineConfig({ model: { labelWarmup: 0 }, refit: { enabled: false }, ...doc });
    const registry = new ModelRegistry<LiveModel>({
      maxLive: Infinity,
      store: new MemoryStateStore(),
      codec: {
        create: (k) => liveModel(k, config, () => now),
        checkpoint: () => new Uint8Array(),
        restore: () => {
          throw new Error('no');
        },
      },
    });
    let used = 0;
    const out = cold(marbles, sizes).pipe(
      map((n, i): EngineElement => {
        now = i * 1000; // each batch arrives a second after the previous one
        const batch = learnBatch(registry.acquire('m'), events.slice(used, used + n));
        used += n;
        return batch;
      }),
      snapshotEvery(registry),
      map((e) => e.outputs.models.map((s) => `${s.offset}@v${s.version}`).join(',') || '-'),
    );
    expectObservable(out).toBe(expected, values);
  });
}

describe('snapshotEvery (per model, events and/or seconds)', () => {
  it('every N learned events, judged at batch boundaries, and once at the end', () => {
    run(
      { snapshots: { everyEvents: 100, everySeconds: 'Infinity' } },
      'a-b-c-d-e-|',
      { a: 40, b: 50, c: 30, d: 140, e: 10 },
      'a-a-x-y-a-(z|)',
      { a: '-', x: '120@v1', y: '260@v2', z: '270@v3' },
    );
  });

  it('every T seconds for a model that learned something since', () => {
    run(
      { snapshots: { everyEvents: 'Infinity', everySeconds: 2 } },
      'a-b-c-d-e-|',
      { a: 10, b: 10, c: 10, d: 0, e: 10 },
      'a-a-x-a-y-|',
      { a: '-', x: '30@v1', y: '40@v2' },
    );
  });

  it('does not repeat the last snapshot at the end when nothing was learned since', () => {
    run({ snapshots: { everyEvents: 100, everySeconds: 'Infinity' } }, 'a|', { a: 100 }, 'x|', {
      x: '100@v1',
    });
  });
});

describe('snapshotEvery when a stored model cannot be restored', () => {
  it('errors the stream with the store’s error at the end (not an unhandled error)', async () => {
    const config = engineConfig({ model: { labelWarmup: 0 }, refit: { enabled: false } });
    const store = new MemoryStateStore();
    const registry = new ModelRegistry<LiveModel>({
      maxLive: 1,
      store,
      codec: {
        create: (k) => liveModel(k, config, () => 0),
        checkpoint: () => new Uint8Array([1]),
        restore: (key) => {
          throw new StateError(`cannot restore "${key}"`);
        },
      },
    });
    const batches: EngineElement[] = [
      learnBatch(registry.acquire('a'), events.slice(0, 10)),
      learnBatch(registry.acquire('b'), events.slice(10, 20)), // evicts a
    ];
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown) => unhandled.push(err);
    process.on('uncaughtException', onUnhandled);
    try {
      await expect(lastValueFrom(from(batches).pipe(snapshotEvery(registry)))).rejects.toThrow(StateError);
      await new Promise((r) => setTimeout(r, 20)); // rxjs reports unhandled errors on a timer
    } finally {
      process.off('uncaughtException', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  }, 10_000);
});
