/**
 * Kafka benchmark, in parts (`--parts`, default all five):
 *
 * - throughput: on one topic of N Avro events (Confluent wire format), the consume throughput of
 *   raw kafkajs (eachBatch, count the messages), of the l1stream pipeline with no state store
 *   (the `Engine` on a `KafkaSource` through `kafkaEventSource`: decode + validation + featurize +
 *   learn + snapshots + flush + commit per batch; refits off), with at-least-once checkpoints
 *   (`kafkaPorts`, `KafkaStateStore`) and exactly-once (`kafka.exactlyOnce`), side by side in
 *   alternating rounds, and where the no-checkpoint pipeline's time goes;
 * - json: the same events as JSON on a topic of their own: raw kafkajs, (a) and (a′);
 * - checkpoint: size, encode, write and restore time of one FTRL model's state at 2^18 and 2^20
 *   hashed columns;
 * - restore: `KafkaStateStore.restore` of 10,000 models' states;
 * - failover: `l1stream run` killed (SIGKILL) mid-stream, a second instance in the same group:
 *   the time from the first's last commit to the second's first (per kafka.sessionTimeoutMs).
 *
 *   npm run bench:kafka [-- --events 1000000 --partitions 1 --rounds 3 --warmup 200000 --max-in-flight 16
 *                          --parts throughput,json,checkpoint,restore,failover --checkpoint-events 100000
 *                          --restore-models 10000 --session-timeouts 30000,6000 --kill-after 200000 --no-write
 *                          --consumers raw,a,a′ --topic bench-events-… --versions 4.4.0,3.9.1]
 *
 * `--consumers`: the throughput part's rounds of these consumers only (and, without `--parts`, no
 * other part), each round printed with the CPU time per event of each thread (and of the broker
 * with L1S_BROKER_PID), nothing written;
 * `--topic`: an existing topic of the bench's events (an earlier run's), not produced again.
 *
 * Broker: KAFKA_BROKERS if set, else the project's own (connectors/kafka/broker/kafka.sh) started on
 * free ports and stopped after its parts, once per version: `--versions`, else KAFKA_VERSION, else
 * the script's default 4.x and 3.9.1. The throughput and json parts run on each broker, the others
 * on the first; the report opens with the pipeline against raw per broker and format. The
 * failover part runs the built CLI (bin/l1stream.js, so dist/ must be current: `npm run
 * bench:kafka` builds first). Writes bench/results/kafka.md and kafka.json (the parts that ran).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import {
  PerformanceObserver,
  performance,
  type EventLoopUtilization,
  type PerformanceEntry,
} from 'node:perf_hooks';
import { parseArgs, promisify } from 'node:util';

import { Kafka, logLevel } from 'kafkajs';
import { Observable, type Subscription } from 'rxjs';

import {
  AvroDecoder,
  AvroEncoder,
  KafkaSink,
  KafkaSource,
  KafkaWorkerEngine,
  kafkaDefaults,
  kafkaEventSource,
  outputTopics,
  shippedSchema,
  type KafkaBatch,
  type KafkaSourceOptions,
} from '../../connectors/kafka/index.js';
import { threadCpuSeconds } from '../../connectors/kafka/threadCpu.js';
import { Engine, checkEngineConfig, type EventSource, type RawBatch } from '../../src/index.js';
import { benchEvents } from './events.js';
import { engineStages, type EngineStages } from './stages.js';
import {
  checkpointSize,
  checkpointedRun,
  checkpointedWorkerRun,
  failover,
  restoreMany,
  type CheckpointSize,
  type CheckpointedPhase,
  type Failover,
} from './state.js';

const run = promisify(execFile);
const up2 = resolve(import.meta.dirname, '../..');
/** The repository root, from bench/kafka or from dist/bench/kafka. */
const root = basename(up2) === 'dist' ? resolve(up2, '..') : up2;
const script = join(root, 'connectors/kafka/broker/kafka.sh');

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? done(a.port) : fail(new Error('no port'))));
    });
  });
}

/** The project's broker at `version` (null: kafka.sh's default or KAFKA_VERSION), or KAFKA_BROKERS. */
async function startBroker(version: string | null): Promise<{ brokers: string; stop: () => Promise<void> }> {
  if (process.env.KAFKA_BROKERS) return { brokers: process.env.KAFKA_BROKERS, stop: async () => undefined };
  const runDir = mkdtempSync(join(tmpdir(), 'l1stream-kafka-bench-'));
  const port = await freePort();
  let cport = await freePort();
  while (cport === port) cport = await freePort();
  const env = {
    ...process.env,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(cport),
    KAFKA_RUN_DIR: runDir,
    KAFKA_HEAP_OPTS: '-Xmx1g -Xms1g',
    ...(version !== null ? { KAFKA_VERSION: version } : {}),
  };
  const { stdout } = await run('bash', [script, 'start'], { env, timeout: 170_000 });
  return {
    brokers: stdout.trim().split('\n').pop()!,
    stop: async () => {
      await run('bash', [script, 'stop'], { env, timeout: 60_000 });
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}

/** Garbage-collection pauses, recorded as they happen, summed over any span afterwards. */
class GcLog {
  private readonly entries: { start: number; end: number }[] = [];
  private readonly observer = new PerformanceObserver((list) => this.add(list.getEntries()));

  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  private add(entries: readonly PerformanceEntry[]): void {
    for (const e of entries) this.entries.push({ start: e.startTime, end: e.startTime + e.duration });
  }

  /** Seconds of GC pause between two `performance.now()` readings. */
  secondsBetween(from: number, to: number): number {
    this.add(this.observer.takeRecords());
    let ms = 0;
    for (const e of this.entries) if (e.start >= from && e.start < to) ms += Math.min(e.end, to) - e.start;
    return ms / 1000;
  }

  close(): void {
    this.observer.disconnect();
  }
}

/** A consumer run, from its first batch to its n-th event. */
interface Phase {
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** The Node thread's event loop over that span: busy (JavaScript, GC) and idle (waiting on I/O). */
  readonly busySeconds: number;
  readonly idleSeconds: number;
  /** GC pauses within the span (part of busy). */
  readonly gcSeconds: number;
  /**
   * CPU time of this process over the span (user + system, all its threads: JavaScript, GC,
   * libuv): unlike the wall clock, it does not grow when other work takes the cores.
   */
  readonly cpuSeconds: number;
  /**
   * CPU time of the main thread alone over the span (Linux; null elsewhere): the event loop's busy
   * time also counts the time it waited for a core, while the worker, GC threads or the broker ran.
   */
  readonly mainThreadCpuSeconds: number | null;
}

function phase(
  n: number,
  first: number,
  last: number,
  elu: EventLoopUtilization,
  gc: GcLog,
  cpu: NodeJS.CpuUsage,
  mainThreadCpuSeconds: number | null = null,
): Phase {
  const seconds = (last - first) / 1000;
  return {
    seconds,
    eventsPerSecond: n / seconds,
    busySeconds: elu.active / 1000,
    idleSeconds: elu.idle / 1000,
    gcSeconds: gc.secondsBetween(first, last),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    mainThreadCpuSeconds,
  };
}

/** The CPU time of this thread between two readings (null if either is). */
const threadSpan = (from: number | null, to: number | null) =>
  from === null || to === null ? null : to - from;

async function rawConsume(kafka: Kafka, topic: string, n: number, gc: GcLog): Promise<Phase> {
  const consumer = kafka.consumer({ groupId: `raw-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let count = 0;
  let first = 0;
  let last = 0;
  let elu0: EventLoopUtilization | undefined;
  let elu: EventLoopUtilization | undefined;
  let cpu0: NodeJS.CpuUsage | undefined;
  let cpu: NodeJS.CpuUsage | undefined;
  let thread0: number | null = null;
  let thread: number | null = null;
  await new Promise<void>((done, fail) => {
    consumer
      .run({
        eachBatch: async ({ batch, resolveOffset }) => {
          if (first === 0) {
            first = performance.now();
            elu0 = performance.eventLoopUtilization();
            cpu0 = process.cpuUsage();
            thread0 = threadCpuSeconds();
          }
          count += batch.messages.length;
          resolveOffset(batch.lastOffset());
          if (count >= n && last === 0) {
            last = performance.now();
            elu = performance.eventLoopUtilization(elu0);
            cpu = process.cpuUsage(cpu0);
            thread = threadSpan(thread0, threadCpuSeconds());
            done();
          }
        },
      })
      .catch(fail);
  });
  await consumer.disconnect();
  return phase(n, first, last, elu!, gc, cpu!, thread);
}

interface PipelinePhase extends Phase {
  /**
   * The engine's synchronous work on the batches (decode + validate + route + featurize + learn +
   * snapshots + drift checks + queuing outputs and starting the flush): how long each batch the
   * source emitted took to go through everything downstream of it before the flush's await. The
   * per-stage split (decode / learn / outputs) of the former `kafkaPipeline` timings is not
   * measured: those stages are now composed inside `Engine`, with no hook between them.
   */
  readonly engineSeconds: number;
  readonly batches: number;
  readonly commits: number;
  readonly pauses: number;
  readonly pausedSeconds: number;
  readonly snapshots: number;
  readonly deadLetters: number;
  readonly nonZero: number;
  readonly progressiveLogLoss: number;
}

/**
 * The source's batches, timing what the engine does synchronously with each (see
 * `PipelinePhase.engineSeconds`), and noting the first batch's time and event-loop utilization.
 */
class TimedSource {
  firstBatchAt = 0;
  eventLoopAtFirstBatch: EventLoopUtilization | null = null;
  cpuAtFirstBatch: NodeJS.CpuUsage | null = null;
  batches = 0;
  records = 0;
  engineMs = 0;
  readonly port: EventSource;

  constructor(port: EventSource) {
    const batches$ = new Observable<RawBatch>((subscriber) =>
      port.batches$.subscribe({
        next: (batch) => {
          if (this.firstBatchAt === 0) {
            this.firstBatchAt = performance.now();
            this.eventLoopAtFirstBatch = performance.eventLoopUtilization();
            this.cpuAtFirstBatch = process.cpuUsage();
          }
          this.batches++;
          this.records += batch.records.length;
          const start = performance.now();
          subscriber.next(batch);
          this.engineMs += performance.now() - start;
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
    this.port = { ...port, batches$ };
  }
}

/** The events' encoding on a topic: Avro in the Confluent wire format (schema id 1), or UTF-8 JSON. */
type Format = 'avro' | 'json';

/** The pipeline `l1stream run` uses (`Engine` + `kafkaEventSource`), on a topic of `format`, until n events are committed. */
async function pipelineRun(
  kafka: Kafka,
  topic: string,
  n: number,
  prefix: string,
  gc: GcLog,
  sourceOptions: Pick<KafkaSourceOptions, 'maxInFlightBatches' | 'maxBytesPerPartition'>,
  format: Format = 'avro',
): Promise<PipelinePhase> {
  const config = checkEngineConfig({
    model: { family: 'binomial', key: 'bench', learner: 'ftrl', lambda: 1e-4 },
    snapshots: { everyEvents: 100_000, everySeconds: 'Infinity' },
    refit: { enabled: false },
  });
  const source = new KafkaSource(kafka, {
    topics: [topic],
    groupId: `pipe-${Date.now()}`,
    ...sourceOptions,
  });
  const sink = new KafkaSink(kafka, { topics: outputTopics(prefix) });
  await sink.start();
  let snapshots = 0;
  const model = sink.model.bind(sink);
  sink.model = (snapshot) => {
    snapshots++;
    model(snapshot);
  };
  // The writer schema from a file (id 1): no registry, so no `prepare` step before decoding.
  // JSON: the engine's own decoder, as `l1stream run` with `kafka.format: "json"`.
  const decoder =
    format === 'avro' ? new AvroDecoder({ writerSchemas: new Map([[1, shippedSchema('event')]]) }) : null;
  const timed = new TimedSource(kafkaEventSource(source));
  const engine = new Engine(
    config,
    { source: timed.port, sink },
    { ...(decoder !== null ? { decoder } : {}), partSize: 512 },
  );
  let committed = 0;
  let last = 0;
  let elu: EventLoopUtilization | undefined;
  let cpu: NodeJS.CpuUsage | undefined;
  let subscription: Subscription | undefined;
  try {
    await new Promise<void>((done, fail) => {
      subscription = engine.pipeline().subscribe({
        // Emitted once the batch's outputs are acknowledged and its offsets committed.
        next: (batch) => {
          committed += batch.records.length;
          if (committed >= n && last === 0) {
            last = performance.now();
            elu = performance.eventLoopUtilization(timed.eventLoopAtFirstBatch!);
            cpu = process.cpuUsage(timed.cpuAtFirstBatch!);
            done();
          }
        },
        error: fail,
      });
    });
  } finally {
    subscription?.unsubscribe();
    await engine.close();
    await source.close();
  }
  const live = engine.registry.peekLive('bench')!.model;
  const snapshot = live.snapshot();
  await sink.close();
  return {
    ...phase(n, timed.firstBatchAt, last, elu!, gc, cpu!),
    engineSeconds: timed.engineMs / 1000,
    batches: timed.batches,
    commits: source.stats.commits,
    pauses: source.stats.pauses,
    pausedSeconds: source.stats.pausedMs / 1000,
    snapshots,
    deadLetters: sink.deadLetters.count,
    nonZero: Object.keys(snapshot.coefficients).length,
    progressiveLogLoss: live.metrics.progressiveLoss,
  };
}

interface WorkerPhase extends Phase {
  /** The worker thread's CPU time over its whole run (start and drain included; null: not available). */
  readonly workerThreadCpuSeconds: number | null;
  /** The worker thread's event loop (the engine's): busy and idle seconds over its whole run. */
  readonly workerBusySeconds: number;
  readonly workerIdleSeconds: number;
  /** The main thread's (kafkajs) busy seconds, first batch to the n-th commit. */
  readonly mainBusySeconds: number;
  readonly waits: number;
  readonly waitedSeconds: number;
  readonly deadLetters: number;
  readonly snapshots: number;
}

/**
 * (a′): the pipeline of (a) with the engine and its sink on a worker thread (`KafkaWorkerEngine`),
 * kafkajs on this one (source `backpressure: 'wait'`), until n events are committed.
 */
async function workerRun(
  kafka: Kafka,
  brokers: string,
  topic: string,
  n: number,
  prefix: string,
  gc: GcLog,
  sourceOptions: Pick<KafkaSourceOptions, 'maxInFlightBatches' | 'maxBytesPerPartition'>,
  format: Format = 'avro',
): Promise<WorkerPhase> {
  const source = new KafkaSource(kafka, {
    topics: [topic],
    groupId: `worker-${Date.now()}`,
    ...sourceOptions,
    backpressure: 'wait',
  });
  let first = 0;
  let elu0: EventLoopUtilization | undefined;
  let cpu0: NodeJS.CpuUsage | undefined;
  let thread0: number | null = null;
  const batches$ = source.batches$;
  Object.defineProperty(source, 'batches$', {
    value: new Observable<KafkaBatch>((subscriber) =>
      batches$.subscribe({
        next: (batch) => {
          if (first === 0) {
            first = performance.now();
            elu0 = performance.eventLoopUtilization();
            cpu0 = process.cpuUsage();
            thread0 = threadCpuSeconds();
          }
          subscriber.next(batch);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    ),
  });
  const engine = new KafkaWorkerEngine(source, {
    config: {
      model: { family: 'binomial', key: 'bench', learner: 'ftrl', lambda: 1e-4 },
      snapshots: { everyEvents: 100_000, everySeconds: 'Infinity' },
      refit: { enabled: false },
    },
    brokers: brokers.split(','),
    clientId: 'l1stream-bench-worker',
    topics: outputTopics(prefix),
    writerSchemas: format === 'avro' ? [[1, shippedSchema('event')]] : null,
  });
  let committed = 0;
  let last = 0;
  let elu: EventLoopUtilization | undefined;
  let cpu: NodeJS.CpuUsage | undefined;
  let thread: number | null = null;
  let subscription: Subscription | undefined;
  let result: Awaited<ReturnType<KafkaWorkerEngine['close']>>;
  try {
    await new Promise<void>((done, fail) => {
      subscription = engine.pipeline().subscribe({
        next: (records) => {
          committed += records;
          if (committed >= n && last === 0) {
            last = performance.now();
            elu = performance.eventLoopUtilization(elu0);
            cpu = process.cpuUsage(cpu0);
            thread = threadSpan(thread0, threadCpuSeconds());
            done();
          }
        },
        error: fail,
      });
    });
  } finally {
    result = await engine.close();
    subscription?.unsubscribe();
    await source.close();
  }
  return {
    ...phase(n, first, last, elu!, gc, cpu!, thread),
    workerThreadCpuSeconds: result?.threadCpuSeconds ?? null,
    workerBusySeconds: result?.busySeconds ?? 0,
    workerIdleSeconds: result?.idleSeconds ?? 0,
    mainBusySeconds: elu!.active / 1000,
    waits: source.stats.pauses,
    waitedSeconds: source.stats.pausedMs / 1000,
    deadLetters: result?.deadLetters ?? 0,
    snapshots: result?.stats.snapshots ?? 0,
  };
}

const f2 = (x: number) => x.toFixed(2);

/**
 * The threads' own CPU time per event (Linux), beside the event loops' busy times: on a machine
 * whose cores the threads share, a thread's busy time also counts its waits for a core.
 */
function threadCpuSentence(raw: Phase, worker: WorkerPhase, n: number): string {
  const main = worker.mainThreadCpuSeconds;
  const engine = worker.workerThreadCpuSeconds;
  if (raw.mainThreadCpuSeconds === null || main === null || engine === null) return '';
  const perEvent = (s: number) => ((1e6 * s) / n).toFixed(2);
  return ` The threads' own CPU time (Linux schedstat) in that round, per event: raw kafkajs' thread ${perEvent(raw.mainThreadCpuSeconds)} µs (busy ${perEvent(raw.busySeconds)}); (a′)'s main thread ${perEvent(main)} µs (busy ${perEvent(worker.mainBusySeconds)}), its worker ${perEvent(engine)} µs over its whole run (busy ${perEvent(worker.workerBusySeconds)}), and the process as a whole ${perEvent(worker.cpuSeconds)} µs (GC helper threads included): a busy time above a thread's CPU time is time it waited for a core.`;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];
const us = (seconds: number, n: number) => ((1e6 * seconds) / n).toFixed(2);

/** Produces n bench events in `format` to a new topic; their bytes and the time it took. */
async function produceEvents(
  kafka: Kafka,
  topic: string,
  n: number,
  partitions: number,
  format: Format = 'avro',
): Promise<{ bytes: number; produceSeconds: number }> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
  });
  await admin.disconnect();
  const encoder = await AvroEncoder.create({ schema: shippedSchema('event'), schemaId: 1 });
  const producer = kafka.producer();
  await producer.connect();
  const tp = performance.now();
  let chunk: { value: Buffer }[] = [];
  let bytes = 0;
  for (const e of benchEvents(n)) {
    const value = format === 'avro' ? encoder.encode(e) : Buffer.from(JSON.stringify(e), 'utf8');
    bytes += value.length;
    chunk.push({ value });
    if (chunk.length === 2_000) {
      await producer.send({ topic, acks: 1, messages: chunk });
      chunk = [];
    }
  }
  if (chunk.length > 0) await producer.send({ topic, acks: 1, messages: chunk });
  await producer.disconnect();
  const produceSeconds = (performance.now() - tp) / 1000;
  process.stderr.write(
    `produced ${n} ${format === 'avro' ? 'Avro' : 'JSON'} events (${(bytes / n).toFixed(0)} bytes each) in ${produceSeconds.toFixed(1)} s\n`,
  );
  return { bytes, produceSeconds };
}

/** What a round of `someConsumers` runs on. */
interface RoundSetup {
  readonly kafka: Kafka;
  readonly brokers: string;
  readonly topic: string;
  readonly n: number;
  readonly warmup: number;
  readonly rounds: number;
  readonly gc: GcLog;
}

/**
 * `--consumers raw,a,a′` (any of them, in that order each round): the throughput part's rounds
 * of those consumers alone, printed with the CPU time per event of each thread; nothing written.
 */
async function someConsumers(
  list: string,
  { kafka, brokers, topic, n, warmup, rounds, gc }: RoundSetup,
  sourceOptions: Pick<KafkaSourceOptions, 'maxInFlightBatches' | 'maxBytesPerPartition'>,
): Promise<void> {
  const known = ['raw', 'a', 'a′'];
  const which = list.split(',').map((c) => c.trim().replace("a'", 'a′'));
  for (const c of which)
    if (!known.includes(c)) throw new Error(`--consumers: unknown "${c}" (known: raw, a, a′)`);
  const once = async (c: string, events: number): Promise<Phase> =>
    c === 'raw'
      ? rawConsume(kafka, topic, events, gc)
      : c === 'a'
        ? pipelineRun(kafka, topic, events, `bench-${Date.now()}`, gc, sourceOptions)
        : workerRun(kafka, brokers, topic, events, `bench-w-${Date.now()}`, gc, sourceOptions);
  // the broker's CPU time too, when its pid is given (it shares the machine's cores)
  const brokerPid = process.env.L1S_BROKER_PID;
  const brokerCpu = (): number | null => {
    if (brokerPid === undefined) return null;
    const stat = readFileSync(`/proc/${brokerPid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  };
  if (warmup > 0) for (const c of which) await once(c, warmup);
  const perEvent = (s: number | null) => (s === null ? '?' : ((1e6 * s) / n).toFixed(2));
  for (let r = 0; r < rounds; r++) {
    const line: string[] = [];
    let raw: Phase | null = null;
    for (const c of which) {
      const b0 = brokerCpu();
      const p = await once(c, n);
      const b = brokerCpu();
      if (c === 'raw') raw = p;
      const vs =
        raw !== null && c !== 'raw' ? ` (${(p.eventsPerSecond / raw.eventsPerSecond).toFixed(2)} × raw)` : '';
      let threads = ` main thread ${perEvent(p.mainThreadCpuSeconds)}`;
      if ('workerBusySeconds' in p) {
        const w = p as WorkerPhase;
        threads += ` (busy ${perEvent(w.mainBusySeconds)}), worker ${perEvent(w.workerThreadCpuSeconds)} (busy ${perEvent(w.workerBusySeconds)}, idle ${perEvent(w.workerIdleSeconds)}); waited for room ${w.waits} time(s), ${f2(w.waitedSeconds)} s`;
      }
      const broker = b0 === null || b === null ? '' : `; the broker ${perEvent(b - b0)} (whole run)`;
      line.push(
        `${c} ${p.eventsPerSecond.toFixed(0)} events/s${vs}, CPU µs/event: process ${perEvent(p.cpuSeconds)},${threads}${broker}`,
      );
    }
    process.stderr.write(`round ${r + 1}/${rounds} (load ${loadavg()[0].toFixed(1)}): ${line.join('; ')}\n`);
  }
}

/** One broker's and format's throughput in a run: medians over rounds, ratios per round then median. */
interface SummaryRow {
  readonly format: Format;
  readonly raw: number;
  readonly pipeline: number;
  readonly pipelineVsRaw: number;
  readonly worker: number;
  readonly workerVsRaw: number;
}

/**
 * The throughput part on a JSON topic of the same events: raw kafkajs, (a) and (a′), alternating
 * rounds after an untimed warm-up of each; its section of kafka.md and its summary row.
 */
async function jsonThroughput(
  { kafka, brokers, topic, n, warmup, rounds, gc }: RoundSetup,
  sourceOptions: Pick<KafkaSourceOptions, 'maxInFlightBatches' | 'maxBytesPerPartition'>,
  bytes: number,
  result: Record<string, unknown>,
  sections: string[],
): Promise<SummaryRow> {
  if (warmup > 0) {
    await rawConsume(kafka, topic, warmup, gc);
    await pipelineRun(kafka, topic, warmup, `bench-json-warmup-${Date.now()}`, gc, sourceOptions, 'json');
    await workerRun(
      kafka,
      brokers,
      topic,
      warmup,
      `bench-json-warmup-w-${Date.now()}`,
      gc,
      sourceOptions,
      'json',
    );
  }
  const raws: Phase[] = [];
  const pipes: PipelinePhase[] = [];
  const workers: WorkerPhase[] = [];
  for (let r = 0; r < rounds; r++) {
    const raw = await rawConsume(kafka, topic, n, gc);
    raws.push(raw);
    const pipe = await pipelineRun(kafka, topic, n, `bench-json-${Date.now()}`, gc, sourceOptions, 'json');
    pipes.push(pipe);
    const worker = await workerRun(
      kafka,
      brokers,
      topic,
      n,
      `bench-json-w-${Date.now()}`,
      gc,
      sourceOptions,
      'json',
    );
    workers.push(worker);
    process.stderr.write(
      `JSON round ${r + 1}/${rounds}: raw kafkajs ${raw.eventsPerSecond.toFixed(0)} events/s, ` +
        `l1stream pipeline ${pipe.eventsPerSecond.toFixed(0)} (${(pipe.eventsPerSecond / raw.eventsPerSecond).toFixed(2)} × raw), ` +
        `on a worker ${worker.eventsPerSecond.toFixed(0)} (${(worker.eventsPerSecond / raw.eventsPerSecond).toFixed(2)} × raw)\n`,
    );
  }
  const rate = (p: Phase) => p.eventsPerSecond;
  const vsRaw = (xs: Phase[]) => xs.map((x, i) => rate(x) / rate(raws[i]));
  const pipeRatios = vsRaw(pipes);
  const workerRatios = vsRaw(workers);
  const byRatio = workerRatios.map((_, i) => i).sort((a, b) => workerRatios[a] - workerRatios[b]);
  const mid = byRatio[(byRatio.length - 1) >> 1];
  const perEvent = (xs: Phase[]) => {
    const per = xs.map((x) => (1e6 * x.cpuSeconds) / n);
    return `${median(per).toFixed(2)} (${per.map((v) => v.toFixed(2)).join(', ')})`;
  };
  const row: SummaryRow = {
    format: 'json',
    raw: median(raws.map(rate)),
    pipeline: median(pipes.map(rate)),
    pipelineVsRaw: median(pipeRatios),
    worker: median(workers.map(rate)),
    workerVsRaw: median(workerRatios),
  };
  result.json = { bytesPerEvent: bytes / n, raws, pipes, workers, summary: row, medianRound: mid + 1 };
  const all = (xs: Phase[]) => xs.map((x) => rate(x).toFixed(0)).join(', ');
  const ratios = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
  sections.push(`### Throughput, JSON: raw kafkajs vs the l1stream pipeline (no checkpoints)

The same ${n.toLocaleString('en-US')} events as UTF-8 JSON, one document per record (${(bytes / n).toFixed(0)} bytes each), on a topic of their own; decoded by the engine's JSON reader (\`JsonEventReader\`: events read straight from the bytes, \`JSON.parse\` only for what it does not read), as \`l1stream run\` does with \`kafka.format: "json"\`. ${rounds} alternating rounds (raw, (a), (a′)) after an untimed warm-up of each over the first ${warmup.toLocaleString('en-US')} events; each run from the start of the topic in a new consumer group, one model (FTRL, binomial, refits off, a snapshot every 100,000 events).

| consumer | events/s (median) | vs raw (median of rounds) | all rounds, events/s | all rounds, vs raw | CPU µs/event of the process, median (rounds) |
|---|---:|---:|---|---|---|
| raw kafkajs | ${row.raw.toFixed(0)} | 1.00 | ${all(raws)} | | ${perEvent(raws)} |
| (a) no checkpoints, one thread | ${row.pipeline.toFixed(0)} | ${row.pipelineVsRaw.toFixed(2)} | ${all(pipes)} | ${ratios(pipeRatios)} | ${perEvent(pipes)} |
| (a′) no checkpoints, engine on a worker thread | ${row.worker.toFixed(0)} | **${row.workerVsRaw.toFixed(2)}** | ${all(workers)} | ${ratios(workerRatios)} | ${perEvent(workers)} |

Goal: ≥ 0.70 × raw — ${row.workerVsRaw >= 0.7 || row.pipelineVsRaw >= 0.7 ? 'met' : 'NOT met'}. In the median round of (a′) (round ${mid + 1}) the worker's event loop was busy ${f2(workers[mid].workerBusySeconds)} s and idle ${f2(workers[mid].workerIdleSeconds)} s, the main thread's busy ${f2(workers[mid].mainBusySeconds)} s; the source waited for room ${workers[mid].waits} time(s), ${f2(workers[mid].waitedSeconds)} s in all; ${workers[mid].deadLetters} dead letters.${threadCpuSentence(raws[mid], workers[mid], n)}
`);
  return row;
}

/** What the Avro throughput part runs on (one broker). */
interface ThroughputSetup extends RoundSetup {
  readonly sourceOptions: Pick<KafkaSourceOptions, 'maxInFlightBatches' | 'maxBytesPerPartition'>;
  readonly maxInFlight: number;
  readonly schemaFile: string;
  readonly stageEvents: number;
  /** Gets the part's figures (kafka.json). */
  readonly result: Record<string, unknown>;
  /** Gets the part's sections of kafka.md. */
  readonly sections: string[];
}

/** The throughput part on the Avro topic: every consumer, alternating rounds; its summary row. */
async function avroThroughput(setup: ThroughputSetup): Promise<SummaryRow> {
  const { kafka, brokers, topic, n, warmup, rounds, gc, sourceOptions, maxInFlight } = setup;
  const { schemaFile, stageEvents, result, sections } = setup;
  // Every consumer once over the first `warmup` events, untimed, so that no round pays for
  // compiling kafkajs' or l1stream's code (or the broker's); then alternating timed rounds.
  if (warmup > 0) {
    await rawConsume(kafka, topic, warmup, gc);
    await pipelineRun(kafka, topic, warmup, `bench-warmup-${Date.now()}`, gc, sourceOptions);
    await workerRun(kafka, brokers, topic, warmup, `bench-warmup-w-${Date.now()}`, gc, sourceOptions);
    await checkpointedRun(kafka, brokers, topic, warmup, schemaFile, false);
    await checkpointedWorkerRun(kafka, brokers, topic, warmup, schemaFile);
    await checkpointedRun(kafka, brokers, topic, warmup, schemaFile, true);
  }
  const raws: Phase[] = [];
  const pipes: PipelinePhase[] = [];
  const workers: WorkerPhase[] = [];
  const alos: CheckpointedPhase[] = [];
  const alows: CheckpointedPhase[] = [];
  const eoss: CheckpointedPhase[] = [];
  for (let r = 0; r < rounds; r++) {
    const raw = await rawConsume(kafka, topic, n, gc);
    raws.push(raw);
    const pipe = await pipelineRun(kafka, topic, n, `bench-${Date.now()}`, gc, sourceOptions);
    pipes.push(pipe);
    const onWorker = await workerRun(kafka, brokers, topic, n, `bench-w-${Date.now()}`, gc, sourceOptions);
    workers.push(onWorker);
    const alo = await checkpointedRun(kafka, brokers, topic, n, schemaFile, false);
    alos.push(alo);
    const alow = await checkpointedWorkerRun(kafka, brokers, topic, n, schemaFile);
    alows.push(alow);
    const eos = await checkpointedRun(kafka, brokers, topic, n, schemaFile, true);
    eoss.push(eos);
    process.stderr.write(
      `round ${r + 1}/${rounds}: raw kafkajs ${raw.eventsPerSecond.toFixed(0)} events/s, ` +
        `l1stream pipeline ${pipe.eventsPerSecond.toFixed(0)} events/s (${(pipe.eventsPerSecond / raw.eventsPerSecond).toFixed(2)} × raw), ` +
        `on a worker ${onWorker.eventsPerSecond.toFixed(0)} (${(onWorker.eventsPerSecond / raw.eventsPerSecond).toFixed(2)} × raw), ` +
        `at-least-once checkpoints ${alo.eventsPerSecond.toFixed(0)} (${us(alo.cpuSeconds, alo.committed)} µs CPU/event), ` +
        `on a worker ${alow.eventsPerSecond.toFixed(0)} (${us(alow.cpuSeconds, alow.committed)} µs CPU/event), exactly-once ${eos.eventsPerSecond.toFixed(0)}\n`,
    );
  }
  // Each round's pipeline against the raw run just before it: the machine's speed drifts
  // between rounds (the broker and other work share it), and a round's runs drift together.
  // The round with the median ratio is reported, with its breakdowns.
  const ratios = raws.map((r, i) => r.seconds / pipes[i].seconds);
  const byRatio = ratios.map((_, i) => i).sort((a, b) => ratios[a] - ratios[b]);
  const mid = byRatio[(byRatio.length - 1) >> 1];
  const raw = raws[mid];
  const pipe = pipes[mid];
  const ratio = ratios[mid];
  const rawSeconds = raw.seconds;
  const pipeSeconds = pipe.seconds;
  const ours = pipe.engineSeconds;
  const restBusy = Math.max(0, pipe.busySeconds - ours);
  // checkpointed modes: each round's rate over the same round's (a) and raw; medians of those
  const rate = (p: { eventsPerSecond: number }) => p.eventsPerSecond;
  const vsA = (xs: CheckpointedPhase[]) => median(xs.map((x, i) => rate(x) / rate(pipes[i])));
  const vsRaw = (xs: CheckpointedPhase[]) => median(xs.map((x, i) => rate(x) / rate(raws[i])));
  const modes = {
    raw: { eventsPerSecond: median(raws.map(rate)), rounds: raws.map(rate) },
    noCheckpoints: { eventsPerSecond: median(pipes.map(rate)), rounds: pipes.map(rate) },
    noCheckpointsWorker: {
      eventsPerSecond: median(workers.map(rate)),
      vsNoCheckpoints: median(workers.map((x, i) => rate(x) / rate(pipes[i]))),
      vsRaw: median(workers.map((x, i) => rate(x) / rate(raws[i]))),
      rounds: workers,
    },
    atLeastOnce: {
      eventsPerSecond: median(alos.map(rate)),
      vsNoCheckpoints: vsA(alos),
      vsRaw: vsRaw(alos),
      rounds: alos,
    },
    atLeastOnceWorker: {
      eventsPerSecond: median(alows.map(rate)),
      vsNoCheckpoints: vsA(alows),
      vsRaw: vsRaw(alows),
      vsAtLeastOnce: median(alows.map((x, i) => rate(x) / rate(alos[i]))),
      cpuMicrosPerEvent: median(alows.map((x) => (1e6 * x.cpuSeconds) / x.committed)),
      atLeastOnceCpuMicrosPerEvent: median(alos.map((x) => (1e6 * x.cpuSeconds) / x.committed)),
      rounds: alows,
    },
    exactlyOnce: {
      eventsPerSecond: median(eoss.map(rate)),
      vsNoCheckpoints: vsA(eoss),
      vsRaw: vsRaw(eoss),
      rounds: eoss,
    },
  };
  Object.assign(result, {
    medianRound: mid + 1,
    raw,
    pipeline: pipe,
    rawRounds: raws,
    pipelineRounds: pipes,
    roundRatios: ratios,
    ratio,
    goal: 0.7,
    metGoal: ratio >= 0.7,
    checkpointModes: modes,
  });
  const loadAfterRounds = loadavg();
  result.loadAverageAfterRounds = loadAfterRounds;
  const stages: EngineStages = await engineStages(stageEvents, Math.round(n / pipe.batches), 5);
  result.engineStages = stages;
  const pct = (s: number) => `${((100 * s) / pipe.seconds).toFixed(0)}%`;
  // CPU µs per event of each round (all the process' threads), median first
  const cpuPer = (xs: ReadonlyArray<{ cpuSeconds: number; committed?: number }>) => {
    const per = xs.map((x) => (1e6 * x.cpuSeconds) / (x.committed ?? n));
    return `${median(per).toFixed(2)} (${per.map((v) => v.toFixed(2)).join(', ')})`;
  };
  const row = (name: string, xs: CheckpointedPhase[]) => {
    const m = xs[byRatio[(byRatio.length - 1) >> 1]] ?? xs[0];
    return `| ${name} | ${median(xs.map(rate)).toFixed(0)} | ${vsA(xs).toFixed(2)} | ${vsRaw(xs).toFixed(2)} | ${xs.map((x) => x.eventsPerSecond.toFixed(0)).join(', ')} | ${cpuPer(xs)} | ${f2(m.busySeconds)} / ${f2(m.idleSeconds)} | ${m.statesWritten} states, ${(m.stateBytes / 1e6).toFixed(1)} MB in all${m.finalStateBytes > 0 ? ` (the last ${(m.finalStateBytes / 1e6).toFixed(2)} MB)` : ''}, ${m.mode === 'exactly-once' ? `${m.transactions} transactions` : `${m.offsetCommits} offset commits`} |`;
  };
  sections.push(`### Throughput, Avro: no checkpoints, at-least-once checkpoints, exactly-once

The same topic, ${rounds} alternating rounds after an untimed warm-up of each over the first ${warmup.toLocaleString('en-US')} events; each run from the start of the topic in a new consumer group (and new output topics), one model (FTRL, binomial, refits off, a snapshot every 100,000 events):

- **raw**: kafkajs eachBatch, counting messages;
- **(a) no checkpoints**: \`Engine\` on \`KafkaSource\` + \`KafkaSink\`, no state store: offsets committed after every batch's outputs are acknowledged (the pipeline of the next section);
- **(a′) no checkpoints, engine on a worker thread**: (a) with the \`Engine\` and its \`KafkaSink\` on a worker thread (\`KafkaWorkerEngine\`), kafkajs (\`KafkaSource\`, \`backpressure: 'wait'\`) on the main thread: each batch's values copied into one shared buffer; the main thread commits a batch when the worker reports its outputs acknowledged;
- **(b) at-least-once checkpoints**: \`kafkaPorts\` (\`kafka.exactlyOnce: false\`) as \`l1stream run\` composes them, \`KafkaStateStore\` on \`<prefix>.state\`: the model's state is written at every checkpoint (the defaults: every 10,000 records or 10 s) and offsets are committed only once it is durable;
- **(b′) at-least-once checkpoints, engine on a worker thread**: (b) as \`l1stream run\` runs it with \`kafka.engineThread: "worker"\`: kafkajs (\`KafkaSource\`, \`backpressure: 'wait'\`) on the main thread, the \`Engine\` with its \`KafkaSink\` and \`KafkaStateStore\` (own producers) on a worker thread (\`KafkaWorkerEngine\` with \`service\`); the worker writes and flushes each checkpoint's state, then asks the main thread to commit the offsets it covers (its state count includes the stop's last checkpoint; its event loop figures are the main thread's);
- **(c) exactly-once**: \`kafkaPorts\` with \`kafka.exactlyOnce: true\`, engine option \`rewindOnAssign\`: outputs, the state and the offsets in one transaction per checkpoint.

(a) is timed from its first batch to the commit of its n-th event. (b) and (c) are timed from their first batch to the last advance of the group's committed offset (\`admin.fetchOffsets\`, polled every 25 ms), which is n when a checkpoint falls on the last record; otherwise the tail (under 10,000 records) is committed by the 10-second timer, and the run is taken to the last checkpoint before it (the rate is committed events / seconds either way).

| consumer | events/s (median) | vs (a) | vs raw | all rounds, events/s | CPU µs/event, median (rounds) | event loop busy / idle, s (median round) | checkpoint writes in the median round |
|---|---:|---:|---:|---|---|---|---|
| raw kafkajs | ${modes.raw.eventsPerSecond.toFixed(0)} | | 1.00 | ${raws.map((x) => x.eventsPerSecond.toFixed(0)).join(', ')} | ${cpuPer(raws)} | ${f2(raw.busySeconds)} / ${f2(raw.idleSeconds)} | |
| (a) no checkpoints (commit per batch) | ${modes.noCheckpoints.eventsPerSecond.toFixed(0)} | 1.00 | ${median(ratios).toFixed(2)} | ${pipes.map((x) => x.eventsPerSecond.toFixed(0)).join(', ')} | ${cpuPer(pipes)} | ${f2(pipe.busySeconds)} / ${f2(pipe.idleSeconds)} | ${pipe.commits} offset commits |
| (a′) no checkpoints, engine on a worker thread | ${modes.noCheckpointsWorker.eventsPerSecond.toFixed(0)} | ${modes.noCheckpointsWorker.vsNoCheckpoints.toFixed(2)} | ${modes.noCheckpointsWorker.vsRaw.toFixed(2)} | ${workers.map((x) => x.eventsPerSecond.toFixed(0)).join(', ')} | ${cpuPer(workers)} | main ${f2(workers[mid].mainBusySeconds)} / ${f2(workers[mid].seconds - workers[mid].mainBusySeconds)}, worker ${f2(workers[mid].workerBusySeconds)} / ${f2(workers[mid].workerIdleSeconds)} | offset commits per batch |
${row('(b) at-least-once checkpoints (`KafkaStateStore`)', alos)}
${row('(b′) at-least-once checkpoints, engine on a worker thread (`kafka.engineThread: "worker"`)', alows)}
${row('(c) exactly-once (`KafkaTransactions`)', eoss)}

Load average when the rounds ended: ${loadAfterRounds.map((x) => x.toFixed(1)).join(' / ')}. Ratios are per round (each run against the same round's (a) or raw run), then the median over rounds. (b′) against (b), per round: ${alows.map((x, i) => `${(rate(x) / rate(alos[i])).toFixed(2)}×`).join(', ')} (median ${modes.atLeastOnceWorker.vsAtLeastOnce.toFixed(2)}×); CPU µs/event counts every thread of the process (kafkajs, the engine, the worker), from the first batch to the last commit. The median round of (b), (b′) and (c) is the one whose (a) / raw ratio is the median (round ${mid + 1}). Every state written is the model's whole checkpoint, and a binomial model's checkpoint grows with the events it has scored until its progressive AUC's sample is full: 9 bytes per (score, label) pair, up to \`model.aucSample\` (default 65,536 ≈ 0.6 MB), so over this topic the states grow from ~0 to ${((eoss[0]?.finalStateBytes ?? 0) / 1e6).toFixed(1)} MB (see the checkpoint section for what the rest is).
`);
  sections.push(`### Throughput, Avro: raw kafkajs vs the l1stream pipeline (no checkpoints)

The round with the median ratio of (a) to raw (round ${mid + 1}):

| consumer | seconds | events/s | vs raw |
|---|---:|---:|---:|
| raw kafkajs (eachBatch, count messages) | ${f2(rawSeconds)} | ${(n / rawSeconds).toFixed(0)} | 1.00 |
| l1stream pipeline (\`Engine\` + \`kafkaEventSource\`, refits off: decode + validate + featurize + learn + snapshots + flush + commit) | ${f2(pipeSeconds)} | ${(n / pipeSeconds).toFixed(0)} | **${ratio.toFixed(2)}** |

Goal: pipeline ≥ 0.70 × raw — ${ratio >= 0.7 ? 'met' : 'NOT met'}. All rounds, raw / pipeline seconds = ratio: ${raws.map((r, i) => `${f2(r.seconds)} / ${f2(pipes[i].seconds)} = ${ratios[i].toFixed(2)}`).join('; ')}.

Where the pipeline's time goes (first batch to last commit; the Node thread's event loop is either busy or idle, so the rows add up to the wall clock):

| | seconds | share | µs/event |
|---|---:|---:|---:|
| the engine, synchronous: Avro decode + validation (\`AvroDecoder\`), route by key, featurize + predict + learn (FTRL, binomial) + progressive metrics, snapshots (model + metrics, AUC included), drift checks, outputs queued on the sink | ${f2(pipe.engineSeconds)} | ${pct(pipe.engineSeconds)} | ${us(pipe.engineSeconds, n)} |
| kafkajs fetch + record parsing, offset commits, rxjs, other (rest of the busy time) | ${f2(restBusy)} | ${pct(restBusy)} | ${us(restBusy, n)} |
| waiting on the broker (event loop idle) | ${f2(pipe.idleSeconds)} | ${pct(pipe.idleSeconds)} | ${us(pipe.idleSeconds, n)} |

The engine's row is not split within the Kafka run: the pipeline is composed inside \`Engine\` (no hook between its stages), so only the time each source batch spends going through all of it synchronously is measured there; the split further down runs the same work in memory.

Garbage collection took ${f2(pipe.gcSeconds)} s of that (${pct(pipe.gcSeconds)}), spread over the busy rows. The source paused ${pipe.pauses} time(s) for ${f2(pipe.pausedSeconds)} s in all (${maxInFlight} batches in flight at most); ${pipe.batches} batches, ${pipe.commits} offset commits.

The raw consumer: ${f2(raw.busySeconds)} s busy (${us(raw.busySeconds, n)} µs/event of kafkajs fetching and parsing, GC ${f2(raw.gcSeconds)} s included) and ${f2(raw.idleSeconds)} s idle. The pipeline does that same work on the same thread, plus its own ${us(ours, n)} µs/event (the engine's synchronous work); with no waiting at all, its ceiling would be raw / (raw busy + ours) = **${(rawSeconds / (raw.busySeconds + ours)).toFixed(2)}** of the raw rate.

CPU time of this process (all its threads; the broker runs in its own), which unlike the wall clock does not grow when other work takes the cores: raw ${us(raw.cpuSeconds, n)} µs/event, pipeline ${us(pipe.cpuSeconds, n)} µs/event, so the pipeline needs ${(pipe.cpuSeconds / raw.cpuSeconds).toFixed(1)}× raw's CPU per event (raw / pipeline CPU = ${(raw.cpuSeconds / pipe.cpuSeconds).toFixed(2)}).

The engine's row, split: the same work in memory (no Kafka), on the first ${stages.events.toLocaleString('en-US')} events of the topic in batches of ${stages.batchSize} records (the run's mean batch), whole and with parts switched off; CPU µs/event, median of ${stages.repetitions} runs after an untimed one (a part's cost is what switching it off saves: a difference of two noisy medians, so small parts can come out near 0 or below when the machine is busy):

| | µs/event | saves |
|---|---:|---:|
| **the engine** (defaults, as in the pipeline) | **${f2(stages.engine)}** | |
| … without drift detection (\`drift.enabled: false\`) | ${f2(stages.engineNoDrift)} | ${f2(stages.engine - stages.engineNoDrift)} |
| … without loss and label-rate drift (ADWIN + Page-Hinkley, \`drift.loss\`) | ${f2(stages.engineNoLossDrift)} | ${f2(stages.engine - stages.engineNoLossDrift)} |
| … without input-sparsity drift (\`drift.inputSparsity\`) | ${f2(stages.engineNoInputSparsity)} | ${f2(stages.engine - stages.engineNoInputSparsity)} |
| … without sequential-sparsity drift (\`drift.inputSequential\`) | ${f2(stages.engineNoSequential)} | ${f2(stages.engine - stages.engineNoSequential)} |
| Avro decode + validation alone (\`AvroDecoder.decodeEvent\`) | ${f2(stages.decode)} | |
| the engine's row of the Kafka run above (wall clock, beside kafkajs on its thread) | ${us(ours, n)} | |

So, of the engine in memory: decode ${f2(stages.decode)}, drift detection ${f2(stages.engine - stages.engineNoDrift)}, and the rest (route, featurize, predict, learn, progressive metrics with the AUC, snapshots, batch plumbing) ${f2(stages.engineNoDrift - stages.decode)} µs/event.

An estimate of the ceiling from this run's figures: whatever thread it runs on, the pipeline is no faster than its engine, which took ${f2(stages.engine)} µs of CPU per event in memory (about ${(1e6 / stages.engine).toFixed(0)} events/s on one core). Raw kafkajs took ${us(raw.cpuSeconds, n)} µs of CPU per event, so even with kafkajs on another thread and a free core for each, the pipeline would reach about ${(raw.cpuSeconds / n / (stages.engine / 1e6)).toFixed(2)} of the raw rate (CPU per event of raw over the engine's; the engine's share of the GC of kafkajs' objects and the hand-over between threads come on top). The in-memory figure is a median of short runs and moves between runs of this bench, and the estimate with it.

The engine on a worker thread, (a′): all rounds, raw / worker seconds = ratio: ${raws.map((r, i) => `${f2(r.seconds)} / ${f2(workers[i].seconds)} = ${(r.seconds / workers[i].seconds).toFixed(2)}`).join('; ')} (median **${modes.noCheckpointsWorker.vsRaw.toFixed(2)}** of raw; goal 0.70 ${modes.noCheckpointsWorker.vsRaw >= 0.7 ? 'met' : 'NOT met'}). CPU of the process (both threads) per event: ${workers.map((w) => us(w.cpuSeconds, n)).join(', ')} µs (one thread, (a): ${pipes.map((p) => us(p.cpuSeconds, n)).join(', ')}). In the median round the worker's event loop was busy ${f2(workers[mid].workerBusySeconds)} s and idle ${f2(workers[mid].workerIdleSeconds)} s (over its whole run, start and drain included), the main thread's (kafkajs) busy ${f2(workers[mid].mainBusySeconds)} s; the source waited for room ${workers[mid].waits} time(s), ${f2(workers[mid].waitedSeconds)} s in all; ${workers[mid].snapshots} snapshots, ${workers[mid].deadLetters} dead letters.${threadCpuSentence(raws[mid], workers[mid], n)}

${pipe.snapshots} snapshots published; final model: ${pipe.nonZero} non-zero coefficients, progressive log loss ${pipe.progressiveLogLoss.toFixed(4)}; ${pipe.deadLetters} dead letters.
`);
  return {
    format: 'avro',
    raw: modes.raw.eventsPerSecond,
    pipeline: modes.noCheckpoints.eventsPerSecond,
    pipelineVsRaw: median(ratios),
    worker: modes.noCheckpointsWorker.eventsPerSecond,
    workerVsRaw: modes.noCheckpointsWorker.vsRaw,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string' },
      partitions: { type: 'string' },
      'max-in-flight': { type: 'string' },
      'max-bytes-per-partition': { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      parts: { type: 'string' },
      'checkpoint-events': { type: 'string' },
      'restore-models': { type: 'string' },
      'session-timeouts': { type: 'string' },
      'kill-after': { type: 'string' },
      'stage-events': { type: 'string' },
      'no-write': { type: 'boolean', default: false },
      consumers: { type: 'string' },
      topic: { type: 'string' },
      versions: { type: 'string' },
    },
  });
  const allParts = ['throughput', 'json', 'checkpoint', 'restore', 'failover'] as const;
  // `--consumers` alone: the throughput part only (its rounds are all that runs)
  const defaultParts = values.consumers !== undefined ? 'throughput' : allParts.join(',');
  const parts = new Set((values.parts ?? defaultParts).split(',').map((p) => p.trim()));
  for (const p of parts)
    if (!(allParts as readonly string[]).includes(p))
      throw new Error(`--parts: unknown part "${p}" (known: ${allParts.join(', ')})`);
  const checkpointEvents = Number(values['checkpoint-events'] ?? 100_000);
  const restoreModels = Number(values['restore-models'] ?? 10_000);
  const sessionTimeouts = (values['session-timeouts'] ?? '30000,6000').split(',').map(Number);
  const killAfter = Number(values['kill-after'] ?? 200_000);
  const stageEvents = Math.min(Number(values['stage-events'] ?? 200_000), Number(values.events ?? 1_000_000));
  const schemaFile = join(root, 'connectors/kafka/schemas/event.avsc');
  const n = Number(values.events ?? 1_000_000);
  const partitions = Number(values.partitions ?? 1);
  const maxInFlight = Number(values['max-in-flight'] ?? kafkaDefaults.maxInFlightBatches);
  const rounds = Number(values.rounds ?? 3);
  const warmup = Math.min(n, Number(values.warmup ?? 200_000));
  const maxBytesPerPartition = values['max-bytes-per-partition']
    ? Number(values['max-bytes-per-partition'])
    : undefined;
  const loadAverage = loadavg();
  // `--versions`: the broker versions the throughput parts run on, one broker after the other (the
  // checkpoint, restore and fail-over parts run on the first); KAFKA_VERSION or KAFKA_BROKERS: that one
  const defaultVersion = (
    await run('bash', [script, 'version'], { env: { ...process.env, KAFKA_VERSION: '' } })
  ).stdout.trim();
  const versions: Array<string | null> = process.env.KAFKA_BROKERS
    ? [null]
    : values.versions !== undefined
      ? values.versions.split(',').map((v) => v.trim())
      : process.env.KAFKA_VERSION
        ? [process.env.KAFKA_VERSION]
        : [defaultVersion, '3.9.1'];
  const args = process.argv
    .slice(2)
    .filter((a) => a !== '--no-write')
    .join(' ');
  const result: Record<string, unknown> = {
    date: new Date().toISOString(),
    command: args ? `npm run bench:kafka -- ${args}` : 'npm run bench:kafka',
    parts: [...parts],
    events: n,
    partitions,
    rounds,
    warmup,
    maxInFlightBatches: maxInFlight,
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    loadAverageAtStart: loadAverage,
  };
  const brokerResults: Array<Record<string, unknown>> = [];
  result.brokers = brokerResults;
  const summary: Array<SummaryRow & { readonly broker: string }> = [];
  // per broker: its throughput sections; then the other parts' (run on the first broker)
  const sections: string[] = [];
  const otherSections: string[] = [];
  const sourceOptions = {
    maxInFlightBatches: maxInFlight,
    ...(maxBytesPerPartition ? { maxBytesPerPartition } : {}),
  };
  const gc = new GcLog();
  try {
    for (const [index, version] of versions.entries()) {
      const first = index === 0;
      const broker = await startBroker(version);
      try {
        const kafka = new Kafka({
          clientId: 'l1stream-bench',
          brokers: broker.brokers.split(','),
          logLevel: logLevel.NOTHING,
        });
        const brokerVersion = process.env.KAFKA_BROKERS ? null : (version ?? defaultVersion);
        const brokerName =
          brokerVersion === null
            ? 'KAFKA_BROKERS'
            : `local Apache Kafka ${brokerVersion} (kafka.sh, KRaft, -Xmx1g), same machine`;
        const perBroker: Record<string, unknown> = {
          broker: brokerName,
          startedAt: new Date().toISOString(),
          loadAverageAtStart: loadavg(),
        };
        brokerResults.push(perBroker);
        // `--topic`: a topic of at least n of these events, produced by an earlier run (not produced again)
        const topic = values.topic ?? `bench-events-${Date.now()}`;
        const needsAvro = parts.has('throughput') || (first && parts.has('failover'));
        const { bytes, produceSeconds } =
          values.topic === undefined && needsAvro
            ? await produceEvents(kafka, topic, n, partitions)
            : { bytes: Number.NaN, produceSeconds: 0 };
        Object.assign(perBroker, { bytesPerEvent: bytes / n, produceSeconds });
        sections.push(`## Kafka ${brokerVersion ?? '(KAFKA_BROKERS)'}

${brokerName}, load average ${loadavg()
          .map((x) => x.toFixed(1))
          .join(
            ' / ',
          )} when its parts started.${needsAvro ? ` Topic: ${n.toLocaleString('en-US')} Avro events (Confluent wire format, ${(bytes / n).toFixed(0)} bytes each: 8 numeric features, a 50-level category, a tag array), ${partitions} partition(s); producing it took ${produceSeconds.toFixed(1)} s (not part of any figure).` : ''}
`);

        const roundSetup: RoundSetup = { kafka, brokers: broker.brokers, topic, n, warmup, rounds, gc };
        if (parts.has('throughput') && values.consumers !== undefined) {
          // Some of the consumers only (`--consumers raw,a,a′`): rounds printed, nothing written.
          await someConsumers(values.consumers, roundSetup, sourceOptions);
          values['no-write'] = true;
        } else if (parts.has('throughput')) {
          const row = await avroThroughput({
            ...roundSetup,
            sourceOptions,
            maxInFlight,
            schemaFile,
            stageEvents,
            result: perBroker,
            sections,
          });
          summary.push({ broker: brokerVersion ?? 'KAFKA_BROKERS', ...row });
        }

        if (parts.has('json')) {
          const jsonTopic = `bench-events-json-${Date.now()}`;
          const produced = await produceEvents(kafka, jsonTopic, n, partitions, 'json');
          const row = await jsonThroughput(
            { ...roundSetup, topic: jsonTopic },
            sourceOptions,
            produced.bytes,
            perBroker,
            sections,
          );
          summary.push({ broker: brokerVersion ?? 'KAFKA_BROKERS', ...row });
        }

        if (first) {
          if (parts.has('checkpoint')) {
            const sizes: CheckpointSize[] = [];
            for (const bits of [18, 20]) {
              sizes.push(await checkpointSize(kafka, bits, checkpointEvents, 16, 3));
              process.stderr.write(
                `checkpoint 2^${bits}: ${(sizes[sizes.length - 1].bytes / 1e6).toFixed(1)} MB\n`,
              );
            }
            result.checkpointSize = sizes;
            const mb = (b: number) => (b / 1e6).toFixed(2);
            const ms = (x: number) => x.toFixed(0);
            otherSections.push(`## Checkpoint size and time per model (FTRL, hashing)

One model (\`LiveModel\`, FTRL, binomial, λ₁ = 1e-4, \`model.hashBits\` 18 and 20, refits off), after ${checkpointEvents.toLocaleString('en-US')} events of 16 categorical features with names drawn from 4,000,000 values each (+ 1 numeric), so that most columns are touched. Medians of 3: encode = \`live.checkpoint()\`; decode = \`LiveModel.fromCheckpoint\`; write = \`KafkaStateStore.checkpoint\` + \`flush()\` to a new state topic (1 partition, chunks of 512 KiB, acks all, requests of ≤ 900 KiB); restore = \`restore([partition])\` on a fresh store (reads the state topic, with both slots written, to its end with a short-lived consumer group) and then \`fromCheckpoint\`.

| columns | non-zero coefficients | checkpoint | chunks | encode | write + flush | write MB/s | restore (read) | + decode | decode alone |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${sizes.map((s) => `| 2^${s.hashBits} (${s.columns.toLocaleString('en-US')}) | ${s.nonZero.toLocaleString('en-US')} | ${mb(s.bytes)} MB | ${s.chunks} | ${ms(s.encodeMs)} ms | ${ms(s.writeMs)} ms | ${(s.bytes / 1e3 / s.writeMs).toFixed(0)} | ${ms(s.restoreMs)} ms | ${ms(s.restoreDecodeMs)} ms | ${ms(s.decodeMs)} ms |`).join('\n')}

What the bytes are (each part encoded alone):

| columns | learner (FTRL z, n) | scaler (standardization) | featurizer (hashed-name vocabulary) | progressive metrics | drift: input | drift: other | rest |
|---|---:|---:|---:|---:|---:|---:|---:|
${sizes.map((s) => `| 2^${s.hashBits} | ${mb(s.parts.learner)} MB | ${mb(s.parts.scaler)} MB | ${mb(s.parts.featurizer)} MB | ${mb(s.parts.metrics)} MB | ${mb(s.parts.driftInput)} MB | ${mb(s.parts.driftOther)} MB | ${mb(s.parts.rest)} MB |`).join('\n')}

All repetitions, write / restore ms: ${sizes.map((s) => `2^${s.hashBits}: ${s.writeMsAll.map(ms).join(', ')} / ${s.restoreMsAll.map(ms).join(', ')}`).join('; ')}.
`);
          }

          if (parts.has('restore')) {
            const many = await restoreMany(kafka, restoreModels, 20, 1, 3);
            result.restoreMany = many;
            const med = median(many.restoreMs);
            process.stderr.write(`restore of ${many.models} models: ${med.toFixed(0)} ms\n`);
            const p = many.parts;
            otherSections.push(`## Restore time for ${many.models.toLocaleString('en-US')} models

${many.models.toLocaleString('en-US')} keyed models (\`LiveModel\`, FTRL, binomial, ${many.eventsPerModel} events each of 8 numeric features and a 50-level category), on 4 input partitions, each checkpointed ${many.checkpointsPerModel} times through one \`KafkaStateStore\` (both slots hold a state, as on a state topic compaction has not cleaned yet): ${many.records.toLocaleString('en-US')} records on a state topic of ${many.stateTopicPartitions} partition(s) (the default \`kafka.partitions\`). Then \`KafkaStateStore.restore(all 4 input partitions)\` on a fresh store, 3 times.

| | |
|---|---:|
| state per model | ${(many.bytesPerState / 1e3).toFixed(1)} kB (drift input monitor ${(p.driftInput / 1e3).toFixed(1)} kB, drift other ${(p.driftOther / 1e3).toFixed(1)} kB, scaler ${(p.scaler / 1e3).toFixed(1)} kB, learner ${(p.learner / 1e3).toFixed(1)} kB, featurizer ${(p.featurizer / 1e3).toFixed(1)} kB, metrics ${(p.metrics / 1e3).toFixed(1)} kB) |
| states restored | ${many.restoredModels.toLocaleString('en-US')} (${(many.restoredBytes / 1e6).toFixed(1)} MB; the topic holds ${((2 * many.totalBytes) / 1e6).toFixed(1)} MB) |
| **restore** (median of ${many.restoreMs.length}: ${many.restoreMs.map((x) => x.toFixed(0)).join(', ')} ms) | **${med.toFixed(0)} ms** = ${(many.restoredBytes / 1e3 / med).toFixed(0)} MB/s of states (${((2 * many.totalBytes) / 1e3 / med).toFixed(0)} MB/s read) |
| decoding all of them (\`LiveModel.fromCheckpoint\` × ${many.models.toLocaleString('en-US')}; the engine does it per model when it first needs one) | ${many.decodeAllMs.toFixed(0)} ms (${(many.decodeAllMs / many.models).toFixed(2)} ms each) |
| writing the ${many.checkpointsPerModel * many.models} states (\`checkpoint\` × ${many.checkpointsPerModel * many.models} + \`flush\`) | ${many.writeMs.toFixed(0)} ms |
| building the models (learning + \`checkpoint()\`, not Kafka) | ${many.buildMs.toFixed(0)} ms |
`);
          }

          if (parts.has('failover')) {
            const dir = mkdtempSync(join(tmpdir(), 'l1stream-failover-'));
            const runs: Failover[] = [];
            try {
              for (const timeout of sessionTimeouts) {
                const f = await failover(
                  kafka,
                  broker.brokers,
                  topic,
                  schemaFile,
                  root,
                  dir,
                  timeout,
                  killAfter,
                );
                runs.push(f);
                process.stderr.write(
                  `fail-over, session ${timeout} ms: ${f.lastCommitToResumeSeconds.toFixed(1)} s from the last commit to the next\n`,
                );
              }
            } finally {
              rmSync(dir, { recursive: true, force: true });
            }
            result.failover = runs;
            const s1 = (x: number) => x.toFixed(1);
            otherSections.push(`## Fail-over: a killed instance's last commit to its partitions being processed again

\`l1stream run --config\` (the built \`bin/l1stream.js\`, one child process per instance) on the topic above: one model (FTRL, binomial, refits off), at-least-once with the default checkpoints (10,000 records / 10 s), JSON outputs. Instance A is killed with SIGKILL 0.5 s after the group has committed ${killAfter.toLocaleString('en-US')} events (mid-stream); instance B, same configuration and group, is spawned right after A has exited. The group's committed offset is polled every 25 ms (\`admin.fetchOffsets\`): A's last commit is the last advance seen before the kill (checkpoints come every ~12,000 records here, a few per second, so the kill always falls shortly after one), B's resumption the first advance after it (B's first checkpoint: it restores the state, re-reads from A's last committed offset and commits after 10,000 records).

| kafka.sessionTimeoutMs | A: spawn → first commit | A's last commit → kill | **A's last commit → B's first commit** | B: spawn → first commit | B waited for the group to empty | committed at kill → at resume |
|---:|---:|---:|---:|---:|---|---|
${runs.map((f) => `| ${f.sessionTimeoutMs} | ${s1(f.coldStartSeconds)} s | ${(1000 * f.lastCommitToKillSeconds).toFixed(0)} ms | **${s1(f.lastCommitToResumeSeconds)} s** | ${s1(f.spawnToResumeSeconds)} s | ${f.waitedForGroup ? 'yes' : 'no'} | ${f.killedAt.toLocaleString('en-US')} → ${f.resumedAt.toLocaleString('en-US')} |`).join('\n')}

With one model per group (no \`model.keyBy: "key"\`), B refuses to join while the dead A is still a member (\`refuseSecondInstance\`): it waits until A's session times out, so the gap is about \`sessionTimeoutMs\` plus B's own start (Node, connecting, joining, restoring the state, the first checkpoint's 10,000 records). "A: spawn → first commit" is the same start with an empty group.
`);
          }
        }
      } finally {
        await broker.stop();
      }
    }
  } finally {
    gc.close();
  }
  result.summary = summary;
  const title = `# Kafka benchmark

Run ${String(result.date)}; Node ${process.version}, ${cpus().length} CPU(s) (${String(result.cpuModel)}), shared with the broker (load average ${loadAverage.map((x) => x.toFixed(1)).join(' / ')} when the run started: other work shared the machine). Command: \`${String(result.command)}\` (parts: ${[...parts].join(', ')}; brokers: ${versions.map((v) => v ?? 'KAFKA_BROKERS').join(', ')}, one after the other on the same machine: the throughput parts on each, the others on the first).
`;
  const summaryTable =
    summary.length === 0
      ? []
      : [
          `## Summary: the pipeline against the raw consumer, per broker and format

${n.toLocaleString('en-US')} events, ${rounds} alternating rounds each; events/s are medians, ratios the median of the per-round ratios to the same round's raw run. Goal (issue 13): ≥ 0.70 × raw.

| broker | format | raw kafkajs, events/s | (a) one thread, events/s | (a) vs raw | (a′) engine on a worker, events/s | (a′) vs raw |
|---|---|---:|---:|---:|---:|---:|
${summary.map((r) => `| ${r.broker} | ${r.format === 'avro' ? 'Avro' : 'JSON'} | ${r.raw.toFixed(0)} | ${r.pipeline.toFixed(0)} | ${r.pipelineVsRaw.toFixed(2)} | ${r.worker.toFixed(0)} | **${r.workerVsRaw.toFixed(2)}** |`).join('\n')}
`,
        ];
  const md = [title, ...summaryTable, ...sections, ...otherSections].join('\n');
  if (!values['no-write']) {
    const outDir = join(root, 'bench/results');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'kafka.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(outDir, 'kafka.md'), md);
  }
  process.stdout.write(md);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench:kafka failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
});
