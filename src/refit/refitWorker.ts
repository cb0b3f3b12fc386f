/**
 * Worker-thread entry of `WorkerRefitRunner`: solves refit jobs off the event loop that learns.
 * One job at a time; each reply carries the job's id.
 */
import { parentPort } from 'node:worker_threads';

import { solveRefitJob, type RefitJob } from './job.js';

// This thread detaches buffers (a WebAssembly memory that grows, the outcome's transferred arrays);
// V8 deoptimizes every function that read a typed array at the first detach in a thread (its
// "array buffer detaching" protector). Detach one now, before anything is optimized, so that the
// solver's functions are compiled once, not again after the first solve's kernels are made.
const spent = new ArrayBuffer(8);
structuredClone(spent, { transfer: [spent] });

const port = parentPort;
if (port === null) throw new Error('refitWorker must run in a worker thread');

port.on('message', (message: { readonly id: number; readonly job: RefitJob }) => {
  try {
    const outcome = solveRefitJob(message.job);
    port.postMessage({ id: message.id, outcome }, [
      outcome.model.cols.buffer as ArrayBuffer,
      outcome.model.values.buffer as ArrayBuffer,
    ]);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    port.postMessage({ id: message.id, error: { name: e.name, message: e.message } });
  }
});

// loaded: the runner gives up a worker that never says so (a script that is not this one)
port.postMessage({ ready: true });
