import type { Observable } from 'rxjs';

import { optionKeyProblems } from '../config/optionKeys.js';
import { ConfigError } from '../core/errors.js';
import { shownValue } from '../config/unknownKey.js';
import { LiveModel } from '../model/liveModel.js';
import type { Alert, ModelSnapshot } from '../model/snapshot.js';
import type { DeadLetter, RawBatch, RawRecord } from '../stream/types.js';
import type { ScoreRecord } from './records.js';

/**
 * The ports the engine runs against (in the spirit of Kafka Streams' topology vs. runtime): what
 * the pipeline is does not depend on where events come from, where outputs go, or where state is
 * kept. Files and Kafka implement them in `connectors/`; the engine imports no connector.
 */

/** Where events come from: batches of raw records, and a way to say they are done with. */
export interface EventSource {
  /** Batches in order (per partition); one subscription. */
  readonly batches$: Observable<RawBatch>;
  /**
   * Called once the records' events are learned and every output they caused is acknowledged
   * (docs/conventions.md, delivery); Kafka commits offsets here, files do nothing.
   */
  commit?(records: readonly RawRecord[]): Promise<void>;
  /**
   * With a durable state store, offsets are committed only at checkpoints; `release` is called
   * for every batch whose outputs are durable, so a source that bounds its batches in flight
   * (Kafka) can read on between checkpoints.
   */
  release?(records: readonly RawRecord[]): void;
  /**
   * Registers what runs when the source is assigned partitions (Kafka: on start and after every
   * rebalance), before any record of the new assignment is emitted; the source awaits it.
   */
  onAssign?(handler: (assignment: readonly PartitionRef[], change?: AssignmentChange) => Promise<void>): void;
  /**
   * Whether this instance still holds the partitions it has read since its last assignment, asked
   * when a checkpoint captures model states and awaited before they are written (Kafka,
   * at-least-once: whether the group's coordinator still lists its member id). False skips that
   * checkpoint: an instance dropped from its group that has not noticed yet must not write states
   * over those of its partitions' new owner (its offset commit would be refused, its states would
   * stay). Its next assignment, a lost one, restores every model. True when it cannot tell.
   */
  stillAssigned?(): Promise<boolean>;
  /** Runs before a batch is decoded (Avro: fetch the writer schemas it names). */
  prepare?(records: readonly RawRecord[]): Promise<void>;
  /** Stops reading (idempotent). */
  close?(): Promise<void>;
}

/** How an assignment follows the one before it. */
export interface AssignmentChange {
  /**
   * The partitions of the previous assignment were lost, not handed over: this instance was out
   * of its group since then (Kafka: its session expired, or its consumer restarted), so any of
   * them may have been read and committed by another member meanwhile, even one assigned here
   * again. No partition was held without a break.
   */
  readonly lost: boolean;
}

/** One input partition (Kafka topic and partition). */
export interface PartitionRef {
  readonly source: string;
  readonly partition: number;
}

/**
 * Where outputs go. Writes are queued; `flush` resolves when all queued so far are durable. A
 * write method may be `async` (return a promise): the engine awaits its promises before it
 * flushes, and a write that throws or rejects fails the run with `SinkError`.
 */
export interface OutputSink {
  model(snapshot: ModelSnapshot): void;
  score(score: ScoreRecord): void;
  alert(alert: Alert): void;
  deadLetter(letter: DeadLetter): void;
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Drops what is queued and not yet sent (a rewind to the last checkpoint). */
  discard?(): void;
  /**
   * The highest snapshot version of `key` an earlier run left in this sink (0: none). A model
   * created or restored here numbers its snapshots above it, so a restart never gives a version
   * twice (a sink without it: versions go on from the model's restored state).
   */
  publishedVersion?(key: string): number;
}

/**
 * Model state by model key (the README's keyed models): checkpoints of models evicted from memory, and of every
 * model at checkpoints. Synchronous reads and writes (a local directory or memory); durable
 * stores (Kafka's state topic) replicate from it.
 */
export interface StateStore {
  /**
   * True when states outlive the process (a directory, Kafka): the engine then checkpoints every
   * model with the input positions it covers and commits offsets only at checkpoints.
   */
  readonly durable?: boolean;
  get(key: string): Uint8Array | undefined;
  /** Stores an evicted model's state (`partitions`: the input partitions the model lives on). */
  put(key: string, state: Uint8Array, partitions?: readonly PartitionRef[]): void;
  /**
   * Writes a live model's state at a checkpoint; the model stays in memory, so a store need not
   * keep a copy (default: `put`).
   */
  checkpoint?(key: string, state: Uint8Array, partitions: readonly PartitionRef[]): void;
  delete(key: string): void;
  /**
   * The registry holds `key`'s model in memory again: a durable store may drop its in-memory
   * copy but keeps the durable one (a store without `release` has the key deleted instead).
   */
  release?(key: string): void;
  /**
   * True when `get` still returns a key's stored state after `release` (a state directory keeps
   * its file): a model that learned nothing since it was restored or checkpointed is then dropped
   * from memory without its state written again. Absent or false: every evicted model is `put`.
   */
  readonly keepsReleased?: boolean;
  /** Every key with a stored state. */
  keys(): Iterable<string>;
  /**
   * For a key whose state this store forgot (or never had): a version its new model must number
   * its snapshots above, so a forgotten key's versions never repeat (absent or 0: none).
   */
  versionFloor?(key: string): number;
  /** Where `key`'s state is kept and what a user can do when it cannot be restored (for errors). */
  remedy?(key: string): string | undefined;
  /** Makes every `put` so far durable. */
  flush?(): Promise<void>;
  /**
   * The engine given this store has ended (its run finished, failed or was closed; a durable store
   * has every model's last checkpoint): a store that holds something for its engine lets go of it
   * (a state directory, which one store of a process holds at a time).
   */
  detach?(): void;
  /**
   * Loads the states of the models that live on these partitions (Kafka: from the state topic),
   * before their records are processed; returns what it loaded.
   */
  restore?(assignment: readonly PartitionRef[]): Promise<RestoreStats>;
}

/** What a state store loaded (`StateStore.restore`). */
export interface RestoreStats {
  readonly models: number;
  readonly bytes: number;
  readonly ms: number;
}

export interface MemoryStateStoreOptions {
  /**
   * States kept at most (default: Infinity). The store holds the models evicted from memory, one
   * state per key (a few kB each, more with more features), so without a bound it grows with the
   * number of distinct keys the stream ever had. Beyond the bound, the state evicted longest ago
   * is forgotten: when its key returns, its model starts afresh, as a new key's, but numbers its
   * snapshots above the forgotten model's (`versionFloor`).
   */
  readonly maxKeys?: number;
}

/**
 * A state store in memory (the default when nothing needs to survive the process): the states of
 * models evicted from memory, in the order they were evicted.
 */
export class MemoryStateStore implements StateStore {
  readonly maxKeys: number;
  /** States forgotten to stay within `maxKeys`. */
  forgotten = 0;
  private readonly states = new Map<string, Uint8Array>();
  /** The last version of each forgotten state, at most `maxKeys` of them (oldest dropped first). */
  private readonly floors = new Map<string, number>();
  /** The highest version among floors dropped from `floors`: every key's floor from then on. */
  private droppedFloor = 0;

  constructor(options: MemoryStateStoreOptions = {}) {
    // from plain JavaScript: a misspelled `maxKeys` (maxkeys) left the store unbounded
    const problems = optionKeyProblems('MemoryStateStore', options, ['maxKeys']);
    if (problems.length > 0) throw new ConfigError(problems);
    const maxKeys = options.maxKeys ?? Infinity;
    if (!(maxKeys === Infinity || (Number.isInteger(maxKeys) && maxKeys >= 1)))
      throw new ConfigError([
        {
          path: 'MemoryStateStore: maxKeys',
          message: `must be a whole number >= 1 or Infinity (the states kept), got ${shownValue(maxKeys)}`,
        },
      ]);
    this.maxKeys = maxKeys;
  }

  get(key: string): Uint8Array | undefined {
    return this.states.get(key);
  }

  /** Stores `key`'s state as the newest; forgets the oldest beyond `maxKeys`. */
  put(key: string, state: Uint8Array): void {
    // Map order is insertion order: re-inserting makes it the newest.
    this.states.delete(key);
    this.states.set(key, state);
    for (const oldest of this.states.keys()) {
      if (this.states.size <= this.maxKeys) break;
      this.forget(oldest);
      this.forgotten++;
    }
  }

  /**
   * Forgets `key`'s stored state (a user who left, a campaign that ended): if the key comes back,
   * its model starts afresh, numbering its snapshots above the forgotten ones. A model in memory
   * is not stored here until it is evicted, or its engine's run ends (`storeModelsAtEnd`).
   */
  delete(key: string): void {
    this.forget(key);
  }

  /** Drops `key`'s state: its model is in memory again (no version floor needed). */
  release(key: string): void {
    this.states.delete(key);
  }

  versionFloor(key: string): number {
    return Math.max(this.floors.get(key) ?? 0, this.droppedFloor);
  }

  private forget(key: string): void {
    const state = this.states.get(key);
    if (state === undefined) return;
    this.states.delete(key);
    const version = LiveModel.checkpointVersion(state);
    this.floors.delete(key);
    this.floors.set(key, version);
    for (const [oldest, floor] of this.floors) {
      if (this.floors.size <= this.maxKeys) break;
      this.floors.delete(oldest);
      if (floor > this.droppedFloor) this.droppedFloor = floor;
    }
  }

  keys(): Iterable<string> {
    return this.states.keys();
  }

  /** Bytes held. */
  get bytes(): number {
    let s = 0;
    for (const v of this.states.values()) s += v.byteLength;
    return s;
  }
}
