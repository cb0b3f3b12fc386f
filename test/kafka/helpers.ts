/** Helpers for the tests against a real broker: the broker from the global setup, random topics, waitFor. */
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';

import { Kafka, logLevel, type IHeaders, type Message } from 'kafkajs';
import { inject } from 'vitest';

import { brokerStatus } from '../setup/kafkaBroker.js';

/** The broker's bootstrap servers; throws (the test fails, it is not skipped) when there is none. */
export function brokers(): string[] {
  const status = brokerStatus();
  const list = status ? status.brokers : inject('kafkaBrokers');
  if (!list) {
    throw new Error(
      status?.error ||
        inject('kafkaUnavailable') ||
        'no Kafka broker: run test/kafka through the Kafka projects of vitest.config.ts (test/setup/kafkaProjects.ts), or set KAFKA_BROKERS=host:port',
    );
  }
  return list.split(',');
}

/**
 * A kafkajs client (of the project's broker, or of `list`); set L1S_TEST_KAFKA_LOG=FILE to append
 * kafkajs' own logs (info and up) to FILE.
 */
export function kafkaClient(clientId = 'l1stream-test', list: readonly string[] = brokers()): Kafka {
  const logFile = process.env.L1S_TEST_KAFKA_LOG;
  return new Kafka({
    clientId,
    brokers: [...list],
    logLevel: logFile
      ? process.env.L1S_TEST_KAFKA_DEBUG
        ? logLevel.DEBUG
        : logLevel.INFO
      : logLevel.NOTHING,
    ...(logFile
      ? {
          logCreator:
            () =>
            ({
              namespace,
              level,
              log,
            }: {
              namespace: string;
              level: number;
              log: { message: string } & Record<string, unknown>;
            }) =>
              appendFileSync(
                logFile,
                `${new Date().toISOString()} ${clientId} ${level} ${namespace} ${JSON.stringify(log)}\n`,
              ),
        }
      : {}),
    retry: { retries: 8 },
  });
}

/** A topic name nobody else uses. */
export function randomName(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string | (() => string),
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`,
      );
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 200);
  }
}

export async function createTopic(
  kafka: Kafka,
  topic: string,
  partitions = 1,
  config: Record<string, string> = {},
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: partitions,
          replicationFactor: 1,
          configEntries: Object.entries(config).map(([name, value]) => ({ name, value })),
        },
      ],
    });
  } finally {
    await admin.disconnect();
  }
}

/** Produces messages in chunks (acks = all) and disconnects. */
export async function produce(
  kafka: Kafka,
  topic: string,
  messages: readonly Message[],
  chunk = 2000,
): Promise<void> {
  // idempotent: a send kafkajs retries (a partition without a leader yet, right after the topic
  // was created) must not write the partitions that succeeded twice
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += chunk) {
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + chunk) });
    }
  } finally {
    await producer.disconnect();
  }
}

export interface ReadMessage {
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
  /** Every header as read, on an object without a prototype: repeated names keep all values. */
  readonly allHeaders: IHeaders;
  readonly partition: number;
  readonly offset: string;
}

/** Reads a topic from the beginning until `count` messages arrived (fails after `timeoutMs`). */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<ReadMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitFor(
      async () => (await admin.listTopics()).includes(topic),
      `topic ${topic} to exist`,
      timeoutMs,
    );
  } finally {
    await admin.disconnect();
  }
  const consumer = kafka.consumer({ groupId: randomName('reader'), maxWaitTimeInMs: 100 });
  const out: ReadMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {}))
          if (v !== undefined) headers[k] = v.toString();
        const allHeaders = Object.create(null) as IHeaders;
        for (const [k, v] of Object.entries(message.headers ?? {})) allHeaders[k] = v;
        out.push({
          key: message.key?.toString() ?? null,
          value: message.value,
          headers,
          allHeaders,
          partition,
          offset: message.offset,
        });
      },
    });
    await waitFor(() => out.length >= count, `${count} messages on ${topic} (have ${out.length})`, timeoutMs);
  } finally {
    await consumer.disconnect();
  }
  return out;
}

/** A new topic (one partition) holding `n` of `makeEvents(n, seed)` as JSON, keyed by their key. */
export async function topicWithEvents(kafka: Kafka, topic: string, n: number, seed: number): Promise<void> {
  await createTopic(kafka, topic, 1);
  await produce(
    kafka,
    topic,
    makeEvents(n, seed).map((e) => ({ key: e.key, value: JSON.stringify(e) })),
  );
}

/** Deterministic events: y = 2·x1 − 3·x2 + 0.5·[c=b] + noise, with a string and an array feature. */
export function makeEvents(
  n: number,
  seed = 1,
): { key: string; label: number; features: Record<string, number | string | string[]> }[] {
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const events = [];
  for (let i = 0; i < n; i++) {
    const x1 = rand() * 2 - 1;
    const x2 = rand() * 2 - 1;
    const c = rand() < 0.5 ? 'a' : 'b';
    const label = 2 * x1 - 3 * x2 + (c === 'b' ? 0.5 : 0) + (rand() - 0.5) * 0.1;
    events.push({ key: `e${i}`, label, features: { x1, x2, c, tags: rand() < 0.3 ? ['t1', 't2'] : ['t3'] } });
  }
  return events;
}

/** Reads everything a topic holds now (up to its high watermarks). */
export async function readAll(kafka: Kafka, topic: string, timeoutMs = 30_000): Promise<ReadMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  let count = 0;
  try {
    for (const p of await admin.fetchTopicOffsets(topic)) count += Number(p.high) - Number(p.low);
  } finally {
    await admin.disconnect();
  }
  return readTopic(kafka, topic, count, timeoutMs);
}

/** Everything a read_committed reader sees on `topics` (until 2 s pass without a message). */
export async function readCommitted(kafka: Kafka, topics: string[]): Promise<Map<string, Buffer[]>> {
  const consumer = kafka.consumer({
    groupId: randomName('reader'),
    maxWaitTimeInMs: 100,
    readUncommitted: false,
  });
  const out = new Map<string, Buffer[]>(topics.map((t) => [t, []]));
  let last = Date.now();
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        last = Date.now();
        out.get(topic)!.push(message.value!);
      },
    });
    await waitFor(() => Date.now() - last > 2500, 'the topics to be read to their end', 60_000);
  } finally {
    await consumer.disconnect();
  }
  return out;
}
