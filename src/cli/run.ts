import { resolve } from 'node:path';

import { pino } from 'pino';
import { Subject } from 'rxjs';

import { checkEngineConfig, type EngineConfig } from '../engine/config.js';
import { Engine } from '../engine/engine.js';
import { ConfigError } from '../core/errors.js';
import type { Command } from './command.js';
import { parseCommandArgs, readJsonConfig, UsageError, type CliIO } from './io.js';
import { formatCount } from './progress.js';

const usage = `usage: l1stream run --config FILE

The long-running service: the same pipeline as 'l1stream replay' (keyed models, refits in a
worker thread, scores, drift alerts), with Kafka or files in and out. FILE is a JSON document with
the sections of 'replay --config' (model, refit, snapshots, scores, drift) and either
  "kafka": {                                    Kafka in and out
    "brokers": ["127.0.0.1:9092"], "topics": ["events"], "groupId": "l1stream",
    "prefix": "l1stream",                       outputs: <prefix>.models|scores|alerts|dlq
    "format": "json" | "avro", "outputFormat": "json" | "avro",
    "avro": { "registryUrl": "http://127.0.0.1:8081" } or { "schemaFile": "event.avsc", "schemaId": 1 },
    "partitions": 1, "replicationFactor": 1, "fromBeginning": true
  }
or, for files in and out, "replay": { "input": "events.jsonl", "out": "DIR" } (exactly what
'l1stream replay' writes for the same input and configuration).

Offsets are committed only after the events are learned and their outputs acknowledged by the
broker (at-least-once). SIGINT / SIGTERM stop it cleanly: the batch in hand is finished, every model
that learned since its last snapshot publishes one, outputs are flushed and offsets committed, and
the consumer leaves its group.`;

const options = { config: { type: 'string' } } as const;

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

async function runKafka(config: EngineConfig, io: CliIO): Promise<number> {
  const { createKafka, kafkaPorts } = await import('../../connectors/kafka/index.js');
  const kc = config.extensions.get('kafka') as import('../../connectors/kafka/index.js').KafkaConfig;
  const logger = pino({ name: 'l1stream', level: process.env.L1S_LOG_LEVEL ?? 'info' }, pino.destination(2));
  const ports = await kafkaPorts(createKafka(kc), kc, logger);
  await ports.start();
  const stop = new Subject<void>();
  const engine = new Engine(
    config,
    { source: ports.source, sink: ports.sink },
    { logger, partSize: 512, stop, ...(ports.decoder ? { decoder: ports.decoder } : {}) },
  );
  logger.info(
    {
      brokers: kc.brokers,
      topics: kc.topics,
      groupId: kc.groupId,
      outputs: ports.sink.topics,
      format: kc.format,
    },
    'l1stream run: started',
  );
  const signal = untilSignal();
  void signal.promise.then((name) => {
    logger.info({ signal: name }, 'l1stream run: stopping');
    stop.next();
  });
  const progress = setInterval(() => {
    const s = engine.stats();
    logger.info(
      {
        events: s.learned,
        scored: s.scored,
        rejected: s.rejected,
        keys: s.keys,
        refits: s.refits.completed,
        progressiveLoss: engine.metrics.progressiveLoss,
      },
      'progress',
    );
  }, 10_000);
  let failure: unknown = null;
  try {
    await engine.run();
  } catch (err) {
    failure = err;
  } finally {
    clearInterval(progress);
    signal.dispose();
    await ports.close().catch((err: unknown) => {
      failure ??= err;
    });
    const s = engine.stats();
    logger.info({ events: s.learned, rejected: s.rejected, snapshots: s.snapshots }, 'l1stream run: stopped');
    logger.flush();
  }
  if (failure !== null) throw failure;
  const s = engine.stats();
  io.stderr.write(
    `run: ${s.learned} events learned, ${s.scored} scored, ${s.rejected} dead letters, ${s.keys} model(s)\n`,
  );
  return 0;
}

export const runCommand: Command = {
  summary: 'the long-running service (Kafka or files in, Kafka or files out)',
  usage,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    const { values } = parseCommandArgs(argv, options);
    if (values.config === undefined) throw new UsageError('--config FILE is required');
    const doc = await readJsonConfig(values.config);
    const { checkKafkaConfig } = await import('../../connectors/kafka/config.js');
    // `kafka.snapshotEvery` is the older name of `snapshots.everyEvents`.
    const kafkaRaw = doc.kafka;
    if (typeof kafkaRaw === 'object' && kafkaRaw !== null && 'snapshotEvery' in kafkaRaw) {
      const { snapshotEvery, ...rest } = kafkaRaw as Record<string, unknown>;
      doc.kafka = rest;
      const snapshots = (
        typeof doc.snapshots === 'object' && doc.snapshots !== null ? doc.snapshots : {}
      ) as Record<string, unknown>;
      doc.snapshots = { everyEvents: snapshotEvery, ...snapshots };
    }
    const hasInput =
      typeof doc.input === 'string' ||
      (typeof doc.replay === 'object' && doc.replay !== null && 'input' in doc.replay);
    if (doc.kafka === undefined && !hasInput) {
      throw new ConfigError([
        { path: 'kafka', message: 'add a "kafka" section (brokers, topics) for Kafka in/out' },
        { path: 'replay.input', message: 'or a JSONL file of events for files in/out' },
      ]);
    }
    const config = checkEngineConfig(doc, {
      sections: { kafka: (raw, path) => checkKafkaConfig(raw, path) },
    });
    if (config.extensions.has('kafka')) return runKafka(config, io);
    const { replay, refusedStateDirectory } = await import('./replay.js');
    const out = config.files.out ?? 'l1stream-out';
    let summary: Awaited<ReturnType<typeof replay>>;
    try {
      summary = await replay(config, out, io);
    } catch (err) {
      return refusedStateDirectory(err, io);
    }
    io.stderr.write(
      `run: ${formatCount(summary.events)} events learned, ${formatCount(summary.scored)} scored, ${formatCount(summary.rejected)} rejected; wrote ${resolve(out)}\n`,
    );
    return 0;
  },
};
