import { optionKeyProblems } from '../config/optionKeys.js';
import { shownValue } from '../config/unknownKey.js';
import { ConfigError, type ConfigProblem } from '../core/errors.js';
import type { PartitionRef, StateStore } from '../engine/ports.js';

/** How a registry makes, saves and restores its models. */
export interface RegistryCodec<M> {
  create(key: string): M;
  checkpoint(model: M, key: string): Uint8Array;
  restore(key: string, state: Uint8Array): M;
  /** The input partitions a model lives on (stored with its state). */
  partitions?(model: M): readonly PartitionRef[];
  /** Releases what a model dropped from memory holds outside it (its drift worker's detector). */
  dispose?(model: M): void;
  /**
   * The store holds this model's state as it is (restored, or checkpointed, and unchanged since):
   * evicting it puts nothing (absent: every evicted model is put).
   */
  stored?(model: M): boolean;
}

export interface ModelRegistryOptions<M> {
  /** Models held in memory after `trim()` at most (Infinity: all). */
  readonly maxLive: number;
  readonly store: StateStore;
  readonly codec: RegistryCodec<M>;
}

/** An object with these methods, or the problem of `value` at `path`. */
function methodsProblem(
  path: string,
  value: unknown,
  methods: readonly string[],
  what: string,
): ConfigProblem[] {
  const o = value as Readonly<Record<string, unknown>> | null;
  if (typeof value !== 'object' || o === null)
    return [
      {
        path,
        message: `${value === undefined ? 'required' : `must be an object, got ${shownValue(value)}`}: ${what}`,
      },
    ];
  const missing = methods.filter((m) => typeof o[m] !== 'function');
  return missing.length === 0
    ? []
    : [{ path, message: `has no method ${missing.join(', ')}: it must be ${what}` }];
}

/**
 * `ModelRegistry`'s options from JavaScript: a misspelled key (`stor`) was ignored, and a store or
 * codec without its methods failed at the first eviction; each is named in one `ConfigError`.
 */
function checkRegistryOptions(options: unknown): void {
  const problems = optionKeyProblems('ModelRegistry', options, ['maxLive', 'store', 'codec']);
  if (problems.length === 0) {
    const o = options as Readonly<Record<string, unknown>>;
    const maxLive = o.maxLive;
    if (!(typeof maxLive === 'number' && maxLive >= 1 && (Number.isInteger(maxLive) || maxLive === Infinity)))
      problems.push({
        path: 'ModelRegistry: maxLive',
        message: `must be a whole number >= 1 or Infinity (models kept in memory), got ${shownValue(maxLive)}`,
      });
    problems.push(
      ...methodsProblem(
        'ModelRegistry: store',
        o.store,
        ['get', 'put', 'delete', 'keys'],
        'a StateStore (MemoryStateStore, DirectoryStateStore, a Kafka state store)',
      ),
      ...methodsProblem(
        'ModelRegistry: codec',
        o.codec,
        ['create', 'checkpoint', 'restore'],
        'a RegistryCodec { create, checkpoint, restore }',
      ),
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

/**
 * Keyed models (README): one per key, created on first sight. Models are kept in a Map in
 * least-recently-used order; `trim()` checkpoints the oldest ones whole into the state store and
 * drops them until at most `maxLive` remain, and `acquire` restores a stored model when its key
 * returns. Eviction happens only when asked (the engine trims between batches), so the models a
 * batch touches stay in memory until the batch is through every stage; lru-cache evicts inside
 * `set`, which would checkpoint a model in the middle of its batch.
 */
export class ModelRegistry<M> {
  readonly stats = { created: 0, evicted: 0, restored: 0 };
  readonly maxLive: number;
  private readonly models = new Map<string, M>();
  private readonly store: StateStore;
  private readonly codec: RegistryCodec<M>;

  constructor(options: ModelRegistryOptions<M>) {
    checkRegistryOptions(options);
    this.maxLive = options.maxLive;
    this.store = options.store;
    this.codec = options.codec;
  }

  /** Models in memory. */
  get live(): number {
    return this.models.size;
  }

  /** The model of `key`: in memory, restored from the store, or new; now the most recently used. */
  acquire(key: string): M {
    let model = this.models.get(key);
    if (model !== undefined) {
      // Map order is insertion order: re-inserting makes it the most recently used.
      this.models.delete(key);
      this.models.set(key, model);
      return model;
    }
    const state = this.store.get(key);
    if (state !== undefined) {
      model = this.codec.restore(key, state);
      if (this.store.release) this.store.release(key);
      else this.store.delete(key);
      this.stats.restored++;
    } else {
      model = this.codec.create(key);
      this.stats.created++;
    }
    this.models.set(key, model);
    return model;
  }

  /** The model of `key` if it is in memory (the order is unchanged). */
  peekLive(key: string): M | undefined {
    return this.models.get(key);
  }

  /**
   * Checkpoints and drops least recently used models until at most `maxLive` are in memory (a
   * model the store holds as it is, `codec.stored`, is dropped without a checkpoint).
   */
  trim(): void {
    if (this.models.size <= this.maxLive) return;
    for (const [key, model] of this.models) {
      if (this.models.size <= this.maxLive) break;
      if (this.codec.stored?.(model) !== true)
        this.store.put(key, this.codec.checkpoint(model, key), this.codec.partitions?.(model));
      this.models.delete(key);
      this.codec.dispose?.(model);
      this.stats.evicted++;
    }
  }

  /**
   * Puts the state of every model in memory into the store, keeping the models in memory (the
   * end of a run with a store that checkpoints do not write: a later registry on the same store
   * goes on from them).
   */
  storeLive(): void {
    for (const [key, model] of this.models)
      if (this.codec.stored?.(model) !== true)
        this.store.put(key, this.codec.checkpoint(model, key), this.codec.partitions?.(model));
  }

  /**
   * Drops, without checkpointing, the models in memory that `keep` rejects (their partitions
   * moved to another instance, which restores them from the last checkpoint); returns how many.
   */
  dropUnless(keep: (model: M, key: string) => boolean): number {
    let dropped = 0;
    for (const [key, model] of [...this.models]) {
      if (keep(model, key)) continue;
      this.models.delete(key);
      this.codec.dispose?.(model);
      dropped++;
    }
    return dropped;
  }

  /** Every key, in memory or stored (each once). */
  keys(): string[] {
    const keys = new Set<string>(this.models.keys());
    for (const k of this.store.keys()) keys.add(k);
    return [...keys];
  }

  /** Models in memory, least recently used first. */
  liveModels(): M[] {
    return [...this.models.values()];
  }

  /**
   * Calls `fn` on every model (restoring stored ones, trimming as it goes); with `inKeyOrder`, in
   * the keys' order (UTF-16 code units), the same whichever models are in memory.
   */
  forEach(fn: (model: M, key: string) => void, inKeyOrder = false): void {
    const keys = this.keys();
    if (inKeyOrder) keys.sort();
    for (const key of keys) {
      fn(this.acquire(key), key);
      this.trim();
    }
  }

  /**
   * Calls `fn` on every model to read it, in the keys' order (UTF-16 code units): a stored model
   * is restored for the call and dropped after it, so nothing is evicted, written or reordered.
   * `fn` must not change the model (a change to a stored one would be lost).
   */
  visit(fn: (model: M, key: string) => void): void {
    const keys = this.keys().sort();
    for (const key of keys) {
      const live = this.models.get(key);
      if (live !== undefined) {
        fn(live, key);
        continue;
      }
      const state = this.store.get(key);
      if (state === undefined) continue;
      const model = this.codec.restore(key, state);
      try {
        fn(model, key);
      } finally {
        this.codec.dispose?.(model);
      }
    }
  }
}
