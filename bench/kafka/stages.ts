/**
 * Where the engine's time goes, without Kafka: the Kafka pipeline's engine row (decode + learn +
 * drift + snapshots + outputs, measured as one) split by running the same work in memory, stage
 * by stage, on the benchmark's events. CPU time of this process (`process.cpuUsage`, user +
 * system), not wall time: it is what the stage costs, whatever else shares the machine.
 */
import { Observable } from 'rxjs';

import { AvroDecoder, AvroEncoder, shippedSchema } from '../../connectors/kafka/index.js';
import {
  Engine,
  checkEngineConfig,
  type EventSource,
  type OutputSink,
  type RawBatch,
  type RawRecord,
} from '../../src/index.js';
import { benchEvents } from './events.js';

/** µs of CPU per event of each configuration (median of the repetitions). */
export interface EngineStages {
  readonly events: number;
  readonly batchSize: number;
  readonly repetitions: number;
  /** `AvroDecoder.decodeEvent` alone (decode + validate). */
  readonly decode: number;
  /** The whole engine, as the pipeline runs it (drift detection on: the defaults). */
  readonly engine: number;
  /** The engine with `drift.enabled: false`. */
  readonly engineNoDrift: number;
  /** The engine with one drift detector family off at a time. */
  readonly engineNoLossDrift: number;
  readonly engineNoInputSparsity: number;
  readonly engineNoSequential: number;
}

const sink: OutputSink = {
  model: () => undefined,
  score: () => undefined,
  alert: () => undefined,
  deadLetter: () => undefined,
  flush: async () => undefined,
  close: async () => undefined,
};

/** The records as a Kafka fetch gives them: values that are views on one buffer, in batches. */
function batchesOf(values: Buffer, ends: Int32Array, batchSize: number): RawBatch[] {
  const batches: RawBatch[] = [];
  let start = 0;
  for (let i = 0; i < ends.length; i += batchSize) {
    const records: RawRecord[] = [];
    for (let j = i; j < Math.min(ends.length, i + batchSize); j++) {
      records.push({
        value: values.subarray(start, ends[j]),
        key: null,
        position: { source: 'bench', partition: 0, offset: String(j) },
      });
      start = ends[j];
    }
    batches.push({ records });
  }
  return batches;
}

function cpuMicros(run: () => void): number {
  const c0 = process.cpuUsage();
  run();
  const c = process.cpuUsage(c0);
  return c.user + c.system;
}

async function cpuMicrosAsync(run: () => Promise<unknown>): Promise<number> {
  const c0 = process.cpuUsage();
  await run();
  const c = process.cpuUsage(c0);
  return c.user + c.system;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];

/** Batches `at(0)` to `at(n - 1)`, one per turn of the event loop (each made when it is emitted). */
export function eachTurn(n: number, at: (i: number) => RawBatch): Observable<RawBatch> {
  return new Observable<RawBatch>((subscriber) => {
    let i = 0;
    let pending: NodeJS.Immediate | null = null;
    const next = () => {
      if (i === n) return subscriber.complete();
      subscriber.next(at(i++));
      pending = setImmediate(next);
    };
    next();
    return () => {
      if (pending !== null) clearImmediate(pending);
    };
  });
}

/** The engine over the batches (one batch per turn of the event loop, as KafkaSource emits them). */
async function engineMicros(batches: RawBatch[], drift: Record<string, unknown>): Promise<number> {
  const config = checkEngineConfig({
    model: { family: 'binomial', key: 'bench', learner: 'ftrl', lambda: 1e-4 },
    snapshots: { everyEvents: 100_000, everySeconds: 'Infinity' },
    refit: { enabled: false },
    drift,
  });
  const source: EventSource = {
    batches$: eachTurn(batches.length, (i) => batches[i]),
    commit: async () => undefined,
  };
  const decoder = new AvroDecoder({ writerSchemas: new Map([[1, shippedSchema('event')]]) });
  const engine = new Engine(config, { source, sink }, { decoder, partSize: 512 });
  return cpuMicrosAsync(() => engine.run());
}

/**
 * The stages over `n` of the benchmark's events in batches of `batchSize` records (the Kafka
 * run's mean batch), `repetitions` times each after one untimed run of each.
 */
export async function engineStages(n: number, batchSize: number, repetitions: number): Promise<EngineStages> {
  const encoder = await AvroEncoder.create({ schema: shippedSchema('event'), schemaId: 1 });
  const encoded: Buffer[] = [];
  for (const e of benchEvents(n)) encoded.push(encoder.encode(e));
  const values = Buffer.concat(encoded);
  const ends = new Int32Array(n);
  for (let i = 0, at = 0; i < n; i++) ends[i] = at += encoded[i].length;
  encoded.length = 0;
  const decoder = new AvroDecoder({ writerSchemas: new Map([[1, shippedSchema('event')]]) });
  const decodeAll = () => {
    for (let i = 0, start = 0; i < n; i++) {
      if (!decoder.decodeEvent(values.subarray(start, ends[i]), 'binomial').ok)
        throw new Error(`bench event ${i} did not decode`);
      start = ends[i];
    }
  };
  const configs = {
    engine: {},
    engineNoDrift: { enabled: false },
    engineNoLossDrift: { loss: { enabled: false } },
    engineNoInputSparsity: { inputSparsity: { enabled: false } },
    engineNoSequential: { inputSequential: { enabled: false } },
  };
  const runs = new Map<string, number[]>([['decode', []]]);
  for (const name of Object.keys(configs)) runs.set(name, []);
  for (let r = 0; r <= repetitions; r++) {
    const decode = cpuMicros(decodeAll);
    if (r > 0) runs.get('decode')!.push(decode / n);
    for (const [name, drift] of Object.entries(configs)) {
      const us = await engineMicros(batchesOf(values, ends, batchSize), drift);
      if (r > 0) runs.get(name)!.push(us / n);
    }
  }
  const m = (name: string) => median(runs.get(name)!);
  return {
    events: n,
    batchSize,
    repetitions,
    decode: m('decode'),
    engine: m('engine'),
    engineNoDrift: m('engineNoDrift'),
    engineNoLossDrift: m('engineNoLossDrift'),
    engineNoInputSparsity: m('engineNoInputSparsity'),
    engineNoSequential: m('engineNoSequential'),
  };
}
