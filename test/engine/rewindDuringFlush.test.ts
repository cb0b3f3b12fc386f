/**
 * A checkpoint whose states are being flushed when an assignment rewinds the engine (exactly-once,
 * `rewindOnAssign`) does not commit: the assignment aborts the transaction that holds those states
 * and outputs, and their records are read again. Committed, their dead letters were seen twice (a
 * review of the Kafka trial's duplicates: learned events are skipped as covered, rejected records
 * are dead-lettered again).
 */
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { Engine } from '../../src/engine/engine.js';
import {
  MemoryStateStore,
  type AssignmentChange,
  type EventSource,
  type PartitionRef,
} from '../../src/engine/ports.js';
import type { RawBatch, RawRecord } from '../../src/index.js';
import { engineConfig } from './helpers.js';
import { MemorySink } from './memoryPorts.js';

/** A durable memory store whose `flush` waits for `release()` while `held`. */
class HeldStore extends MemoryStateStore {
  readonly durable = true;
  held = false;
  readonly waiting: Array<() => void> = [];
  flush(): Promise<void> {
    if (!this.held) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  async restore(): Promise<{ models: number; bytes: number; ms: number }> {
    return { models: 0, bytes: 0, ms: 0 };
  }
}

const records = (n: number, first = 0): RawRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    value: JSON.stringify({ key: 'a', label: Math.sin(i + first), features: { x: Math.cos(i + first) } }),
    position: { source: 'events', partition: 0, offset: String(first + i) },
  }));
const p0: PartitionRef = { source: 'events', partition: 0 };

describe('a rewind while a checkpoint is flushed', () => {
  it('leaves that checkpoint uncommitted (exactly-once: its transaction is aborted)', async () => {
    const input = new Subject<RawBatch>();
    let assign: ((a: readonly PartitionRef[], change?: AssignmentChange) => Promise<void>) | null = null;
    const committed: RawRecord[] = [];
    const source: EventSource = {
      batches$: input,
      commit: (rs) => {
        committed.push(...rs);
        return Promise.resolve();
      },
      onAssign: (handler) => {
        assign = handler;
      },
    };
    const store = new HeldStore();
    const config = engineConfig({
      model: { family: 'gaussian', keyBy: 'key', lambda: 0.01, labelWarmup: 0 },
      refit: { enabled: false },
      snapshots: { everyEvents: 'Infinity', everySeconds: 'Infinity' },
      state: { everyEvents: 10, everySeconds: 'Infinity' },
    });
    const engine = new Engine(config, { source, sink: new MemorySink(), store }, { rewindOnAssign: true });
    const run = engine.run();
    await assign!([p0]);
    store.held = true;
    input.next({ records: records(20) });
    for (let i = 0; i < 200 && store.waiting.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(store.waiting).toHaveLength(1);
    // the assignment comes while the checkpoint's states are flushed
    await assign!([p0]);
    store.held = false;
    store.waiting[0]!();
    input.complete();
    await run;
    expect(committed.map((r) => r.position.offset)).not.toContain('19');
  });
});
