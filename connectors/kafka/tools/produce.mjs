#!/usr/bin/env node
/**
 * Sends the lines of a JSONL file (or stdin) to a Kafka topic, one message per non-empty line, and
 * creates the topic when it does not exist: events in without Kafka's console tools.
 *
 *   npm run kafka:produce -- --input l1stream-demo/ad-clicks.jsonl [--topic events]
 *     [--brokers HOST:PORT (default $L1S_KAFKA_BROKERS, else 127.0.0.1:9092)] [--partitions 1] [--key-field key]
 *
 * A line's message key is its `--key-field` value when the line is a JSON object that has one
 * (a string or a number), else none. Lines are sent as they are, byte for byte, bad ones too (l1stream
 * dead-letters them: a line that is not UTF-8 is sent as its bytes, as another producer would send it).
 *
 * With `--avro`, each line is encoded with the event schema (`--schema FILE`, default the shipped
 * connectors/kafka/schemas/event.avsc) in the Confluent wire format: registered under the subject
 * `<topic>-value` with `--registry URL` and framed with the id it answers, else framed with
 * `--schema-id N` (default 1, `kafka.avro.schemaId`'s default); `--framing raw` sends bare Avro
 * bodies. A line the schema cannot encode is not sent: it is reported (line number, field, value)
 * and the tool exits 1 after sending the others.
 *
 * Messages go in batches of at most 1,000 and of at most the topic's `max.message.bytes` (a broker
 * checks each partition's batch against it); a line too large for the topic on its own is not sent:
 * it is reported with its line number, its size and the command that raises the limit, and the tool
 * exits 1 after sending the others.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { parseArgs } from 'node:util';

/* global fetch, URL */
import avsc from 'avsc';
import kafkajs from 'kafkajs';

import { encodeLine } from './avroLine.mjs';
import { brokersUsage, defaultBrokers } from './brokers.mjs';

const usage =
  `usage: npm run kafka:produce -- --input FILE|- [--topic events] ${brokersUsage} [--partitions 1] [--key-field key]\n` +
  '  [--avro [--registry URL | --schema-id 1] [--schema connectors/kafka/schemas/event.avsc] [--framing confluent|raw]]';
let flags;
try {
  ({ values: flags } = parseArgs({
    options: {
      input: { type: 'string' },
      topic: { type: 'string', default: 'events' },
      brokers: { type: 'string', default: defaultBrokers },
      partitions: { type: 'string', default: '1' },
      'key-field': { type: 'string', default: 'key' },
      avro: { type: 'boolean', default: false },
      registry: { type: 'string' },
      schema: { type: 'string' },
      'schema-id': { type: 'string' },
      framing: { type: 'string', default: 'confluent' },
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
const schemaId = flags['schema-id'] === undefined ? 1 : Number(flags['schema-id']);
const problems = [];
if (flags.input === undefined) problems.push('--input is required');
if (!Number.isInteger(partitions) || partitions < 1) problems.push('--partitions must be a whole number ≥ 1');
if (!flags.avro && [flags.registry, flags.schema, flags['schema-id']].some((f) => f !== undefined))
  problems.push('--registry, --schema and --schema-id go with --avro');
if (flags.framing !== 'confluent' && flags.framing !== 'raw')
  problems.push(`--framing must be confluent or raw, got ${flags.framing}`);
if (flags.registry !== undefined && flags['schema-id'] !== undefined)
  problems.push('--registry gives the schema id: drop --schema-id');
if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > 0x7fffffff)
  problems.push(`--schema-id must be a whole number from 0 to 2147483647, got ${flags['schema-id']}`);
if (problems.length > 0) {
  process.stderr.write(`kafka:produce: ${problems.join('; ')}\n${usage}\n`);
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

/** The lines of a byte stream as Buffers, without their newline (nor a CR before it): bytes as they are. */
async function* lineBuffers(input) {
  let carry = Buffer.alloc(0);
  for await (const chunk of input) {
    const buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, start)) {
      const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
      yield buf.subarray(start, end);
      start = nl + 1;
    }
    carry = Buffer.from(buf.subarray(start));
  }
  if (carry.length > 0) yield carry[carry.length - 1] === 13 ? carry.subarray(0, -1) : carry;
}

/** Bytes a record batch of one message adds to its key and value, at most (header 61, record ≤ 32). */
const BATCH_OVERHEAD = 100;
/** The broker's default `message.max.bytes`, a topic's limit when it sets none. */
const DEFAULT_MAX_MESSAGE_BYTES = 1048588;

/** The topic's `max.message.bytes` (what one partition's batch may hold), or the broker default. */
async function topicMessageLimit(admin, topic) {
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
  });
  const entry = described.resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes');
  const limit = Number(entry?.configValue);
  return Number.isInteger(limit) && limit > 0 ? limit : DEFAULT_MAX_MESSAGE_BYTES;
}

/** A byte count with thousands separators. */
const bytes = (n) => n.toLocaleString('en-US');

/** `--avro`: the schema's text and type, and the id to frame with (from the registry when given). */
async function avroWriter() {
  const file = flags.schema ?? new URL('../schemas/event.avsc', import.meta.url);
  const text = readFileSync(file, 'utf8');
  const type = avsc.Type.forSchema(JSON.parse(text));
  if (flags.registry === undefined) return { type, id: schemaId };
  const subject = `${flags.topic}-value`;
  const url = `${flags.registry.replace(/\/+$/, '')}/subjects/${encodeURIComponent(subject)}/versions`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schema: JSON.stringify(JSON.parse(text)) }),
  });
  const body = await response.text();
  if (!response.ok)
    throw new Error(
      `the registry refused the schema for subject ${subject}: HTTP ${response.status} ${body}`,
    );
  const id = JSON.parse(body).id;
  process.stderr.write(`kafka:produce: schema registered under ${subject}, id ${id}\n`);
  return { type, id };
}

const admin = kafka.admin();
const producer = kafka.producer();
try {
  await admin.connect();
  const created = await admin.createTopics({ topics: [{ topic: flags.topic, numPartitions: partitions }] });
  if (created)
    process.stderr.write(`kafka:produce: created topic ${flags.topic} (${partitions} partition(s))\n`);
  const limit = await topicMessageLimit(admin, flags.topic);
  const writer = flags.avro ? await avroWriter() : null;
  await producer.connect();
  const input = flags.input === '-' ? process.stdin : createReadStream(flags.input);
  let batch = [];
  let batchBytes = 0;
  let sent = 0;
  let lineNumber = 0;
  let skipped = 0;
  let tooLarge = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await producer.send({ topic: flags.topic, messages: batch });
    sent += batch.length;
    batch = [];
    batchBytes = 0;
  };
  for await (const raw of lineBuffers(input)) {
    lineNumber++;
    const line = raw.toString('utf8');
    if (line.trim() === '') continue;
    let value = raw;
    if (writer !== null) {
      if (!isUtf8(raw)) {
        if (++skipped <= 10)
          process.stderr.write(`kafka:produce: line ${lineNumber} not sent: its bytes are not UTF-8\n`);
        continue;
      }
      const encoded = encodeLine(writer, line, {
        framing: flags.framing,
        shipped: flags.schema === undefined,
      });
      if (encoded.value === undefined) {
        if (++skipped <= 10)
          process.stderr.write(`kafka:produce: line ${lineNumber} not sent: ${encoded.problem}\n`);
        continue;
      }
      value = encoded.value;
    }
    const key = keyOf(line);
    const size = Buffer.byteLength(value) + (key === null ? 0 : Buffer.byteLength(key)) + BATCH_OVERHEAD;
    if (size > limit) {
      if (++tooLarge <= 10)
        process.stderr.write(
          `kafka:produce: line ${lineNumber} not sent: ${bytes(size - BATCH_OVERHEAD)} bytes, over topic ${flags.topic}'s max.message.bytes of ${bytes(limit)} (raise it: kafka-configs.sh --bootstrap-server ${flags.brokers.split(',')[0]} --alter --entity-type topics --entity-name ${flags.topic} --add-config max.message.bytes=${size})\n`,
        );
      continue;
    }
    if (batchBytes + size > limit) await flush();
    batch.push({ key, value });
    batchBytes += size;
    if (batch.length >= 1000) await flush();
  }
  await flush();
  const as =
    writer === null ? '' : flags.framing === 'raw' ? ' (raw Avro)' : ` (Avro, schema id ${writer.id})`;
  process.stderr.write(`kafka:produce: sent ${sent} message(s)${as} to ${flags.topic} on ${flags.brokers}\n`);
  if (skipped > 0) {
    process.stderr.write(
      `kafka:produce: ${skipped} line(s) not sent: the schema cannot encode them, or they are not UTF-8 (above, the first 10)\n`,
    );
    process.exitCode = 1;
  }
  if (tooLarge > 0) {
    process.stderr.write(
      `kafka:produce: ${tooLarge} line(s) not sent: larger than the topic's max.message.bytes (above, the first 10)\n`,
    );
    process.exitCode = 1;
  }
} catch (e) {
  process.stderr.write(`kafka:produce: ${e.message} (brokers ${flags.brokers})\n`);
  process.exitCode = 1;
} finally {
  await producer.disconnect().catch(() => undefined);
  await admin.disconnect().catch(() => undefined);
}
