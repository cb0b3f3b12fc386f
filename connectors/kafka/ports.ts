import type { Kafka } from 'kafkajs';

import {
  ConfigError,
  ConnectorError,
  learnerNames,
  type Alert,
  type ConfigProblem,
  type EventDecoder,
  type EventSource,
  type PartitionRef,
  type RawRecord,
} from '../../src/index.js';
import { AvroDecoder, AvroEncoder, readSchemaFile, shippedSchema } from './codecs/avro.js';
import { SchemaRegistryClient } from './codecs/registryClient.js';
import { checkKafkaConfig, type KafkaConfig } from './config.js';
import type { ConnectorLogger } from './deadLetters.js';
import { KafkaSink } from './sink.js';
import { KafkaSource, type KafkaSourceOptions } from './source.js';
import { KafkaStateStore } from './stateStore.js';
import { checkInputTopics, outputTopics } from './topics.js';
import { retrying } from './retry.js';
import { KafkaTransactions } from './transactions.js';

/**
 * A `KafkaSource` as the engine's event source (commits after outputs are acknowledged, or at
 * checkpoints; with `transactions`, in the checkpoint's transaction).
 */
export function kafkaEventSource(
  source: KafkaSource,
  prepare?: (records: readonly RawRecord[]) => Promise<void>,
  transactions?: KafkaTransactions,
): EventSource {
  return {
    batches$: source.batches$,
    commit: transactions
      ? async (records) => {
          // offsets go into the transaction (source.commitOffsets); a checkpoint with none
          // still commits what it sent
          await source.commit(records);
          await transactions.commit([]);
        }
      : (records) => source.commit(records),
    release: (records) => source.release(records),
    // (the assignment is checked and the transactional producer replaced in the state store's
    // restore, after the engine's handler has rewound, synchronously, at the join)
    onAssign: (handler) => source.onAssign(handler),
    // (not asked with exactly-once, whose checkpoints are transactions: left as they are)
    ...(transactions ? {} : { stillAssigned: () => source.stillAssigned() }),
    ...(prepare ? { prepare } : {}),
    close: () => source.close(),
  };
}

/** What the Kafka ports need to know of the engine's configuration. */
export interface KafkaEngineFacts {
  /** `model.keyBy`: only `"key"` (the record key) lets several instances share a group. */
  readonly keyBy: string | null;
  readonly family: string;
  readonly learner: string;
  /**
   * Whether the engine writes scores (`config.scores.enabled`; default true): with `outputFormat`
   * "avro" their encoder, and its registry subject, is made only then.
   */
  readonly scores?: boolean;
}

/**
 * The `kafka` section checked again (a section not from `checkKafkaConfig` gets its defaults, or is
 * refused naming what it lacks) and the engine's facts checked with it: a wrong value is one error
 * here, at construction, not a kafkajs type error at the first checkpoint.
 */
function checkPortsInput(config: KafkaConfig, engine: KafkaEngineFacts): KafkaConfig {
  const problems: ConfigProblem[] = [];
  const fact = (key: keyof KafkaEngineFacts, message: string) =>
    problems.push({ path: `engine.${key}`, message });
  const facts: Partial<Record<keyof KafkaEngineFacts, unknown>> =
    typeof engine === 'object' && engine !== null ? engine : {};
  if (facts.family !== 'gaussian' && facts.family !== 'binomial')
    fact('family', `must be "gaussian" or "binomial", got ${String(facts.family)}: pass config.model.family`);
  if (!learnerNames.some((name) => name === facts.learner))
    fact(
      'learner',
      `must be ${learnerNames.map((n) => `"${n}"`).join(', ')}, got ${String(facts.learner)}: pass config.model.learner ?? 'ftrl' (model.learner is unset unless the configuration names one)`,
    );
  if (facts.scores !== undefined && typeof facts.scores !== 'boolean')
    fact(
      'scores',
      `must be true or false when given, got ${String(facts.scores)}: pass config.scores.enabled`,
    );
  if (facts.keyBy !== null && (typeof facts.keyBy !== 'string' || facts.keyBy === ''))
    fact('keyBy', `must be a field name or null, got ${String(facts.keyBy)}: pass config.keys.keyBy`);
  let checked = config;
  try {
    checked = checkKafkaConfig(config);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.unshift(...err.problems);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return checked;
}

/**
 * Before joining: with a configuration whose models span partitions, a group that already has
 * members means another instance runs; joining would split its models (and stop it), so this one
 * refuses to start instead.
 */
export async function refuseSecondInstance(
  kafka: Kafka,
  config: Pick<KafkaConfig, 'groupId' | 'topics' | 'sessionTimeoutMs'>,
  keyBy: string | null,
  logger?: ConnectorLogger,
): Promise<void> {
  if (keyBy === 'key' && config.topics.length === 1) return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    // A killed instance stays a member until its session times out: wait that long first.
    const deadline = Date.now() + config.sessionTimeoutMs + 5000;
    let members = 0;
    for (let logged = false; ; logged = true) {
      const { groups } = await admin.describeGroups([config.groupId]);
      members = groups[0]?.members.length ?? 0;
      if (members === 0 || Date.now() > deadline) break;
      if (!logged)
        logger?.warn(
          { groupId: config.groupId, members, waitSeconds: Math.round(config.sessionTimeoutMs / 1000) + 5 },
          `waiting up to ${Math.round(config.sessionTimeoutMs / 1000) + 5} s for the consumer group to be empty (a killed instance leaves it when its session times out); this configuration runs as one instance per group, so run stops if another one is still there`,
        );
      await new Promise((r) => setTimeout(r, 1000));
    }
    if (members > 0) {
      throw new ConnectorError(
        'L1S_KAFKA_SPLIT',
        `consumer group "${config.groupId}" still has ${members} member(s) after ${Math.round(config.sessionTimeoutMs / 1000) + 5} s, and ${
          keyBy === null
            ? 'there is one model, whose events arrive on every partition'
            : keyBy === 'key'
              ? `there are ${config.topics.length} input topics, whose partitions with one key may go to different instances`
              : `model.keyBy is "${keyBy}", a field any partition may carry`
        }: a second instance would split its models. Stop the other instance, give this one another kafka.groupId and another kafka.prefix (with the same prefix both groups would write the same output and state topics), or set model.keyBy to "key" with events keyed by model key on one topic`,
      );
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * Unless `kafka.createInputTopics` is set, stops the run before it joins its group when an input
 * topic does not exist (`checkInputTopics`); with it, the source creates missing ones.
 */
export async function requireInputTopics(
  kafka: Kafka,
  config: Pick<KafkaConfig, 'topics' | 'createInputTopics'>,
): Promise<void> {
  if (config.createInputTopics) return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await checkInputTopics(admin, config.topics);
  } finally {
    await admin.disconnect();
  }
}

/**
 * One model's events must all reach one instance. With `model.keyBy: "key"` and one input topic,
 * a model's records share a partition (Kafka partitions by record key), so instances may split
 * the partitions; otherwise (one model, or models keyed by a field that any partition may carry)
 * an instance must be assigned every partition, and a second instance in the group is an error.
 */
export async function checkAssignmentCoversModels(
  kafka: Kafka,
  topics: readonly string[],
  groupId: string,
  keyBy: string | null,
  assignment: readonly PartitionRef[],
): Promise<void> {
  if (keyBy === 'key' && topics.length === 1) return;
  const total = await retrying("reading the input topics' partitions", async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [...topics] });
      return metadata.topics.reduce((sum, t) => sum + t.partitions.length, 0);
    } finally {
      await admin.disconnect();
    }
  });
  if (assignment.length >= total) return;
  const why =
    keyBy === 'key'
      ? `the models are keyed by record key but there are ${topics.length} input topics, whose partitions with one key may go to different instances`
      : keyBy === null
        ? 'there is one model, and its events arrive on every partition'
        : `model.keyBy is "${keyBy}", a field that any partition may carry`;
  throw new ConnectorError(
    'L1S_KAFKA_SPLIT',
    `this instance of group "${groupId}" was assigned ${assignment.length} of ${total} input partitions, but ${why}: several instances would each learn part of one model. Run one instance per group, or set model.keyBy to "key", produce each event with its model key as the record key, and read one topic`,
  );
}

/** The engine's ports on Kafka for a validated `kafka` configuration section. */
export interface KafkaPorts {
  readonly source: EventSource;
  readonly consumer: KafkaSource;
  readonly sink: KafkaSink;
  /** Model states in `<prefix>.state` (checkpoints, restore on assignment). */
  readonly store: KafkaStateStore;
  /** Exactly-once: the transactions outputs, states and offsets go through. */
  readonly transactions?: KafkaTransactions;
  /** The Avro event decoder (absent for JSON). */
  readonly decoder?: EventDecoder;
  /** Connects the producer and creates missing output topics. */
  start(): Promise<void>;
  /** Stops consuming, flushes and disconnects. */
  close(): Promise<void>;
}

/** The engine's side of the Kafka ports: what it writes to (outputs, states) and decodes with. */
export interface KafkaEnginePorts {
  readonly sink: KafkaSink;
  /** Model states in `<prefix>.state` (checkpoints, restore on assignment). */
  readonly store: KafkaStateStore;
  /** The Avro event decoder (absent for JSON). */
  readonly decoder?: AvroDecoder;
}

/**
 * The sink (models, scores, alerts, dead letters), the state store and the event decoder (JSON,
 * or Avro in the Confluent wire format with a registry or a schema file) of a validated `kafka`
 * section: what `kafkaPorts` gives the engine on the main thread, and the engine worker of
 * `kafka.engineThread: "worker"` builds for itself (with its own producers and registry client).
 */
export async function kafkaEnginePorts(
  kafka: Kafka,
  config: KafkaConfig,
  engine: KafkaEngineFacts,
  logger?: ConnectorLogger,
  transactions?: KafkaTransactions,
): Promise<KafkaEnginePorts> {
  config = checkPortsInput(config, engine);
  const topics = outputTopics(config.prefix);
  const registry = config.avro.registryUrl
    ? new SchemaRegistryClient({ url: config.avro.registryUrl, cacheSize: config.avro.cacheSize })
    : undefined;
  if (registry) await checkRegistry(registry, logger);
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
    const encoderFor = async (name: 'model' | 'alert' | 'score', topic: string) =>
      AvroEncoder.create({
        schema: shippedSchema(name),
        framing: config.avro.framing,
        schemaId: config.avro.schemaId,
        ...(registry ? { registry, subject: `${topic}-value`, register: config.avro.registerSchemas } : {}),
      });
    const models = await encoderFor('model', topics.models);
    const alerts = await encoderFor('alert', topics.alerts);
    const scores = engine.scores === false ? null : await encoderFor('score', topics.scores);
    encoders = {
      encodeModel: (s: unknown) => models.encode(s),
      ...(scores !== null ? { encodeScore: (s: unknown) => scores.encode(s) } : {}),
      encodeAlert: (a: Alert) => alerts.encode({ ...a, details: JSON.stringify(a.details) }),
    };
  }
  const sink = new KafkaSink(kafka, {
    ...(transactions ? { channel: transactions } : {}),
    topics,
    partitions: config.partitions,
    replicationFactor: config.replicationFactor,
    ...(logger ? { logger } : {}),
    ...encoders,
  });
  const store = new KafkaStateStore(kafka, {
    topic: topics.state,
    partitions: config.partitions,
    replicationFactor: config.replicationFactor,
    family: engine.family,
    learner: engine.learner,
    groupId: config.groupId,
    ...(logger ? { logger } : {}),
    ...(transactions ? { channel: transactions } : {}),
    async beforeRestore(assignment) {
      await checkAssignmentCoversModels(kafka, config.topics, config.groupId, engine.keyBy, assignment);
      await transactions?.assign(assignment);
    },
  });
  return { sink, store, ...(decoder ? { decoder } : {}) };
}

/**
 * A wrong registry URL fails the run before any record (else every record would be dead-lettered
 * as of an unknown schema); a registry that does not answer only warns here (it may by the first
 * record whose schema is needed; if not, that record stops the run uncommitted).
 */
async function checkRegistry(registry: SchemaRegistryClient, logger?: ConnectorLogger): Promise<void> {
  try {
    await registry.check();
  } catch (err) {
    if (!(err instanceof ConnectorError && err.retriable)) throw err;
    logger?.warn(
      { err: err.message },
      'the schema registry (kafka.avro.registryUrl) does not answer: the first record whose schema it must give stops the run (exit 1, that record not committed) if it does not answer by then',
    );
  }
}

/** The `KafkaSource` of a validated `kafka` section (consumer group, manual commits). */
export function kafkaConsumer(
  kafka: Kafka,
  config: KafkaConfig,
  logger?: ConnectorLogger,
  more: Pick<KafkaSourceOptions, 'backpressure' | 'commitOffsets'> = {},
): KafkaSource {
  return new KafkaSource(kafka, {
    topics: config.topics,
    groupId: config.groupId,
    fromBeginning: config.fromBeginning,
    maxInFlightBatches: config.maxInFlightBatches,
    maxBytesPerPartition: config.maxBytesPerPartition,
    sessionTimeoutMs: config.sessionTimeoutMs,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    ...(config.createInputTopics
      ? { createTopics: { partitions: config.partitions, replicationFactor: config.replicationFactor } }
      : {}),
    ...more,
    ...(logger ? { logger } : {}),
  });
}

/**
 * Builds the Kafka source (consumer group, manual commits), sink (models, scores, alerts, dead
 * letters), state store and codecs (JSON, or Avro in the Confluent wire format with a registry or
 * a schema file) that `l1stream run` passes to the engine.
 */
export async function kafkaPorts(
  kafka: Kafka,
  config: KafkaConfig,
  engine: KafkaEngineFacts,
  logger?: ConnectorLogger,
): Promise<KafkaPorts> {
  config = checkPortsInput(config, engine);
  const transactions = config.exactlyOnce
    ? new KafkaTransactions(kafka, {
        baseId: `${config.prefix}.${config.groupId}`,
        groupId: config.groupId,
        transactionTimeoutMs: config.transactionTimeoutMs,
        ...(logger ? { logger } : {}),
      })
    : undefined;
  const { sink, store, decoder } = await kafkaEnginePorts(kafka, config, engine, logger, transactions);
  const consumer = kafkaConsumer(
    kafka,
    config,
    logger,
    transactions ? { commitOffsets: (offsets) => transactions.commit(offsets) } : {},
  );
  const avro = decoder;
  return {
    source: kafkaEventSource(consumer, avro ? (records) => avro.prepare(records) : undefined, transactions),
    consumer,
    sink,
    store,
    ...(transactions ? { transactions } : {}),
    ...(avro ? { decoder: avro } : {}),
    async start() {
      await requireInputTopics(kafka, config);
      await refuseSecondInstance(kafka, config, engine.keyBy, logger);
      await sink.start();
      await store.start();
    },
    async close() {
      await consumer.close().catch(() => undefined);
      await store.close();
      await sink.close();
      await transactions?.disconnect();
    },
  };
}
