import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { Engine } from '../../src/engine/engine.js';
import { MemoryStateStore, type EventSource } from '../../src/engine/ports.js';
import type { LiveModelState } from '../../src/model/liveModel.js';
import { decodeState } from '../../src/model/stateCodec.js';
import type { RawBatch } from '../../src/index.js';
import { engineConfig, gaussianEvents } from './helpers.js';
import { MemorySink } from './memoryPorts.js';

/**
 * Snapshots by time (`snapshots.everySeconds`) of models whose events stop coming: a quiet key
 * beside a busy one, and a topic that goes idle. A model that learned publishes within about
 * everySeconds of its last snapshot, not only when its next event or the end of the input comes.
 */
const rawConfig = {
  model: { family: 'gaussian', keyBy: 'g' },
  refit: { enabled: false },
  drift: { enabled: false },
  snapshots: { everyEvents: 'Infinity', everySeconds: 0.2 },
  state: { everyEvents: 'Infinity', everySeconds: 'Infinity' },
};
const config = engineConfig(rawConfig);

/** Events of keys `keys` in turn, as a batch whose offsets start after `from`. */
function batch(keys: readonly string[], n: number, from: number): RawBatch {
  return {
    records: gaussianEvents(from + 1, n).map((e, i) => ({
      value: JSON.stringify({ ...e, features: { ...e.features, g: keys[i % keys.length] } }),
      position: { source: 'memory', offset: String(from + i + 1) },
    })),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits up to 5 s for `ok`. */
async function eventually(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 250 && !ok(); i++) await sleep(20);
}

function engineOn(sink: MemorySink, maxLiveModels?: number) {
  const input = new Subject<RawBatch>();
  const source: EventSource = { batches$: input, commit: () => Promise.resolve() };
  const c =
    maxLiveModels === undefined
      ? config
      : engineConfig({ ...rawConfig, model: { ...rawConfig.model, maxLiveModels } });
  const done = new Engine(c, { source, sink }).run();
  return { input, done };
}

describe('snapshots by time while no event of the model comes', () => {
  it('an idle topic: every model that learned publishes, without a batch or the end of the input', async () => {
    const sink = new MemorySink();
    const { input, done } = engineOn(sink);
    input.next(batch(['a', 'b', 'c'], 300, 0));
    await eventually(() => new Set(sink.models.map((m) => m.key)).size === 3);
    expect(sink.models.map((m) => [m.key, m.offset]).sort()).toEqual([
      ['a', 100],
      ['b', 100],
      ['c', 100],
    ]);
    // nothing learned since: no second snapshot, before or at the end
    await sleep(500);
    input.complete();
    await done;
    expect(sink.models).toHaveLength(3);
  });

  it('a quiet key beside a busy one publishes what it learned', async () => {
    const sink = new MemorySink();
    const { input, done } = engineOn(sink);
    input.next(batch(['quiet', 'busy'], 200, 0));
    let offset = 200;
    // only `busy` from now on, a batch every 50 ms
    for (let i = 0; i < 100 && !sink.models.some((m) => m.key === 'quiet'); i++) {
      input.next(batch(['busy'], 20, offset));
      offset += 20;
      await sleep(50);
    }
    const quiet = sink.models.filter((m) => m.key === 'quiet');
    expect(quiet.map((m) => m.offset)).toEqual([100]);
    input.complete();
    await done;
    // the end publishes only models that learned since their last snapshot: `quiet` did not
    expect(sink.models.filter((m) => m.key === 'quiet')).toHaveLength(1);
  });

  it('a model evicted to the store publishes when the input ends (the timer reads the models in memory)', async () => {
    const sink = new MemorySink();
    const { input, done } = engineOn(sink, 1);
    input.next(batch(['a', 'b'], 200, 0));
    await eventually(() => sink.models.length > 0);
    await sleep(500);
    // one model in memory: it published; the other waits in the store
    expect(sink.models).toHaveLength(1);
    const first = sink.models[0]!.key;
    input.complete();
    await done;
    expect(sink.models.map((m) => [m.key, m.offset])).toEqual([
      [first, 100],
      [first === 'a' ? 'b' : 'a', 100],
    ]);
  });

  it('with a state store, a checkpoint by time follows the idle snapshots (exactly-once commits the transaction that holds them)', async () => {
    class DurableMemoryStore extends MemoryStateStore {
      readonly durable = true;
      override release(): void {}
    }
    const store = new DurableMemoryStore();
    const c = engineConfig({ ...rawConfig, state: { everyEvents: 'Infinity', everySeconds: 0.1 } });
    const sink = new MemorySink();
    const input = new Subject<RawBatch>();
    const done = new Engine(c, {
      source: { batches$: input, commit: () => Promise.resolve() },
      sink,
      store,
    }).run();
    input.next(batch(['a'], 100, 0));
    await eventually(() => sink.models.length > 0);
    // the stored state takes the snapshot's cadence at the next checkpoint, without a batch
    const snapshotted = () => {
      const raw = store.get('a');
      return raw !== undefined && (decodeState(raw) as LiveModelState).cadence.lastSnapshotOffset === 100;
    };
    await eventually(snapshotted);
    expect(snapshotted()).toBe(true);
    input.complete();
    await done;
  });
});

describe('snapshots by time on an idle stream reach a file sink', () => {
  it('without a commit or a state store, the file holds them before the next batch (they waited in its buffer)', async () => {
    const { FileOutputSink } = await import('../../connectors/file/outputs.js');
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'l1s-idle-file-'));
    const sink = await FileOutputSink.open(dir);
    const input = new Subject<RawBatch>();
    // a file source without a state directory: no commit
    const done = new Engine(config, { source: { batches$: input }, sink }).run();
    input.next(batch(['a', 'b'], 200, 0));
    const written = () =>
      readFileSync(join(dir, 'models.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .filter((l) => l !== '');
    await eventually(() => written().length === 2);
    expect(
      written()
        .map((l) => (JSON.parse(l) as { key: string }).key)
        .sort(),
    ).toEqual(['a', 'b']);
    input.complete();
    await done;
    await sink.close();
  });
});
