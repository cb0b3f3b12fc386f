import { createRequire } from 'node:module';
import type { Worker } from 'node:worker_threads';

import { Observable, type Subscription } from 'rxjs';

import {
  ConfigError,
  EngineError,
  type PartitionRef,
  type RawRecord,
  type RecordHeaders,
} from '../../src/index.js';
import { optionKeyProblems } from '../../src/internal.js';
import type { AvroSchema } from './codecs/avro.js';
import { packBatch } from './packedBatch.js';
import type { KafkaBatch, KafkaSource } from './source.js';
import type { OutputTopics } from './topics.js';

/** What the worker is started with (structured-cloned). */
export interface WorkerSetup {
  /** The engine's configuration, as given to `checkEngineConfig` (checked in the worker). */
  readonly config: unknown;
  readonly brokers: string[];
  readonly clientId: string;
  readonly topics: OutputTopics;
  /** Avro writer schemas by id (confluent framing); null: JSON records. */
  readonly writerSchemas: Array<[number, AvroSchema]> | null;
  readonly partSize: number;
  /**
   * `l1stream run` (`kafka.engineThread: "worker"`): `config` is the whole configuration document
   * (checked in the worker with its `kafka` section), and the worker builds what `kafkaPorts`
   * gives the engine on one thread, with its own producers and registry client: the sink, the
   * state store (checkpoints; restores on assignment) and the decoder (a registry's schemas are
   * fetched by the worker). `brokers`, `clientId`, `topics` and `writerSchemas` are then unused.
   */
  readonly service?: WorkerService;
}

/** What the worker of `l1stream run` needs besides the configuration document. */
export interface WorkerService {
  /** Its pino log level (it logs to stderr, as the main thread). */
  readonly logLevel: string;
}

/** Positions as [topic, partition, offset]: the last of each partition's run in a batch. */
type Positions = Array<[string, number, string]>;

export type ToWorker =
  | {
      readonly t: 'batch';
      readonly topic: string;
      readonly partition: number;
      /** The records' values, in order (shared, not transferred: see `packBatch`). */
      readonly bytes: SharedArrayBuffer;
      /** Where each value starts and ends in `bytes`. */
      readonly starts: Int32Array;
      readonly ends: Int32Array;
      /** Each record's offset; null: consecutive, from `firstOffset` on (the usual fetch). */
      readonly offsets: Float64Array | null;
      /** The first record's offset. */
      readonly firstOffset: number;
      /** Headers of the records that have any, by index. */
      readonly headers: Array<[number, RecordHeaders]>;
      /** The records' keys, in order, and where each ends in `keys` (-1: no key); null: none has one. */
      readonly keys: { readonly bytes: SharedArrayBuffer; readonly ends: Int32Array } | null;
    }
  | { readonly t: 'committed'; readonly req: number }
  | { readonly t: 'commitFailed'; readonly req: number; readonly message: string }
  | {
      readonly t: 'assign';
      readonly req: number;
      readonly assignment: PartitionRef[];
      readonly lost: boolean;
    }
  | { readonly t: 'stillAssigned'; readonly req: number; readonly answer: boolean }
  | { readonly t: 'stop' };

export type FromWorker =
  | { readonly t: 'ready' }
  | { readonly t: 'commit'; readonly req: number; readonly positions: Positions; readonly records: number }
  | { readonly t: 'release'; readonly positions: Positions }
  | { readonly t: 'stillAssigned'; readonly req: number }
  | { readonly t: 'assigned'; readonly req: number; readonly error?: WorkerError }
  | ({ readonly t: 'done' } & WorkerEngineResult)
  | ({ readonly t: 'error' } & WorkerError);

/** An error of the worker, with the code and retriability of an `EngineError`. */
export interface WorkerError {
  readonly message: string;
  readonly code?: string;
  readonly retriable?: boolean;
}

/**
 * The worker's error on this thread: an `EngineError` again when it was one (the CLI reports it
 * in one line, as on one thread), else an `Error` whose message says where it came from.
 */
function fromWorker(e: WorkerError): Error {
  return e.code !== undefined
    ? new EngineError(e.code, e.message, { retriable: e.retriable ?? false })
    : new Error(`engine worker: ${e.message}`);
}

/**
 * What the worker engine did: its statistics, dead letters, its thread's event loop (busy / idle)
 * and CPU time (`threadCpuSeconds`), over its run.
 */
export interface WorkerEngineResult {
  readonly stats: WorkerEngineStats;
  readonly deadLetters: number;
  readonly busySeconds: number;
  readonly idleSeconds: number;
  /** The worker thread's CPU time (null: not available on this platform). */
  readonly threadCpuSeconds: number | null;
  /** The worker's young generation, MB (its `resourceLimits`; null: not known). */
  readonly youngGenerationMb: number | null;
}

/** The worker engine's `EngineStats`, with the reasons as entries. */
export interface WorkerEngineStats {
  readonly records: number;
  readonly learned: number;
  readonly snapshots: number;
  readonly alerts: number;
  readonly scores: number;
  readonly rejected: number;
  readonly rejectedByReason: Array<[string, number]>;
  readonly [stat: string]: unknown;
}

export interface KafkaWorkerEngineOptions extends Omit<WorkerSetup, 'partSize'> {
  /** Decode and learn in parts of this many records (default 512, as `run`). */
  readonly partSize?: number;
  /**
   * The worker's young generation in MB (default 64; a worker's V8 default is 48): the engine
   * makes many short-lived objects per event (records, events, batches), and a larger young
   * generation scavenges less often and promotes fewer of them (measured: ~0.4 µs of CPU less per
   * event over both threads and V8's helper threads, bench/results/kafka.md).
   */
  readonly youngGenerationMb?: number;
}

/** The keys of `KafkaWorkerEngineOptions`. */
const WORKER_ENGINE_KEYS: readonly (keyof KafkaWorkerEngineOptions)[] = [
  'config',
  'brokers',
  'clientId',
  'topics',
  'writerSchemas',
  'service',
  'partSize',
  'youngGenerationMb',
];

/** The worker's young generation by default, MB. */
export const WORKER_YOUNG_GENERATION_MB = 64;

function startWorker(setup: WorkerSetup, youngGenerationMb: number): Worker {
  const { Worker: WorkerThread } = createRequire(import.meta.url)(
    'node:worker_threads',
  ) as typeof import('node:worker_threads');
  const resourceLimits = { maxYoungGenerationSizeMb: youngGenerationMb };
  if (!import.meta.url.endsWith('.ts'))
    return new WorkerThread(new URL('./engineWorker.js', import.meta.url), {
      workerData: setup,
      resourceLimits,
    });
  const entry = new URL('./engineWorker.ts', import.meta.url).href;
  return new WorkerThread(
    `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`,
    { eval: true, workerData: setup, resourceLimits },
  );
}

/** Records that carry only a position: what `KafkaSource.commit` and `release` read. */
function recordsAt(positions: Positions): RawRecord[] {
  const empty = new Uint8Array(0);
  return positions.map(([source, partition, offset]) => ({
    value: empty,
    position: { source, partition, offset },
  }));
}

/**
 * The Kafka pipeline with the engine on a worker thread (at-least-once): the
 * main thread runs kafkajs (`KafkaSource`: fetching, record parsing, commits), the worker the
 * `Engine` and its own `KafkaSink`. Each batch's values are copied into one shared buffer with
 * their ends and offsets (`packBatch`); the worker reads records straight from it. Once a batch's
 * outputs are acknowledged the worker asks for its commit, and the main thread commits it at the
 * source: offsets are committed only after outputs are acknowledged, as on one thread.
 *
 * Partition assignments are passed on to the worker's engine (which drops the models of revoked
 * partitions) before the assignment's records are read. Without `service`, there is no schema
 * registry (writer schemas come from `writerSchemas`) and no state store. With `service` (what
 * `l1stream run` uses), the worker's engine has the state store of the `kafka` section: a
 * checkpoint writes the states from the worker, flushes them, and only then asks the main thread
 * to commit the offsets it covers; an assignment restores its partitions' models in the worker
 * before its records are read. Exactly-once (transactions) stays on the one-thread path. The
 * source should hold back with `backpressure: 'wait'` (with `pause`, kafkajs drops what it
 * fetched ahead at every pause).
 */
export class KafkaWorkerEngine {
  private readonly source: KafkaSource;
  private readonly setup: WorkerSetup;
  private readonly youngGenerationMb: number;
  private worker: Worker | null = null;
  private subscription: Subscription | null = null;
  private finished: Promise<WorkerEngineResult> | null = null;
  /** Settles the assignments the worker has not answered, and answers later ones at once. */
  private ended: () => void = () => undefined;

  constructor(source: KafkaSource, options: KafkaWorkerEngineOptions) {
    // from JavaScript, a misspelled key (`partsize`) was ignored and its default used
    const problems = optionKeyProblems('KafkaWorkerEngine', options, WORKER_ENGINE_KEYS);
    if (problems.length > 0) throw new ConfigError(problems);
    this.source = source;
    const { youngGenerationMb, ...setup } = options;
    this.setup = { ...setup, partSize: options.partSize ?? 512 };
    this.youngGenerationMb = youngGenerationMb ?? WORKER_YOUNG_GENERATION_MB;
  }

  /**
   * Starts the worker and the source; emits the number of records of each batch once its
   * outputs are acknowledged and its offsets committed. Errors of the worker or the source end it.
   */
  pipeline(): Observable<number> {
    return new Observable<number>((subscriber) => {
      const worker = startWorker(this.setup, this.youngGenerationMb);
      this.worker = worker;
      let onDone: (r: WorkerEngineResult) => void = () => undefined;
      let onFail: (err: Error) => void = () => undefined;
      this.finished = new Promise((resolve, reject) => {
        onDone = resolve;
        onFail = reject;
      });
      this.finished.catch(() => undefined);
      const fail = (err: Error) => {
        onFail(err);
        subscriber.error(err);
      };
      // assignments go to the worker's engine (it drops the models of revoked partitions), and
      // the source waits for it before reading the assignment's records, as on one thread
      let nextAssign = 0;
      const assigned = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
      // Once the worker is done (or gone) nothing is read any more: an assignment (a rejoin while
      // stopping) has nothing to restore. Its `assigned` would never come, and the source's batch
      // waiting for it would keep kafkajs (its disconnect) waiting for ever.
      let ended = false;
      const end = () => {
        ended = true;
        for (const pending of assigned.values()) pending.resolve();
        assigned.clear();
      };
      this.ended = end;
      worker.on('error', (err) => {
        end();
        fail(err);
      });
      let done = false;
      worker.on('exit', (code) => {
        end();
        if (!done) fail(new Error(`engine worker exited (code ${code}) before it was done`));
      });
      this.source.onAssign((assignment, { lost }) => {
        if (ended) return Promise.resolve();
        return new Promise<void>((resolve, reject) => {
          const req = nextAssign++;
          assigned.set(req, { resolve, reject });
          worker.postMessage({ t: 'assign', req, assignment: [...assignment], lost } satisfies ToWorker);
        });
      });
      worker.on('message', (message: FromWorker) => {
        switch (message.t) {
          case 'ready':
            // stopped while the worker started: nothing to read (the consumer never joins)
            if (this.worker !== worker) break;
            this.subscription = this.source.batches$.subscribe({
              next: (batch) => this.post(worker, batch),
              error: (err: unknown) => fail(err instanceof Error ? err : new Error(String(err))),
            });
            break;
          case 'commit':
            this.source.commit(recordsAt(message.positions)).then(
              () => {
                worker.postMessage({ t: 'committed', req: message.req } satisfies ToWorker);
                subscriber.next(message.records);
              },
              (err: unknown) =>
                worker.postMessage({
                  t: 'commitFailed',
                  req: message.req,
                  message: err instanceof Error ? err.message : String(err),
                } satisfies ToWorker),
            );
            break;
          case 'release':
            this.source.release(recordsAt(message.positions));
            break;
          case 'stillAssigned':
            void this.source
              .stillAssigned()
              .then((answer) =>
                worker.postMessage({ t: 'stillAssigned', req: message.req, answer } satisfies ToWorker),
              );
            break;
          case 'assigned': {
            const pending = assigned.get(message.req);
            assigned.delete(message.req);
            if (message.error === undefined) pending?.resolve();
            else pending?.reject(fromWorker(message.error));
            break;
          }
          case 'done':
            done = true;
            end();
            onDone(message);
            subscriber.complete();
            break;
          case 'error':
            fail(fromWorker(message));
            break;
        }
      });
      return () => {
        this.subscription?.unsubscribe();
        this.subscription = null;
      };
    });
  }

  /** Packs a batch's values and posts it (nothing transferred: see `packBatch`). */
  private post(worker: Worker, batch: KafkaBatch): void {
    worker.postMessage(packBatch(batch));
  }

  /**
   * Stops reading, lets the worker finish what it was sent (learn, publish, commit), and ends
   * it; returns the worker engine's statistics.
   */
  async close(): Promise<WorkerEngineResult | null> {
    const worker = this.worker;
    this.worker = null;
    try {
      if (worker === null) return null;
      // the source stays subscribed until the worker is done: its last commits go through it
      worker.postMessage({ t: 'stop' } satisfies ToWorker);
      return await this.finished;
    } finally {
      this.subscription?.unsubscribe();
      this.subscription = null;
      this.ended();
      await worker?.terminate();
    }
  }
}
