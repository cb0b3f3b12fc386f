/**
 * Records read before a partition assignment and still in the pipeline when it arrives (waiting
 * for the source's `prepare`, as a Kafka batch waits for its schemas) are learned only if their
 * partition stayed assigned: learned after their model was dropped, they made it again from a
 * partial history and published a version the partition's new owner published too, with other
 * weights (seen once in CI: test/kafka/durability-keys.test.ts, worker engine, "k40@3").
 */
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { Engine } from '../../src/engine/engine.js';
import type { AssignmentChange, EventSource, PartitionRef } from '../../src/engine/ports.js';
import type { RawBatch, RawRecord } from '../../src/index.js';
import { engineConfig } from './helpers.js';
import { MemorySink } from './memoryPorts.js';

const doc = {
  model: { family: 'gaussian', keyBy: 'key', lambda: 0.01, labelWarmup: 0 },
  refit: { enabled: false },
  snapshots: { everyEvents: 5, everySeconds: 'Infinity' },
};

/** `n` records of model key `key` on partition `partition` of "events", offsets from `first`. */
function records(key: string, partition: number, n: number, first = 0): RawRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    value: JSON.stringify({ key, label: Math.sin(i + first), features: { x: Math.cos(i + first) } }),
    position: { source: 'events', partition, offset: String(first + i) },
  }));
}

const p = (partition: number): PartitionRef => ({ source: 'events', partition });

/**
 * An engine on a source whose `prepare` holds every batch until `release()`: `assign` hands the
 * engine an assignment as a broker source does (awaited before the assignment's records).
 */
function heldEngine(rewindOnAssign = false) {
  const input = new Subject<RawBatch>();
  let assign: ((a: readonly PartitionRef[], change?: AssignmentChange) => Promise<void>) | null = null;
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const committed: RawRecord[] = [];
  const source: EventSource = {
    batches$: input,
    commit: (records) => {
      committed.push(...records);
      return Promise.resolve();
    },
    onAssign: (handler) => {
      assign = handler;
    },
    prepare: () => held,
  };
  const sink = new MemorySink();
  const engine = new Engine(engineConfig(doc), { source, sink }, { rewindOnAssign });
  const run = engine.run();
  return {
    input,
    sink,
    committed,
    run,
    assign: (a: readonly PartitionRef[], change?: AssignmentChange) => assign!(a, change),
    /** Lets the held batches through, ends the input, and gives the run's counts. */
    finish: () => {
      release();
      input.complete();
      return run;
    },
  };
}

describe('records read before an assignment', () => {
  it('are not learned (nor dead-lettered) when their partition was revoked meanwhile, and are counted', async () => {
    const e = heldEngine();
    await e.assign([p(0), p(1)]);
    const malformed = { value: 'not json', position: { source: 'events', partition: 0, offset: '20' } };
    e.input.next({ records: [...records('a', 0, 20), malformed] });
    await e.assign([p(1)]);
    const stats = await e.finish();
    expect(stats.learned).toBe(0);
    expect(stats.notLearnedRevoked).toBe(21);
    // (the new owner dead-letters the malformed record when it reads it)
    expect(e.sink.models).toEqual([]);
    expect(e.sink.deadLetters).toEqual([]);
    expect(stats.keys).toBe(0);
  });

  it('are learned when their partition stayed assigned (at-least-once)', async () => {
    const e = heldEngine();
    await e.assign([p(0), p(1)]);
    e.input.next({ records: records('a', 0, 20) });
    await e.assign([p(0)]);
    const stats = await e.finish();
    expect(stats.learned).toBe(20);
    expect(stats.notLearnedRevoked).toBe(0);
    expect(e.sink.models.map((s) => s.offset)).toEqual([5, 10, 15, 20]);
  });

  it('are not learned when their partition was revoked and assigned again meanwhile (its model went back to its state)', async () => {
    const e = heldEngine();
    await e.assign([p(0)]);
    e.input.next({ records: records('a', 0, 20) });
    await e.assign([p(1)]);
    await e.assign([p(0), p(1)]);
    const stats = await e.finish();
    expect(stats.learned).toBe(0);
    expect(stats.notLearnedRevoked).toBe(20);
  });

  it('are not learned when their partition was assigned again after this instance lost its partitions (it was out of its group)', async () => {
    const e = heldEngine();
    await e.assign([p(0)]);
    e.input.next({ records: records('a', 0, 20) });
    await e.assign([p(0)], { lost: true });
    e.input.next({ records: records('a', 0, 10, 20) });
    const stats = await e.finish();
    expect(stats.learned).toBe(10);
    expect(stats.notLearnedRevoked).toBe(20);
  });

  it('are not learned with rewindOnAssign (exactly-once) even when their partition stayed assigned', async () => {
    const e = heldEngine(true);
    await e.assign([p(0)]);
    e.input.next({ records: records('a', 0, 20) });
    await e.assign([p(0)]);
    const stats = await e.finish();
    expect(stats.learned).toBe(0);
    expect(stats.notLearnedRevoked).toBe(20);
  });

  it('of a batch of two partitions: only the revoked partition’s events are left out, and only the other’s records committed', async () => {
    const e = heldEngine();
    await e.assign([p(0), p(1)]);
    e.input.next({ records: [...records('a', 0, 10), ...records('b', 1, 10)] });
    await e.assign([p(1)]);
    const stats = await e.finish();
    expect(stats.learned).toBe(10);
    expect(stats.notLearnedRevoked).toBe(10);
    expect(new Set(e.sink.models.map((s) => s.key))).toEqual(new Set(['b']));
    expect(e.committed.length).toBeGreaterThan(0);
    expect(new Set(e.committed.map((r) => r.position.partition))).toEqual(new Set([1]));
  });

  it('read after the assignment are learned as usual', async () => {
    const e = heldEngine();
    await e.assign([p(0)]);
    await e.assign([p(1)]);
    e.input.next({ records: records('b', 1, 10) });
    const stats = await e.finish();
    expect(stats.learned).toBe(10);
    expect(stats.notLearnedRevoked).toBe(0);
  });
});

describe('records delivered again to a model kept in memory, without a durable store', () => {
  it('are skipped when the source has partition assignments (a rebalance kept the partition)', async () => {
    const e = heldEngine();
    await e.assign([p(0)]);
    e.input.next({ records: records('a', 0, 20) });
    // the partition stayed here, and the source reads again from its committed offset
    await e.assign([p(0)]);
    e.input.next({ records: records('a', 0, 20, 10) });
    const stats = await e.finish();
    expect([stats.learned, stats.skippedCovered]).toEqual([30, 10]);
  });
});
