import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { MessagePort, Worker } from 'node:worker_threads';

import { StateError } from '../core/errors.js';
import {
  scriptPath,
  startWorkerScript,
  WORKER_START_MS,
  WorkerFailed,
  type WorkerScript,
} from '../core/workerScript.js';
import type {
  SequentialSparsityOptions,
  SequentialSparsityReport,
  SequentialSparsityState,
} from './sequentialSparsity.js';

/**
 * The sequential input-drift detectors on a thread of their own (`drift.threads` 1): the learning
 * thread writes each batch's occurrences into a shared ring while it learns the batch (a chunk
 * every `FEED_OCCURRENCES` occurrences, `SequentialHandle.feed`), the worker runs the detectors on them
 * meanwhile, and `finish` waits (Atomics.wait) for the batch's detections. The worker is idle at
 * every batch boundary, so a detector's state is fetched or replaced there synchronously (`state`,
 * `restore`). One worker serves every model of the thread that started it, each by a numeric id.
 *
 * Protocol: requests go by `postMessage` (in order); replies to the synchronous ones (`finish`,
 * `state`, `restore`) come on a MessagePort read with `receiveMessageOnPort`, after which the worker
 * bumps `CTL_WAKE` and notifies. Occurrences live in two SharedArrayBuffer rings (column indices and
 * wire field codes, at the same positions); the worker publishes how far it has read (`CTL_TAIL`).
 */

/** Int32 slots of the control buffer: bumped and notified on each reply and chunk read. */
export const CTL_WAKE = 0;
/** Int32 slot: FAILED once a request threw on the worker, EXITED when it exits. */
export const CTL_FAILED = 1;
export const FAILED = 1;
export const EXITED = 2;
/** BigInt64 slot: ring positions read by the worker (absolute, from 0). */
export const CTL_TAIL = 1;
/** Int32 slot: the worker's thread id (Linux), 0 unknown: a thread that is gone was killed. */
export const CTL_TID = 4;
/** Int32 slot: 1 once the worker took its `init` (l1stream's worker: another script never does). */
export const CTL_STARTED = 5;
const CTL_BYTES = 24;
/**
 * Occurrences learned between chunks handed to the worker (~100-300 events): the learning thread
 * waits at the end of a batch for the worker to finish its last chunk.
 */
export const FEED_OCCURRENCES = 8192;
/** Ring capacity in occurrences (two Int32 rings: 4 MB); a longer batch waits for room, or goes by message. */
const RING = 1 << 19;
/** Milliseconds between checks that the worker is alive while waiting for it. */
const WAIT_MS = 200;
/** Wire field codes: none (a number); from 2 on, the handle's field names. */
const WIRE_NONE = 1;
const WIRE_FIRST = 2;
/** Vocabulary field codes (`Vocabulary.fieldCodes`): ask the name; none. */
const VOCAB_UNKNOWN = 0;
const VOCAB_NONE = 1;
/** Entries of the column → wire code memo of columns without a vocabulary code. */
const MEMO = 1 << 16;

/** One detection: at event `event` of the batch, what the detector reported. */
export interface Detection {
  readonly event: number;
  readonly report: SequentialSparsityReport;
}

export type ThreadRequest =
  | {
      readonly op: 'init';
      readonly ctl: SharedArrayBuffer;
      readonly indices: SharedArrayBuffer;
      readonly codes: SharedArrayBuffer;
      readonly reply: MessagePort;
    }
  | { readonly op: 'open'; readonly id: number; readonly options: SequentialSparsityOptions }
  | { readonly op: 'close'; readonly id: number }
  | {
      readonly op: 'chunk';
      readonly id: number;
      /** Index in the batch of the chunk's first event. */
      readonly first: number;
      /** Ring position of the first occurrence (or 0 with `indices`). */
      readonly at: number;
      /** The events' starts, and the end of the last (relative: the first is `at`). */
      readonly starts: Int32Array;
      /** Field names of the wire codes given since the last chunk. */
      readonly names: string[] | null;
      /** The occurrences, when they do not fit the ring (else null). */
      readonly indices: Int32Array | null;
      readonly codes: Int32Array | null;
    }
  | { readonly op: 'finish'; readonly id: number; readonly seq: number }
  | { readonly op: 'state'; readonly id: number; readonly seq: number }
  /** The worker thread's CPU seconds (Linux; NaN elsewhere), for measurements. */
  | { readonly op: 'cpu'; readonly seq: number }
  | {
      readonly op: 'restore';
      readonly id: number;
      readonly seq: number;
      readonly state: SequentialSparsityState;
    }
  /** Stops the worker at once (tests: a worker that dies mid-run). */
  | { readonly op: 'exit' };

export interface ThreadReply {
  readonly seq: number;
  readonly detections?: Detection[];
  readonly state?: SequentialSparsityState;
  readonly cpu?: number;
  readonly error?: string;
  readonly errorName?: string;
}

/** What names the columns of a batch whose vocabulary gives no field code (`NamedFeatures`). */
export interface ColumnNames {
  readonly nameOf: (index: number) => string;
  readonly fieldOf?: ((index: number) => string | null) | undefined;
  /** The vocabulary's field of each code ≥ 2 (`Vocabulary.fieldNames`). */
  readonly fieldNames?: readonly string[] | undefined;
}

/** Where a `LearnedBatchBuilder` hands its events while it learns them (`SequentialHandle`). */
export interface BatchFeed {
  /**
   * Events [from, to) of the batch being built: event k's columns are
   * `indices[starts[k] .. starts[k + 1])` (`end` for k = to − 1), `codes` their vocabulary field
   * codes in parallel (null: none).
   */
  feed(
    starts: Int32Array,
    indices: Int32Array,
    codes: Int32Array | null,
    from: number,
    to: number,
    end: number,
    names: ColumnNames,
  ): void;
  /** Events fed since the last `finish`. */
  readonly fed: number;
}

/** Time the learning thread spent waiting for the worker, and what it sent (not state). */
export const sequentialThreadStats = { waitMs: 0, waits: 0, chunks: 0, occurrences: 0 };

/**
 * The worker and its rings, started on first use: `sequentialThread()` for the one of this thread.
 */
export class SequentialThread {
  private worker: Worker | null = null;
  private port: MessagePort | null = null;
  private ctl: Int32Array<ArrayBufferLike> = new Int32Array(0);
  private tail: BigInt64Array<ArrayBufferLike> = new BigInt64Array(0);
  readonly indices: Int32Array;
  readonly codes: Int32Array;
  /** Ring positions written (absolute). */
  private head = 0;
  private nextId = 1;
  private seq = 0;
  /** `close` was called. */
  private stopped = false;
  /** Why the worker is gone (its exit event), or null. */
  private gone: string | null = null;
  /** When the worker was started (`performance.now()`). */
  private startedAt = 0;
  private receive: ((port: MessagePort) => { message: unknown } | undefined) | null = null;

  /** `ring`: occurrences the rings hold (default 2^21; small ones in tests, to wrap often). */
  constructor(ring = RING) {
    this.indices = new Int32Array(new SharedArrayBuffer(4 * ring));
    this.codes = new Int32Array(new SharedArrayBuffer(4 * ring));
  }

  /** The worker (diagnostics, tests), or null before the first detector. */
  get running(): Worker | null {
    return this.worker;
  }

  /** A detector with `options` on the worker (started now if it is not yet). */
  open(options: SequentialSparsityOptions): SequentialHandle {
    const id = this.nextId++;
    this.post({ op: 'open', id, options });
    return new SequentialHandle(this, id);
  }

  /** Sends a request (no reply). */
  post(request: ThreadRequest): void {
    this.start().postMessage(request);
  }

  /** Drops detector `id` on the worker, if it runs. */
  drop(id: number): void {
    if (this.worker !== null && this.gone === null && !this.stopped)
      this.worker.postMessage({ op: 'close', id });
  }

  /** Sends a request and waits for its reply; throws what the worker threw, or that it died. */
  call(request: ThreadRequest & { readonly seq: number }): ThreadReply {
    this.post(request);
    const ctl = this.ctl;
    const t0 = performance.now();
    try {
      for (;;) {
        const wake = Atomics.load(ctl, CTL_WAKE);
        const got = this.receive!(this.port!);
        if (got !== undefined) {
          const reply = got.message as ThreadReply;
          if (reply.seq !== request.seq) continue;
          if (reply.error !== undefined) {
            if (reply.errorName === 'StateError') throw new StateError(reply.error);
            throw new Error(`sequential input-drift worker failed: ${reply.error}`);
          }
          return reply;
        }
        // (a worker that failed answers with its error: only an exit is fatal here)
        if (Atomics.load(ctl, CTL_FAILED) === EXITED) this.checkAlive();
        if (Atomics.wait(ctl, CTL_WAKE, wake, WAIT_MS) === 'timed-out') this.checkAlive(EXITED);
      }
    } finally {
      sequentialThreadStats.waitMs += performance.now() - t0;
      sequentialThreadStats.waits++;
    }
  }

  nextSeq(): number {
    return ++this.seq;
  }

  /**
   * Room for `n` occurrences at one stretch of the ring: their position (absolute), after waiting
   * for the worker to read what is there; −1 when `n` is more than half the ring.
   */
  reserve(n: number): number {
    const ring = this.indices.length;
    if (n > ring / 2) return -1;
    let at = this.head;
    // a stretch does not wrap: skip the end of the ring
    if ((at % ring) + n > ring) at += ring - (at % ring);
    if (at + n - Number(Atomics.load(this.tail, CTL_TAIL)) > ring) {
      const t0 = performance.now();
      for (;;) {
        const wake = Atomics.load(this.ctl, CTL_WAKE);
        if (at + n - Number(Atomics.load(this.tail, CTL_TAIL)) <= ring) break;
        this.checkAlive();
        Atomics.wait(this.ctl, CTL_WAKE, wake, WAIT_MS);
      }
      sequentialThreadStats.waitMs += performance.now() - t0;
      sequentialThreadStats.waits++;
    }
    this.head = at + n;
    return at;
  }

  /**
   * Throws when the worker exited (or failed, from `fatal` = FAILED on) while the thread waits for
   * it: it said so, or its thread is gone (terminated, out of memory: Linux, /proc).
   */
  private checkAlive(fatal = FAILED): void {
    let failed = Atomics.load(this.ctl, CTL_FAILED);
    const tid = Atomics.load(this.ctl, CTL_TID);
    if (this.gone === null && tid > 0 && !existsSync(`/proc/self/task/${tid}`)) {
      // a worker that exits says so before its thread ends: read that again once the thread is gone
      failed = Atomics.load(this.ctl, CTL_FAILED);
      if (failed < fatal) this.gone = 'was killed';
    }
    // a script that is not l1stream's worker never starts (an empty one exits, and its exit event
    // cannot reach a thread blocked waiting for it)
    if (
      this.gone === null &&
      Atomics.load(this.ctl, CTL_STARTED) === 0 &&
      performance.now() - this.startedAt > WORKER_START_MS
    )
      this.gone = `did not start within ${WORKER_START_MS / 1000} s`;
    if (this.gone !== null || failed >= fatal) {
      const why = this.gone ?? (failed === EXITED ? 'exited' : 'failed');
      throw new WorkerFailed(
        `sequential input-drift worker ${why}: the run cannot go on (its script: ${scriptPath(sequentialWorkerScript, workerFile)}; drift.threads 0 runs the detector on the learning thread)`,
      );
    }
  }

  private start(): Worker {
    if (this.stopped) throw new Error('the sequential input-drift worker was stopped');
    if (this.worker !== null) {
      if (this.gone !== null) this.checkAlive();
      return this.worker;
    }
    // node:worker_threads when the first model opens a detector, not at start-up
    const threads = createRequire(import.meta.url)(
      'node:worker_threads',
    ) as typeof import('node:worker_threads');
    this.receive = threads.receiveMessageOnPort;
    const ctl = new SharedArrayBuffer(CTL_BYTES);
    this.startedAt = performance.now();
    const worker = startWorker(threads.Worker, ctl);
    const channel = new threads.MessageChannel();
    this.ctl = new Int32Array(ctl);
    this.tail = new BigInt64Array(ctl);
    this.port = channel.port2;
    worker.on('error', (err) => {
      this.gone ??= `failed (${err.message})`;
    });
    worker.on('exit', (code) => {
      this.gone ??= `exited (code ${code})`;
    });
    // held only while the learning thread runs: the worker does not keep the process alive
    worker.unref();
    if (process.env.L1STREAM_DRIFT_THREAD_STATS !== undefined) {
      // measurements (bench/results/seqthread-s23.md): the learning thread's waits, the worker's busy time
      process.once('exit', () => {
        const s = sequentialThreadStats;
        const { waitMs, waits } = s;
        const cpu = this.gone === null ? this.call({ op: 'cpu', seq: this.nextSeq() }).cpu! : NaN;
        process.stderr.write(
          `drift thread: waited ${waitMs.toFixed(0)} ms in ${waits} waits; ${s.chunks} chunks, ${s.occurrences} occurrences; worker CPU ${cpu.toFixed(2)} s\n`,
        );
      });
    }
    worker.postMessage(
      {
        op: 'init',
        ctl,
        indices: this.indices.buffer as SharedArrayBuffer,
        codes: this.codes.buffer as SharedArrayBuffer,
        reply: channel.port1,
      } satisfies ThreadRequest,
      [channel.port1],
    );
    this.worker = worker;
    return worker;
  }

  /** Stops the worker (its detectors are dropped); the thread is of no use after. */
  async close(): Promise<void> {
    this.stopped = true;
    const worker = this.worker;
    if (worker === null) return;
    this.worker = null;
    this.port?.close();
    await worker.terminate();
  }
}

/** The sequential-drift worker's script (compiled beside this module). */
const sequentialWorkerScript: WorkerScript = {
  name: 'sequentialWorker',
  js: new URL('./sequentialWorker.js', import.meta.url),
  fromSource: import.meta.url.endsWith('.ts'),
  packageDir: 'dist/src/drift',
  option: 'workerFiles.sequentialDrift',
  inline: 'drift.threads 0',
};

/** Where the worker's script is (`useSequentialWorkerFile`; default beside this module). */
let workerFile: string | URL | undefined;

/**
 * The sequential-drift worker's script for the threads started from now on (the engine option
 * `workerFiles.sequentialDrift`: one worker serves every engine of a thread).
 */
export function useSequentialWorkerFile(file: string | URL | undefined): void {
  workerFile = file;
}

/** The worker; one that cannot load its script marks `ctl` EXITED (the learning thread waits blocked). */
function startWorker(Ctor: typeof Worker, ctl: SharedArrayBuffer): Worker {
  const signal = { ctl, failed: CTL_FAILED, value: EXITED, wake: CTL_WAKE };
  return startWorkerScript(Ctor, sequentialWorkerScript, workerFile, signal);
}

/**
 * `value` with its arrays dense again: arrays that come through a MessagePort are held sparse, and
 * a checkpoint would encode them so (each element with its index: ~3 bytes more per slot), not in
 * the bytes an inline detector's state encodes to.
 */
function packed<T>(value: T): T {
  if (Array.isArray(value)) return Array.from(value as unknown[], packed) as T;
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype)
    return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = packed(v);
  return out as T;
}

let shared: SequentialThread | null = null;
let sharedRing = RING;

/** The sequential-detector worker of this thread (one for every model). */
export function sequentialThread(): SequentialThread {
  return (shared ??= new SequentialThread(sharedRing));
}

/**
 * Stops this thread's worker (monitors that use it fail from now on); the next monitor starts
 * another, with rings of `ring` occurrences (tests: a worker that died, rings that wrap often).
 */
export async function restartSequentialThread(ring = RING): Promise<void> {
  const old = shared;
  shared = null;
  sharedRing = ring;
  await old?.close();
}

/**
 * One model's detector on the worker. Its batch's events are fed while they are learned (`feed`),
 * the rest by `finish` from the batch; `finish` returns the batch's detections in event order.
 * Vocabulary field codes are translated to the handle's own wire codes (a column the vocabulary
 * has no code for is named here, once, and its field given a code), so the worker never names a
 * column.
 */
export class SequentialHandle implements BatchFeed {
  private events = 0;
  /** Wire code of each vocabulary code (0: not given yet), for the field names `vocabulary`. */
  private byCode = new Int32Array(64);
  private vocabulary: readonly string[] | null = null;
  /** Wire code of each field name given one. */
  private readonly wire = new Map<string, number>();
  private nextWire = WIRE_FIRST;
  private newNames: string[] | null = null;
  /** Direct-mapped memo of columns without a vocabulary code: column + 1 (0: empty), its wire code. */
  private memoKeys: Int32Array | null = null;
  private memoCodes: Int32Array | null = null;
  private closed = false;

  constructor(
    private readonly thread: SequentialThread,
    readonly id: number,
  ) {}

  get fed(): number {
    return this.events;
  }

  feed(
    starts: Int32Array,
    indices: Int32Array,
    codes: Int32Array | null,
    from: number,
    to: number,
    end: number,
    names: ColumnNames,
  ): void {
    if (to <= from) return;
    this.live();
    const s = starts[from];
    const n = end - s;
    const eventStarts = new Int32Array(to - from + 1);
    for (let k = from; k < to; k++) eventStarts[k - from] = starts[k] - s;
    eventStarts[to - from] = n;
    const thread = this.thread;
    const at = thread.reserve(n);
    const ringIndices = at < 0 ? new Int32Array(n) : thread.indices;
    const ringCodes = at < 0 ? new Int32Array(n) : thread.codes;
    const o = at < 0 ? 0 : at % ringIndices.length;
    ringIndices.set(indices.subarray(s, end), o);
    this.translate(indices, codes, s, end, ringCodes, o, names);
    const names1 = this.newNames;
    this.newNames = null;
    thread.post({
      op: 'chunk',
      id: this.id,
      first: this.events,
      at: at < 0 ? 0 : at,
      starts: eventStarts,
      names: names1,
      indices: at < 0 ? ringIndices : null,
      codes: at < 0 ? ringCodes : null,
    });
    this.events += to - from;
    sequentialThreadStats.chunks++;
    sequentialThreadStats.occurrences += n;
  }

  /** Wire codes of the columns `indices[s, end)` to `out[o ..]`. */
  private translate(
    indices: Int32Array,
    codes: Int32Array | null,
    s: number,
    end: number,
    out: Int32Array,
    o: number,
    names: ColumnNames,
  ): void {
    if (codes !== null && names.fieldNames !== this.vocabulary) {
      this.vocabulary = names.fieldNames ?? null;
      this.byCode.fill(0);
    }
    const byCode = this.byCode;
    for (let p = s, q = o; p < end; p++, q++) {
      const c = codes === null ? VOCAB_UNKNOWN : codes[p];
      let w: number;
      if (c === VOCAB_NONE) w = WIRE_NONE;
      else if (c === VOCAB_UNKNOWN || this.vocabulary === null) w = this.wireOfColumn(indices[p], names);
      else {
        w = c < byCode.length ? byCode[c] : 0;
        if (w === 0) w = this.wireOfCode(c);
      }
      out[q] = w;
    }
  }

  private wireOfCode(code: number): number {
    if (code >= this.byCode.length) {
      const bigger = new Int32Array(Math.max(2 * this.byCode.length, code + 1));
      bigger.set(this.byCode);
      this.byCode = bigger;
    }
    return (this.byCode[code] = this.wireOfField(this.vocabulary![code]));
  }

  /**
   * The wire code of a column's field as the detector would find it from the column's name: the
   * field `fieldOf` knows (without an `=`), else the name up to its first `=`, else none.
   */
  private wireOfColumn(column: number, names: ColumnNames): number {
    this.memoKeys ??= new Int32Array(MEMO);
    this.memoCodes ??= new Int32Array(MEMO);
    const slot = column & (MEMO - 1);
    if (this.memoKeys[slot] === column + 1) return this.memoCodes[slot];
    const known = names.fieldOf !== undefined ? names.fieldOf(column) : null;
    let w: number;
    if (known !== null && known.indexOf('=') < 0) w = this.wireOfField(known);
    else {
      const name = names.nameOf(column);
      const eq = name.indexOf('=');
      w = eq < 0 ? WIRE_NONE : this.wireOfField(name.slice(0, eq));
    }
    this.memoKeys[slot] = column + 1;
    this.memoCodes[slot] = w;
    return w;
  }

  private wireOfField(field: string): number {
    let w = this.wire.get(field);
    if (w === undefined) {
      w = this.nextWire++;
      this.wire.set(field, w);
      (this.newNames ??= []).push(field);
    }
    return w;
  }

  /** The detections of the events fed since the last `finish`, in event order (waits for the worker). */
  finish(): Detection[] {
    this.live();
    this.events = 0;
    const thread = this.thread;
    return thread.call({ op: 'finish', id: this.id, seq: thread.nextSeq() }).detections!;
  }

  /** The detector's state (between batches). */
  state(): SequentialSparsityState {
    this.live();
    if (this.events !== 0)
      throw new StateError(
        `the sequential input-drift state was asked for with ${this.events} events of a batch not yet through drift detection`,
      );
    const thread = this.thread;
    return packed(thread.call({ op: 'state', id: this.id, seq: thread.nextSeq() }).state!);
  }

  restore(state: SequentialSparsityState): void {
    this.live();
    const thread = this.thread;
    thread.call({ op: 'restore', id: this.id, seq: thread.nextSeq(), state });
  }

  private live(): void {
    if (this.closed)
      throw new Error(`sequential input-drift detector ${this.id} was closed (its model was evicted)`);
  }

  /** Drops the detector on the worker (the handle is of no use after). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.thread.drop(this.id);
  }
}
