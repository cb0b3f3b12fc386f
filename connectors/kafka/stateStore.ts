import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import type { IHeaders, Kafka, Message } from 'kafkajs';

import {
  checkState,
  ConfigError,
  ConnectorError,
  StateError,
  type PartitionRef,
  type RestoreStats,
  type StateStore,
} from '../../src/index.js';
import { optionProblems } from '../../src/internal.js';
import type { ConnectorLogger } from './deadLetters.js';
import { ensureTopics } from './topics.js';
import { retrying } from './retry.js';
import type { ProducerChannel } from './transactions.js';

/**
 * Model states in a compacted Kafka topic (`<prefix>.state`), the changelog pattern of Kafka
 * Streams, so that a restart or a rebalance resumes every model where its last checkpoint left it.
 *
 * Record layout (one model's state may be split into chunks to stay under the broker's message
 * size limit):
 *
 *     key     "L1" | version 1 | slot (0|1) | chunk index (u16 BE) | model key (UTF-8), or
 *             "L1" | version 2 | slot (0|1) | chunk index (u16 BE) | model key (UTF-16LE) for a
 *             key UTF-8 cannot spell (an unpaired surrogate, which a JSON `\ud800` escape can give)
 *     value   the chunk's bytes (a slice of the state's checkpoint bytes); null = tombstone
 *     headers l1s-seq (checkpoint ordinal of this model), l1s-chunks (count), l1s-bytes (total),
 *             l1s-family, l1s-learner, l1s-partitions (JSON [[topic, partition], ...])
 *
 * Successive checkpoints of a model alternate between two slots, so a crash in the middle of
 * writing one leaves the other complete; compaction keeps the newest record per key, i.e. the
 * newest chunk of each slot. A restore takes, per model, the complete slot with the highest
 * ordinal; if its bytes fail the checkpoint checksum, that is an error (not a fall-back to the
 * older slot, which may cover fewer events than the committed offsets).
 */
export interface KafkaStateStoreOptions {
  readonly topic: string;
  /** Partitions of the state topic when it is created (default 1). */
  readonly partitions?: number;
  readonly replicationFactor?: number;
  /** Largest chunk (default 512 KiB; brokers take 1 MiB per record batch by default). */
  readonly chunkBytes?: number;
  /** Checked on restore: a state of another family or learner is an error, not a fresh start. */
  readonly family: string;
  readonly learner: string;
  /** Base of the short-lived consumer group a restore reads the topic with. */
  readonly groupId: string;
  readonly logger?: ConnectorLogger;
  /** Send through this (exactly-once: the instance's transactions) instead of an own producer. */
  readonly channel?: ProducerChannel;
  /** Runs first in every `restore` (checks of the assignment, a new transactional producer). */
  readonly beforeRestore?: (assignment: readonly PartitionRef[]) => Promise<void>;
}

interface KeyMeta {
  /** Ordinal of the last checkpoint written (or restored). */
  seq: number;
  /** Chunks of the last write to each slot (to tombstone leftovers when a state shrinks). */
  readonly chunks: [number, number];
  /** State topic partition of this model's records. */
  readonly partition: number;
}

interface Chunk {
  readonly seq: number;
  readonly chunks: number;
  readonly bytes: number;
  readonly family: string;
  readonly learner: string;
  readonly partitions: readonly PartitionRef[];
  readonly value: Buffer;
}

const MAGIC0 = 0x4c; // "L"
const MAGIC1 = 0x31; // "1"
const KEY_UTF8 = 1;
const KEY_UTF16 = 2;
const KEY_HEADER = 6;
const REQUEST_BYTES = 900 * 1024;

/** The record key of one chunk of one model's state. */
export function stateRecordKey(modelKey: string, slot: number, chunk: number): Buffer {
  const utf8 = Buffer.from(modelKey, 'utf8');
  const spelled = utf8.toString('utf8') === modelKey;
  const name = spelled ? utf8 : Buffer.from(modelKey, 'utf16le');
  const key = Buffer.allocUnsafe(KEY_HEADER + name.length);
  key[0] = MAGIC0;
  key[1] = MAGIC1;
  key[2] = spelled ? KEY_UTF8 : KEY_UTF16;
  key[3] = slot;
  key.writeUInt16BE(chunk, 4);
  name.copy(key, KEY_HEADER);
  return key;
}

/** Parses a state record key, or null when it is not one. */
export function parseStateRecordKey(
  key: Buffer | null,
): { modelKey: string; slot: number; chunk: number } | null {
  if (key === null || key.length < KEY_HEADER || key[0] !== MAGIC0 || key[1] !== MAGIC1) return null;
  if ((key[2] !== KEY_UTF8 && key[2] !== KEY_UTF16) || key[3] > 1) return null;
  const name = key.subarray(KEY_HEADER);
  if (key[2] === KEY_UTF16 && name.length % 2 !== 0) return null;
  const modelKey = name.toString(key[2] === KEY_UTF8 ? 'utf8' : 'utf16le');
  return { modelKey, slot: key[3], chunk: key.readUInt16BE(4) };
}

/** The records of one model state (chunked); `partition` is the state topic partition. */
export function stateRecords(
  modelKey: string,
  state: Uint8Array,
  meta: {
    readonly seq: number;
    readonly family: string;
    readonly learner: string;
    readonly partitions: readonly PartitionRef[];
    readonly chunkBytes: number;
  },
): Message[] {
  const slot = meta.seq % 2;
  const count = Math.max(1, Math.ceil(state.byteLength / meta.chunkBytes));
  const headers: IHeaders = {
    'l1s-seq': String(meta.seq),
    'l1s-chunks': String(count),
    'l1s-bytes': String(state.byteLength),
    'l1s-family': meta.family,
    'l1s-learner': meta.learner,
    'l1s-partitions': JSON.stringify(meta.partitions.map((p) => [p.source, p.partition])),
  };
  const messages: Message[] = [];
  const bytes = Buffer.from(state.buffer, state.byteOffset, state.byteLength);
  for (let i = 0; i < count; i++) {
    messages.push({
      key: stateRecordKey(modelKey, slot, i),
      value: bytes.subarray(i * meta.chunkBytes, Math.min(state.byteLength, (i + 1) * meta.chunkBytes)),
      headers,
    });
  }
  return messages;
}

function header(headers: IHeaders | undefined, name: string): string | undefined {
  const v = headers?.[name];
  if (v === undefined) return undefined;
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined ? undefined : first.toString();
}

/** FNV-1a of the key's UTF-8 bytes: a model's records always go to one state partition. */
function partitionOf(modelKey: string, partitions: number): number {
  let h = 0x811c9dc5;
  const bytes = Buffer.from(modelKey, 'utf8');
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return (h >>> 0) % partitions;
}

const sameRef = (a: PartitionRef, b: PartitionRef) => a.partition === b.partition && a.source === b.source;

/**
 * The keys of `KafkaStateStoreOptions`: from JavaScript, a misspelled one was ignored and its default used;
 * each is a `ConfigError`, with the key meant.
 */
const KAFKASTATESTORE_KEYS: readonly (keyof KafkaStateStoreOptions)[] = [
  'topic',
  'partitions',
  'replicationFactor',
  'chunkBytes',
  'family',
  'learner',
  'groupId',
  'logger',
  'channel',
  'beforeRestore',
];

/**
 * A `StateStore` on a compacted topic. States of evicted models are kept in memory too (reads are
 * synchronous); states written at checkpoints are not (their models are live). `flush()` resolves
 * once every state written so far is acknowledged by the broker (acks = all, idempotent).
 */
export class KafkaStateStore implements StateStore {
  readonly durable = true;
  readonly stats = { written: 0, bytesWritten: 0, records: 0, restores: 0 };
  private readonly kafka: Kafka;
  private readonly options: KafkaStateStoreOptions;
  private readonly chunkBytes: number;
  private readonly producer: ProducerChannel;
  private readonly ownsProducer: boolean;
  private readonly cache = new Map<string, Uint8Array>();
  private readonly meta = new Map<string, KeyMeta>();
  private queue: Message[] = [];
  private queuedBytes = 0;
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private partitions: number;
  private started = false;

  constructor(kafka: Kafka, options: KafkaStateStoreOptions) {
    const kinds = [
      ['topic', 'string'],
      ['family', 'family'],
      ['learner', 'string'],
      ['groupId', 'string'],
    ] as const;
    const required = kinds.map(([key]) => key);
    const problems = optionProblems('KafkaStateStore', options, kinds, required, KAFKASTATESTORE_KEYS);
    if (problems.length > 0) throw new ConfigError(problems);
    this.kafka = kafka;
    this.options = options;
    this.chunkBytes = options.chunkBytes ?? 512 * 1024;
    this.partitions = options.partitions ?? 1;
    this.ownsProducer = options.channel === undefined;
    this.producer =
      options.channel ??
      kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  /** Creates the topic when missing (compacted), learns its partition count, connects. */
  async start(): Promise<void> {
    if (this.started) return;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, [
        {
          topic: this.options.topic,
          partitions: this.partitions,
          replicationFactor: this.options.replicationFactor ?? 1,
          config: { 'cleanup.policy': 'compact' },
        },
      ]);
      // Created a moment ago by another instance starting at the same time, the topic may not be
      // in this broker's metadata yet (UNKNOWN_TOPIC_OR_PARTITION): ask again for a while.
      for (let attempt = 0; ; attempt++) {
        try {
          const metadata = await admin.fetchTopicMetadata({ topics: [this.options.topic] });
          this.partitions = metadata.topics[0]?.partitions.length || this.partitions;
          break;
        } catch (err) {
          if ((err as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION' || attempt >= 50) throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    } finally {
      await admin.disconnect();
    }
    await this.producer.connect();
    this.started = true;
  }

  remedy(key: string): string {
    return `it is in ${this.options.topic}: if the configuration changed since, run with the one model "${key}" was learned with, or use another kafka.prefix (a new state topic) to start the models over`;
  }

  get(key: string): Uint8Array | undefined {
    return this.cache.get(key);
  }

  put(key: string, state: Uint8Array, partitions: readonly PartitionRef[] = []): void {
    this.cache.set(key, state);
    this.write(key, state, partitions);
  }

  checkpoint(key: string, state: Uint8Array, partitions: readonly PartitionRef[]): void {
    this.cache.delete(key);
    this.write(key, state, partitions);
  }

  release(key: string): void {
    this.cache.delete(key);
  }

  delete(key: string): void {
    this.cache.delete(key);
    const meta = this.meta.get(key);
    if (meta === undefined) return;
    for (const slot of [0, 1])
      for (let i = 0; i < meta.chunks[slot]; i++)
        this.enqueue({ key: stateRecordKey(key, slot, i), value: null, partition: meta.partition });
    this.meta.delete(key);
  }

  keys(): Iterable<string> {
    return this.cache.keys();
  }

  private write(key: string, state: Uint8Array, partitions: readonly PartitionRef[]): void {
    let meta = this.meta.get(key);
    if (meta === undefined) {
      meta = { seq: 0, chunks: [0, 0], partition: partitionOf(key, this.partitions) };
      this.meta.set(key, meta);
    }
    meta.seq++;
    const slot = meta.seq % 2;
    const messages = stateRecords(key, state, {
      seq: meta.seq,
      family: this.options.family,
      learner: this.options.learner,
      partitions,
      chunkBytes: this.chunkBytes,
    });
    for (const m of messages) this.enqueue({ ...m, partition: meta.partition });
    // a smaller state than this slot's last one: remove the leftover chunks
    for (let i = messages.length; i < meta.chunks[slot]; i++)
      this.enqueue({ key: stateRecordKey(key, slot, i), value: null, partition: meta.partition });
    meta.chunks[slot] = messages.length;
    this.stats.written++;
    this.stats.bytesWritten += state.byteLength;
  }

  private enqueue(message: Message): void {
    const size = (message.value as Buffer | null)?.length ?? 0;
    if (this.queuedBytes + size > REQUEST_BYTES && this.queue.length > 0) this.send();
    this.queue.push(message);
    this.queuedBytes += size;
  }

  /** Sends what is queued as one request, after the ones before it (order is kept). */
  private send(): void {
    const messages = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    this.stats.records += messages.length;
    this.chain = this.chain.then(async () => {
      if (this.failure !== null) return;
      try {
        const send = () =>
          this.producer.sendBatch({ topicMessages: [{ topic: this.options.topic, messages }], acks: -1 });
        await (this.ownsProducer
          ? retrying(`writing model states to ${this.options.topic}`, send, {
              ...(this.options.logger ? { logger: this.options.logger } : {}),
            })
          : send());
      } catch (err) {
        this.failure = err;
      }
    });
  }

  async flush(): Promise<void> {
    if (this.queue.length > 0) this.send();
    await this.chain;
    if (this.failure !== null) {
      const err = this.failure;
      throw new ConnectorError(
        'L1S_KAFKA_STATE',
        `writing model states to ${this.options.topic} failed: ${(err as Error).message}`,
        { retriable: true, cause: err },
      );
    }
  }

  /**
   * Reads the state topic to its end and keeps, for the models that live on `assignment`, the
   * newest complete state. A state that is incomplete in both slots, corrupt, or of another
   * family or learner is an error naming the model and the topic: never a silent fresh start.
   */
  async restore(assignment: readonly PartitionRef[]): Promise<RestoreStats> {
    const t0 = performance.now();
    await this.options.beforeRestore?.(assignment);
    await this.flush();
    const records = await retrying(`reading model states from ${this.options.topic}`, () => this.readAll(), {
      ...(this.options.logger ? { logger: this.options.logger } : {}),
    });
    const byModel = new Map<string, Map<number, Chunk>[]>();
    for (const [modelKey, slots] of records) byModel.set(modelKey, slots);
    this.cache.clear();
    let models = 0;
    let bytes = 0;
    for (const [modelKey, slots] of byModel) {
      const picked = this.pick(modelKey, slots);
      if (picked === null) continue;
      const { state, chunk } = picked;
      const meta: KeyMeta = {
        seq: chunk.seq,
        chunks: [slots[0].size, slots[1].size],
        partition: partitionOf(modelKey, this.partitions),
      };
      this.meta.set(modelKey, meta);
      const mine = chunk.partitions.filter((p) => assignment.some((a) => sameRef(a, p)));
      if (mine.length === 0 && chunk.partitions.length > 0) continue; // another instance's model
      if (mine.length < chunk.partitions.length) {
        const elsewhere = chunk.partitions.filter((p) => !mine.some((m) => sameRef(m, p)));
        throw new StateError(
          `model "${modelKey}" learned from partitions ${describe(chunk.partitions)}, but this instance is assigned only ${describe(mine)} (not ${describe(elsewhere)}): one model's events must come from one partition when several instances share the group. With model.keyBy "key", give each record its event's "key" as its Kafka record key (the default partitioner then keeps a model's events on one partition: events keyed otherwise, or a partition count changed, spread them), or run one instance`,
        );
      }
      this.cache.set(modelKey, state);
      models++;
      bytes += state.byteLength;
    }
    this.stats.restores++;
    return { models, bytes, ms: performance.now() - t0 };
  }

  /** The newest complete, valid slot of a model, or null when the model was deleted. */
  private pick(modelKey: string, slots: Map<number, Chunk>[]): { state: Uint8Array; chunk: Chunk } | null {
    const problems: string[] = [];
    const candidates = slots
      .map((chunks) => chunks.get(0))
      .filter((c): c is Chunk => c !== undefined)
      .sort((a, b) => b.seq - a.seq);
    if (candidates.length === 0) {
      if (slots.some((s) => s.size > 0))
        throw new StateError(
          `the state of model "${modelKey}" in ${this.options.topic} has chunks but no first chunk: it is incomplete; delete its records (tombstones) or use another kafka.prefix to start it over`,
        );
      return null;
    }
    for (const first of candidates) {
      const slot = slots[first.seq % 2];
      if (first.family !== this.options.family || first.learner !== this.options.learner) {
        throw new StateError(
          `the state of model "${modelKey}" in ${this.options.topic} is of a ${first.family} ${first.learner} model, but this configuration is ${this.options.family} ${this.options.learner}: use another kafka.prefix (or delete the topic) to start over, or restore the configuration it was written with`,
        );
      }
      const parts: Buffer[] = [];
      for (let i = 0; i < first.chunks; i++) {
        const c = slot.get(i);
        if (c === undefined || c.seq !== first.seq) break;
        parts.push(c.value);
      }
      if (parts.length !== first.chunks) {
        problems.push(`checkpoint ${first.seq} has ${parts.length} of ${first.chunks} chunks`);
        continue;
      }
      // Complete but corrupt is not a crash in the middle of a write (that leaves chunks out):
      // the input offsets may be committed up to this checkpoint, and the older one would miss
      // the events in between without a word. An error, not a fallback.
      const state = new Uint8Array(Buffer.concat(parts));
      if (state.byteLength !== first.bytes) {
        problems.push(`checkpoint ${first.seq} has ${state.byteLength} of ${first.bytes} bytes`);
        break;
      }
      try {
        checkState(state);
      } catch (err) {
        problems.push(`checkpoint ${first.seq}: ${(err as Error).message}`);
        break;
      }
      return { state, chunk: first };
    }
    throw new StateError(
      `no usable state for model "${modelKey}" in ${this.options.topic} (${problems.join('; ')}); l1stream will not start it empty: delete its records (tombstones) or use another kafka.prefix to start it over`,
    );
  }

  /** Every state record of the topic up to its current end, newest per (model, slot, chunk). */
  private async readAll(): Promise<Map<string, Map<number, Chunk>[]>> {
    const topic = this.options.topic;
    const out = new Map<string, Map<number, Chunk>[]>();
    const admin = this.kafka.admin();
    await admin.connect();
    let ends: Map<number, bigint>;
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      ends = new Map();
      for (const o of offsets) if (BigInt(o.high) > BigInt(o.low)) ends.set(o.partition, BigInt(o.high) - 1n);
    } finally {
      await admin.disconnect();
    }
    if (ends.size === 0) return out;
    const groupId = `${this.options.groupId}.restore.${randomBytes(6).toString('hex')}`;
    const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 200 });
    const remaining = new Set(ends.keys());
    const nearEnd = new Set<number>();
    let lastProgress = performance.now();
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await new Promise<void>((done, fail) => {
        // Transaction markers take offsets but are never delivered: a partition also counts as
        // read once nothing new arrives for a while.
        const idle = setInterval(() => {
          const quiet = performance.now() - lastProgress;
          // at most one offset short of the end everywhere: that one is a transaction marker
          if (quiet > 3000 || (quiet > 300 && [...remaining].every((p) => nearEnd.has(p)))) {
            clearInterval(idle);
            done();
          }
        }, 250);
        consumer
          .run({
            eachBatch: async ({ batch }) => {
              lastProgress = performance.now();
              for (const m of batch.messages) {
                this.take(out, m.key, m.value, m.headers);
                const end = ends.get(batch.partition);
                if (end !== undefined && BigInt(m.offset) >= end) remaining.delete(batch.partition);
                else if (end !== undefined && BigInt(m.offset) >= end - 1n) nearEnd.add(batch.partition);
              }
              if (remaining.size === 0) {
                clearInterval(idle);
                done();
              }
            },
          })
          .catch((err: unknown) => {
            clearInterval(idle);
            fail(err);
          });
      });
    } finally {
      await consumer.disconnect().catch(() => undefined);
      const cleanup = this.kafka.admin();
      await cleanup
        .connect()
        .then(() => cleanup.deleteGroups([groupId]))
        .catch(() => undefined)
        .finally(() => void cleanup.disconnect().catch(() => undefined));
    }
    return out;
  }

  private take(
    out: Map<string, Map<number, Chunk>[]>,
    key: Buffer | null,
    value: Buffer | null,
    headers: IHeaders | undefined,
  ): void {
    const parsed = parseStateRecordKey(key);
    if (parsed === null) {
      this.options.logger?.warn(
        { topic: this.options.topic },
        'a record that is not an l1stream state (its key lacks the "L1" prefix) was ignored',
      );
      return;
    }
    let slots = out.get(parsed.modelKey);
    if (slots === undefined) {
      slots = [new Map(), new Map()];
      out.set(parsed.modelKey, slots);
    }
    if (value === null) {
      slots[parsed.slot].delete(parsed.chunk);
      return;
    }
    const seq = Number(header(headers, 'l1s-seq'));
    const chunks = Number(header(headers, 'l1s-chunks'));
    const bytes = Number(header(headers, 'l1s-bytes'));
    let partitions: PartitionRef[];
    try {
      const list = JSON.parse(header(headers, 'l1s-partitions') ?? '[]') as Array<[string, number]>;
      partitions = list.map(([source, partition]) => ({ source, partition }));
    } catch {
      partitions = [];
    }
    if (!(seq >= 1) || !(chunks >= 1) || !(bytes >= 0)) {
      throw new StateError(
        `a state record of model "${parsed.modelKey}" in ${this.options.topic} lacks its l1s-seq/l1s-chunks/l1s-bytes headers: it was not written by l1stream; delete it or use another kafka.prefix`,
      );
    }
    slots[parsed.slot].set(parsed.chunk, {
      seq,
      chunks,
      bytes,
      family: header(headers, 'l1s-family') ?? '?',
      learner: header(headers, 'l1s-learner') ?? '?',
      partitions,
      value,
    });
  }

  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
    if (this.started && this.ownsProducer) await this.producer.disconnect();
    this.started = false;
  }
}

function describe(list: readonly PartitionRef[]): string {
  return list.map((p) => `${p.source}[${p.partition}]`).join(', ') || 'none';
}
