#!/usr/bin/env node
/**
 * Sends the lines of a JSONL file (or stdin) to a Kafka topic, one message per non-empty line, and
 * creates the topic when it does not exist: events in without Kafka's console tools.
 *
 *   npm run kafka:produce -- --input l1stream-demo/ad-clicks.jsonl [--topic events]
 *     [--brokers 127.0.0.1:9092] [--partitions 1] [--key-field key]
 *
 * A line's message key is its `--key-field` value when the line is a JSON object that has one
 * (a string or a number), else none. Lines are sent as they are, bad ones too (l1stream dead-letters them).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

import kafkajs from 'kafkajs';

const usage =
  'usage: npm run kafka:produce -- --input FILE|- [--topic events] [--brokers 127.0.0.1:9092] [--partitions 1] [--key-field key]';
let flags;
try {
  ({ values: flags } = parseArgs({
    options: {
      input: { type: 'string' },
      topic: { type: 'string', default: 'events' },
      brokers: { type: 'string', default: '127.0.0.1:9092' },
      partitions: { type: 'string', default: '1' },
      'key-field': { type: 'string', default: 'key' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (e) {
  process.stderr.write(`kafka:produce: ${e.message}\n${usage}\n`);
  process.exit(3);
}
if (flags.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const partitions = Number(flags.partitions);
if (flags.input === undefined || !Number.isInteger(partitions) || partitions < 1) {
  process.stderr.write(
    `kafka:produce: ${flags.input === undefined ? '--input is required' : '--partitions must be a whole number ≥ 1'}\n${usage}\n`,
  );
  process.exit(3);
}

const kafka = new kafkajs.Kafka({
  clientId: 'l1stream-produce',
  brokers: flags.brokers.split(','),
  logLevel: kafkajs.logLevel.NOTHING,
  retry: { retries: 3 },
});
const keyField = flags['key-field'];

/** The message key of a line: its key field's value, when it is a JSON object with one. */
function keyOf(line) {
  try {
    const event = JSON.parse(line);
    if (typeof event !== 'object' || event === null || !Object.hasOwn(event, keyField)) return null;
    const key = event[keyField];
    return typeof key === 'string' || typeof key === 'number' ? String(key) : null;
  } catch {
    return null;
  }
}

const admin = kafka.admin();
const producer = kafka.producer();
try {
  await admin.connect();
  const created = await admin.createTopics({ topics: [{ topic: flags.topic, numPartitions: partitions }] });
  if (created)
    process.stderr.write(`kafka:produce: created topic ${flags.topic} (${partitions} partition(s))\n`);
  await producer.connect();
  const input = flags.input === '-' ? process.stdin : createReadStream(flags.input);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let batch = [];
  let sent = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await producer.send({ topic: flags.topic, messages: batch });
    sent += batch.length;
    batch = [];
  };
  for await (const line of lines) {
    if (line.trim() === '') continue;
    batch.push({ key: keyOf(line), value: line });
    if (batch.length >= 1000) await flush();
  }
  await flush();
  process.stderr.write(`kafka:produce: sent ${sent} message(s) to ${flags.topic} on ${flags.brokers}\n`);
} catch (e) {
  process.stderr.write(`kafka:produce: ${e.message} (brokers ${flags.brokers})\n`);
  process.exitCode = 1;
} finally {
  await producer.disconnect().catch(() => undefined);
  await admin.disconnect().catch(() => undefined);
}
