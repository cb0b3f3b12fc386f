/**
 * `npm run kafka:produce` and `kafka:consume` (connectors/kafka/tools): a JSONL file into a topic the
 * tool creates, keyed by each event's key, and the topic back out as lines, against a real broker.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import avro from 'avsc';
import { describe, expect, it } from 'vitest';

import { SchemaRegistryClient, frame, shippedSchema } from '../../connectors/kafka/index.js';
import { brokers, createTopic, kafkaClient, makeEvents, produce, randomName, readTopic } from './helpers.js';
import { registryKinds, useRegistry } from './registries.js';

const run = promisify(execFile);
const tools = resolve(import.meta.dirname, '../../connectors/kafka/tools');

describe('kafka:produce and kafka:consume', () => {
  it('sends every non-empty line, keyed by its key field, and prints them back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-tools-'));
    const events = makeEvents(250, 3);
    const lines = events.map((e) => JSON.stringify(e));
    // a line that is not JSON goes too (l1stream dead-letters it), an empty one does not
    const file = join(dir, 'events.jsonl');
    writeFileSync(file, [...lines.slice(0, 100), '', 'not json', ...lines.slice(100)].join('\n') + '\n');
    const topic = randomName('tools');
    const list = brokers().join(',');
    const produced = await run(process.execPath, [
      join(tools, 'produce.mjs'),
      ...['--input', file, '--topic', topic, '--brokers', list, '--partitions', '2'],
    ]);
    expect(produced.stderr).toContain(`created topic ${topic} (2 partition(s))`);
    expect(produced.stderr).toContain(`sent 251 message(s) to ${topic}`);

    const read = await readTopic(kafkaClient(), topic, 251);
    expect(new Set(read.map((m) => m.partition))).toEqual(new Set([0, 1]));
    const byValue = new Map(read.map((m) => [m.value?.toString() ?? '', m.key]));
    for (const e of events) expect(byValue.get(JSON.stringify(e))).toBe(e.key);
    expect(byValue.get('not json')).toBeNull();

    const consumed = await run(process.execPath, [
      join(tools, 'consume.mjs'),
      ...['--topic', topic, '--brokers', list, '--keys', '--idle-ms', '3000'],
    ]);
    const out = consumed.stdout.trimEnd().split('\n');
    expect(out).toHaveLength(251);
    expect(new Set(out)).toEqual(new Set(read.map((m) => `${m.key ?? ''}\t${m.value?.toString() ?? ''}`)));
    expect(consumed.stderr).toContain(`251 message(s) from ${topic}`);
  }, 120_000);

  it('sends a line that is not UTF-8 as its bytes, not with U+FFFD in place of them; CRLF ends without the CR', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-tools-'));
    const good = JSON.stringify({ key: 'a', label: 1, features: { city: 'Zurich' } });
    // "München" in Latin-1: 0xFC is no UTF-8
    const latin = Buffer.concat([
      Buffer.from('{"key":"b","label":0,"features":{"city":"M'),
      Buffer.from([0xfc]),
      Buffer.from('nchen"}}'),
    ]);
    const file = join(dir, 'latin.jsonl');
    writeFileSync(file, Buffer.concat([Buffer.from(`${good}\r\n`), latin, Buffer.from('\r\n')]));
    const topic = randomName('tools');
    const produced = await run(process.execPath, [
      join(tools, 'produce.mjs'),
      ...['--input', file, '--topic', topic, '--brokers', brokers().join(',')],
    ]);
    expect(produced.stderr).toContain(`sent 2 message(s) to ${topic}`);
    const read = await readTopic(kafkaClient(), topic, 2);
    const values = read.map((m) => m.value!);
    expect(values.map((v) => v.toString('hex'))).toEqual([
      Buffer.from(good).toString('hex'),
      latin.toString('hex'),
    ]);
  }, 120_000);

  it("a line over the topic's max.message.bytes is named and not sent; lines that fill more than one batch's limit all go", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-tools-'));
    // 900 lines of ~2 KB: 1.8 MB, more than a 1 MiB batch; line 451 alone is 1.2 MB
    const pad = 'x'.repeat(2000);
    const lines = Array.from({ length: 900 }, (_, i) =>
      JSON.stringify({ key: `k${i % 3}`, label: i % 2, features: { pad, i } }),
    );
    lines.splice(450, 0, JSON.stringify({ key: 'big', label: 1, features: { pad: 'y'.repeat(1_200_000) } }));
    const file = join(dir, 'events.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    const topic = randomName('tools');
    const produced = await run(process.execPath, [
      join(tools, 'produce.mjs'),
      ...['--input', file, '--topic', topic, '--brokers', brokers().join(',')],
    ]).catch((e: { code: number; stderr: string }) => e);
    expect('code' in produced ? produced.code : 0).toBe(1);
    expect(produced.stderr).toContain(
      `line 451 not sent: 1,200,048 bytes, over topic ${topic}'s max.message.bytes of 1,048,588 (raise it: kafka-configs.sh`,
    );
    expect(produced.stderr).toContain(`sent 900 message(s) to ${topic}`);
    expect(produced.stderr).toContain("1 line(s) not sent: larger than the topic's max.message.bytes");
    const read = await readTopic(kafkaClient(), topic, 900);
    expect(read.map((m) => JSON.parse(m.value!.toString()).features.i)).toEqual(
      Array.from({ length: 900 }, (_, i) => i),
    );
  }, 120_000);
});

// the tools' registry client against the in-process fake and a real registry (Apicurio)
describe.each(registryKinds)('kafka:produce and kafka:consume with a schema registry (%s)', (kind) => {
  const registry = useRegistry(kind, 41);

  it("--headers prints the headers as JSON (a dead letter's reason), --registry an Avro value as JSON", async () => {
    const schema = JSON.stringify(shippedSchema('event'));
    const id = await new SchemaRegistryClient({ url: registry().url }).register(
      randomName('tools-value'),
      schema,
    );
    // an id no registry of this run holds
    const unknown = id + 1_000_000;
    const event = { key: 'camp000', ts: 5, label: 1, weight: null, features: { bid: 0.5, site: 's1' } };
    const body = avro.Type.forSchema(shippedSchema('event')).toBuffer(event);
    const topic = randomName('tools');
    const kafka = kafkaClient();
    await createTopic(kafka, topic, 1);
    await produce(kafka, topic, [
      { key: 'camp000', value: frame(id, body), headers: { 'l1s.dlq.reason': 'why', twice: ['a', 'b'] } },
      { key: 'camp000', value: frame(unknown, body) },
    ]);
    const consumed = await run(process.execPath, [
      join(tools, 'consume.mjs'),
      ...['--topic', topic, '--brokers', brokers().join(','), '--keys', '--headers'],
      ...['--registry', registry().url, '--idle-ms', '3000'],
    ]);
    expect(consumed.stdout.trimEnd().split('\n')).toEqual([
      `camp000\t${JSON.stringify(event)}\t{"l1s.dlq.reason":"why","twice":["a","b"]}`,
      `camp000\t${frame(unknown, body).toString('base64')}\t{}`,
    ]);
    expect(consumed.stderr).toContain(`schema id ${unknown}`);
  }, 120_000);

  it('--avro --registry: registers the event schema under <topic>-value and sends Confluent-framed Avro; a line it cannot encode is named and not sent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-tools-'));
    const events = makeEvents(120, 5);
    const lines = events.map((e) => JSON.stringify(e));
    // a number key is sent as its text, a null feature is left out (absent, as in JSON)
    lines.push(JSON.stringify({ key: 7, label: 0, features: { bid: 1.5, gone: null } }));
    lines.push(JSON.stringify({ label: 1, features: { nested: { a: 1 } } }), 'not json');
    const file = join(dir, 'events.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    const topic = randomName('tools');
    const produced = await run(process.execPath, [
      join(tools, 'produce.mjs'),
      ...['--input', file, '--topic', topic, '--brokers', brokers().join(','), '--avro'],
      ...['--registry', registry().url],
    ]).catch((e: { code: number; stderr: string }) => e);
    expect('code' in produced ? produced.code : 0).toBe(1);
    const registered = new RegExp(`schema registered under ${topic}-value, id (\\d+)`).exec(produced.stderr);
    expect(registered, produced.stderr).not.toBeNull();
    const id = Number(registered![1]);
    if (kind === 'fake') expect(id).toBe(41);
    // the id is the registry's: it serves the event schema under the topic's subject
    const client = new SchemaRegistryClient({ url: registry().url });
    expect(JSON.parse(await client.schemaById(id))).toEqual(
      JSON.parse(JSON.stringify(shippedSchema('event'))),
    );
    expect(await client.lookup(`${topic}-value`, JSON.stringify(shippedSchema('event')))).toBe(id);
    expect(produced.stderr).toContain(`sent 121 message(s) (Avro, schema id ${id}) to ${topic}`);
    expect(produced.stderr).toContain('line 122 not sent: features.nested = {"a":1} is not');
    expect(produced.stderr).toContain('line 123 not sent: not JSON');
    expect(produced.stderr).toContain('2 line(s) not sent');

    const type = avro.Type.forSchema(shippedSchema('event'));
    const read = await readTopic(kafkaClient(), topic, 121);
    const decoded = read.map((m) => {
      expect(m.value!.readUInt8(0)).toBe(0);
      expect(m.value!.readUInt32BE(1)).toBe(id);
      return [m.key?.toString() ?? null, JSON.stringify(type.fromBuffer(m.value!.subarray(5)))];
    });
    const expected = events.map((e) => [e.key, JSON.stringify(type.fromBuffer(type.toBuffer(e)))]);
    expected.push([
      '7',
      JSON.stringify(type.fromBuffer(type.toBuffer({ key: '7', label: 0, features: { bid: 1.5 } }))),
    ]);
    expect(decoded).toEqual(expected);
  }, 120_000);
});

describe('kafka:produce and kafka:consume without a registry', () => {
  it('--avro without a registry frames with --schema-id, or sends raw bodies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-tools-'));
    const file = join(dir, 'events.jsonl');
    const event = {
      key: 'k1',
      ts: 9,
      label: 1,
      features: { bid: 0.25, site: 's2', tags: ['a', 'b'], on: true },
    };
    writeFileSync(file, JSON.stringify(event) + '\n');
    const type = avro.Type.forSchema(shippedSchema('event'));
    const body = type.toBuffer(event);
    for (const [flags, value] of [
      [['--schema-id', '7'], frame(7, body)],
      [['--framing', 'raw'], body],
    ] as const) {
      const topic = randomName('tools');
      await run(process.execPath, [
        join(tools, 'produce.mjs'),
        ...['--input', file, '--topic', topic, '--brokers', brokers().join(','), '--avro', ...flags],
      ]);
      const [m] = await readTopic(kafkaClient(), topic, 1);
      expect(m.value).toEqual(value);
    }
  }, 120_000);

  it('without --brokers, both go to L1S_KAFKA_BROKERS (the broker `l1stream run` reads), not 127.0.0.1:9092', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-tools-'));
    const file = join(dir, 'events.jsonl');
    writeFileSync(
      file,
      makeEvents(3, 1)
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n',
    );
    const topic = randomName('tools');
    const list = brokers().join(',');
    const env = { ...process.env, L1S_KAFKA_BROKERS: list };
    const produced = await run(
      process.execPath,
      [join(tools, 'produce.mjs'), '--input', file, '--topic', topic],
      {
        env,
      },
    );
    expect(produced.stderr).toContain(`sent 3 message(s) to ${topic} on ${list}`);
    const consumed = await run(
      process.execPath,
      [join(tools, 'consume.mjs'), '--topic', topic, '--idle-ms', '2000'],
      { env },
    );
    expect(consumed.stdout.trimEnd().split('\n')).toHaveLength(3);
  }, 60_000);

  it('kafka:consume piped into a reader that closes early (| head -1) stops quietly with exit 0', async () => {
    const topic = randomName('tools');
    await createTopic(kafkaClient(), topic, 1);
    await produce(
      kafkaClient(),
      topic,
      Array.from({ length: 3000 }, (_, i) => ({ key: null, value: `{"n":${i},"pad":"${'x'.repeat(200)}"}` })),
    );
    const child = spawn(
      process.execPath,
      [join(tools, 'consume.mjs'), '--topic', topic, '--brokers', brokers().join(',')],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // read the first line, then close the pipe as `head -1` does
    await new Promise<void>((done) => child.stdout.once('data', () => done()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
    expect(stderr).not.toContain('EPIPE');
    expect(stderr).toContain(`the output was closed: stopped reading ${topic}`);
    expect(code).toBe(0);
  }, 60_000);

  it('kafka:consume of a topic the broker does not have names it and the topics there, exit 1', async () => {
    const topic = randomName('tools');
    await createTopic(kafkaClient(), topic, 1);
    const typo = `${topic}x`;
    const failed = await run(process.execPath, [
      join(tools, 'consume.mjs'),
      ...['--topic', typo, '--brokers', brokers().join(',')],
    ]).catch((e: { code: number; stderr: string }) => e);
    expect('code' in failed ? failed.code : 0).toBe(1);
    expect(failed.stderr).toMatch(
      new RegExp(
        `^kafka:consume: topic "${typo}" does not exist; topics on the broker, the most alike first: "${topic}"`,
      ),
    );
  }, 60_000);

  it('names what is missing and exits 3', async () => {
    const failed = await run(process.execPath, [join(tools, 'produce.mjs'), '--topic', 'x']).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect('code' in failed ? failed.code : 0).toBe(3);
    expect(failed.stderr).toContain('--input is required');
    const mixed = await run(process.execPath, [
      join(tools, 'produce.mjs'),
      ...['--input', 'x', '--registry', 'http://r', '--framing', 'zip'],
    ]).catch((e: { code: number; stderr: string }) => e);
    expect('code' in mixed ? mixed.code : 0).toBe(3);
    expect(mixed.stderr).toContain('--registry, --schema and --schema-id go with --avro');
    expect(mixed.stderr).toContain('--framing must be confluent or raw, got zip');
  });
});
