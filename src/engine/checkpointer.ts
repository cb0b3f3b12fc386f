import { performance } from 'node:perf_hooks';

import type { LiveModel } from '../model/liveModel.js';
import type { ModelRegistry } from '../model/registry.js';
import type { EngineElement } from '../stream/engineTypes.js';
import type { RawRecord } from '../stream/types.js';
import type { AssignmentFence } from './assignmentFence.js';
import type { CheckpointConfig } from './config.js';
import type { EventSource, PartitionRef, RestoreStats, StateStore } from './ports.js';

/**
 * Milliseconds of checkpoint work (capturing states at the stop, writing states) done in one go
 * before the event loop runs: thousands of keyed models take seconds to write, and meanwhile a
 * second signal (exit at once), timers and health probes must be heard.
 */
const SLICE_MS = 20;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** What one checkpoint wrote. */
export interface CheckpointStats {
  /** Models whose state was written (those that changed since their last checkpoint). */
  readonly models: number;
  readonly bytes: number;
  /**
   * Milliseconds the engine's thread spent on it: capturing (encoding) the states and handing
   * them to the store; not the waits (for the outputs before it, the store's flush, the commit).
   */
  readonly ms: number;
  /**
   * Milliseconds from the capture to the offsets committed, waits included (these overlap with
   * the learning of the events after the checkpoint).
   */
  readonly latencyMs: number;
}

/** One model's state as captured for a checkpoint. */
interface StateEntry {
  readonly key: string;
  readonly state: Uint8Array;
  readonly partitions: readonly PartitionRef[];
}

/** The states of a checkpoint, captured when every record before it (and none after) was learned. */
export interface Capture {
  readonly entries: readonly StateEntry[];
  /** When the capture ended, and the milliseconds it took (encoding the states). */
  readonly at: number;
  readonly captureMs: number;
  readonly epoch: number;
  /** The partition assignment the states were captured in (`AssignmentFence.current`). */
  readonly assignment: number;
  /** The source's `stillAssigned`, asked at the capture (null: not asked, no states to write). */
  readonly assigned: Promise<boolean> | null;
}

/**
 * In front of a durable store: evicted models' states stay in memory until the next checkpoint
 * writes them, so that no state becomes durable before the outputs of the events it covers (a
 * state ahead of its outputs would make a restored model skip events whose outputs were lost).
 */
export class EvictionBuffer implements StateStore {
  readonly durable = true;
  private readonly evicted = new Map<
    string,
    { state: Uint8Array; partitions: readonly PartitionRef[]; written: boolean }
  >();

  constructor(readonly store: StateStore) {}

  get(key: string): Uint8Array | undefined {
    return this.evicted.get(key)?.state ?? this.store.get(key);
  }

  put(key: string, state: Uint8Array, partitions: readonly PartitionRef[] = []): void {
    this.evicted.set(key, { state, partitions, written: false });
  }

  /** The key's evicted state has not been written to the store yet. */
  unwritten(key: string): boolean {
    const e = this.evicted.get(key);
    return e !== undefined && !e.written;
  }

  release(key: string): void {
    this.evicted.delete(key);
    if (this.store.release) this.store.release(key);
  }

  delete(key: string): void {
    this.evicted.delete(key);
    this.store.delete(key);
  }

  keys(): Iterable<string> {
    const keys = new Set(this.evicted.keys());
    for (const k of this.store.keys()) keys.add(k);
    return keys;
  }

  remedy(key: string): string | undefined {
    return this.store.remedy?.(key);
  }

  restore(assignment: readonly PartitionRef[]): Promise<RestoreStats> {
    return this.store.restore?.(assignment) ?? Promise.resolve({ models: 0, bytes: 0, ms: 0 });
  }

  /** Forgets every evicted state not yet written (a rewind to the last checkpoint). */
  clearUnwritten(): void {
    for (const [key, e] of [...this.evicted]) if (!e.written) this.evicted.delete(key);
  }

  /** Forgets evicted states whose partitions `keep` rejects (they moved to another instance). */
  dropUnless(keep: (partitions: readonly PartitionRef[]) => boolean): void {
    for (const [key, e] of [...this.evicted]) if (!keep(e.partitions)) this.evicted.delete(key);
  }

  /** Evicted states not yet written, now marked written (their bytes stay for `get`). */
  takeUnwritten(): StateEntry[] {
    const out: StateEntry[] = [];
    for (const [key, e] of this.evicted) {
      if (e.written) continue;
      e.written = true;
      out.push({ key, state: e.state, partitions: e.partitions });
    }
    return out;
  }

  flush(): Promise<void> {
    return this.store.flush?.() ?? Promise.resolve();
  }
}

/**
 * Checkpoints with a durable state store (the README's keyed models). A checkpoint is a barrier in the stream:
 * when one is due (every `everyEvents` records or `everySeconds`), the states of the models that
 * changed are captured right after the batch that makes it due was learned, before any later
 * one; once that batch's outputs (and all before) are durable, the states are written, the store
 * flushed, and only then the input positions up to that batch committed. So a committed position
 * is never ahead of the stored states, and a stored state never ahead of durable outputs; when
 * records after a commit are read again, a restored model skips those its state covers
 * (`LiveModel.covered`) and learns the rest: every event is learned once.
 */
export class Checkpointer {
  /**
   * `notAssigned`: checkpoints skipped because the source no longer held its partitions;
   * `revoked`: states not written because their model's partition went elsewhere since.
   */
  readonly totals = { checkpoints: 0, models: 0, bytes: 0, ms: 0, notAssigned: 0, revoked: 0 };
  private readonly lastByPartition = new Map<string, RawRecord>();
  private readonly captures = new WeakMap<EngineElement, Capture>();
  /** The rewind each element was learned in (`rewind()` starts a new one). */
  private readonly epochs = new WeakMap<EngineElement, number>();
  private epoch = 0;
  /** Records learned since the last capture. */
  private records = 0;
  /**
   * A refit, or snapshots of idle models (`snapshotEvery`'s timer), came in since the last capture:
   * a change the timer checkpoints too, so that on an idle stream its state is stored and
   * (exactly-once) the transaction holding its snapshot committed.
   */
  private outputsWithoutRecords = false;
  private lastAt: number;
  /** Elements learned but not yet through `publish` (the timer captures only when none are). */
  private pending = 0;
  /** Some parts of a raw batch are learned, not all (decoding yields between parts). */
  private midBatch = false;
  /** Checkpoint writes run one at a time, in order. */
  private chain: Promise<unknown> = Promise.resolve();
  /** Captures whose states are not written yet (or ever: a rewind forgets them). */
  private readonly unwritten = new Set<Capture>();
  private timer: NodeJS.Timeout | null = null;
  /**
   * Checkpoint work lets the event loop run between slices (`SLICE_MS`) only for a source without
   * partition assignments (files, an application's own). With Kafka it stays one step: sliced, a
   * Kafka test of 10,000 keyed models restarted failed (a snapshot version published twice).
   */
  private readonly sliced: boolean;

  constructor(
    private readonly registry: ModelRegistry<LiveModel>,
    private readonly buffer: EvictionBuffer,
    private readonly source: EventSource,
    private readonly config: CheckpointConfig,
    private readonly now: () => number,
    private readonly fence: AssignmentFence,
    private readonly onCheckpoint?: (stats: CheckpointStats) => void,
  ) {
    this.lastAt = now();
    this.sliced = source.onAssign === undefined;
  }

  /** Records or seconds since the last capture reached the cadence. */
  private get due(): boolean {
    return (
      this.records >= this.config.everyEvents ||
      ((this.records > 0 || this.outputsWithoutRecords) &&
        this.now() - this.lastAt >= this.config.everySeconds * 1000)
    );
  }

  /**
   * Called for every element right after it was learned (and evictions made): captures the
   * states when a checkpoint is due at a whole batch.
   */
  learned(element: EngineElement): void {
    this.pending++;
    this.epochs.set(element, this.epoch);
    // outputs without records (a refit's snapshot, the idle timer's snapshots): a checkpoint by
    // time must follow them, or exactly-once's transaction that holds them is never committed
    if (
      element.kind === 'refit' ||
      (element.kind === 'batch' && element.records.length === 0 && element.outputs.models.length > 0)
    )
      this.outputsWithoutRecords = true;
    if (element.kind === 'batch') this.midBatch = element.partial;
    if (element.kind !== 'batch' || element.partial) return;
    this.records += element.records.length;
    if (this.due) this.captures.set(element, this.capture());
  }

  /** Every changed model's state, now (synchronous: no event is learned meanwhile). */
  private capture(): Capture {
    const started = performance.now();
    const entries: StateEntry[] = this.buffer.takeUnwritten();
    for (const live of this.registry.liveModels()) {
      if (!live.dirty) continue;
      entries.push({ key: live.key, state: live.checkpoint(), partitions: live.partitions() });
      live.dirty = false;
    }
    return this.captured(entries, this.epoch, this.fence.current, performance.now() - started);
  }

  /**
   * `capture` with the event loop run between slices of models: only once the stream has ended
   * (nothing is learned meanwhile), so that a stop's last checkpoint of thousands of models can be
   * cut short by a second signal.
   */
  private async captureInSlices(): Promise<Capture> {
    // as they were when the capture began (not after the yields)
    const epoch = this.epoch;
    const assignment = this.fence.current;
    const entries: StateEntry[] = this.buffer.takeUnwritten();
    let sliceStart = performance.now();
    // the capture's own time, without the turns it gave the event loop
    let busy = 0;
    for (const live of this.registry.liveModels()) {
      if (!live.dirty) continue;
      entries.push({ key: live.key, state: live.checkpoint(), partitions: live.partitions() });
      live.dirty = false;
      const now = performance.now();
      if (now - sliceStart >= SLICE_MS) {
        busy += now - sliceStart;
        await nextTurn();
        sliceStart = performance.now();
      }
    }
    return this.captured(entries, epoch, assignment, busy + performance.now() - sliceStart);
  }

  private captured(entries: StateEntry[], epoch: number, assignment: number, captureMs: number): Capture {
    this.records = 0;
    this.outputsWithoutRecords = false;
    this.lastAt = this.now();
    // asked now, so that the answer comes while the outputs before this checkpoint are flushed
    const assigned =
      entries.length > 0 && this.source.stillAssigned ? this.source.stillAssigned().catch(() => true) : null;
    const capture = {
      entries,
      at: performance.now(),
      captureMs,
      epoch,
      assignment,
      assigned,
    };
    this.unwritten.add(capture);
    return capture;
  }

  /**
   * Every state captured is written (or forgotten by a rewind): a model not changed since its
   * capture or restore (not `dirty`) has its state in the store as it is.
   */
  get settled(): boolean {
    return this.unwritten.size === 0;
  }

  /**
   * An element's outputs are durable: notes its records (the source may read on) and, when a
   * capture was made at it, writes the states and commits the positions noted so far.
   */
  published(element: EngineElement): Promise<unknown> {
    return this.serialized(async () => {
      this.pending--;
      if (element.kind !== 'batch' || element.partial || !this.current(element)) return;
      this.note(element.records);
      const capture = this.captures.get(element);
      if (capture !== undefined) await this.write(capture);
    });
  }

  /** Learned since the last rewind (elements from before one are neither published nor committed). */
  current(element: EngineElement): boolean {
    return (this.epochs.get(element) ?? this.epoch) === this.epoch;
  }

  /**
   * Forgets everything since the last checkpoint (exactly-once after a rebalance: the models are
   * restored from it and the records after it read again): elements learned before now are not
   * published, captures not written, noted positions not committed.
   */
  rewind(): void {
    this.epoch++;
    this.unwritten.clear();
    this.lastByPartition.clear();
    this.records = 0;
    this.outputsWithoutRecords = false;
    this.lastAt = this.now();
  }

  /** The last checkpoint, once the stream completed and every output is durable. */
  finish(): Promise<unknown> {
    this.stopTimer();
    if (!this.sliced) return this.serialized(() => this.write(this.capture()));
    return this.serialized(async () => this.write(await this.captureInSlices()));
  }

  /**
   * Checkpoints by time also while no batch arrives (an idle topic still gets its last records
   * committed within `everySeconds`): only when nothing is between learning and publishing.
   */
  startTimer(): void {
    if (this.timer !== null || !Number.isFinite(this.config.everySeconds)) return;
    const every = Math.max(50, (this.config.everySeconds * 1000) / 4);
    this.timer = setInterval(() => {
      if (this.pending !== 0 || this.midBatch || !this.due) return;
      const capture = this.capture();
      void this.serialized(() => this.write(capture)).catch(() => undefined);
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

  private note(records: readonly RawRecord[]): void {
    const n = records.length;
    for (let i = 0; i < n; i++) {
      const p = records[i].position;
      if (i + 1 < n) {
        const next = records[i + 1].position;
        if (next.partition === p.partition && next.source === p.source) continue;
      }
      this.lastByPartition.set(`${p.partition ?? -1}\u0000${p.source}`, records[i]);
    }
    this.source.release?.(records);
  }

  /** Writes the captured states, makes them durable, then commits the positions noted. */
  private async write(capture: Capture): Promise<void> {
    try {
      await this.writeStates(capture);
    } finally {
      this.unwritten.delete(capture);
    }
  }

  private async writeStates(capture: Capture): Promise<void> {
    if (capture.epoch !== this.epoch) return;
    if (capture.assigned !== null && !(await capture.assigned)) {
      // dropped from the group: neither states nor offsets (the lost assignment to come rewinds)
      this.totals.notAssigned++;
      return;
    }
    if (capture.epoch !== this.epoch) return;
    const store = this.buffer.store;
    let bytes = 0;
    let written = 0;
    let sliceStart = performance.now();
    // the writes' own time, without the turns they gave the event loop
    let busy = 0;
    for (const e of capture.entries) {
      if (this.sliced && performance.now() - sliceStart >= SLICE_MS) {
        busy += performance.now() - sliceStart;
        await nextTurn();
        sliceStart = performance.now();
        // a rewind meanwhile: the rest of this checkpoint is forgotten (each state written
        // covers its own records: a restored model skips those, and learns the rest)
        if (capture.epoch !== this.epoch) return;
      }
      // The partition went elsewhere since the capture: its new owner restored the state before
      // this one and reads the records after it again (their offsets are not committed here).
      // Written now, this state could land after the new owner's own and replace it.
      if (!this.fence.heldSince(e.partitions, capture.assignment)) {
        this.totals.revoked++;
        continue;
      }
      written++;
      if (store.checkpoint) store.checkpoint(e.key, e.state, e.partitions);
      else store.put(e.key, e.state, e.partitions);
      bytes += e.state.byteLength;
    }
    busy += performance.now() - sliceStart;
    const positions = [...this.lastByPartition.values()];
    this.lastByPartition.clear();
    await store.flush?.();
    // a rewind while the states were flushed (exactly-once: an assignment): the assignment aborts
    // the transaction that holds them, and their records are read again; committed now, that
    // transaction's outputs were seen twice (its dead letters: learned events are skipped as covered)
    if (capture.epoch !== this.epoch) return;
    // (called without positions too: an exactly-once source commits its transaction here)
    await this.source.commit?.(positions);
    const stats = {
      models: written,
      bytes,
      ms: capture.captureMs + busy,
      latencyMs: capture.captureMs + performance.now() - capture.at,
    };
    this.totals.checkpoints++;
    this.totals.models += stats.models;
    this.totals.bytes += stats.bytes;
    this.totals.ms += stats.ms;
    this.onCheckpoint?.(stats);
  }
}
