import type { Kafka, Message, CompressionTypes } from 'kafkajs';

import {
  ConfigError,
  ConnectorError,
  type Alert,
  type DeadLetter,
  type ModelSnapshot,
  type OutputSink,
  type ScoreRecord,
} from '../../src/index.js';
import { optionKeyProblems } from '../../src/internal.js';
import { encodeJson } from './codecs/json.js';
import { KafkaDeadLetters, type ConnectorLogger } from './deadLetters.js';
import {
  ensureTopics,
  MODELS_TOPIC_MAX_MESSAGE_BYTES,
  outputTopicSpecs,
  type OutputTopics,
} from './topics.js';
import { retrying } from './retry.js';
import type { ProducerChannel } from './transactions.js';

/** Turns an output record into message bytes (JSON by default, Avro via `AvroEncoder.encode`). */
export type ValueEncoder<T> = (value: T) => Buffer;

export interface KafkaSinkOptions {
  readonly topics: OutputTopics;
  /** Create missing output topics at start (default true). */
  readonly createTopics?: boolean;
  readonly partitions?: number;
  readonly replicationFactor?: number;
  readonly encodeModel?: ValueEncoder<ModelSnapshot>;
  readonly encodeAlert?: ValueEncoder<Alert>;
  readonly encodeScore?: ValueEncoder<unknown>;
  /** Buffered messages that start a send without waiting for `flush()` (default 5000). */
  readonly maxBuffered?: number;
  /** Bytes of keys and values per produce request (default 512 KiB; a larger message goes alone). */
  readonly maxRequestBytes?: number;
  readonly compression?: CompressionTypes;
  /** Dead letters are also logged here at warn level. */
  readonly logger?: ConnectorLogger;
  /**
   * Send through this (exactly-once: the instance's transactions, owned by the caller) instead of
   * an idempotent producer of the sink's own.
   */
  readonly channel?: ProducerChannel;
}

/**
 * The keys of `KafkaSinkOptions`: from JavaScript, a misspelled one was ignored and its default used;
 * each is a `ConfigError`, with the key meant.
 */
const KAFKASINK_KEYS: readonly (keyof KafkaSinkOptions)[] = [
  'topics',
  'createTopics',
  'partitions',
  'replicationFactor',
  'encodeModel',
  'encodeAlert',
  'encodeScore',
  'maxBuffered',
  'maxRequestBytes',
  'compression',
  'logger',
  'channel',
];

/**
 * The output side of delivery (docs/conventions.md): an idempotent producer (acks = all, one request in flight, so
 * retries neither duplicate nor reorder) for the models (compacted, keyed by model key), scores,
 * alerts and dead-letter topics. Messages are buffered and sent in batches; `flush()` resolves
 * once everything enqueued before it is acknowledged by the broker, which is when the source may
 * commit the offsets those outputs came from.
 */
export class KafkaSink implements OutputSink {
  readonly topics: OutputTopics;
  /** Dead letters sent (counted by stage). */
  readonly deadLetters: KafkaDeadLetters;
  /** Messages acknowledged per topic. */
  readonly acknowledged = new Map<string, number>();
  private readonly kafka: Kafka;
  private readonly options: KafkaSinkOptions;
  private readonly producer: ProducerChannel;
  private readonly ownsProducer: boolean;
  private readonly maxBuffered: number;
  private readonly maxRequestBytes: number;
  private buffer = new Map<string, Message[]>();
  private buffered = 0;
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private started = false;

  constructor(kafka: Kafka, options: KafkaSinkOptions) {
    const problems = optionKeyProblems('KafkaSink', options, KAFKASINK_KEYS);
    if (problems.length > 0) throw new ConfigError(problems);
    this.kafka = kafka;
    this.options = options;
    this.topics = options.topics;
    this.maxBuffered = options.maxBuffered ?? 5000;
    this.maxRequestBytes = options.maxRequestBytes ?? 512 * 1024;
    this.deadLetters = new KafkaDeadLetters(this, options.logger);
    this.ownsProducer = options.channel === undefined;
    this.producer =
      options.channel ??
      kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
      });
  }

  /** Connects the producer and creates missing output topics. */
  async start(): Promise<void> {
    if (this.started) return;
    if (this.options.createTopics ?? true) {
      const admin = this.kafka.admin();
      await admin.connect();
      try {
        await ensureTopics(
          admin,
          outputTopicSpecs(this.topics, this.options.partitions ?? 1, this.options.replicationFactor ?? 1),
        );
      } finally {
        await admin.disconnect();
      }
    }
    await this.producer.connect();
    this.started = true;
  }

  /** Queues a model snapshot for the compacted models topic, keyed by model key. */
  publishModel(snapshot: ModelSnapshot): void {
    const encode = this.options.encodeModel ?? encodeJson;
    this.enqueue(this.topics.models, {
      key: snapshot.key,
      value: encode(snapshot),
      headers: { 'l1s.version': String(snapshot.version) },
    });
  }

  /** Queues an alert, keyed by model key. */
  publishAlert(alert: Alert): void {
    const encode = this.options.encodeAlert ?? encodeJson;
    this.enqueue(this.topics.alerts, { key: alert.key, value: encode(alert) });
  }

  /** Queues a score record. */
  publishScore(key: string | null, score: unknown): void {
    const encode = this.options.encodeScore ?? encodeJson;
    this.enqueue(this.topics.scores, { key, value: encode(score) });
  }

  // The engine's output port (the topics of the README's Kafka section).
  model(snapshot: ModelSnapshot): void {
    this.publishModel(snapshot);
  }

  score(score: ScoreRecord): void {
    this.publishScore(score.key, score);
  }

  alert(alert: Alert): void {
    this.publishAlert(alert);
  }

  deadLetter(letter: DeadLetter): void {
    this.deadLetters.deadLetter(letter);
  }

  /** Queues a message for any topic (the dead-letter sink uses this). */
  enqueue(topic: string, message: Message): void {
    let list = this.buffer.get(topic);
    if (!list) this.buffer.set(topic, (list = []));
    list.push(message);
    if (++this.buffered >= this.maxBuffered) void this.send().catch(() => undefined);
  }

  /** Resolves when every message enqueued so far is acknowledged; rejects if any send failed. */
  async flush(): Promise<void> {
    await this.send();
  }

  /** Flushes and disconnects. */
  async close(): Promise<void> {
    this.deadLetters.logSummary();
    try {
      if (this.started) await this.flush();
    } finally {
      if (this.ownsProducer) await this.producer.disconnect();
      this.started = false;
    }
  }

  /** Drops the messages queued and not yet sent (a rewind to the last checkpoint). */
  discard(): void {
    this.buffer = new Map();
    this.buffered = 0;
  }

  private send(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.buffered > 0) {
      if (!this.started)
        return Promise.reject(
          new ConnectorError('L1S_KAFKA_SINK', 'the Kafka sink is not started; call start() first'),
        );
      const batch = this.buffer;
      this.buffer = new Map();
      this.buffered = 0;
      const topicMessages = [...batch].map(([topic, messages]) => ({ topic, messages }));
      this.chain = this.chain.then(async () => {
        if (this.failure !== null) throw this.failure;
        try {
          // Requests stay under the broker's default message.max.bytes (1 MiB per record batch).
          for (const part of splitBySize(topicMessages, this.maxRequestBytes)) {
            const send = () =>
              this.producer.sendBatch({
                topicMessages: part,
                acks: -1,
                ...(this.options.compression ? { compression: this.options.compression } : {}),
              });
            // a transaction is not retried here: its owner aborts it and goes back a checkpoint
            await (this.ownsProducer
              ? retrying(`producing to ${part.map((t) => t.topic).join(', ')}`, send, {
                  ...(this.options.logger ? { logger: this.options.logger } : {}),
                })
              : send());
          }
        } catch (err) {
          this.failure = new ConnectorError(
            'L1S_KAFKA_PRODUCE',
            `producing to ${topicMessages.map((t) => t.topic).join(', ')} failed: ${(err as Error).message}${tooLarge(err, topicMessages)}`,
            {
              retriable: true,
              cause: err,
            },
          );
          throw this.failure;
        }
        for (const { topic, messages } of topicMessages)
          this.acknowledged.set(topic, (this.acknowledged.get(topic) ?? 0) + messages.length);
      });
    }
    return this.chain;
  }
}

/**
 * For a broker's "message larger than the max message size": the largest message sent, its topic,
 * and how to make room (a topic l1stream did not create keeps the broker's default, 1 MiB).
 */
function tooLarge(
  err: unknown,
  topicMessages: ReadonlyArray<{ topic: string; messages: Message[] }>,
): string {
  if (!/larger than the max message size/i.test((err as Error | null)?.message ?? '')) return '';
  let largest = 0;
  let topic = '';
  for (const t of topicMessages)
    for (const m of t.messages) {
      const size = sizeOf(m);
      if (size > largest) [largest, topic] = [size, t.topic];
    }
  return (
    `. The largest message was about ${largest.toLocaleString('en-US')} bytes, to ${topic}: raise that topic's ` +
    `max.message.bytes (kafka-configs.sh --alter --entity-type topics --entity-name ${topic} --add-config ` +
    `max.message.bytes=${MODELS_TOPIC_MAX_MESSAGE_BYTES}; l1stream creates <prefix>.models with that size), ` +
    'or make the model smaller (a larger model.lambda, fewer features)'
  );
}

function sizeOf(m: Message): number {
  const v = m.value;
  const k = m.key;
  return (
    64 +
    (v == null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length) +
    (k == null ? 0 : typeof k === 'string' ? Buffer.byteLength(k) : k.length)
  );
}

/** Splits topic messages into requests of at most `maxBytes` (each with at least one message), in order. */
export function splitBySize(
  topicMessages: readonly { topic: string; messages: Message[] }[],
  maxBytes: number,
): { topic: string; messages: Message[] }[][] {
  const requests: { topic: string; messages: Message[] }[][] = [];
  let current: { topic: string; messages: Message[] }[] = [];
  let bytes = 0;
  for (const { topic, messages } of topicMessages) {
    let part: Message[] = [];
    current.push({ topic, messages: part });
    for (const m of messages) {
      const size = sizeOf(m);
      if (bytes + size > maxBytes && bytes > 0) {
        requests.push(current);
        part = [];
        current = [{ topic, messages: part }];
        bytes = 0;
      }
      part.push(m);
      bytes += size;
    }
  }
  const last = current.filter((t) => t.messages.length > 0);
  if (last.length > 0) requests.push(last);
  return requests.map((r) => r.filter((t) => t.messages.length > 0)).filter((r) => r.length > 0);
}
