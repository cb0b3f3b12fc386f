import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { ConfigError, EngineError } from '../../src/core/errors.js';
import { Engine } from '../../src/engine/engine.js';
import { MemoryStateStore, type EventSource } from '../../src/engine/ports.js';
import type { RawBatch } from '../../src/index.js';
import { engineConfig, gaussianEvents } from './helpers.js';
import { handFedSource, MemorySink } from './memoryPorts.js';

/** A memory store that outlives its engine (as a directory or the Kafka state topic does). */
class DurableMemoryStore extends MemoryStateStore {
  readonly durable = true;
  override release(): void {}
}

/**
 * `EngineOptions.failWhenFirstRejected` (`l1stream run`'s guard): a configuration that fits no
 * record fails the run before the batch that reaches the count is published or checkpointed,
 * instead of dead-lettering the whole input; one record learned or scored turns the guard off.
 */
const config = engineConfig({
  model: { family: 'gaussian', keyBy: 'campaign' },
  refit: { enabled: false },
  state: { everyEvents: 10_000, everySeconds: 'Infinity' },
});

/** `n` events from offset `from` + 1; those in `keyed` carry the key field `campaign`. */
function batch(n: number, from: number, keyed: (i: number) => boolean = () => false): RawBatch {
  return {
    records: gaussianEvents(from + 7, n).map((e, i) => ({
      value: JSON.stringify(keyed(from + i) ? { ...e, features: { ...e.features, campaign: 'spring' } } : e),
      position: { source: 'memory', offset: String(from + i + 1) },
    })),
  };
}

function run(batches: readonly RawBatch[], limit: number | undefined, partSize?: number) {
  const { input, source, commits } = handFedSource();
  const sink = new MemorySink();
  const engine = new Engine(
    config,
    { source, sink, store: new DurableMemoryStore() },
    {
      ...(limit === undefined ? {} : { failWhenFirstRejected: limit }),
      ...(partSize === undefined ? {} : { partSize }),
    },
  );
  const done = engine.run();
  for (const b of batches) input.next(b);
  input.complete();
  return { done, commits, sink, engine };
}

describe('failWhenFirstRejected', () => {
  it('fails once the first records are all rejected, before their batch is published or committed', async () => {
    const { done, commits, sink } = run([batch(600, 0), batch(600, 600), batch(600, 1200)], 1000);
    const error = await done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toMatchObject({ code: 'L1S_ALL_REJECTED' });
    expect((error as Error).message).toMatch(
      /^nothing learned: the first 1200 records since the start were all rejected \(most common reason: .*"campaign"/,
    );
    expect(commits).toEqual([]);
    // the first batch's dead letters were published; the second's, which reached the count, were not
    expect(sink.deadLetters).toHaveLength(600);
  });

  it('without it, the same input is dead-lettered to the end and committed', async () => {
    const { done, commits, sink } = run([batch(600, 0), batch(600, 600), batch(600, 1200)], undefined);
    const stats = await done;
    expect(stats.rejected).toBe(1800);
    expect(sink.deadLetters).toHaveLength(1800);
    expect(commits).toEqual([1800]);
  });

  it('one record learned first turns it off: bad records later are dead-lettered, as always', async () => {
    const { done, sink } = run([batch(600, 0, (i) => i === 0), batch(600, 600), batch(600, 1200)], 1000);
    const stats = await done;
    expect(stats.learned).toBe(1);
    expect(stats.rejected).toBe(1799);
    expect(sink.deadLetters).toHaveLength(1799);
  });

  it('counts batches as they are learned: those read ahead while one is learned in parts (Kafka) do not turn it off', async () => {
    // a batch learned in parts yields to the source after 100 ms: the next batch is read meanwhile
    const batches = [0, 1].map((k) => batch(40_000, 40_000 * k));
    const { done, commits } = run(batches, 1000, 512);
    const error = await done.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'L1S_ALL_REJECTED' });
    expect((error as Error).message).toMatch(/^nothing learned: the first 40000 records since the start/);
    expect(commits).toEqual([]);
  });

  it('counts the rejected records that come first in a batch, whatever follows them', async () => {
    const { done, commits, sink } = run([batch(1500, 0, (i) => i === 1400)], 1000);
    const error = await done.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'L1S_ALL_REJECTED' });
    expect((error as Error).message).toMatch(/^nothing learned: the first 1400 records since the start/);
    expect(commits).toEqual([]);
    expect(sink.deadLetters).toHaveLength(0);
  });

  it('tells records apart by their own positions: repeated offsets (no durable store) are not taken for rejected ones', async () => {
    const good = batch(4, 0, () => true).records;
    const batches = [0, 1, 2, 3].map(() => ({
      records: [...good, { value: 'not json' }].map((r) => ({
        ...r,
        position: { source: 'api', offset: '0' },
      })),
    }));
    const { input, source } = handFedSource();
    const engine = new Engine(config, { source, sink: new MemorySink() }, { failWhenFirstRejected: 10 });
    const done = engine.run();
    for (const b of batches) input.next(b);
    input.complete();
    const stats = await done;
    expect([stats.learned, stats.rejected]).toEqual([16, 4]);
  });

  it('must be a whole number ≥ 1', () => {
    const source: EventSource = { batches$: new Subject<RawBatch>() };
    for (const bad of [0, 1.5, -3, '1000'])
      expect(
        () =>
          new Engine(config, { source, sink: new MemorySink() }, {
            failWhenFirstRejected: bad,
          } as never),
      ).toThrow(ConfigError);
  });
});
