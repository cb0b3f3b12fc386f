/**
 * The Kafka benchmark's state parts (see run.ts): throughput with checkpoints (at-least-once and
 * exactly-once, through `kafkaPorts` as `l1stream run` composes them), checkpoint size and time
 * per model, restore of 10,000 models, and fail-over after a `kill -9`.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

import type { Admin, Kafka } from 'kafkajs';
import { Observable, type Subscription } from 'rxjs';

import {
  KafkaStateStore,
  KafkaWorkerEngine,
  checkKafkaConfig,
  kafkaConsumer,
  kafkaPorts,
  outputTopics,
  type KafkaBatch,
} from '../../connectors/kafka/index.js';
import {
  Engine,
  LiveModel,
  checkEngineConfig,
  type EventSource,
  type PartitionRef,
  type RawBatch,
} from '../../src/index.js';
import { encodeState } from '../../src/model/stateCodec.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The committed offsets of a group, summed over the topic's partitions (-1 = none counts as 0). */
export async function committed(admin: Admin, groupId: string, topic: string): Promise<number> {
  const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
  let sum = 0;
  for (const t of offsets) for (const p of t.partitions) sum += Math.max(0, Number(p.offset));
  return sum;
}

/** When the first batch came: its time, the event loop and the process' CPU time then. */
interface FirstBatch {
  first: () => number;
  elu: () => EventLoopUtilization | null;
  cpu: () => NodeJS.CpuUsage | null;
}

/** `batches$` noting its first batch (the same as run.ts' TimedSource, lighter). */
function timedBatches<B>(batches: Observable<B>): { batches$: Observable<B> } & FirstBatch {
  let firstAt = 0;
  let elu: EventLoopUtilization | null = null;
  let cpu: NodeJS.CpuUsage | null = null;
  const batches$ = new Observable<B>((subscriber) =>
    batches.subscribe({
      next: (batch) => {
        if (firstAt === 0) {
          firstAt = performance.now();
          elu = performance.eventLoopUtilization();
          cpu = process.cpuUsage();
        }
        subscriber.next(batch);
      },
      error: (err: unknown) => subscriber.error(err),
      complete: () => subscriber.complete(),
    }),
  );
  return { batches$, first: () => firstAt, elu: () => elu, cpu: () => cpu };
}

/** Notes the first batch's time and the event loop then. */
function firstBatchTimer(port: EventSource): { port: EventSource } & FirstBatch {
  const { batches$, ...timer } = timedBatches<RawBatch>(port.batches$);
  return { port: { ...port, batches$ }, ...timer };
}

/** How far a checkpointed run got: the last advance of the committed offset, and when. */
interface Committed {
  readonly lastValue: number;
  readonly lastAt: number;
  readonly nearAt: number;
  readonly elu: EventLoopUtilization | undefined;
  readonly cpu: NodeJS.CpuUsage | undefined;
}

/**
 * Polls the group's committed offset every 25 ms until it reaches n, or stays put for 3 s within
 * `everyEvents` of n (the tail is committed by the checkpoint timer: the run is taken to the last
 * advance); the event loop and CPU time are taken at each advance.
 */
async function untilCommitted(
  admin: Admin,
  groupId: string,
  topic: string,
  n: number,
  everyEvents: number,
  timer: FirstBatch,
  failure: () => unknown,
  what: string,
): Promise<Committed> {
  let lastValue = 0;
  let lastAt = 0;
  let nearAt = 0;
  let elu: EventLoopUtilization | undefined;
  let cpu: NodeJS.CpuUsage | undefined;
  const near = n - everyEvents;
  for (;;) {
    const failed = failure();
    if (failed !== null) throw failed;
    const c = await committed(admin, groupId, topic);
    const now = performance.now();
    if (c > lastValue) {
      lastValue = c;
      lastAt = now;
      elu = performance.eventLoopUtilization(timer.elu() ?? undefined);
      cpu = process.cpuUsage(timer.cpu() ?? undefined);
      if (nearAt === 0 && c >= near) nearAt = now;
    }
    if (lastValue >= n) break;
    if (lastValue >= near && now - lastAt > 3000) break;
    if (lastValue === 0 && timer.first() > 0 && now - timer.first() > 120_000)
      throw new Error(`${what}: nothing committed in 120 s`);
    await sleep(25);
  }
  return { lastValue, lastAt, nearAt, elu, cpu };
}

export interface CheckpointedPhase {
  readonly mode: 'at-least-once' | 'exactly-once' | 'at-least-once, engine on a worker';
  /** Committed offset at the last advance observed, and seconds from the first batch to it. */
  readonly committed: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly busySeconds: number;
  readonly idleSeconds: number;
  /** CPU time of this process (all its threads) from the first batch to the last advance. */
  readonly cpuSeconds: number;
  /** Model states written (checkpoints of the one model) and their bytes. */
  readonly statesWritten: number;
  readonly stateBytes: number;
  /** The model's state at the end of the run (its checkpoint grows with the events it scored). */
  readonly finalStateBytes: number;
  readonly offsetCommits: number;
  readonly transactions: number;
  /** Seconds from the first batch until the committed offset first reached n − everyEvents. */
  readonly secondsToLastFullCheckpoint: number;
}

/**
 * The engine on `kafkaPorts` (Avro, schema file) with its `KafkaStateStore`: offsets committed at
 * checkpoints (state.everyEvents 10,000 / everySeconds 10, the defaults), at-least-once or in one
 * transaction per checkpoint. Done when the group's committed offset reaches n (polled every 25
 * ms), or stays put for 3 s within one checkpoint interval of n (the tail is committed by the
 * 10-second timer: the rate is taken to the last advance).
 */
export async function checkpointedRun(
  kafka: Kafka,
  brokers: string,
  topic: string,
  n: number,
  schemaFile: string,
  exactlyOnce: boolean,
): Promise<CheckpointedPhase> {
  const stamp = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const groupId = `ckpt-${exactlyOnce ? 'eos' : 'alo'}-${stamp}`;
  const kc = checkKafkaConfig({
    brokers,
    topics: [topic],
    groupId,
    prefix: `bench-${exactlyOnce ? 'eos' : 'alo'}-${stamp}`,
    format: 'avro',
    avro: { schemaFile, schemaId: 1 },
    exactlyOnce,
  });
  const config = checkEngineConfig({
    model: { family: 'binomial', key: 'bench', learner: 'ftrl', lambda: 1e-4 },
    snapshots: { everyEvents: 100_000, everySeconds: 'Infinity' },
    refit: { enabled: false },
  });
  const ports = await kafkaPorts(kafka, kc, { keyBy: null, family: 'binomial', learner: 'ftrl' });
  await ports.start();
  const timed = firstBatchTimer(ports.source);
  const engine = new Engine(
    config,
    { source: timed.port, sink: ports.sink, store: ports.store },
    { partSize: 512, rewindOnAssign: exactlyOnce, ...(ports.decoder ? { decoder: ports.decoder } : {}) },
  );
  const admin = kafka.admin();
  await admin.connect();
  let subscription: Subscription | undefined;
  let failure: unknown = null;
  let done: Committed;
  try {
    subscription = engine.pipeline().subscribe({ error: (err: unknown) => (failure = err) });
    done = await untilCommitted(
      admin,
      groupId,
      topic,
      n,
      config.checkpoints.everyEvents,
      timed,
      () => failure,
      kc.exactlyOnce ? 'exactly-once' : 'at-least-once',
    );
  } finally {
    subscription?.unsubscribe();
    await engine.close().catch(() => undefined);
    await ports.close().catch(() => undefined);
    await admin.disconnect();
  }
  const { lastValue, lastAt, nearAt, elu, cpu } = done;
  const finalStateBytes = engine.registry.peekLive('bench')?.checkpoint().byteLength ?? 0;
  const seconds = (lastAt - timed.first()) / 1000;
  return {
    mode: exactlyOnce ? 'exactly-once' : 'at-least-once',
    committed: lastValue,
    seconds,
    eventsPerSecond: lastValue / seconds,
    busySeconds: (elu?.active ?? 0) / 1000,
    idleSeconds: (elu?.idle ?? 0) / 1000,
    cpuSeconds: cpu ? (cpu.user + cpu.system) / 1e6 : 0,
    statesWritten: ports.store.stats.written,
    stateBytes: ports.store.stats.bytesWritten,
    finalStateBytes,
    offsetCommits: ports.consumer.stats.commits,
    transactions: ports.transactions?.stats.committed ?? 0,
    secondsToLastFullCheckpoint: (nearAt - timed.first()) / 1000,
  };
}

/**
 * (b′): (b) as `l1stream run` runs it with `kafka.engineThread: "worker"`: kafkajs (`KafkaSource`,
 * `backpressure: 'wait'`) on this thread, the engine with its sink and `KafkaStateStore` on a
 * worker (`KafkaWorkerEngine` with `service`); offsets committed here once the worker reports a
 * checkpoint's state durable. Timed as (b). Event loop figures are this (kafkajs') thread's.
 */
export async function checkpointedWorkerRun(
  kafka: Kafka,
  brokers: string,
  topic: string,
  n: number,
  schemaFile: string,
): Promise<CheckpointedPhase> {
  const stamp = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const groupId = `ckpt-alow-${stamp}`;
  const doc = {
    model: { family: 'binomial', key: 'bench', learner: 'ftrl', lambda: 1e-4 },
    snapshots: { everyEvents: 100_000, everySeconds: 'Infinity' },
    refit: { enabled: false },
    kafka: {
      brokers,
      topics: [topic],
      groupId,
      prefix: `bench-alow-${stamp}`,
      format: 'avro',
      avro: { schemaFile, schemaId: 1 },
      engineThread: 'worker',
    },
  };
  const kc = checkKafkaConfig(doc.kafka);
  const config = checkEngineConfig(doc, { sections: { kafka: (raw, path) => checkKafkaConfig(raw, path) } });
  const source = kafkaConsumer(kafka, kc, undefined, { backpressure: 'wait' });
  const timed = timedBatches<KafkaBatch>(source.batches$);
  Object.defineProperty(source, 'batches$', { value: timed.batches$ });
  const engine = new KafkaWorkerEngine(source, {
    config: doc,
    brokers: [...kc.brokers],
    clientId: kc.clientId,
    topics: outputTopics(kc.prefix),
    writerSchemas: null,
    service: { logLevel: 'silent' },
  });
  const admin = kafka.admin();
  await admin.connect();
  let subscription: Subscription | undefined;
  let failure: unknown = null;
  let done: Committed;
  let result: Awaited<ReturnType<KafkaWorkerEngine['close']>>;
  try {
    subscription = engine.pipeline().subscribe({ error: (err: unknown) => (failure = err) });
    done = await untilCommitted(
      admin,
      groupId,
      topic,
      n,
      config.checkpoints.everyEvents,
      timed,
      () => failure,
      'at-least-once on a worker',
    );
  } finally {
    result = await engine.close().catch(() => null);
    subscription?.unsubscribe();
    await source.close().catch(() => undefined);
    await admin.disconnect();
  }
  const { lastValue, lastAt, nearAt, elu, cpu } = done;
  const seconds = (lastAt - timed.first()) / 1000;
  const checkpoints = result?.stats.checkpoints as { models: number; bytes: number } | undefined;
  return {
    mode: 'at-least-once, engine on a worker',
    committed: lastValue,
    seconds,
    eventsPerSecond: lastValue / seconds,
    busySeconds: (elu?.active ?? 0) / 1000,
    idleSeconds: (elu?.idle ?? 0) / 1000,
    cpuSeconds: cpu ? (cpu.user + cpu.system) / 1e6 : 0,
    // (the stop's last checkpoint included)
    statesWritten: checkpoints?.models ?? 0,
    stateBytes: checkpoints?.bytes ?? 0,
    finalStateBytes: 0,
    offsetCommits: source.stats.commits,
    transactions: 0,
    secondsToLastFullCheckpoint: (nearAt - timed.first()) / 1000,
  };
}

/** Seeded generator (LCG) in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];

function liveContext(config: ReturnType<typeof checkEngineConfig>) {
  return { config, clock: () => new Date(), now: () => Date.now() };
}

/** Bytes of a live model's checkpoint by part (each part encoded alone, so they add up to about the whole). */
export interface StateParts {
  readonly learner: number;
  readonly scaler: number;
  readonly featurizer: number;
  readonly metrics: number;
  readonly driftInput: number;
  readonly driftOther: number;
  readonly rest: number;
}

function stateParts(live: LiveModel): StateParts {
  const size = (o: unknown) => encodeState(o as Parameters<typeof encodeState>[0]).byteLength;
  const state = live.state();
  const { learner, scaler, featurizer, metrics } = state.model;
  const drift = state.drift as unknown as Record<string, unknown>;
  const total = live.checkpoint().byteLength;
  const parts = {
    learner: size(learner),
    scaler: size(scaler),
    featurizer: size(featurizer),
    metrics: size(metrics),
    driftInput: size(drift.input),
    driftOther: size(state.drift) - size(drift.input),
  };
  const sum = Object.values(parts).reduce((a, b) => a + b, 0);
  return { ...parts, rest: Math.max(0, total - sum) };
}

export interface CheckpointSize {
  readonly hashBits: number;
  readonly columns: number;
  readonly events: number;
  readonly featuresPerEvent: number;
  readonly nonZero: number;
  readonly bytes: number;
  readonly parts: StateParts;
  readonly chunks: number;
  /** Medians (ms) of `reps` repetitions. */
  readonly encodeMs: number;
  readonly decodeMs: number;
  readonly writeMs: number;
  readonly restoreMs: number;
  readonly restoreDecodeMs: number;
  readonly reps: number;
  readonly writeMsAll: number[];
  readonly restoreMsAll: number[];
}

/**
 * One FTRL model hashed to 2^bits columns, after `events` events of `features` high-cardinality
 * categorical features each (names drawn from 4M values, so that most columns are touched): its
 * `LiveModel.checkpoint()` bytes and encode time, the time to write them to a state topic with
 * `KafkaStateStore.checkpoint` + `flush` (chunked at 512 KiB, acks all), and the time to read them
 * back with `restore` on a fresh store + `LiveModel.fromCheckpoint`.
 */
export async function checkpointSize(
  kafka: Kafka,
  bits: number,
  events: number,
  features: number,
  reps: number,
): Promise<CheckpointSize> {
  const key = `ckpt${bits}`;
  const config = checkEngineConfig({
    model: { family: 'binomial', key, learner: 'ftrl', lambda: 1e-4, hashBits: bits },
    refit: { enabled: false },
  });
  const context = liveContext(config);
  const live = new LiveModel(key, context);
  const rand = lcg(bits * 7919);
  for (let i = 0; i < events; i++) {
    const f: Record<string, string | number> = {};
    let eta = -0.3;
    for (let j = 0; j < features; j++) {
      const v = Math.floor(rand() * 4_000_000);
      f[`c${j}`] = `v${v}`;
      if (v % 97 === 0) eta += 1.5;
    }
    f.x = rand() * 2 - 1;
    eta += f.x;
    live.model.process({ label: rand() < 1 / (1 + Math.exp(-eta)) ? 1 : 0, features: f });
  }
  live.dirty = true;
  const encodes: number[] = [];
  let bytes = live.checkpoint();
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    bytes = live.checkpoint();
    encodes.push(performance.now() - t);
  }
  const decodes: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    LiveModel.fromCheckpoint(key, context, bytes);
    decodes.push(performance.now() - t);
  }
  const nonZero = live.model.coefficients().indices.length;
  const stateTopic = outputTopics(`bench-ckpt${bits}-${Date.now()}`).state;
  const assignment: PartitionRef[] = [{ source: 'bench-input', partition: 0 }];
  const options = { topic: stateTopic, family: 'binomial', learner: 'ftrl', groupId: `bench-ckpt${bits}` };
  const store = new KafkaStateStore(kafka, options);
  await store.start();
  const writes: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    store.checkpoint(key, bytes, assignment);
    await store.flush();
    writes.push(performance.now() - t);
  }
  await store.close();
  const restores: number[] = [];
  const restoreDecodes: number[] = [];
  for (let r = 0; r < reps; r++) {
    const fresh = new KafkaStateStore(kafka, options);
    await fresh.start();
    const t = performance.now();
    await fresh.restore(assignment);
    const got = fresh.get(key);
    const t1 = performance.now();
    if (got === undefined || got.byteLength !== bytes.byteLength)
      throw new Error(
        `restore of ${key}: got ${got?.byteLength ?? 'nothing'}, wrote ${bytes.byteLength} bytes`,
      );
    LiveModel.fromCheckpoint(key, context, got);
    const t2 = performance.now();
    restores.push(t1 - t);
    restoreDecodes.push(t2 - t1);
    await fresh.close();
  }
  return {
    hashBits: bits,
    columns: 2 ** bits,
    events,
    featuresPerEvent: features + 1,
    nonZero,
    bytes: bytes.byteLength,
    parts: stateParts(live),
    chunks: Math.max(1, Math.ceil(bytes.byteLength / (512 * 1024))),
    encodeMs: median(encodes),
    decodeMs: median(decodes),
    writeMs: median(writes),
    restoreMs: median(restores),
    restoreDecodeMs: median(restoreDecodes),
    reps,
    writeMsAll: writes,
    restoreMsAll: restores,
  };
}

export interface ManyRestore {
  readonly models: number;
  readonly eventsPerModel: number;
  readonly checkpointsPerModel: number;
  readonly stateTopicPartitions: number;
  readonly records: number;
  readonly bytesPerState: number;
  /** One of the models' state by part. */
  readonly parts: StateParts;
  readonly totalBytes: number;
  readonly buildMs: number;
  readonly writeMs: number;
  readonly restoreMs: number[];
  readonly restoredModels: number;
  readonly restoredBytes: number;
  readonly decodeAllMs: number;
}

/**
 * `models` keyed FTRL models (8 numeric features, a 50-level category, `eventsPerModel` events
 * each), each checkpointed twice through one `KafkaStateStore` (both slots hold a state, as on a
 * topic compaction has not cleaned), on input partitions 0..3 of one topic; then `restore` of all
 * four partitions on fresh stores, `reps` times.
 */
export async function restoreMany(
  kafka: Kafka,
  models: number,
  eventsPerModel: number,
  stateTopicPartitions: number,
  reps: number,
): Promise<ManyRestore> {
  const config = checkEngineConfig({
    model: { family: 'binomial', learner: 'ftrl', lambda: 1e-4, keyBy: 'key' },
    refit: { enabled: false },
  });
  const context = liveContext(config);
  const input = 'bench-many-input';
  const assignment: PartitionRef[] = [0, 1, 2, 3].map((partition) => ({ source: input, partition }));
  const stateTopic = outputTopics(`bench-many-${Date.now()}`).state;
  const options = {
    topic: stateTopic,
    partitions: stateTopicPartitions,
    family: 'binomial',
    learner: 'ftrl',
    groupId: 'bench-many',
  };
  const store = new KafkaStateStore(kafka, options);
  await store.start();
  const rand = lcg(4242);
  const t0 = performance.now();
  const states: Uint8Array[] = [];
  let parts: StateParts | null = null;
  for (let m = 0; m < models; m++) {
    const key = `m${m}`;
    const live = new LiveModel(key, context);
    for (let i = 0; i < eventsPerModel; i++) {
      const f: Record<string, string | number> = { site: `s${Math.floor(rand() * 50)}` };
      let eta = 0;
      for (let j = 0; j < 8; j++) eta += (f[`x${j}`] = rand() * 2 - 1) * (j < 3 ? 1 : 0);
      live.model.process({ key, label: rand() < 1 / (1 + Math.exp(-eta)) ? 1 : 0, features: f });
    }
    states.push(live.checkpoint());
    parts ??= stateParts(live);
  }
  const buildMs = performance.now() - t0;
  const t1 = performance.now();
  for (let round = 0; round < 2; round++)
    for (let m = 0; m < models; m++) store.checkpoint(`m${m}`, states[m], [assignment[m % 4]]);
  await store.flush();
  const writeMs = performance.now() - t1;
  const records = store.stats.records;
  await store.close();
  const restoreMs: number[] = [];
  let restoredModels = 0;
  let restoredBytes = 0;
  let decodeAllMs = 0;
  for (let r = 0; r < reps; r++) {
    const fresh = new KafkaStateStore(kafka, options);
    await fresh.start();
    const t = performance.now();
    const stats = await fresh.restore(assignment);
    restoreMs.push(performance.now() - t);
    restoredModels = stats.models;
    restoredBytes = stats.bytes;
    if (r === reps - 1) {
      const td = performance.now();
      for (let m = 0; m < models; m++) LiveModel.fromCheckpoint(`m${m}`, context, fresh.get(`m${m}`)!);
      decodeAllMs = performance.now() - td;
    }
    await fresh.close();
  }
  const totalBytes = states.reduce((s, b) => s + b.byteLength, 0);
  return {
    models,
    eventsPerModel,
    checkpointsPerModel: 2,
    stateTopicPartitions,
    records,
    bytesPerState: totalBytes / models,
    parts: parts!,
    totalBytes,
    buildMs,
    writeMs,
    restoreMs,
    restoredModels,
    restoredBytes,
    decodeAllMs,
  };
}

export interface Failover {
  readonly sessionTimeoutMs: number;
  /** Committed offset when instance A was killed, and B's first commit after it. */
  readonly killedAt: number;
  readonly resumedAt: number;
  /** Seconds from A's last commit (observed) to the kill, and from it to B's first commit. */
  readonly lastCommitToKillSeconds: number;
  readonly lastCommitToResumeSeconds: number;
  /** Seconds from spawning B (at the kill) to its first commit. */
  readonly spawnToResumeSeconds: number;
  /** Seconds from A's spawn to its first commit (a start with no dead member in the group). */
  readonly coldStartSeconds: number;
  readonly waitedForGroup: boolean;
}

interface Child {
  readonly pid: number;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

function startInstance(root: string, configFile: string): Child {
  const child = spawn(
    process.execPath,
    [join(root, 'bin/l1stream.js'), 'run', '--config', configFile, '--shutdown-timeout', '5'],
    {
      cwd: root,
      env: { ...process.env, L1S_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.length > 200_000) err = err.slice(-100_000);
  });
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { pid: child.pid!, stderr: () => err, exited, kill: (s) => child.kill(s) };
}

/**
 * `l1stream run --config` (built, bin/l1stream.js) on the Avro topic, one model, at-least-once
 * with checkpoints at the defaults: instance A is killed (SIGKILL) once `killAfter` events are
 * committed; B (same group) is spawned at once. The group's committed offset is polled every 25
 * ms: A's last commit is the last advance seen before the kill (`killDelayMs` after the threshold),
 * B's resumption the next advance.
 */
export async function failover(
  kafka: Kafka,
  brokers: string,
  topic: string,
  schemaFile: string,
  root: string,
  dir: string,
  sessionTimeoutMs: number,
  killAfter: number,
  killDelayMs = 500,
): Promise<Failover> {
  const stamp = `${Date.now()}`;
  const groupId = `failover-${sessionTimeoutMs}-${stamp}`;
  const configFile = join(dir, `failover-${sessionTimeoutMs}.json`);
  writeFileSync(
    configFile,
    JSON.stringify({
      model: { family: 'binomial', learner: 'ftrl', lambda: 1e-4, key: 'bench' },
      refit: { enabled: false },
      snapshots: { everyEvents: 100_000, everySeconds: 'Infinity' },
      kafka: {
        brokers: brokers.split(','),
        topics: [topic],
        groupId,
        prefix: `bench-failover-${sessionTimeoutMs}-${stamp}`,
        format: 'avro',
        avro: { schemaFile, schemaId: 1 },
        sessionTimeoutMs,
        heartbeatIntervalMs: Math.min(3000, Math.floor(sessionTimeoutMs / 3)),
      },
    }),
  );
  const admin = kafka.admin();
  await admin.connect();
  const children: Child[] = [];
  try {
    const spawnA = performance.now();
    const a = startInstance(root, configFile);
    children.push(a);
    let last = 0;
    let lastAt = 0;
    let firstAt = 0;
    const deadline = performance.now() + 120_000;
    while (last < killAfter) {
      if (performance.now() > deadline)
        throw new Error(`instance A committed ${last} events in 120 s:\n${a.stderr().slice(-3000)}`);
      const c = await committed(admin, groupId, topic);
      if (c > last) {
        last = c;
        lastAt = performance.now();
        if (firstAt === 0) firstAt = lastAt;
      }
      await sleep(25);
    }
    // mid-stream: a little after the threshold, between two checkpoints as likely as not
    await sleep(killDelayMs);
    const before = await committed(admin, groupId, topic);
    if (before > last) {
      last = before;
      lastAt = performance.now();
    }
    a.kill('SIGKILL');
    const killAt = performance.now();
    await a.exited;
    // a commit A had in flight may still land
    const after = await committed(admin, groupId, topic);
    if (after > last) {
      last = after;
      lastAt = performance.now();
    }
    const spawnB = performance.now();
    const b = startInstance(root, configFile);
    children.push(b);
    let resumed = 0;
    let resumedAt = 0;
    const deadlineB = performance.now() + sessionTimeoutMs + 120_000;
    while (resumed === 0) {
      if (performance.now() > deadlineB)
        throw new Error(`instance B did not commit:\n${b.stderr().slice(-3000)}`);
      const c = await committed(admin, groupId, topic);
      if (c > last) {
        resumed = c;
        resumedAt = performance.now();
      }
      await sleep(25);
    }
    b.kill('SIGTERM');
    await Promise.race([b.exited, sleep(15_000)]);
    return {
      sessionTimeoutMs,
      killedAt: last,
      resumedAt: resumed,
      lastCommitToKillSeconds: (killAt - lastAt) / 1000,
      lastCommitToResumeSeconds: (resumedAt - lastAt) / 1000,
      spawnToResumeSeconds: (resumedAt - spawnB) / 1000,
      coldStartSeconds: (firstAt - spawnA) / 1000,
      waitedForGroup: b.stderr().includes('waiting for the consumer group to be empty'),
    };
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await admin.disconnect();
  }
}
