import { performance } from 'node:perf_hooks';

import type { LiveModel } from '../model/liveModel.js';
import type { ModelRegistry } from '../model/registry.js';
import type { RawRecord } from '../stream/types.js';
import type { CheckpointConfig } from './config.js';
import type { EventSource, StateStore } from './ports.js';

/** What one checkpoint wrote. */
export interface CheckpointStats {
  /** Models whose state was written (those that changed since their last checkpoint). */
  readonly models: number;
  readonly bytes: number;
  /** From the first state written to the offsets committed. */
  readonly ms: number;
}

/**
 * Checkpoints with a durable state store (DESIGN §8): every `everyEvents` records or
 * `everySeconds`, the state of every model that changed is written to the store, the store is
 * flushed, and only then are the input positions read so far committed. The committed position
 * is therefore never ahead of what the stored states cover; a state may be ahead of it (a model
 * evicted or checkpointed after the commit), and the model then skips the records it covers when
 * they are read again (`LiveModel.covered`). Called by `publish` once a batch's outputs are
 * durable.
 */
export class Checkpointer {
  readonly totals = { checkpoints: 0, models: 0, bytes: 0, ms: 0 };
  private readonly lastByPartition = new Map<string, RawRecord>();
  private records = 0;
  private lastAt: number;
  /** Checkpoints and batch notes run one at a time, in order. */
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly registry: ModelRegistry<LiveModel>,
    private readonly store: StateStore,
    private readonly source: EventSource,
    private readonly config: CheckpointConfig,
    private readonly now: () => number,
    private readonly onCheckpoint?: (stats: CheckpointStats) => void,
  ) {
    this.lastAt = now();
  }

  /**
   * A batch's outputs are durable: notes its records and checkpoints when one is due (after any
   * checkpoint already running).
   */
  afterBatch(records: readonly RawRecord[]): Promise<unknown> {
    return this.serialized(async () => {
      this.note(records);
      if (this.due) await this.checkpoint();
    });
  }

  /** The last checkpoint (the stream completed): after any running one. */
  finish(): Promise<unknown> {
    this.stopTimer();
    return this.serialized(() => this.checkpoint());
  }

  /**
   * Checkpoints by time also while no batch arrives (an idle topic still gets its last records
   * committed within `everySeconds`).
   */
  startTimer(): void {
    if (this.timer !== null || !Number.isFinite(this.config.everySeconds)) return;
    const every = Math.max(50, (this.config.everySeconds * 1000) / 4);
    this.timer = setInterval(() => {
      if (this.due)
        void this.serialized(async () => (this.due ? this.checkpoint() : undefined)).catch(() => {});
    }, every);
    this.timer.unref();
  }

  stopTimer(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** A batch's outputs are durable: its records may be committed at the next checkpoint. */
  note(records: readonly RawRecord[]): void {
    const n = records.length;
    for (let i = 0; i < n; i++) {
      const p = records[i].position;
      if (i + 1 < n) {
        const next = records[i + 1].position;
        if (next.partition === p.partition && next.source === p.source) continue;
      }
      this.lastByPartition.set(`${p.partition ?? -1}\u0000${p.source}`, records[i]);
    }
    this.records += n;
    this.source.release?.(records);
  }

  /** Records or seconds since the last checkpoint reached the configuration's cadence. */
  get due(): boolean {
    return (
      this.records >= this.config.everyEvents ||
      (this.records > 0 && this.now() - this.lastAt >= this.config.everySeconds * 1000)
    );
  }

  /** Writes every changed model's state, makes it durable, then commits the positions read. */
  async checkpoint(): Promise<CheckpointStats> {
    const t0 = performance.now();
    let models = 0;
    let bytes = 0;
    for (const live of this.registry.liveModels()) {
      if (!live.dirty) continue;
      const state = live.checkpoint();
      if (this.store.checkpoint) this.store.checkpoint(live.key, state, live.partitions());
      else this.store.put(live.key, state, live.partitions());
      live.dirty = false;
      models++;
      bytes += state.byteLength;
    }
    const positions = [...this.lastByPartition.values()];
    this.lastByPartition.clear();
    this.records = 0;
    this.lastAt = this.now();
    await this.store.flush?.();
    if (positions.length > 0) await this.source.commit?.(positions);
    const stats = { models, bytes, ms: performance.now() - t0 };
    this.totals.checkpoints++;
    this.totals.models += models;
    this.totals.bytes += bytes;
    this.totals.ms += stats.ms;
    this.onCheckpoint?.(stats);
    return stats;
  }
}
