/**
 * Worker-thread entry of `crossValidateOnThreads`: given the work (the design and plan, their
 * arrays shared with the thread that started it), fits the next fold not yet taken until none is
 * left, posting each fold's result, then that it is done.
 */
import { parentPort } from 'node:worker_threads';

import { fitFold } from './cv.js';
import { designOf, type FoldWork, type WorkerReply } from './cvThreads.js';

// This thread detaches buffers (a WebAssembly memory that grows): V8 deoptimizes every function
// that read a typed array at the first detach in a thread. Detach one now, before anything is
// optimized (as the refit worker does).
const spent = new ArrayBuffer(8);
structuredClone(spent, { transfer: [spent] });

const port = parentPort;
if (port === null) throw new Error('cvWorker must run in a worker thread');

port.on('message', (message: { readonly work: FoldWork }) => {
  const { work } = message;
  const design = designOf(work.design);
  const K = work.plan.folds;
  for (;;) {
    const fold = Atomics.add(work.next, 0, 1);
    if (fold >= K) break;
    let reply: WorkerReply;
    try {
      reply = { result: fitFold(design, work.plan, fold, work.options) };
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      port.postMessage({ fold, error: { name: e.name, message: e.message } } satisfies WorkerReply);
      return;
    }
    port.postMessage(reply);
  }
  port.postMessage({ done: true } satisfies WorkerReply);
});
