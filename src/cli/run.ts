import { resolve } from 'node:path';

import { pino, type Logger } from 'pino';
import { Subject } from 'rxjs';

import { checkEngineConfig, engineDefaults, olderNameConflict, type EngineConfig } from '../engine/config.js';
import { Engine } from '../engine/engine.js';
import { readByCommandLine } from '../engine/commandLineEntries.js';
import { ALL_REJECTED_STOP } from '../engine/rejectRate.js';
import { ConfigError, ConnectorError, type ConfigProblem } from '../core/errors.js';
import { plannedDirectoryProblem } from '../core/pathProblem.js';
import type { OpsServer } from '../ops/httpServer.js';
import type { EngineMetrics } from '../ops/metrics.js';
import { pipelineNotReady, type ConsumerHealthView } from '../ops/readiness.js';
import { defaultShutdownTimeoutMs, formatDuration, shutdownDeadline } from '../ops/shutdown.js';
import type { Command } from './command.js';
import { numberFlag, parseCommandArgs, PathError, readJsonConfig, UsageError, type CliIO } from './io.js';
import { logLevel } from './logger.js';
import { counted, formatCount } from './progress.js';
import { onInterrupt } from './interrupts.js';

const usage = `usage: l1stream run --config FILE [--shutdown-timeout SECONDS]

The long-running service: the same pipeline as 'l1stream replay' (keyed models, refits in a
worker thread, scores, drift alerts), with Kafka or files in and out. FILE is a JSON document with
the sections of 'replay --config' (model, refit, snapshots, scores, drift, limits) and either
  "kafka": {                                    Kafka in and out
    "brokers": ["127.0.0.1:9092"], "topics": ["events"], "groupId": "l1stream",
    "prefix": "l1stream",                       outputs: <prefix>.models|scores|alerts|dlq
    "format": "json" | "avro", "outputFormat": "json" | "avro",
    "avro": { "registryUrl": "http://127.0.0.1:8081" } or { "schemaFile": "event.avsc", "schemaId": 1 },
                                                registryUrl: the Confluent API's base URL (Apicurio:
                                                http://HOST:PORT/apis/ccompat/v7); checked at start
    "partitions": 1, "replicationFactor": 1, "fromBeginning": true,
    "createInputTopics": false                  a missing input topic stops the run (true: create it)
  }
or, for files in and out, "replay": { "input": "events.jsonl", "out": "DIR" } (what
'l1stream replay' writes for the same input and configuration, but for the clock: run keeps
snapshots.everySeconds 60 and refit.everySeconds 300 by default, where replay has none, so a run
of over a minute writes more snapshots; set them in the configuration to match); not both (with
"kafka", replay.input, replay.out and state.dir are refused: Kafka has its topics for them).

Every model's state is checkpointed to <prefix>.state every state.everyEvents records or
state.everySeconds ("state": { "everyEvents": 10000, "everySeconds": 10 }), and offsets are
committed only after it; on start and after a rebalance the models of the assigned partitions are
restored from it first, and records they already cover are not learned again. Outputs are
at-least-once, or exactly-once with "exactlyOnce": true in the kafka section (one transaction per
checkpoint). With "engineThread": "worker" in the kafka section, the engine, its sink and its
state store run on a worker thread and kafkajs on the main one (at-least-once only; no "http"
section): it pays when a core is free. Several instances in one group need
"model": { "keyBy": "key" } and events keyed by model key; otherwise run one instance per group. SIGINT / SIGTERM stop it cleanly: the batch in
hand is finished, every model that learned since its last snapshot publishes one, a last
checkpoint is written and committed, the consumer leaves its group, and the run exits 0 (files:
with "state": { "dir": DIR }, the same command goes on from there). A stop that takes longer than --shutdown-timeout (default 30)
seconds exits with code 1 (Kafka: the state is that of the last checkpoint). When no broker of
kafka.brokers answers at start, kafkajs retries for a minute or more, then the run stops (exit 1); SIGINT / SIGTERM meanwhile stop it at once (exit 0).
The environment variable L1S_KAFKA_BROKERS (host:port,host:port) replaces kafka.brokers.

Logs are JSON lines (pino) on stderr, at the level of the environment variable L1S_LOG_LEVEL
(default info; also trace, debug, warn, error, fatal, silent); kafkajs' errors come through the same logger.

With "http": { "port": 9464, "host": "0.0.0.0" } it serves GET /metrics (Prometheus), /healthz
and /readyz on that port while it runs.`;

const options = { config: { type: 'string' }, 'shutdown-timeout': { type: 'string' } } as const;

/** What a run does when its graceful stop exceeds the bound (a test may replace it). */
export const shutdownExit = { exit: (code: number): void => process.exit(code) };

/** The metrics and HTTP endpoints of a run, when `http.port` is set. */
export interface Ops {
  readonly metrics: EngineMetrics;
  readonly server: OpsServer;
  /** The engine is built: metrics read it, readiness follows it. */
  bind(engine: Engine): void;
}

/**
 * Starts the HTTP endpoints before the engine runs (a port in use fails the run here). `/readyz`
 * and the `l1stream_ready` gauge read one predicate, `server.notReady()`.
 */
export async function startOps(
  config: EngineConfig,
  logger: { info(o: object, msg: string): void },
  consumer?: () => ConsumerView | null,
): Promise<Ops | null> {
  if (config.http.port === null) return null;
  // prom-client and node:http only for a run that serves them
  const [{ EngineMetrics }, { OpsServer }] = await Promise.all([
    import('../ops/metrics.js'),
    import('../ops/httpServer.js'),
  ]);
  let engine: Engine | null = null;
  let server: OpsServer | null = null;
  const metrics = new EngineMetrics({
    ...(consumer ? { lag: () => lagOf(consumer()) } : {}),
    ready: () => server?.notReady() === null,
  });
  server = new OpsServer({
    port: config.http.port,
    host: config.http.host,
    metrics,
    readiness: () => pipelineNotReady(engine, consumer?.()?.health ?? null),
  });
  const port = await server.listen();
  logger.info(
    {
      url: `${server.url}/metrics`,
      host: config.http.host,
      port,
      endpoints: ['/metrics', '/healthz', '/readyz'],
    },
    'l1stream run: serving metrics and health',
  );
  return {
    metrics,
    server,
    bind(e) {
      engine = e;
      metrics.bind(e);
    },
  };
}

/** What the endpoints read of a Kafka consumer (`KafkaSource`): its lag and whether it consumes. */
export interface ConsumerView {
  /** "topic:partition" → records behind. */
  readonly lag: ReadonlyMap<string, number>;
  readonly health: ConsumerHealthView;
}

/** The consumer's lag map, when it has one. */
function lagOf(consumer: ConsumerView | null): ReadonlyMap<string, number> {
  return consumer?.lag ?? new Map<string, number>();
}

/** Resolves on the first SIGINT or SIGTERM; a second exits at once (interrupts.ts). */
function untilSignal(): { promise: Promise<string>; dispose: () => void } {
  let dispose = () => {};
  const promise = new Promise<string>((done) => {
    dispose = onInterrupt(done);
  });
  return { promise, dispose };
}

async function runKafka(
  config: EngineConfig,
  doc: Record<string, unknown>,
  io: CliIO,
  shutdownMs: number,
): Promise<number> {
  const { brokersUnreachableError, probeBrokers, registryUnreachableError } =
    await import('../../connectors/kafka/index.js');
  const kc = config.extensions.get('kafka') as import('../../connectors/kafka/index.js').KafkaConfig;
  const logger = pino({ name: 'l1stream', level: logLevel('info') }, pino.destination(2));
  // a signal before the run's own handler is up (kafkajs may be retrying an absent broker): nothing
  // was read yet, so the stop is clean at once
  // what the start is doing, for a signal meanwhile (once a broker answered: topics, the group)
  let phase = 'connecting to kafka.brokers';
  let starting: (() => void) | null = onInterrupt((name) => {
    logger.info({ signal: name }, 'l1stream run: stopped while starting, before any record was read');
    logger.flush();
    io.stderr.write(`run: ${name} while starting (${phase}): stopped, nothing was read\n`);
    shutdownExit.exit(0);
  });
  const started = () => {
    starting?.();
    starting = null;
  };
  const setting = (process.env.L1S_KAFKA_BROKERS ?? '').trim() === '' ? 'kafka.brokers' : 'L1S_KAFKA_BROKERS';
  // kafkajs retries an absent broker for about a minute before it gives up: say at once that none answers
  void probeBrokers(kc.brokers).then((probe) => {
    if (probe.reachable) phase = `a broker of ${setting} answered; not reading yet`;
    if (probe.reachable || starting === null) return;
    io.stderr.write(
      `run: no broker of ${setting} answers yet (${probe.failures.join('; ')}): kafkajs retries for about a minute before run stops; check ${setting === 'kafka.brokers' ? 'kafka.brokers in the configuration' : 'L1S_KAFKA_BROKERS'} and that the broker is running (Ctrl-C stops now)\n`,
    );
  });
  try {
    return kc.engineThread === 'worker'
      ? await runKafkaWorker(config, doc, io, shutdownMs, logger, started)
      : await runKafkaMain(config, io, shutdownMs, logger, started);
  } catch (err) {
    // no broker answered (kafkajs retried meanwhile): one line naming kafka.brokers (or the variable that replaced it), exit 1
    throw brokersUnreachableError(err, kc.brokers, setting) ?? registryUnreachableError(err) ?? err;
  } finally {
    started();
  }
}

/** `kafka.engineThread: "main"`: kafkajs and the engine on this thread. */
async function runKafkaMain(
  config: EngineConfig,
  io: CliIO,
  shutdownMs: number,
  logger: Logger<never>,
  started: () => void,
): Promise<number> {
  const { createKafka, kafkaPorts } = await import('../../connectors/kafka/index.js');
  const kc = config.extensions.get('kafka') as import('../../connectors/kafka/index.js').KafkaConfig;
  let consumer: ConsumerView | null = null;
  const ops = await startOps(config, logger, () => consumer);
  try {
    const ports = await kafkaPorts(
      createKafka(kc, 'error', logger),
      kc,
      {
        keyBy: config.keys.keyBy,
        family: config.model.family,
        learner: config.model.learner ?? 'ftrl',
        scores: config.scores.enabled,
      },
      logger,
    );
    consumer = ports.consumer;
    await ports.start();
    return await runKafkaPorts(config, io, shutdownMs, ports, logger, ops, started);
  } finally {
    await ops?.server.close();
  }
}

/** The Kafka run proper, once its ports are started (and its endpoints, if any, are up). */
async function runKafkaPorts(
  config: EngineConfig,
  io: CliIO,
  shutdownMs: number,
  ports: import('../../connectors/kafka/index.js').KafkaPorts,
  logger: Logger<never>,
  ops: Ops | null,
  started: () => void,
): Promise<number> {
  const { EngineProgressLog } = await import('../../connectors/kafka/index.js');
  const kc = config.extensions.get('kafka') as import('../../connectors/kafka/index.js').KafkaConfig;
  const stop = new Subject<void>();
  const engine = new Engine(
    readByCommandLine(config),
    { source: ports.source, sink: ports.sink, store: ports.store },
    {
      logger,
      partSize: 512,
      stop,
      // fetched batches not begun are read again after the restart, from the committed offsets
      dropQueuedOnStop: true,
      ...(ports.decoder ? { decoder: ports.decoder } : {}),
      ...(ops ? { observer: ops.metrics } : {}),
      rewindOnAssign: kc.exactlyOnce,
      // a configuration that fits no record stops the service rather than dead-letter its topics
      failWhenFirstRejected: ALL_REJECTED_STOP,
      // replay warns at its end; a service at each model's first snapshot
      warnNumericStrings: true,
    },
  );
  ops?.bind(engine);
  logStarted(logger, kc, ports.sink.topics);
  const signal = untilSignal();
  started();
  const deadline = kafkaShutdownDeadline(shutdownMs, logger);
  void signal.promise.then((name) => {
    logger.info(
      { signal: name },
      'l1stream run: stopping after the batch in hand; a second signal exits at once',
    );
    ops?.server.drain();
    deadline.arm();
    stop.next();
  });
  const stopProgress = new EngineProgressLog(logger, engine, { clientId: kc.clientId }).start();
  let failure: unknown = null;
  try {
    await engine.run();
  } catch (err) {
    failure = err;
    ops?.server.fail(err instanceof Error ? err.message : String(err));
  } finally {
    stopProgress();
    signal.dispose();
    await ports.close().catch((err: unknown) => {
      failure ??= err;
    });
    deadline.dispose();
    const s = engine.stats();
    logger.info({ events: s.learned, rejected: s.rejected, snapshots: s.snapshots }, 'l1stream run: stopped');
    logger.flush();
  }
  if (failure !== null) {
    // kafkajs may restart a crashed consumer after it was disconnected (its restart timer outlives
    // the disconnect), which would keep a failed service alive, doing nothing: exit regardless.
    setTimeout(() => shutdownExit.exit(1), 5000).unref();
    throw failure;
  }
  const s = engine.stats();
  io.stderr.write(
    `run: ${formatCount(s.learned)} events learned, ${formatCount(s.scored)} scored, ${formatCount(s.rejected)} dead letters, ${formatCount(s.keys)} model(s)\n`,
  );
  exitWhenHeld(0, logger);
  return 0;
}

/** Milliseconds a stopped Kafka run's process may stay alive before `exitWhenHeld` ends it. */
const HELD_AFTER_STOP_MS = 3000;

/**
 * Ends the process with `code` if it is still alive a few seconds after a Kafka run stopped (its
 * outputs flushed, its offsets committed, its clients disconnected): after a broker outage, the
 * consumer kafkajs restarted kept its group coordinator's connection open past `disconnect()`, and
 * the process stayed alive after its last line, whatever --shutdown-timeout.
 */
function exitWhenHeld(code: number, logger: Logger<never>): void {
  setTimeout(() => {
    logger.warn(
      { heldMs: HELD_AFTER_STOP_MS },
      'l1stream run: stopped, but a Kafka connection still held the process: exiting',
    );
    logger.flush();
    shutdownExit.exit(code);
  }, HELD_AFTER_STOP_MS).unref();
}

/**
 * `kafka.engineThread: "worker"`: kafkajs (the consumer, its commits) on this thread; the engine,
 * its sink and its state store on a worker (`KafkaWorkerEngine` with `service`), which checks
 * `doc` again and builds them itself. The worker asks for each commit once the checkpoint's
 * states are durable, and restores the models of each assignment before its records are read.
 */
async function runKafkaWorker(
  config: EngineConfig,
  doc: Record<string, unknown>,
  io: CliIO,
  shutdownMs: number,
  logger: Logger<never>,
  started: () => void,
): Promise<number> {
  const {
    createKafka,
    kafkaConsumer,
    requireInputTopics,
    refuseSecondInstance,
    outputTopics,
    KafkaWorkerEngine,
  } = await import('../../connectors/kafka/index.js');
  const kc = config.extensions.get('kafka') as import('../../connectors/kafka/index.js').KafkaConfig;
  const kafka = createKafka(kc, 'error', logger);
  await requireInputTopics(kafka, kc);
  await refuseSecondInstance(kafka, kc, config.keys.keyBy, logger);
  const consumer = kafkaConsumer(kafka, kc, logger, { backpressure: 'wait' });
  const engine = new KafkaWorkerEngine(consumer, {
    config: doc,
    brokers: [...kc.brokers],
    clientId: kc.clientId,
    topics: outputTopics(kc.prefix),
    writerSchemas: null,
    service: { logLevel: logLevel('info') },
  });
  logStarted(logger, kc, outputTopics(kc.prefix));
  const signal = untilSignal();
  started();
  const deadline = kafkaShutdownDeadline(shutdownMs, logger);
  // the worker finishes what it was sent, publishes, checkpoints and asks for the last commit
  let closing: ReturnType<typeof engine.close> | null = null;
  const close = () => (closing ??= engine.close());
  let result: Awaited<ReturnType<typeof engine.close>>;
  let failure: unknown = null;
  try {
    const ran = new Promise<void>((done, fail) => {
      engine.pipeline().subscribe({ error: fail, complete: done });
    });
    void signal.promise.then((name) => {
      logger.info(
        { signal: name },
        'l1stream run: stopping after the batch in hand; a second signal exits at once',
      );
      deadline.arm();
      void close().catch(() => undefined);
    });
    await ran;
  } catch (err) {
    failure = err;
  } finally {
    signal.dispose();
    result = await close().catch((err: unknown) => {
      failure ??= err;
      return null;
    });
    await consumer.close().catch((err: unknown) => {
      failure ??= err;
    });
    deadline.dispose();
    const s = result?.stats;
    logger.info(
      { events: s?.learned ?? 0, rejected: s?.rejected ?? 0, snapshots: s?.snapshots ?? 0 },
      'l1stream run: stopped',
    );
    logger.flush();
  }
  if (failure !== null) {
    setTimeout(() => shutdownExit.exit(1), 5000).unref();
    throw failure;
  }
  const s = result?.stats;
  io.stderr.write(
    `run: ${formatCount(s?.learned ?? 0)} events learned, ${formatCount(Number(s?.scored ?? 0))} scored, ${formatCount(s?.rejected ?? 0)} dead letters, ${formatCount(Number(s?.keys ?? 0))} model(s)\n`,
  );
  exitWhenHeld(0, logger);
  return 0;
}

/** The first line of a Kafka run's log. */
function logStarted(
  logger: Logger<never>,
  kc: import('../../connectors/kafka/index.js').KafkaConfig,
  outputs: unknown,
): void {
  logger.info(
    {
      brokers: kc.brokers,
      topics: kc.topics,
      groupId: kc.groupId,
      outputs,
      format: kc.format,
      engineThread: kc.engineThread,
    },
    'l1stream run: started',
  );
}

/** A Kafka run's stop bound: past it, exit 1 (the state is that of the last checkpoint). */
function kafkaShutdownDeadline(
  shutdownMs: number,
  logger: Logger<never>,
): ReturnType<typeof shutdownDeadline> {
  return shutdownDeadline(shutdownMs, () => {
    logger.error(
      { timeoutMs: shutdownMs },
      `shutdown took longer than ${formatDuration(shutdownMs)}: exiting with state as of the last checkpoint`,
    );
    logger.flush();
    shutdownExit.exit(1);
  });
}

/**
 * `L1S_KAFKA_BROKERS` (comma-separated host:port) replaces the file's `kafka.brokers`, so that a
 * shipped configuration runs against another broker; the problems of a malformed value.
 */
function brokersFromEnvironment(doc: Record<string, unknown>, value: string | undefined): ConfigProblem[] {
  if (value === undefined || value.trim() === '') return [];
  const brokers = value.split(',').map((b) => b.trim());
  const bad = brokers.filter((b) => !/^[^\s:]+:\d{1,5}$/.test(b));
  if (bad.length > 0)
    return [
      {
        path: 'L1S_KAFKA_BROKERS',
        message: `must be host:port entries separated by commas (e.g. 127.0.0.1:9092,broker2:9092), got ${JSON.stringify(value)}`,
      },
    ];
  if (typeof doc.kafka === 'object' && doc.kafka !== null) doc.kafka = { ...doc.kafka, brokers };
  return [];
}

export const runCommand: Command = {
  summary: 'the long-running service (Kafka or files in, Kafka or files out)',
  usage,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    const { values } = parseCommandArgs(argv, options);
    if (values.config === undefined) throw new UsageError('--config FILE is required');
    logLevel('info');
    const shutdownSeconds = numberFlag('shutdown-timeout', values['shutdown-timeout'], { min: 0 });
    const shutdownMs =
      shutdownSeconds === undefined ? defaultShutdownTimeoutMs : Math.round(shutdownSeconds * 1000);
    const doc = await readJsonConfig(values.config);
    const { checkKafkaConfig } = await import('../../connectors/kafka/config.js');
    // `kafka.snapshotEvery` is the older name of `snapshots.everyEvents`.
    const kafkaRaw = doc.kafka;
    // (a snapshots section that is not an object is left for checkEngineConfig to name)
    const snapshotsRaw = doc.snapshots;
    const snapshotsObject =
      typeof snapshotsRaw === 'object' && snapshotsRaw !== null && !Array.isArray(snapshotsRaw);
    // a problem with the value is named where the file has it
    let everyEventsFrom = 'snapshots.everyEvents';
    const legacyProblems: ConfigProblem[] = [];
    if (
      typeof kafkaRaw === 'object' &&
      kafkaRaw !== null &&
      'snapshotEvery' in kafkaRaw &&
      (snapshotsRaw === undefined || snapshotsObject)
    ) {
      const { snapshotEvery, ...rest } = kafkaRaw as Record<string, unknown>;
      doc.kafka = rest;
      doc.snapshots = { everyEvents: snapshotEvery, ...(snapshotsObject ? snapshotsRaw : {}) };
      if (!(snapshotsObject && 'everyEvents' in snapshotsRaw)) everyEventsFrom = 'kafka.snapshotEvery';
      else if (!Object.is(snapshotEvery, (snapshotsRaw as Record<string, unknown>).everyEvents))
        legacyProblems.push(
          olderNameConflict(
            'kafka.snapshotEvery',
            snapshotEvery,
            (snapshotsRaw as Record<string, unknown>).everyEvents,
          ),
        );
    }
    const brokersProblems = brokersFromEnvironment(doc, process.env.L1S_KAFKA_BROKERS);
    const hasInput =
      typeof doc.input === 'string' ||
      (typeof doc.replay === 'object' && doc.replay !== null && 'input' in doc.replay);
    // reported with every other problem of the file, not before them
    const missing: ConfigProblem[] =
      doc.kafka === undefined && !hasInput
        ? [
            { path: 'kafka', message: 'add a "kafka" section (brokers, topics) for Kafka in/out' },
            { path: 'replay.input', message: 'or a JSONL file of events for files in/out' },
          ]
        : [];
    missing.push(...brokersProblems, ...legacyProblems);
    if (doc.kafka !== undefined) missing.push(...filesSettingsWithKafka(doc, hasInput));
    // the worker's engine serves no metrics (they read the engine on this thread)
    const kafkaDoc = doc.kafka as Record<string, unknown> | undefined;
    const httpDoc = doc.http as Record<string, unknown> | undefined;
    if (
      typeof kafkaDoc === 'object' &&
      kafkaDoc !== null &&
      kafkaDoc.engineThread === 'worker' &&
      typeof httpDoc === 'object' &&
      httpDoc !== null &&
      httpDoc.port !== undefined &&
      httpDoc.port !== null
    )
      missing.push({
        path: 'http.port',
        message:
          'the metrics and health endpoints are not served with kafka.engineThread "worker": drop the "http" section, or set kafka.engineThread to "main"',
      });
    let config: EngineConfig;
    try {
      config = checkEngineConfig(doc, {
        sections: {
          kafka: (raw, path) => {
            const kafka = checkKafkaConfig(raw, path);
            // named with the file's other problems (it came alone, once they were fixed)
            const cadence = transactionCadenceProblem(kafka, doc);
            if (cadence !== null) throw new ConfigError([cadence]);
            return kafka;
          },
        },
      });
    } catch (err) {
      if (err instanceof ConfigError)
        throw new ConfigError([
          ...missing,
          ...err.problems.map((p) =>
            p.path === 'snapshots.everyEvents' ? { path: everyEventsFrom, message: p.message } : p,
          ),
        ]);
      throw err;
    }
    if (missing.length > 0) throw new ConfigError(missing);
    const kafka = config.extensions.get('kafka') as
      import('../../connectors/kafka/index.js').KafkaConfig | undefined;
    if (kafka !== undefined) return runKafka(config, doc, io, shutdownMs);
    const { replay, refusedStateDirectory, nothingLearned, abandonedText, outputsLine, checkReplayInput } =
      await import('./replay.js');
    const out = config.files.out ?? 'l1stream-out';
    const logger = pino({ name: 'l1stream', level: logLevel('info') }, io.stderr);
    const ops = await startOpsAfterPathChecks(config, out, logger, checkReplayInput);
    const signal = untilSignal();
    const deadline = shutdownDeadline(shutdownMs, () => {
      io.stderr.write(`run: shutdown took longer than ${formatDuration(shutdownMs)}: exiting\n`);
      shutdownExit.exit(1);
    });
    void signal.promise.then(() => {
      ops?.server.drain();
      deadline.arm();
    });
    let summary: Awaited<ReturnType<typeof replay>>;
    try {
      summary = await replay(
        config,
        out,
        io,
        undefined,
        ops ? { observer: ops.metrics, engine: (e) => ops.bind(e) } : undefined,
        {
          command: 'run',
          state: 'state.dir',
          out: 'replay.out',
          input: 'replay.input',
          continue: 'state.continue',
          jsonLogs: true,
        },
      );
    } catch (err) {
      ops?.server.fail(err instanceof Error ? err.message : String(err));
      return refusedStateDirectory(err, io);
    } finally {
      signal.dispose();
      deadline.dispose();
      await ops?.server.close();
    }
    if (summary.interrupted !== undefined)
      io.stderr.write(
        `run: stopped by ${summary.interrupted} after the batch in hand${abandonedText(summary.refits)}; the outputs cover the events read so far` +
          (config.files.state !== undefined
            ? `; the same command goes on from state.dir ${config.files.state}\n`
            : '\n'),
      );
    for (const warning of summary.warnings) io.stderr.write(`run: warning: ${warning}\n`);
    io.stderr.write(
      `run: ${counted(summary.events, 'event')} learned, ${formatCount(summary.scored)} scored, ${formatCount(summary.rejected)} rejected${summary.rejected > 0 ? ' (dead-letters.jsonl)' : ''}; ${outputsLine(summary, resolve(out))}\n`,
    );
    // a service stopped on request has done what it was asked: exit 0, as a Kafka run does
    if (summary.interrupted !== undefined) return 0;
    const nothing = await nothingLearned(summary, config.files.input!);
    if (nothing === null) return 0;
    io.stderr.write(`run: error: ${nothing}\n`);
    return 1;
  },
};

/**
 * The files-mode settings a configuration with a "kafka" section would otherwise ignore in
 * silence: with Kafka, events come from `kafka.topics`, outputs go to the `<prefix>.*` topics and
 * model states to `<prefix>.state`, so an input file, an output directory or a state directory
 * there is a mistake (a replay configuration with a "kafka" section added).
 */
function filesSettingsWithKafka(doc: Record<string, unknown>, hasInput: boolean): ConfigProblem[] {
  const section = (name: string) => {
    const v = doc[name];
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  };
  const problems: ConfigProblem[] = [];
  if (hasInput)
    problems.push({
      path: typeof doc.input === 'string' ? 'input' : 'replay.input',
      message:
        'run reads Kafka (the "kafka" section) or a file (replay.input), not both: drop replay.input to read kafka.topics, or the "kafka" section to read the file',
    });
  if (section('replay').out !== undefined)
    problems.push({
      path: 'replay.out',
      message:
        'with the "kafka" section the outputs go to the topics <prefix>.models, .scores, .alerts and .dlq, not to a directory: drop replay.out',
    });
  if (section('replay').exclude !== undefined)
    problems.push({
      path: 'replay.exclude',
      message:
        'leaves fields out of the events of a file (replay.input); the Kafka pipeline reads its events as they are: drop replay.exclude, or leave the fields out where the events are produced',
    });
  if (section('state').dir !== undefined)
    problems.push({
      path: 'state.dir',
      message:
        'with the "kafka" section the model states are checkpointed to the topic <prefix>.state, not to a directory: drop state.dir',
    });
  return problems;
}

/**
 * Files mode's input, state directory and output directory checked before anything is made or
 * served, and the metrics port tried: every problem found is reported at once (one ConfigError),
 * where each used to stop a run of its own, after the server had started and state.dir was made.
 */
async function startOpsAfterPathChecks(
  config: EngineConfig,
  out: string,
  logger: { info(o: object, msg: string): void },
  checkInput: (where: string, input: string) => Promise<void>,
): Promise<Ops | null> {
  const problems: Array<{ path: string; message: string }> = [];
  const input = config.files.input;
  if (input !== undefined) {
    try {
      await checkInput('replay.input', input);
    } catch (err) {
      if (!(err instanceof PathError)) throw err;
      problems.push({ path: '', message: err.message });
    }
  }
  for (const [what, dir] of [
    ['state.dir', config.files.state],
    ['replay.out', out],
  ] as const) {
    const problem = dir === undefined ? null : plannedDirectoryProblem(what, dir);
    if (problem !== null) problems.push({ path: '', message: problem });
  }
  let ops: Ops | null;
  try {
    // (with problems found the port is only tried: nothing is said to be served)
    ops = await startOps(config, problems.length === 0 ? logger : { info: () => undefined });
  } catch (err) {
    if (problems.length === 0 || !(err instanceof ConnectorError)) throw err;
    problems.unshift({ path: '', message: err.message });
    ops = null;
  }
  if (problems.length === 0) return ops;
  await ops?.server.close();
  // one problem is one line, as each was before
  if (problems.length === 1) throw new PathError(problems[0].message);
  throw new ConfigError(problems);
}

/**
 * With kafka.exactlyOnce a checkpoint commits the open transaction, so checkpoints by time must
 * come sooner than kafka.transactionTimeoutMs: the problem of state.everySeconds (as the file
 * has it, or the default) when they do not; null when they do, or when the value is not one
 * (checkEngineConfig names that).
 */
function transactionCadenceProblem(
  kafka: import('../../connectors/kafka/index.js').KafkaConfig,
  doc: Record<string, unknown>,
): ConfigProblem | null {
  if (!kafka.exactlyOnce) return null;
  const section = doc.state as Record<string, unknown> | undefined;
  const raw = typeof section === 'object' && section !== null ? section.everySeconds : undefined;
  const seconds =
    raw === undefined
      ? engineDefaults.checkpoints.everySeconds
      : // (the engine reads null as Infinity too: never by time)
        raw === 'Infinity' || raw === null
        ? Infinity
        : typeof raw === 'number' && raw > 0
          ? raw
          : null;
  if (seconds === null || seconds * 1000 < kafka.transactionTimeoutMs) return null;
  return {
    path: 'state.everySeconds',
    message: `with kafka.exactlyOnce, a checkpoint commits the open transaction: it must come sooner than kafka.transactionTimeoutMs (${kafka.transactionTimeoutMs} ms), got ${seconds} s`,
  };
}
