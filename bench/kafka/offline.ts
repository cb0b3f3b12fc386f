/**
 * The Kafka worker engine's per-event cost without a broker: what `KafkaWorkerEngine`'s worker
 * thread runs (the `Engine` with the worker's decoder and a `KafkaSink`, fed with the batches
 * `packBatch` makes and `unpackBatch` reads), on the Kafka bench's events (bench/kafka/events.ts:
 * Avro in the Confluent wire format, or JSON), in a worker thread of the same young generation.
 * The sink's producer is a stub that acknowledges at once and hashes what it is sent, so the
 * outputs (models, alerts, dead letters; their wall-clock times left out) of two builds can be compared.
 *
 *   npm run bench:kafka-offline -- [--format avro,json] [--events 500000]
 *                       [--batch 5988] [--rounds 3] [--bad 0]
 *
 * Each run is a new worker (as each (a′) run of bench:kafka): the batches are packed before the
 * clock starts; the worker thread's CPU time (Linux schedstat) and the process's (all threads)
 * are then taken over `Engine.run()`. `--bad N`: every N-th record is damaged (dead letters).
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

import type { KafkaMessage, ProducerBatch } from 'kafkajs';
import {
  AvroDecoder,
  AvroEncoder,
  KafkaSink,
  outputTopics,
  shippedSchema,
} from '../../connectors/kafka/index.js';
import { packBatch, unpackBatch, type InPlace } from '../../connectors/kafka/packedBatch.js';
import type { KafkaBatch } from '../../connectors/kafka/source.js';
import { threadCpuSeconds } from '../../connectors/kafka/threadCpu.js';
import { WORKER_YOUNG_GENERATION_MB, type ToWorker } from '../../connectors/kafka/workerEngine.js';
import { Engine, JsonEventReader, checkEngineConfig, type EventSource } from '../../src/index.js';
import { benchEvents } from './events.js';
import { eachTurn } from './stages.js';

type Format = 'avro' | 'json';

interface Job {
  readonly format: Format;
  readonly events: number;
  readonly batch: number;
  readonly bad: number;
}

export interface OfflineRun {
  readonly format: Format;
  readonly events: number;
  /** The worker thread's CPU µs per event over `Engine.run()` (null: no schedstat). */
  readonly threadMicros: number | null;
  /** The process's CPU µs per event (all threads: V8's helpers too) over the same span. */
  readonly processMicros: number;
  readonly wallMicros: number;
  /** SHA-256 of every message the sink sent (topic, key, value, headers), in order. */
  readonly outputs: string;
  readonly messages: number;
  readonly deadLetters: number;
  readonly learned: number;
}

/** The bench's records as one kafkajs fetch gives them (values: views on one buffer), in batches. */
async function fetchedBatches(job: Job): Promise<KafkaBatch[]> {
  const encoder = await AvroEncoder.create({ schema: shippedSchema('event'), schemaId: 1 });
  const values: Buffer[] = [];
  let i = 0;
  for (const e of benchEvents(job.events)) {
    let v = job.format === 'avro' ? encoder.encode(e) : Buffer.from(JSON.stringify(e), 'utf8');
    if (job.bad > 0 && ++i % job.bad === 0) v = damaged(v, i / job.bad, job.format);
    values.push(v);
  }
  const all = Buffer.concat(values);
  const batches: KafkaBatch[] = [];
  let at = 0;
  for (let b = 0; b < values.length; b += job.batch) {
    const messages: KafkaMessage[] = [];
    for (let j = b; j < Math.min(values.length, b + job.batch); j++) {
      const value = all.subarray(at, (at += values[j].length));
      messages.push({ key: null, value, offset: String(j), headers: {} } as unknown as KafkaMessage);
    }
    batches.push({
      topic: 'bench',
      partition: 0,
      messages,
      lastOffset: messages[messages.length - 1].offset,
      records: [],
    });
  }
  return batches;
}

/** A record spoiled in one of a few ways (cut short, a wrong label, not an event at all). */
function damaged(v: Buffer, k: number, format: Format): Buffer {
  switch (k % 3) {
    case 0:
      return v.subarray(0, v.length >> 1);
    case 1:
      return format === 'json'
        ? Buffer.from(v.toString('utf8').replace(/"label":\d/, '"label":7'))
        : Buffer.from([0, 0, 0, 0, 9, 1, 2]); // an unknown schema id
    default:
      return Buffer.from(format === 'json' ? '[1,2,3]' : 'x');
  }
}

/** A message's text without the wall-clock times in it (a snapshot's `createdAt`), which differ between runs. */
const timeless = (text: string) => text.replace(/"\d{4}-\d\d-\d\dT[\d:.]+Z"/g, '"…"');

type Packed = Extract<ToWorker, { t: 'batch' }>;

/** One run in this (worker) thread: the worker engine's composition over the packed batches. */
async function runJob(job: Job, packed: readonly Packed[]): Promise<OfflineRun> {
  const hash = createHash('sha256');
  let messages = 0;
  const channel = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    sendBatch: async (batch: ProducerBatch) => {
      for (const { topic, messages: list } of batch.topicMessages ?? [])
        for (const m of list) {
          messages++;
          hash.update(`${topic}\u0000${String(m.key)}\u0000`);
          if (m.value != null) hash.update(timeless(m.value.toString('latin1')));
          hash.update(timeless(JSON.stringify(m.headers ?? null)));
        }
      return [];
    },
  };
  const sink = new KafkaSink({} as never, { topics: outputTopics('bench'), createTopics: false, channel });
  await sink.start();
  const config = checkEngineConfig({
    model: { family: 'binomial', key: 'bench', learner: 'ftrl', lambda: 1e-4 },
    snapshots: { everyEvents: 100_000, everySeconds: 'Infinity' },
    refit: { enabled: false },
  });
  // as the worker engine: JSON records are read in place by the engine's own JSON reader
  const decoder =
    job.format === 'avro'
      ? new AvroDecoder({ writerSchemas: new Map([[1, shippedSchema('event')]]) })
      : new JsonEventReader();
  const inPlace: InPlace = { decoder, family: 'binomial' };
  // one batch per turn of the event loop, as the worker gets them in messages
  const source: EventSource = {
    batches$: eachTurn(packed.length, (i) => unpackBatch(packed[i], inPlace)),
    commit: async () => undefined,
  };
  const engine = new Engine(config, { source, sink }, { partSize: 512, decoder });
  const t0 = performance.now();
  const thread0 = threadCpuSeconds();
  const cpu0 = process.cpuUsage();
  const stats = await engine.run();
  const cpu = process.cpuUsage(cpu0);
  const thread = threadCpuSeconds();
  const wall = performance.now() - t0;
  await sink.close();
  const n = job.events;
  return {
    format: job.format,
    events: n,
    threadMicros: thread0 === null || thread === null ? null : ((thread - thread0) * 1e6) / n,
    processMicros: (cpu.user + cpu.system) / n,
    wallMicros: (wall * 1e3) / n,
    outputs: hash.digest('hex').slice(0, 16),
    messages,
    deadLetters: sink.deadLetters.count,
    learned: stats.learned,
  };
}

/** One run in a new worker thread (the worker engine's young generation), on batches packed here. */
export function offlineRun(job: Job, packed: readonly Packed[]): Promise<OfflineRun> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(fileURLToPath(import.meta.url), {
      workerData: { job, packed },
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`offline bench worker exited (code ${code})`)));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      format: { type: 'string', default: 'avro,json' },
      events: { type: 'string', default: '500000' },
      batch: { type: 'string', default: '5988' },
      rounds: { type: 'string', default: '3' },
      bad: { type: 'string', default: '0' },
    },
  });
  const formats = values.format.split(',').map((f) => f.trim()) as Format[];
  for (const f of formats)
    if (f !== 'avro' && f !== 'json') throw new Error(`--format: avro or json, not "${f}"`);
  const rounds = Number(values.rounds);
  const runs = new Map<Format, OfflineRun[]>(formats.map((f) => [f, []]));
  // packed once per format on this thread, as the main thread of `KafkaWorkerEngine` does
  const jobs = new Map<Format, { job: Job; packed: Packed[] }>();
  for (const format of formats) {
    const job = {
      format,
      events: Number(values.events),
      batch: Number(values.batch),
      bad: Number(values.bad),
    };
    jobs.set(format, { job, packed: (await fetchedBatches(job)).map(packBatch) });
  }
  for (let r = 0; r < rounds; r++)
    for (const format of formats) {
      const { job, packed } = jobs.get(format)!;
      const run = await offlineRun(job, packed);
      runs.get(format)!.push(run);
      process.stdout.write(
        `${format} round ${r + 1}: worker ${run.threadMicros?.toFixed(3) ?? '-'} µs/event, process ${run.processMicros.toFixed(3)}, wall ${run.wallMicros.toFixed(3)}; outputs ${run.outputs} (${run.messages} messages, ${run.deadLetters} dead letters, ${run.learned} learned)\n`,
      );
    }
  for (const [format, list] of runs) {
    const worker = list.map((r) => r.threadMicros).filter((x): x is number => x !== null);
    process.stdout.write(
      `${format}: median worker ${worker.length > 0 ? median(worker).toFixed(3) : '-'} µs/event, process ${median(list.map((r) => r.processMicros)).toFixed(3)} µs/event over ${list.length} run(s)\n`,
    );
  }
}

if (isMainThread)
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
else
  void runJob((workerData as { job: Job }).job, (workerData as { packed: Packed[] }).packed).then((run) =>
    parentPort!.postMessage(run),
  );
