/**
 * Kafka benchmark: on one topic of N Avro events (Confluent wire format), the consume throughput
 * of raw kafkajs (eachBatch, count the messages) against the l1stream pipeline (the `Engine` on a
 * `KafkaSource` through `kafkaEventSource`, as `l1stream run` composes it: Avro decode +
 * validation + featurize + learn + snapshots + flush + commit; refits off), side by side in
 * alternating rounds, and where the pipeline's time goes.
 *
 *   npm run bench:kafka [-- --events 1000000 --partitions 1 --rounds 3 --warmup 200000 --max-in-flight 8 --no-write]
 *
 * Broker: KAFKA_BROKERS if set, else the project's own (connectors/kafka/broker/kafka.sh, at its
 * default version or KAFKA_VERSION) started on free ports for the run and stopped after it. Writes bench/results/kafka.md and kafka.json.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
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
  kafkaEventSource,
  outputTopics,
  shippedSchema,
  type KafkaSourceOptions,
} from '../../connectors/kafka/index.js';
import { Engine, checkEngineConfig, type EventSource, type RawBatch } from '../../src/index.js';

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

async function startBroker(): Promise<{ brokers: string; stop: () => Promise<void> }> {
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

/** Seeded events: 8 numeric features, a 50-level category, a tag array; label from a sparse logistic model. */
function* events(n: number): Generator<Record<string, unknown>> {
  let s = 12345;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  for (let i = 0; i < n; i++) {
    const f: Record<string, number | string | string[]> = {};
    let eta = -0.5;
    for (let j = 0; j < 8; j++) {
      const x = rand() * 2 - 1;
      f[`x${j}`] = x;
      if (j < 3) eta += (j + 1) * x;
    }
    const c = Math.floor(rand() * 50);
    f.site = `s${c}`;
    if (c < 5) eta += 1;
    f.tags = rand() < 0.5 ? ['a', 'b'] : ['c'];
    const label = rand() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    yield { key: `u${i % 1000}`, ts: 1_700_000_000_000 + i, label, features: f };
  }
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
}

function phase(n: number, first: number, last: number, elu: EventLoopUtilization, gc: GcLog): Phase {
  const seconds = (last - first) / 1000;
  return {
    seconds,
    eventsPerSecond: n / seconds,
    busySeconds: elu.active / 1000,
    idleSeconds: elu.idle / 1000,
    gcSeconds: gc.secondsBetween(first, last),
  };
}

async function rawConsume(kafka: Kafka, topic: string, n: number, gc: GcLog): Promise<Phase> {
  const consumer = kafka.consumer({ groupId: `raw-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let count = 0;
  let first = 0;
  let last = 0;
  let elu0: EventLoopUtilization | undefined;
  let elu: EventLoopUtilization | undefined;
  await new Promise<void>((done, fail) => {
    consumer
      .run({
        eachBatch: async ({ batch, resolveOffset }) => {
          if (first === 0) {
            first = performance.now();
            elu0 = performance.eventLoopUtilization();
          }
          count += batch.messages.length;
          resolveOffset(batch.lastOffset());
          if (count >= n && last === 0) {
            last = performance.now();
            elu = performance.eventLoopUtilization(elu0);
            done();
          }
        },
      })
      .catch(fail);
  });
  await consumer.disconnect();
  return phase(n, first, last, elu!, gc);
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

/** The pipeline `l1stream run` uses (`Engine` + `kafkaEventSource`), on the Avro topic, until n events are committed. */
async function pipelineRun(
  kafka: Kafka,
  topic: string,
  n: number,
  prefix: string,
  gc: GcLog,
  sourceOptions: Pick<KafkaSourceOptions, 'maxInFlightBatches' | 'maxBytesPerPartition'>,
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
  const decoder = new AvroDecoder({ writerSchemas: new Map([[1, shippedSchema('event')]]) });
  const timed = new TimedSource(kafkaEventSource(source));
  const engine = new Engine(config, { source: timed.port, sink }, { decoder, partSize: 512 });
  let committed = 0;
  let last = 0;
  let elu: EventLoopUtilization | undefined;
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
    ...phase(n, timed.firstBatchAt, last, elu!, gc),
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

const f2 = (x: number) => x.toFixed(2);
const us = (seconds: number, n: number) => ((1e6 * seconds) / n).toFixed(2);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string' },
      partitions: { type: 'string' },
      'max-in-flight': { type: 'string' },
      'max-bytes-per-partition': { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      'no-write': { type: 'boolean', default: false },
    },
  });
  const n = Number(values.events ?? 1_000_000);
  const partitions = Number(values.partitions ?? 1);
  const maxInFlight = Number(values['max-in-flight'] ?? 8);
  const rounds = Number(values.rounds ?? 3);
  const warmup = Math.min(n, Number(values.warmup ?? 200_000));
  const maxBytesPerPartition = values['max-bytes-per-partition']
    ? Number(values['max-bytes-per-partition'])
    : undefined;
  const broker = await startBroker();
  const kafka = new Kafka({
    clientId: 'l1stream-bench',
    brokers: broker.brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const topic = `bench-events-${Date.now()}`;
  const gc = new GcLog();
  try {
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
    for (const e of events(n)) {
      const value = encoder.encode(e);
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
      `produced ${n} Avro events (${(bytes / n).toFixed(0)} bytes each) in ${produceSeconds.toFixed(1)} s\n`,
    );

    // Both consumers once over the first `warmup` events, untimed, so that no round pays for
    // compiling kafkajs' or l1stream's code (or the broker's); then alternating timed rounds.
    if (warmup > 0) {
      await rawConsume(kafka, topic, warmup, gc);
      await pipelineRun(kafka, topic, warmup, `bench-warmup-${Date.now()}`, gc, {
        maxInFlightBatches: maxInFlight,
        ...(maxBytesPerPartition ? { maxBytesPerPartition } : {}),
      });
    }
    const raws: Phase[] = [];
    const pipes: PipelinePhase[] = [];
    for (let r = 0; r < rounds; r++) {
      const raw = await rawConsume(kafka, topic, n, gc);
      raws.push(raw);
      const pipe = await pipelineRun(kafka, topic, n, `bench-${Date.now()}`, gc, {
        maxInFlightBatches: maxInFlight,
        ...(maxBytesPerPartition ? { maxBytesPerPartition } : {}),
      });
      pipes.push(pipe);
      process.stderr.write(
        `round ${r + 1}/${rounds}: raw kafkajs ${raw.eventsPerSecond.toFixed(0)} events/s, ` +
          `l1stream pipeline ${pipe.eventsPerSecond.toFixed(0)} events/s (${(pipe.eventsPerSecond / raw.eventsPerSecond).toFixed(2)} × raw)\n`,
      );
    }
    // Each round's pipeline against the raw run just before it: the machine's speed drifts between
    // rounds (the broker and other work share it), and a round's pair drifts together. The round
    // with the median ratio is reported, with its breakdowns.
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
    const result = {
      events: n,
      partitions,
      rounds,
      warmup,
      maxInFlightBatches: maxInFlight,
      bytesPerEvent: bytes / n,
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      broker: process.env.KAFKA_BROKERS
        ? 'KAFKA_BROKERS'
        : `local Apache Kafka ${(await run('bash', [script, 'version'])).stdout.trim()} (kafka.sh, KRaft, -Xmx1g), same machine`,
      medianRound: mid + 1,
      raw,
      pipeline: pipe,
      rawRounds: raws,
      pipelineRounds: pipes,
      roundRatios: ratios,
      ratio,
      goal: 0.7,
      metGoal: ratio >= 0.7,
      produceSeconds,
    };
    const args = process.argv
      .slice(2)
      .filter((a) => a !== '--no-write')
      .join(' ');
    const pct = (s: number) => `${((100 * s) / pipe.seconds).toFixed(0)}%`;
    const md = `# Kafka benchmark: raw kafkajs vs the l1stream pipeline

${n.toLocaleString('en-US')} Avro events (Confluent wire format, ${(bytes / n).toFixed(0)} bytes each: 8 numeric features, a 50-level category, a tag array), ${partitions} partition(s), ${result.broker}; Node ${process.version}, ${cpus().length} CPU(s) (${result.cpuModel}), shared with the broker. Command: \`npm run bench:kafka -- ${args}\`. After an untimed warm-up of both over the first ${warmup.toLocaleString('en-US')} events, ${rounds} alternating rounds (raw, then pipeline, each from the start of the topic in a new consumer group); the round with the median ratio is shown.

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

The engine's row is not split into decode / learn / outputs any more: the pipeline is composed inside \`Engine\` (no hook between its stages), so only the time each source batch spends going through all of it synchronously is measured.

Garbage collection took ${f2(pipe.gcSeconds)} s of that (${pct(pipe.gcSeconds)}), spread over the busy rows. The source paused ${pipe.pauses} time(s) for ${f2(pipe.pausedSeconds)} s in all (${maxInFlight} batches in flight at most); ${pipe.batches} batches, ${pipe.commits} offset commits.

The raw consumer: ${f2(raw.busySeconds)} s busy (${us(raw.busySeconds, n)} µs/event of kafkajs fetching and parsing, GC ${f2(raw.gcSeconds)} s included) and ${f2(raw.idleSeconds)} s idle. The pipeline does that same work on the same thread, plus its own ${us(ours, n)} µs/event (the engine's synchronous work); with no waiting at all, its ceiling would be raw / (raw busy + ours) = **${(rawSeconds / (raw.busySeconds + ours)).toFixed(2)}** of the raw rate.

${pipe.snapshots} snapshots published; final model: ${pipe.nonZero} non-zero coefficients, progressive log loss ${pipe.progressiveLogLoss.toFixed(4)}; ${pipe.deadLetters} dead letters. Producing the topic took ${produceSeconds.toFixed(1)} s (not part of either figure).
`;
    if (!values['no-write']) {
      const outDir = join(root, 'bench/results');
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, 'kafka.json'), `${JSON.stringify(result, null, 2)}\n`);
      writeFileSync(join(outDir, 'kafka.md'), md);
    }
    process.stdout.write(md);
  } finally {
    gc.close();
    await broker.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench:kafka failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
});
