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
 * One transactional id per instance and assigned partition set: on every assignment the open
 * transaction is aborted and a producer with the id of the new set is started, which fences any
 * older producer with that id (a previous process of this instance that has not died yet).
 * Operations are serialized: sends go into the open transaction (opened on demand), and a commit
 * or an abort waits for the sends before it.
 */
export class KafkaTransactions implements ProducerChannel {
  readonly stats = { committed: 0, aborted: 0, producers: 0 };
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
      if (offsets.length > 0) {
        const topics = new Map<string, Array<{ partition: number; offset: string }>>();
        for (const o of offsets) {
          let list = topics.get(o.topic);
          if (list === undefined) topics.set(o.topic, (list = []));
          list.push({ partition: o.partition, offset: o.offset });
        }
        await transaction.sendOffsets({
          consumerGroupId: this.options.groupId,
          topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
        });
      }
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
      if (id === this.id && this.producer !== null) return;
      if (this.producer !== null) await this.producer.disconnect().catch(() => undefined);
      this.producer = this.kafka.producer({
        transactionalId: id,
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        transactionTimeout: this.options.transactionTimeoutMs ?? 60_000,
        retry: TRANSACTION_RETRY,
      });
      await this.producer.connect();
      this.id = id;
      this.stats.producers++;
      this.options.logger?.info(
        { transactionalId: id, partitions: assignment.length },
        'transactional producer started',
      );
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
