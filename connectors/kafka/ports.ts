import type { Kafka } from 'kafkajs';

import type { Alert, EventDecoder, EventSource, RawRecord } from '../../src/index.js';
import { AvroDecoder, AvroEncoder, readSchemaFile, shippedSchema } from './codecs/avro.js';
import { SchemaRegistryClient } from './codecs/registryClient.js';
import type { KafkaConfig } from './config.js';
import type { ConnectorLogger } from './deadLetters.js';
import { KafkaSink } from './sink.js';
import { KafkaSource } from './source.js';
import { outputTopics } from './topics.js';

/** A `KafkaSource` as the engine's event source (commits after outputs are acknowledged). */
export function kafkaEventSource(
  source: KafkaSource,
  prepare?: (records: readonly RawRecord[]) => Promise<void>,
): EventSource {
  return {
    batches$: source.batches$,
    commit: (records) => source.commit(records),
    ...(prepare ? { prepare } : {}),
    close: () => source.close(),
  };
}

/** The engine's ports on Kafka for a validated `kafka` configuration section. */
export interface KafkaPorts {
  readonly source: EventSource;
  readonly consumer: KafkaSource;
  readonly sink: KafkaSink;
  /** The Avro event decoder (absent for JSON). */
  readonly decoder?: EventDecoder;
  /** Connects the producer and creates missing output topics. */
  start(): Promise<void>;
  /** Stops consuming, flushes and disconnects. */
  close(): Promise<void>;
}

/**
 * Builds the Kafka source (consumer group, manual commits), sink (models, scores, alerts, dead
 * letters) and codecs (JSON, or Avro in the Confluent wire format with a registry or a schema
 * file) that `l1stream run` passes to the engine.
 */
export async function kafkaPorts(
  kafka: Kafka,
  config: KafkaConfig,
  logger?: ConnectorLogger,
): Promise<KafkaPorts> {
  const topics = outputTopics(config.prefix);
  const registry = config.avro.registryUrl
    ? new SchemaRegistryClient({ url: config.avro.registryUrl, cacheSize: config.avro.cacheSize })
    : undefined;
  let decoder: AvroDecoder | undefined;
  if (config.format === 'avro') {
    const writerSchemas = config.avro.schemaFile
      ? new Map([
          [config.avro.framing === 'raw' ? 0 : config.avro.schemaId, readSchemaFile(config.avro.schemaFile)],
        ])
      : undefined;
    decoder = new AvroDecoder({
      framing: config.avro.framing,
      ...(registry ? { registry } : {}),
      ...(writerSchemas ? { writerSchemas } : {}),
    });
  }
  let encoders = {};
  if (config.outputFormat === 'avro') {
    const encoderFor = async (name: 'model' | 'alert', topic: string) =>
      AvroEncoder.create({
        schema: shippedSchema(name),
        framing: config.avro.framing,
        schemaId: config.avro.schemaId,
        ...(registry ? { registry, subject: `${topic}-value`, register: config.avro.registerSchemas } : {}),
      });
    const models = await encoderFor('model', topics.models);
    const alerts = await encoderFor('alert', topics.alerts);
    encoders = {
      encodeModel: (s: unknown) => models.encode(s),
      encodeAlert: (a: Alert) => alerts.encode({ ...a, details: JSON.stringify(a.details) }),
    };
  }
  const sink = new KafkaSink(kafka, {
    topics,
    partitions: config.partitions,
    replicationFactor: config.replicationFactor,
    ...(logger ? { logger } : {}),
    ...encoders,
  });
  const consumer = new KafkaSource(kafka, {
    topics: config.topics,
    groupId: config.groupId,
    fromBeginning: config.fromBeginning,
    maxInFlightBatches: config.maxInFlightBatches,
    sessionTimeoutMs: config.sessionTimeoutMs,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    createTopics: { partitions: config.partitions, replicationFactor: config.replicationFactor },
    ...(logger ? { logger } : {}),
  });
  const avro = decoder;
  return {
    source: kafkaEventSource(consumer, avro ? (records) => avro.prepare(records) : undefined),
    consumer,
    sink,
    ...(avro ? { decoder: avro } : {}),
    start: () => sink.start(),
    async close() {
      await consumer.close().catch(() => undefined);
      await sink.close();
    },
  };
}
