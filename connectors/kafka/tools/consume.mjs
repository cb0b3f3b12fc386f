#!/usr/bin/env node
/**
 * Prints a Kafka topic's messages from the beginning, one per line (`key<TAB>value` with `--keys`,
 * then `<TAB>{headers as JSON}` with `--headers`: a dead letter's reason is its `l1s.dlq.reason`),
 * and stops once no message has arrived for `--idle-ms` or after `--max` messages: outputs out
 * without Kafka's console tools. JSON topics print as they are; Avro values as base64, or as JSON
 * with `--registry URL` (Confluent wire format, writer schema from that registry; a value it cannot
 * decode stays base64).
 *
 *   npm run kafka:consume -- --topic l1stream.models [--brokers HOST:PORT] [--keys]
 *     [--headers] [--registry URL] [--max N] [--idle-ms 5000]
 *
 * `--brokers` defaults to `L1S_KAFKA_BROKERS` when set (the broker `l1stream run` reads), else 127.0.0.1:9092.
 */
import { randomUUID } from 'node:crypto';
import { clearInterval, setInterval } from 'node:timers';
import { parseArgs } from 'node:util';

/* global fetch */
import avsc from 'avsc';
import kafkajs from 'kafkajs';

import { brokersUsage, defaultBrokers } from './brokers.mjs';

const usage =
  `usage: npm run kafka:consume -- --topic TOPIC ${brokersUsage} [--keys] [--headers]\n` +
  '  [--registry URL] [--max N] [--idle-ms 5000]';
let flags;
try {
  ({ values: flags } = parseArgs({
    options: {
      topic: { type: 'string' },
      brokers: { type: 'string', default: defaultBrokers },
      keys: { type: 'boolean', default: false },
      headers: { type: 'boolean', default: false },
      registry: { type: 'string' },
      max: { type: 'string' },
      'idle-ms': { type: 'string', default: '5000' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (e) {
  process.stderr.write(`kafka:consume: ${e.message}\n${usage}\n`);
  process.exit(3);
}
if (flags.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const max = flags.max === undefined ? Infinity : Number(flags.max);
const idleMs = Number(flags['idle-ms']);
if (flags.topic === undefined || !(max >= 1) || !(idleMs > 0)) {
  process.stderr.write(
    `kafka:consume: --topic is required; --max and --idle-ms must be positive\n${usage}\n`,
  );
  process.exit(3);
}

/** A message's bytes as text when they are UTF-8 without control characters, else base64. */
function text(bytes) {
  if (bytes === null) return '';
  const s = bytes.toString('utf8');
  // eslint-disable-next-line no-control-regex
  return Buffer.from(s, 'utf8').equals(bytes) && !/[\u0000-\u0008\u000e-\u001f]/.test(s)
    ? s
    : bytes.toString('base64');
}

/** Headers as one JSON object; a name given more than once has an array of its values. */
function headersText(headers) {
  const entries = Object.entries(headers ?? {}).map(([name, v]) => {
    // kafkajs reads a header named __proto__ as [Object.prototype, value]: values proper only
    const values = (Array.isArray(v) ? v : [v]).filter(
      (x) => typeof x === 'string' || x instanceof Uint8Array,
    );
    const texts = values.map((x) => (typeof x === 'string' ? x : text(Buffer.from(x))));
    return [name, texts.length === 1 ? texts[0] : texts];
  });
  return JSON.stringify(Object.fromEntries(entries));
}

/** Writer schemas by id, from `--registry` (a failed fetch is remembered as null). */
const avroTypes = new Map();
async function avroType(id) {
  if (!avroTypes.has(id)) {
    let type = null;
    try {
      const response = await fetch(`${flags.registry.replace(/\/+$/, '')}/schemas/ids/${id}`);
      if (response.ok) type = avsc.Type.forSchema(JSON.parse((await response.json()).schema));
      else
        process.stderr.write(
          `kafka:consume: registry answered HTTP ${response.status} for schema id ${id}\n`,
        );
    } catch (e) {
      process.stderr.write(`kafka:consume: no schema id ${id} from ${flags.registry}: ${e.message}\n`);
    }
    avroTypes.set(id, type);
  }
  return avroTypes.get(id);
}

/** A value in the Confluent wire format as JSON, when its schema is had and it decodes; else null. */
async function avroText(bytes) {
  if (bytes === null || bytes.length < 5 || bytes[0] !== 0) return null;
  const type = await avroType(bytes.readUInt32BE(1));
  if (type === null) return null;
  try {
    return JSON.stringify(type.fromBuffer(bytes.subarray(5)));
  } catch {
    return null;
  }
}

const kafka = new kafkajs.Kafka({
  clientId: 'l1stream-consume',
  brokers: flags.brokers.split(','),
  logLevel: kafkajs.logLevel.NOTHING,
  retry: { retries: 3 },
});
const consumer = kafka.consumer({ groupId: `l1stream-consume-${randomUUID()}` });
let printed = 0;
let last = Date.now();
let stop;
const stopped = new Promise((resolve) => (stop = resolve));
// a reader that has had enough (`| head`) closes the pipe: stop there, as `cat` does, not with a stack trace
let closed = false;
process.stdout.on('error', (e) => {
  if (e.code !== 'EPIPE') throw e;
  closed = true;
  stop();
});
/** Fails naming the topic and the broker's topics when it has no topic of that name (kafkajs only says "This server does not host this topic-partition"). */
async function checkTopic() {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => !t.startsWith('__'));
    if (topics.includes(flags.topic)) return;
    // those that begin as the name given come first (a typo is usually late in the name)
    const common = (t) => {
      let i = 0;
      while (i < t.length && t[i] === flags.topic[i]) i++;
      return i;
    };
    topics.sort((a, b) => common(b) - common(a) || (a < b ? -1 : 1));
    const shown = topics.slice(0, 20).map((t) => `"${t}"`);
    if (topics.length > 20) shown.push(`and ${topics.length - 20} more`);
    throw new Error(
      `topic "${flags.topic}" does not exist; topics on the broker, the most alike first: ${shown.length > 0 ? shown.join(', ') : 'none'}`,
    );
  } finally {
    await admin.disconnect();
  }
}

try {
  await checkTopic();
  await consumer.connect();
  await consumer.subscribe({ topic: flags.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      if (closed) return;
      last = Date.now();
      if (printed >= max) return stop();
      const value =
        (flags.registry !== undefined ? await avroText(message.value) : null) ?? text(message.value);
      const key = flags.keys ? `${text(message.key)}\t` : '';
      const headers = flags.headers ? `\t${headersText(message.headers)}` : '';
      process.stdout.write(`${key}${value}${headers}\n`);
      if (++printed >= max) stop();
    },
  });
  const timer = setInterval(() => {
    if (Date.now() - last >= idleMs) stop();
  }, 100);
  await stopped;
  clearInterval(timer);
  process.stderr.write(
    closed
      ? `kafka:consume: the output was closed: stopped reading ${flags.topic}\n`
      : `kafka:consume: ${printed} message(s) from ${flags.topic}\n`,
  );
} catch (e) {
  process.stderr.write(`kafka:consume: ${e.message} (brokers ${flags.brokers})\n`);
  process.exitCode = 1;
} finally {
  await consumer.disconnect().catch(() => undefined);
}
