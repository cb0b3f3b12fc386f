/**
 * The worker thread of `KafkaWorkerEngine`: the `Engine` and its `KafkaSink` (and, for `l1stream
 * run`, its `KafkaStateStore`), fed with the batches the main thread's `KafkaSource` fetched (their
 * values packed in one buffer), and asking the main thread to commit once outputs (and, with a
 * store, the checkpoint's states) are durable. See workerEngine.ts.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, resourceLimits, workerData } from 'node:worker_threads';

import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { Observable, type Subscriber } from 'rxjs';

import {
  Engine,
  EngineError,
  JsonEventReader,
  checkEngineConfig,
  type EngineConfig,
  type EventSource,
  type AssignmentChange,
  type PartitionRef,
  type RawBatch,
  type RawRecord,
} from '../../src/index.js';

import { ALL_REJECTED_STOP, readByCommandLine } from '../../src/internal.js';
import { AvroDecoder } from './codecs/avro.js';
import { unpackBatch, type InPlace } from './packedBatch.js';
import { checkKafkaConfig, createKafka, type KafkaConfig } from './config.js';
import { kafkaEnginePorts } from './ports.js';
import { EngineProgressLog } from './progressLog.js';
import { KafkaSink } from './sink.js';
import { threadCpuSeconds } from './threadCpu.js';
import type { FromWorker, ToWorker, WorkerError, WorkerService, WorkerSetup } from './workerEngine.js';

const port = parentPort!;
const setup = workerData as WorkerSetup;
const send = (message: FromWorker) => port.postMessage(message);

let subscriber: Subscriber<RawBatch> | null = null;
let assignmentHandler:
  ((assignment: readonly PartitionRef[], change: AssignmentChange) => Promise<void>) | null = null;
const early: RawBatch[] = [];
let stopped = false;
let nextRequest = 0;
const requests = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
const stillAssignedAnswers = new Map<number, (answer: boolean) => void>();

/** The last position of each partition's run of `records` (what a commit or release needs). */
function lastPositions(records: readonly RawRecord[]): Array<[string, number, string]> {
  const out: Array<[string, number, string]> = [];
  const n = records.length;
  for (let i = 0; i < n; i++) {
    const p = records[i].position;
    if (i + 1 < n) {
      const q = records[i + 1].position;
      if (q.partition === p.partition && q.source === p.source) continue;
    }
    out.push([p.source, p.partition ?? -1, p.offset]);
  }
  return out;
}

/** The engine's decoder and family, once it is built: it reads the batches' events in place. */
let inPlace: InPlace | null = null;

function request(message: { t: 'commit'; positions: Array<[string, number, string]>; records: number }) {
  const req = nextRequest++;
  return new Promise<void>((resolve, reject) => {
    requests.set(req, { resolve, reject });
    send({ ...message, req });
  });
}

const source: EventSource = {
  batches$: new Observable<RawBatch>((s) => {
    subscriber = s;
    for (const b of early.splice(0)) s.next(b);
    if (stopped) s.complete();
    return () => {
      subscriber = null;
    };
  }),
  commit: (records) => request({ t: 'commit', positions: lastPositions(records), records: records.length }),
  release: (records) => send({ t: 'release', positions: lastPositions(records) }),
  // the source (kafkajs) is the main thread's: it asks the group's coordinator
  stillAssigned: () =>
    new Promise<boolean>((resolve) => {
      const req = nextRequest++;
      stillAssignedAnswers.set(req, resolve);
      send({ t: 'stillAssigned', req });
    }),
  onAssign: (handler) => {
    assignmentHandler = handler;
  },
};

/** Feeds the source from the main thread's messages. */
function listen(): void {
  port.on('message', (message: ToWorker) => {
    switch (message.t) {
      case 'batch': {
        if (stopped) break; // read after the stop: never committed, read again by the next run
        const batch = unpackBatch(message, inPlace);
        if (subscriber) subscriber.next(batch);
        else early.push(batch);
        break;
      }
      case 'committed':
        requests.get(message.req)?.resolve();
        requests.delete(message.req);
        break;
      case 'stillAssigned':
        stillAssignedAnswers.get(message.req)?.(message.answer);
        stillAssignedAnswers.delete(message.req);
        break;
      case 'commitFailed':
        requests.get(message.req)?.reject(new Error(message.message));
        requests.delete(message.req);
        break;
      case 'assign': {
        const req = message.req;
        // stopped: nothing more is read (batches are dropped), so nothing to restore; a restore
        // would also race the final checkpoint and the store's close
        (assignmentHandler && !stopped
          ? assignmentHandler(message.assignment, { lost: message.lost })
          : Promise.resolve()
        ).then(
          () => send({ t: 'assigned', req }),
          (err: unknown) => send({ t: 'assigned', req, error: workerError(err) }),
        );
        break;
      }
      case 'stop':
        stopped = true;
        subscriber?.complete();
        break;
    }
  });
}

/** Runs the engine to the end of the source and reports its statistics. */
async function runEngine(engine: Engine, sink: KafkaSink, closeStore?: () => Promise<void>): Promise<void> {
  listen();
  send({ t: 'ready' });
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = threadCpuSeconds();
  const stats = await engine.run();
  const elu = performance.eventLoopUtilization(elu0);
  const cpu = threadCpuSeconds();
  await closeStore?.();
  await sink.close();
  send({
    t: 'done',
    stats: { ...stats, rejectedByReason: [...stats.rejectedByReason] },
    deadLetters: sink.deadLetters.count,
    busySeconds: elu.active / 1000,
    idleSeconds: elu.idle / 1000,
    threadCpuSeconds: cpu0 === null || cpu === null ? null : cpu - cpu0,
    youngGenerationMb: resourceLimits.maxYoungGenerationSizeMb ?? null,
  });
}

/** The library's worker engine: a sink, no state store, writer schemas given. */
async function main(): Promise<void> {
  const kafka = new Kafka({ clientId: setup.clientId, brokers: setup.brokers, logLevel: logLevel.NOTHING });
  const sink = new KafkaSink(kafka, { topics: setup.topics });
  await sink.start();
  // JSON records: the reader the engine would make, given to it so that it also reads in place
  const decoder = setup.writerSchemas
    ? new AvroDecoder({ writerSchemas: new Map(setup.writerSchemas) })
    : new JsonEventReader();
  const config = checkEngineConfig(setup.config);
  inPlace = { decoder, family: config.model.family };
  const engine = new Engine(config, { source, sink }, { partSize: setup.partSize, decoder });
  await runEngine(engine, sink);
}

/**
 * `l1stream run`'s engine (`kafka.engineThread: "worker"`): the ports of `kafkaPorts` but the
 * consumer, built here from the configuration (own producers, own registry client), and the
 * progress lines the main thread logs on one thread.
 */
async function service(options: WorkerService): Promise<void> {
  const logger = pino(
    { name: 'l1stream', level: options.logLevel },
    pino.destination({ dest: 2, sync: true }),
  );
  const config: EngineConfig = readByCommandLine(
    checkEngineConfig(setup.config, {
      sections: { kafka: (raw, path) => checkKafkaConfig(raw, path) },
    }),
  );
  const kc = config.extensions.get('kafka') as KafkaConfig;
  const ports = await kafkaEnginePorts(
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
  await ports.sink.start();
  await ports.store.start();
  const avro = ports.decoder;
  if (avro) source.prepare = (records) => avro.prepare(records);
  const decoder = avro ?? new JsonEventReader();
  inPlace = { decoder, family: config.model.family };
  const engine = new Engine(
    config,
    { source, sink: ports.sink, store: ports.store },
    // as `l1stream run` on the main thread: a configuration that fits no record stops the service
    {
      logger,
      partSize: setup.partSize,
      decoder,
      failWhenFirstRejected: ALL_REJECTED_STOP,
      warnNumericStrings: true,
    },
  );
  const stopProgress = new EngineProgressLog(logger, engine, { clientId: kc.clientId }).start();
  try {
    await runEngine(engine, ports.sink, () => ports.store.close());
  } finally {
    stopProgress();
  }
}

/** An error as the main thread gets it: an `EngineError`'s code kept; a service's without its stack. */
function workerError(err: unknown): WorkerError {
  if (err instanceof EngineError) return { message: err.message, code: err.code, retriable: err.retriable };
  if (err instanceof Error) return { message: setup.service ? err.message : (err.stack ?? err.message) };
  return { message: String(err) };
}

(setup.service ? service(setup.service) : main()).catch((err: unknown) => {
  send({ t: 'error', ...workerError(err) });
});
