import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pino } from 'pino';

import { checkModelConfig } from '../config/modelConfig.js';
import { ConfigError, type ConfigProblem } from '../core/errors.js';
import { OnlineModel } from '../model/onlineModel.js';
import type { Alert } from '../model/snapshot.js';
import type { EventDecoder, RecordDecoder } from '../stream/decodeEvents.js';
import type { RawRecord } from '../stream/types.js';
import { parseCommandArgs, readJsonConfig, UsageError, type CliIO } from './io.js';
import type { Command } from './main.js';
import { attachDrift } from './replayDrift.js';

const usage = `usage: l1stream run --config FILE

The long-running service. FILE is a JSON document:
  {
    "model": { "family": "binomial", "learner": "ftrl", "lambda": 1e-3, ... },
    "kafka": {                                  Kafka in and out (DESIGN §6)
      "brokers": ["127.0.0.1:9092"], "topics": ["events"], "groupId": "l1stream",
      "prefix": "l1stream",                     outputs: <prefix>.models|scores|alerts|dlq
      "format": "json" | "avro", "outputFormat": "json" | "avro",
      "avro": { "registryUrl": "http://127.0.0.1:8081" } or { "schemaFile": "event.avsc", "schemaId": 1 },
      "snapshotEvery": 10000, "partitions": 1, "replicationFactor": 1, "fromBeginning": true
    },
    "drift": { ... }
  }
or, for files in and out, { "model": {...}, "input": "events.jsonl", "replay": { "out": "DIR", ... } }
(the same pipeline as 'l1stream replay').

Offsets are committed only after the events are learned and the outputs acknowledged by the
broker (at-least-once). SIGINT / SIGTERM stop it cleanly: in-flight outputs are flushed, the
consumer leaves its group, the last snapshot is published.`;

const options = { config: { type: 'string' } } as const;

/** Files in and out: delegates to `replay` with the same model, replay and drift sections. */
async function runFiles(config: Record<string, unknown>, io: CliIO): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'l1stream-run-'));
  try {
    const file = join(dir, 'config.json');
    const { model, replay, drift } = config;
    await writeFile(
      file,
      JSON.stringify({ model, ...(replay ? { replay } : {}), ...(drift ? { drift } : {}) }),
    );
    const { replayCommand } = await import('./replay.js');
    return await replayCommand.run(['--input', config.input as string, '--config', file], io);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Resolves when SIGINT or SIGTERM arrives. */
function untilSignal(): { promise: Promise<string>; dispose: () => void } {
  let dispose = () => {};
  const promise = new Promise<string>((done) => {
    const on = (signal: string) => () => done(signal);
    const int = on('SIGINT');
    const term = on('SIGTERM');
    process.once('SIGINT', int);
    process.once('SIGTERM', term);
    dispose = () => {
      process.off('SIGINT', int);
      process.off('SIGTERM', term);
    };
  });
  return { promise, dispose };
}

async function runKafka(config: Record<string, unknown>, io: CliIO): Promise<number> {
  const kafkaModule = await import('../../connectors/kafka/index.js');
  const {
    checkKafkaConfig,
    createKafka,
    outputTopics,
    KafkaSource,
    KafkaSink,
    KafkaDeadLetters,
    kafkaPipeline,
  } = kafkaModule;
  const { AvroDecoder, AvroEncoder, SchemaRegistryClient, readSchemaFile, shippedSchema } = kafkaModule;
  const problems: ConfigProblem[] = [];
  let kc: ReturnType<typeof checkKafkaConfig> | undefined;
  try {
    kc = checkKafkaConfig(config.kafka, 'kafka');
  } catch (err) {
    if (err instanceof ConfigError) problems.push(...err.problems);
    else throw err;
  }
  const checked = checkModelConfig(config.model ?? {}, 'model');
  problems.push(...checked.problems);
  for (const k of Object.keys(config)) {
    if (!['model', 'kafka', 'drift'].includes(k))
      problems.push({ path: k, message: 'unknown section for run with Kafka (known: model, kafka, drift)' });
  }
  if (problems.length > 0 || !kc || !checked.options) throw new ConfigError(problems);

  const logger = pino({ name: 'l1stream', level: process.env.L1S_LOG_LEVEL ?? 'info' }, pino.destination(2));
  const kafka = createKafka(kc);
  const topics = outputTopics(kc.prefix);
  const registry = kc.avro.registryUrl
    ? new SchemaRegistryClient({ url: kc.avro.registryUrl, cacheSize: kc.avro.cacheSize })
    : undefined;

  let decoder: RecordDecoder | EventDecoder | undefined;
  let prepare: ((records: readonly RawRecord[]) => Promise<void>) | undefined;
  if (kc.format === 'avro') {
    const writerSchemas = kc.avro.schemaFile
      ? new Map([[kc.avro.framing === 'raw' ? 0 : kc.avro.schemaId, readSchemaFile(kc.avro.schemaFile)]])
      : undefined;
    const avro = new AvroDecoder({
      framing: kc.avro.framing,
      ...(registry ? { registry } : {}),
      ...(writerSchemas ? { writerSchemas } : {}),
    });
    decoder = avro; // an EventDecoder: decodes and validates in one pass
    prepare = (records) => avro.prepare(records);
  }
  const sinkOptions: import('../../connectors/kafka/index.js').KafkaSinkOptions = {
    topics,
    partitions: kc.partitions,
    replicationFactor: kc.replicationFactor,
  };
  let sinkEncoders = {};
  if (kc.outputFormat === 'avro') {
    const encoderFor = async (name: 'model' | 'alert', topic: string) =>
      AvroEncoder.create({
        schema: shippedSchema(name),
        framing: kc.avro.framing,
        schemaId: kc.avro.schemaId,
        ...(registry ? { registry, subject: `${topic}-value`, register: kc.avro.registerSchemas } : {}),
      });
    const models = await encoderFor('model', topics.models);
    const alerts = await encoderFor('alert', topics.alerts);
    sinkEncoders = {
      encodeModel: (s: unknown) => models.encode(s),
      encodeAlert: (a: Alert) => alerts.encode({ ...a, details: JSON.stringify(a.details) }),
    };
  }
  const model = new OnlineModel(checked.options);
  const sink = new KafkaSink(kafka, { ...sinkOptions, ...sinkEncoders });
  const source = new KafkaSource(kafka, {
    topics: kc.topics,
    groupId: kc.groupId,
    fromBeginning: kc.fromBeginning,
    maxInFlightBatches: kc.maxInFlightBatches,
    sessionTimeoutMs: kc.sessionTimeoutMs,
    heartbeatIntervalMs: kc.heartbeatIntervalMs,
    createTopics: { partitions: kc.partitions, replicationFactor: kc.replicationFactor },
    logger,
  });
  await sink.start();
  const deadLetters = new KafkaDeadLetters(sink, logger);
  logger.info(
    { brokers: kc.brokers, topics: kc.topics, groupId: kc.groupId, outputs: topics, format: kc.format },
    'l1stream run: started',
  );

  const signal = untilSignal();
  let failure: unknown = null;
  const done = new Promise<void>((resolveDone) => {
    const subscription = kafkaPipeline({
      source,
      sink,
      model,
      deadLetters,
      snapshotEvery: kc.snapshotEvery,
      ...(decoder ? { decoder } : {}),
      ...(prepare ? { prepare } : {}),
      // alerts go to the alerts topic (the pipeline publishes them) and to the log at warn level
      alerts: (learned$, snapshots$) =>
        attachDrift(config.drift, learned$, snapshots$, () => undefined, {
          family: model.family,
          scaleOf: (name) => model.featureScale(name),
          logger,
        }),
    }).subscribe({
      error: (err: unknown) => {
        failure = err;
        resolveDone();
      },
      complete: () => resolveDone(),
    });
    void signal.promise.then((name) => {
      logger.info({ signal: name }, 'l1stream run: stopping');
      subscription.unsubscribe();
      resolveDone();
    });
  });
  const progress = setInterval(() => {
    logger.info(
      {
        events: model.offset,
        rejected: deadLetters.count,
        batches: source.stats.batches,
        progressiveLoss: model.metrics.progressiveLoss,
      },
      'progress',
    );
  }, 10_000);
  try {
    await done;
  } finally {
    clearInterval(progress);
    signal.dispose();
    await source.close().catch(() => undefined);
    if (failure === null && model.offset > 0) sink.publishModel(model.snapshot());
    await sink.close().catch((err: unknown) => {
      failure ??= err;
    });
    logger.info({ events: model.offset, rejected: deadLetters.count }, 'l1stream run: stopped');
    logger.flush();
  }
  if (failure !== null) throw failure;
  io.stderr.write(`run: ${model.offset} events learned, ${deadLetters.count} dead letters\n`);
  return 0;
}

export const runCommand: Command = {
  summary: 'the long-running service (Kafka or files in, Kafka or files out)',
  usage,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    const { values } = parseCommandArgs(argv, options);
    if (values.config === undefined) throw new UsageError('--config FILE is required');
    const config = await readJsonConfig(values.config);
    if (config.kafka !== undefined) return runKafka(config, io);
    if (typeof config.input === 'string') return runFiles(config, io);
    throw new ConfigError([
      { path: 'kafka', message: 'add a "kafka" section (brokers, topics) for Kafka in/out' },
      { path: 'input', message: 'or an "input" JSONL file for files in/out' },
    ]);
  },
};
