/**
 * Worker-thread entry of `SequentialThread`: runs the sequential input-drift detectors of every
 * model (by numeric id) on the occurrences the learning thread writes into a shared ring, and
 * answers its synchronous requests (a batch's detections, a detector's state, a restore) on the
 * reply port, then wakes it (see sequentialThread.ts for the protocol).
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { parentPort, type MessagePort } from 'node:worker_threads';

import { SequentialSparsityDetector, type NamedFeatures } from './sequentialSparsity.js';
import {
  CTL_FAILED,
  CTL_TAIL,
  CTL_STARTED,
  CTL_TID,
  CTL_WAKE,
  EXITED,
  FAILED,
  type Detection,
  type ThreadReply,
  type ThreadRequest,
} from './sequentialThread.js';

interface Model {
  readonly detector: SequentialSparsityDetector;
  /** The field of wire code k ≥ 2 (codes 0 and 1 are never sent: unknown, none). */
  readonly names: string[];
  readonly view: NamedFeatures;
  detections: Detection[];
}

const port = parentPort;
if (port === null) throw new Error('sequentialWorker must run in a worker thread');

const models = new Map<number, Model>();
let ctl: Int32Array | null = null;
let tail: BigInt64Array | null = null;
let indices: Int32Array = new Int32Array(0);
let codes: Int32Array = new Int32Array(0);
let reply: MessagePort | null = null;
/** The first failure: every later request is answered with it. */
let failure: string | null = null;

function noName(index: number): string {
  throw new Error(`sequential input-drift worker: column ${index} has no field code`);
}

function answer(message: ThreadReply): void {
  reply!.postMessage(message);
  Atomics.add(ctl!, CTL_WAKE, 1);
  Atomics.notify(ctl!, CTL_WAKE);
}

/** This thread's id in /proc (Linux: /proc/thread-self is `PID/task/TID`), or 0. */
function threadId(): number {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : 0;
  } catch {
    return 0;
  }
}

/** This thread's user + system CPU seconds (Linux: /proc/thread-self/stat), or NaN. */
function threadCpuSeconds(): number {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

function modelOf(id: number): Model {
  const m = models.get(id);
  if (m === undefined) throw new Error(`sequential input-drift worker has no model ${id}`);
  return m;
}

function handle(m: ThreadRequest): void {
  switch (m.op) {
    case 'init':
      ctl = new Int32Array(m.ctl);
      tail = new BigInt64Array(m.ctl);
      indices = new Int32Array(m.indices);
      codes = new Int32Array(m.codes);
      reply = m.reply;
      Atomics.store(ctl, CTL_TID, threadId());
      Atomics.store(ctl, CTL_STARTED, 1);
      return;
    case 'open': {
      const names = ['', ''];
      models.set(m.id, {
        detector: new SequentialSparsityDetector(m.options),
        names,
        view: { indices, start: 0, end: 0, nameOf: noName, fieldCodes: codes, fieldNames: names },
        detections: [],
      });
      return;
    }
    case 'exit':
      process.exit(70);
      return;
    case 'close':
      models.delete(m.id);
      return;
    case 'chunk': {
      const model = modelOf(m.id);
      if (m.names !== null) for (const n of m.names) model.names.push(n);
      const { detector, view } = model;
      const starts = m.starts;
      // occurrences too many for the ring come in the message
      if (m.indices !== null) {
        view.indices = m.indices;
        view.fieldCodes = m.codes!;
      } else {
        view.indices = indices;
        view.fieldCodes = codes;
      }
      // (`at` counts from the ring's start, round after round)
      const base = m.indices !== null ? 0 : m.at % indices.length;
      for (let i = 0; i + 1 < starts.length; i++) {
        view.start = base + starts[i];
        view.end = base + starts[i + 1];
        detector.update(view);
        if (detector.driftDetected) model.detections.push({ event: m.first + i, report: detector.report! });
      }
      if (m.indices === null) {
        Atomics.store(tail!, CTL_TAIL, BigInt(m.at + starts[starts.length - 1]));
        Atomics.add(ctl!, CTL_WAKE, 1);
        Atomics.notify(ctl!, CTL_WAKE);
      }
      return;
    }
    case 'finish': {
      const model = modelOf(m.id);
      const detections = model.detections;
      model.detections = [];
      answer({ seq: m.seq, detections });
      return;
    }
    case 'state':
      answer({ seq: m.seq, state: modelOf(m.id).detector.state() });
      return;
    case 'cpu':
      answer({ seq: m.seq, cpu: threadCpuSeconds() });
      return;
    case 'restore':
      // a checkpoint refused is the caller's error, not the worker's
      try {
        modelOf(m.id).detector.restore(m.state);
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        answer({ seq: m.seq, error: e.message, errorName: e.name });
        return;
      }
      answer({ seq: m.seq });
      return;
  }
}

function wake(failed: number): void {
  if (ctl === null) return;
  Atomics.store(ctl, CTL_FAILED, failed);
  Atomics.add(ctl, CTL_WAKE, 1);
  Atomics.notify(ctl, CTL_WAKE);
}

// a worker that exits (process.exit, an error outside a request) tells a learning thread waiting for it
process.on('exit', () => wake(EXITED));

port.on('message', (m: ThreadRequest) => {
  if (failure === null) {
    try {
      handle(m);
      return;
    } catch (err) {
      failure = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
  }
  // a failed worker answers every request with its failure (and wakes a writer waiting for room)
  if ('seq' in m && reply !== null) answer({ seq: m.seq, error: failure });
  else wake(FAILED);
});
