import { createHash } from 'node:crypto';

import type { Kafka, Producer, ProducerBatch, Transaction } from 'kafkajs';

import type { PartitionRef } from '../../src/index.js';
import type { ConnectorLogger } from './deadLetters.js';

/** What the sink and the state store send through: a plain idempotent producer, or a transaction. */
export interface ProducerChannel {
  connect(): Promise<void>;
  sendBatch(batch: ProducerBatch): Promise<unknown>;
  disconnect(): Promise<void>;
}

export interface KafkaTransactionsOptions {
  /** Base of the transactional ids (`<base>.<hash of the assigned partitions>`). */
  readonly baseId: string;
  /** The consumer group whose offsets each transaction commits. */
  readonly groupId: string;
  /** Longest a transaction may stay open (kafkajs default 60 s); checkpoints must come sooner. */
  readonly transactionTimeoutMs?: number;
  readonly logger?: ConnectorLogger;
}

/**
 * The transactional producer's retries. A transaction's first send while the broker still writes
 * the previous one's commit markers is refused (CONCURRENT_TRANSACTIONS) and retried: at kafkajs'
 * default first delay (300 ms) every checkpoint waited ~300 ms for it (measured against Kafka
 * 4.4.0), so a short first delay, as the Java client's 20 ms for this case; 13 doublings (capped at
 * 30 s) keep about the patience of `createKafka`'s 8 retries from 300 ms (~70 s) for outages.
 */
export const TRANSACTION_RETRY = { initialRetryTime: 10, retries: 13 } as const;

/** The transactional id of an instance for a set of partitions. */
export function transactionalId(baseId: string, assignment: readonly PartitionRef[]): string {
  const parts = assignment.map((p) => `${p.source}\u0000${p.partition}`).sort();
  const hash = createHash('sha256').update(parts.join('\u0001')).digest('hex').slice(0, 16);
  return `${baseId}.${hash}`;
}

/**
 * Exactly-once output (docs/conventions.md, delivery): everything sent between two checkpoints (outputs, dead
 * letters, model states) and the consumed offsets they cover are one Kafka transaction, committed
 * at the checkpoint (`commit`), so a read_committed reader sees each output once and a restart
 * resumes exactly where the last committed transaction ended.
 *
 * One transactional id per assigned partition set: on every assignment the open transaction is
 * aborted and a producer with the id of the new set is started, which fences any older producer
 * with that id (a previous process that has not died yet). Each transaction's consumed offsets
 * name its producer (their metadata), and a member given partitions first fences the producers
 * their offsets name, then commits them again under its own id: a member that held them before,
 * under another partition set, and is not dead yet (paused past its session: a long GC, a frozen
 * VM) can commit nothing more, so no output is written twice.
 * Operations are serialized: sends go into the open transaction (opened on demand), and a commit
 * or an abort waits for the sends before it.
 */
export class KafkaTransactions implements ProducerChannel {
  readonly stats = { committed: 0, aborted: 0, producers: 0, fenced: 0 };
  private readonly kafka: Kafka;
  private readonly options: KafkaTransactionsOptions;
  private producer: Producer | null = null;
  private transaction: Transaction | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  /** The transactional id in use. */
  id: string | null = null;

  constructor(kafka: Kafka, options: KafkaTransactionsOptions) {
    this.kafka = kafka;
    this.options = options;
  }

  /** Producers start on assignment (their id depends on it). */
  connect(): Promise<void> {
    return Promise.resolve();
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async open(): Promise<Transaction> {
    if (this.producer === null)
      throw new Error('no partitions are assigned yet, so there is no transactional producer');
    this.transaction ??= await this.producer.transaction();
    return this.transaction;
  }

  sendBatch(batch: ProducerBatch): Promise<unknown> {
    return this.serialized(async () => (await this.open()).sendBatch(batch));
  }

  /**
   * Commits the open transaction with these consumed offsets (the next offset to read, per
   * partition); with no transaction open and no offsets, does nothing.
   */
  commit(offsets: ReadonlyArray<{ topic: string; partition: number; offset: string }>): Promise<void> {
    return this.serialized(async () => {
      if (this.transaction === null && offsets.length === 0) return;
      const transaction = await this.open();
      if (offsets.length > 0) await this.sendOffsets(transaction, offsets);
      await transaction.commit();
      this.transaction = null;
      this.stats.committed++;
    });
  }

  /** Aborts the open transaction, if any. */
  abort(): Promise<void> {
    return this.serialized(() => this.abortNow());
  }

  private async abortNow(): Promise<void> {
    const transaction = this.transaction;
    this.transaction = null;
    if (transaction === null) return;
    try {
      await transaction.abort();
      this.stats.aborted++;
    } catch (err) {
      this.options.logger?.warn({ err: (err as Error).message }, 'aborting the transaction failed');
    }
  }

  /**
   * A new assignment: abort what is open (it covered records that are read again now), then
   * start the producer of the new partition set (fencing older producers with its id).
   */
  assign(assignment: readonly PartitionRef[]): Promise<void> {
    return this.serialized(async () => {
      await this.abortNow();
      const id = transactionalId(this.options.baseId, assignment);
      // the producers that committed these partitions' offsets last, when another member held
      // them (or this one, with another partition set): their transactional ids differ from this
      // one, so starting it would not fence them, and one that is not dead yet (paused past its
      // session, say) would commit its open transaction's outputs, which this member writes again
      await this.fencePrevious(assignment, id);
      if (id !== this.id || this.producer === null) {
        if (this.producer !== null) await this.producer.disconnect().catch(() => undefined);
        this.producer = this.producerOf(id);
        await this.producer.connect();
        this.id = id;
        this.stats.producers++;
        this.options.logger?.info(
          { transactionalId: id, partitions: assignment.length },
          'transactional producer started',
        );
      }
      await this.claim(assignment);
    });
  }

  private producerOf(transactionalId: string): Producer {
    return this.kafka.producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      transactionTimeout: this.options.transactionTimeoutMs ?? 60_000,
      retry: TRANSACTION_RETRY,
    });
  }

  /** The committed offsets of the assigned partitions, with the transactional id each names. */
  private async committed(
    assignment: readonly PartitionRef[],
  ): Promise<Array<{ topic: string; partition: number; offset: string; metadata: string | null }>> {
    if (assignment.length === 0) return [];
    const admin = this.kafka.admin({ retry: TRANSACTION_RETRY });
    await admin.connect();
    try {
      const topics = [...new Set(assignment.map((p) => p.source))];
      const fetched = await admin.fetchOffsets({ groupId: this.options.groupId, topics });
      const assigned = new Set(assignment.map((p) => `${p.source}\u0000${p.partition}`));
      return fetched.flatMap(({ topic, partitions }) =>
        partitions
          .filter((p) => assigned.has(`${topic}\u0000${p.partition}`))
          .map((p) => ({ topic, partition: p.partition, offset: p.offset, metadata: p.metadata })),
      );
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /**
   * Fences every producer of this group (its ids begin with `baseId.`) other than `id` whose id
   * the assigned partitions' committed offsets name: a producer started with its id bumps its
   * epoch and aborts its open transaction, so it can commit nothing more.
   */
  private async fencePrevious(assignment: readonly PartitionRef[], id: string): Promise<void> {
    const previous = new Set<string>();
    for (const { metadata } of await this.committed(assignment))
      if (metadata !== null && metadata !== id && metadata.startsWith(`${this.options.baseId}.`))
        previous.add(metadata);
    for (const other of previous) {
      const fence = this.producerOf(other);
      await fence.connect();
      try {
        // (the transactional producer id is asked for with the first transaction)
        const transaction = await fence.transaction();
        await transaction.abort();
      } finally {
        await fence.disconnect().catch(() => undefined);
      }
      this.stats.fenced++;
      this.options.logger?.info(
        { transactionalId: other },
        'fenced the producer that committed these partitions last',
      );
    }
  }

  /**
   * Commits the assigned partitions' committed offsets again under this producer's id, so that
   * they name it before it writes anything: a member that takes them over next fences it, even if
   * it never committed a checkpoint (a partition with no committed offset is not named).
   */
  private async claim(assignment: readonly PartitionRef[]): Promise<void> {
    const offsets = (await this.committed(assignment)).filter((o) => Number(o.offset) >= 0);
    if (offsets.length === 0) return;
    const transaction = await this.open();
    await this.sendOffsets(transaction, offsets);
    await transaction.commit();
    this.transaction = null;
  }

  /**
   * Adds the offsets to the transaction, each naming this producer's id (its metadata): the member
   * that holds their partitions next fences it (`fencePrevious`).
   */
  private async sendOffsets(
    transaction: Transaction,
    offsets: ReadonlyArray<{ topic: string; partition: number; offset: string }>,
  ): Promise<void> {
    const topics = new Map<string, Array<{ partition: number; offset: string; metadata: string | null }>>();
    for (const o of offsets) {
      let list = topics.get(o.topic);
      if (list === undefined) topics.set(o.topic, (list = []));
      list.push({ partition: o.partition, offset: o.offset, metadata: this.id });
    }
    await transaction.sendOffsets({
      consumerGroupId: this.options.groupId,
      topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
    });
  }

  disconnect(): Promise<void> {
    return this.serialized(async () => {
      await this.abortNow();
      if (this.producer !== null) await this.producer.disconnect().catch(() => undefined);
      this.producer = null;
      this.id = null;
    });
  }
}
