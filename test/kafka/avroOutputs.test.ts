/**
 * `kafka.outputFormat: "avro"`: models, alerts and scores in the Confluent wire format with the
 * shipped schemas (here without a registry: framed with `avro.schemaId`), each decoding to what
 * the same run writes as JSON. Scores were JSON on every format.
 */
import avro from 'avsc';
import { describe, expect, it } from 'vitest';

import { shippedSchema, type ShippedSchema } from '../../connectors/kafka/index.js';
import {
  brokers,
  createTopic,
  kafkaClient,
  makeEvents,
  produce,
  randomName,
  readTopic,
  waitFor,
} from './helpers.js';
import { startService, writeConfig } from './service.js';

/** 600 events, every 10th without its label (scored). */
function events(): { key: string; value: string }[] {
  return makeEvents(600, 23).map((e, i) => {
    const { label, ...unlabelled } = e;
    return { key: e.key, value: JSON.stringify(i % 10 === 9 ? unlabelled : { ...e, label }) };
  });
}

/** Runs `l1stream run` over `topic` until its 60 scores are out; returns its prefix. */
async function runOver(topic: string, outputFormat: 'json' | 'avro'): Promise<string> {
  const prefix = randomName(`avro-out-${outputFormat}`);
  const config = writeConfig({
    model: { family: 'gaussian', key: 'm', lambda: 0.01 },
    refit: { enabled: false },
    snapshots: { everyEvents: 200, everySeconds: 'Infinity' },
    scores: { top: 3 },
    kafka: {
      brokers: brokers(),
      topics: [topic],
      groupId: prefix,
      prefix,
      outputFormat,
      avro: { schemaId: 7 },
    },
  });
  const service = startService(config, `avro-out-${outputFormat}`);
  try {
    const kafka = kafkaClient();
    await waitFor(
      async () => (await readTopic(kafka, `${prefix}.scores`, 60, 20_000).catch(() => [])).length >= 60,
      () => `60 scores on ${prefix}.scores:\n${service.stderr()}`,
      60_000,
    );
  } finally {
    expect(await service.stop()).toBe(0);
  }
  return prefix;
}

/** The topic's values decoded with the shipped schema `name`, after checking their framing. */
function decoded(values: readonly (Buffer | null)[], name: ShippedSchema): unknown[] {
  const type = avro.Type.forSchema(shippedSchema(name));
  return values.map((v) => {
    expect(v![0]).toBe(0);
    expect(v!.readUInt32BE(1)).toBe(7);
    return JSON.parse(JSON.stringify(type.fromBuffer(v!.subarray(5))));
  });
}

/** A JSON output as the Avro record holds it: absent optional fields are null. */
function asAvro(value: Buffer | null, optional: readonly string[]): unknown {
  const o = JSON.parse(value!.toString()) as Record<string, unknown>;
  for (const name of optional) o[name] ??= null;
  return o;
}

describe('run with kafka.outputFormat "avro"', () => {
  it('writes scores and models in Avro, the same records as the JSON run writes', async () => {
    const kafka = kafkaClient();
    const topic = randomName('avro-out-in');
    await createTopic(kafka, topic, 1);
    await produce(kafka, topic, events());
    const json = await runOver(topic, 'json');
    const binary = await runOver(topic, 'avro');
    const byOffset = <M extends { offset: string }>(m: M[]) =>
      [...m].sort((a, b) => Number(a.offset) - Number(b.offset));
    const jsonScores = byOffset(await readTopic(kafka, `${json}.scores`, 60));
    const avroScores = byOffset(await readTopic(kafka, `${binary}.scores`, 60));
    expect(avroScores).toHaveLength(60);
    const scores = decoded(
      avroScores.map((m) => m.value),
      'score',
    );
    expect(scores).toEqual(jsonScores.map((m) => asAvro(m.value, ['eventKey', 'partition', 'ts'])));
    expect(scores[0]).toMatchObject({ key: 'm', source: topic, partition: 0, offset: '9' });
    // the last one's model has learned its features
    expect((scores[59] as { top: unknown[] }).top).toHaveLength(3);

    const jsonModels = await readTopic(kafka, `${json}.models`, 2);
    const avroModels = decoded(
      (await readTopic(kafka, `${binary}.models`, 2)).map((m) => m.value),
      'model',
    );
    const versions = (models: unknown[]) => models.map((m) => (m as { version: number }).version).sort();
    expect(versions(avroModels)).toEqual(versions(jsonModels.map((m) => JSON.parse(m.value!.toString()))));
  }, 180_000);
});
