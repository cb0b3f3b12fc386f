#!/usr/bin/env node
/**
 * Prints a Kafka topic's messages from the beginning, one per line (`key<TAB>value` with `--keys`),
 * and stops once no message has arrived for `--idle-ms` or after `--max` messages: outputs out
 * without Kafka's console tools. JSON topics print as they are; Avro values as base64.
 *
 *   npm run kafka:consume -- --topic l1stream.models [--brokers 127.0.0.1:9092] [--keys]
 *     [--max N] [--idle-ms 5000]
 */
import { randomUUID } from 'node:crypto';
import { clearInterval, setInterval } from 'node:timers';
import { parseArgs } from 'node:util';

import kafkajs from 'kafkajs';

const usage =
  'usage: npm run kafka:consume -- --topic TOPIC [--brokers 127.0.0.1:9092] [--keys] [--max N] [--idle-ms 5000]';
let flags;
try {
  ({ values: flags } = parseArgs({
    options: {
      topic: { type: 'string' },
      brokers: { type: 'string', default: '127.0.0.1:9092' },
      keys: { type: 'boolean', default: false },
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

const kafka = new kafkajs.Kafka({
  clientId: 'l1stream-consume',
  brokers: flags.brokers.split(','),
  logLevel: kafkajs.logLevel.NOTHING,
  retry: { retries: 3 },
});
const consumer = kafka.consumer({ groupId: `l1stream-consume-${randomUUID()}` });
let printed = 0;
let last = Date.now();
try {
  await consumer.connect();
  await consumer.subscribe({ topic: flags.topic, fromBeginning: true });
  let stop;
  const stopped = new Promise((resolve) => (stop = resolve));
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      last = Date.now();
      if (printed >= max) return stop();
      const value = text(message.value);
      process.stdout.write(flags.keys ? `${text(message.key)}\t${value}\n` : `${value}\n`);
      if (++printed >= max) stop();
    },
  });
  const timer = setInterval(() => {
    if (Date.now() - last >= idleMs) stop();
  }, 100);
  await stopped;
  clearInterval(timer);
  process.stderr.write(`kafka:consume: ${printed} message(s) from ${flags.topic}\n`);
} catch (e) {
  process.stderr.write(`kafka:consume: ${e.message} (brokers ${flags.brokers})\n`);
  process.exitCode = 1;
} finally {
  await consumer.disconnect().catch(() => undefined);
}
