import { createRequire } from 'node:module';
import type { Worker } from 'node:worker_threads';

import { defer, from, type Observable } from 'rxjs';

import { EngineError } from '../core/errors.js';
import { scriptPath, startWorkerScript, WORKER_START_MS, type WorkerScript } from '../core/workerScript.js';
import { solveRefitJob, type RefitJob, type RefitOutcome } from './job.js';

/**
 * Runs refit jobs; `idle` says whether one more can start now (`refitEvery` keeps the others
 * waiting). `run` starts the job when subscribed and emits its outcome once; the job's thread is
 * free (counted by `idle`) by the time the outcome is emitted, so the next waiting job can start.
 */
export interface RefitRunner {
  readonly idle: boolean;
  run(job: RefitJob): Observable<RefitOutcome>;
  /** Gets ready for the first job now (`refitEvery` calls it when a model's first refit is near). */
  prestart?(): void;
  close(): Promise<void>;
}

/** A refit that failed (the solver threw): reported, counted, and the stream goes on. */
export class RefitError extends EngineError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('L1S_REFIT', message, options);
  }
}

/**
 * Runs each job synchronously on the calling thread: deterministic (the refit lands right after
 * the batch that made it due), for tests and small models; it blocks learning while it solves.
 */
export class InlineRefitRunner implements RefitRunner {
  readonly idle = true;

  run(job: RefitJob): Observable<RefitOutcome> {
    return defer(() => {
      try {
        return [solveRefitJob(job)];
      } catch (err) {
        throw new RefitError(`refit of "${job.key}" failed: ${(err as Error).message}`, { cause: err });
      }
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

interface Pending {
  readonly resolve: (outcome: RefitOutcome) => void;
  readonly reject: (err: unknown) => void;
  readonly key: string;
}

/** The refit worker's script (compiled beside this module). */
const refitWorkerScript: WorkerScript = {
  name: 'refitWorker',
  js: new URL('./refitWorker.js', import.meta.url),
  fromSource: import.meta.url.endsWith('.ts'),
  packageDir: 'dist/src/refit',
  option: 'workerFiles.refit',
  inline: 'refit.threads 0',
};

/** A worker running `refitWorker` (from `file`, default beside this module). */
function startWorker(file: string | URL | undefined): Worker {
  // node:worker_threads only for a run whose refits are on
  const { Worker } = createRequire(import.meta.url)(
    'node:worker_threads',
  ) as typeof import('node:worker_threads');
  return startWorkerScript(Worker, refitWorkerScript, file);
}

/**
 * Runs refits on worker threads (`threads`, default 1), so learning and scoring go on while the
 * solver works. Workers start at `prestart` (half a refit period before the first refit is due,
 * so they have loaded the solver by then; or on first use) and are held unref'd while they have
 * no job, so they keep no process alive; the window's rows are shared with the worker (see `start`).
 */
export class WorkerRefitRunner implements RefitRunner {
  private readonly threads: number;
  private readonly workers: Worker[] = [];
  private readonly free: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly byWorker = new Map<Worker, number>();
  private nextId = 1;
  private closed = false;

  /** `file`: the refit worker's script (default: refitWorker.js beside this module). */
  constructor(
    threads = 1,
    private readonly file?: string | URL,
  ) {
    if (!(Number.isInteger(threads) && threads >= 1))
      throw new RangeError(`refit threads must be a whole number >= 1, got ${threads}`);
    this.threads = threads;
  }

  get idle(): boolean {
    return !this.closed && (this.free.length > 0 || this.workers.length < this.threads);
  }

  /** Worker threads started so far (and not crashed or closed). */
  get started(): number {
    return this.workers.length;
  }

  /**
   * Starts every worker now, so the first refit does not wait while a thread starts and loads the
   * solver (its window is taken when due; it would finish that much later). They load on their own
   * threads, unref'd.
   */
  prestart(): void {
    while (!this.closed && this.workers.length < this.threads) {
      const worker = this.spawn();
      worker.unref();
      this.free.push(worker);
    }
  }

  /** Starts the job now (so `idle` is current when the next due model asks) and emits its outcome. */
  run(job: RefitJob): Observable<RefitOutcome> {
    const outcome = this.start(job);
    outcome.catch(() => undefined); // reported to the subscriber
    return from(outcome);
  }

  private start(job: RefitJob): Promise<RefitOutcome> {
    if (!this.idle) return Promise.reject(new RefitError('no refit worker is free'));
    const worker = this.free.pop() ?? this.spawn();
    const id = this.nextId++;
    this.byWorker.set(worker, id);
    worker.ref();
    const done = new Promise<RefitOutcome>((resolve, reject) =>
      this.pending.set(id, { resolve, reject, key: job.key }),
    );
    // not transferred: the first ArrayBuffer a thread detaches makes V8 throw away every optimized
    // function that reads a typed array (the "array buffer detaching" protector), and the learning
    // thread would compile its hot code again after the first refit; the window's rows are in
    // SharedArrayBuffers (`refitJob`), which the clone shares, the warm starts are copied
    worker.postMessage({ id, job });
    return done;
  }

  private spawn(): Worker {
    const worker = startWorker(this.file);
    this.workers.push(worker);
    // a script that is not l1stream's refit worker (workerFiles.refit) would never answer: each
    // worker says it is ready once loaded, and one that does not within WORKER_START_MS is given up
    let ready = false;
    const notReady = setTimeout(
      // (after the messages already queued: a loop blocked past the budget has them waiting)
      () =>
        setImmediate(() => {
          if (ready || this.closed) return;
          this.fail(
            worker,
            new RefitError(this.unusable(`did not start within ${WORKER_START_MS / 1000} s`)),
          );
          void worker.terminate();
        }),
      WORKER_START_MS,
    );
    notReady.unref();
    worker.on(
      'message',
      (m: { id: number; ready?: true; outcome?: RefitOutcome; error?: { message: string } }) => {
        // (a worker that answers is ready: a refitWorker.js from before the ready message answers too)
        ready = true;
        clearTimeout(notReady);
        if (m.ready === true) return;
        this.answered(worker, m);
      },
    );
    worker.on('error', (err) => {
      clearTimeout(notReady);
      this.fail(worker, new RefitError(`the refit worker crashed: ${err.message}`, { cause: err }));
    });
    worker.on('exit', (code) => {
      clearTimeout(notReady);
      // (close() terminates them: its jobs are rejected there)
      if (!this.closed)
        this.fail(worker, new RefitError(this.unusable(`exited (code ${code}) without answering`)));
    });
    return worker;
  }

  /** Why a worker cannot refit, with its script and the fixes. */
  private unusable(why: string): string {
    return `the refit worker ${why}: its script ${scriptPath(refitWorkerScript, this.file)} must be l1stream's refitWorker.js (workerFiles.refit), or set refit.threads 0 to refit on the learning thread`;
  }

  private answered(
    worker: Worker,
    m: { id: number; outcome?: RefitOutcome; error?: { message: string } },
  ): void {
    const p = this.pending.get(m.id);
    this.pending.delete(m.id);
    this.byWorker.delete(worker);
    worker.unref();
    // (a worker given up meanwhile is not handed another job)
    if (!this.closed && this.workers.includes(worker)) this.free.push(worker);
    if (p === undefined) return;
    if (m.outcome) p.resolve(m.outcome);
    else p.reject(new RefitError(`refit of "${p.key}" failed: ${m.error?.message ?? 'unknown error'}`));
  }

  /** Drops `worker` (crashed, exited, never ready) and fails the job it had, if any. */
  private fail(worker: Worker, err: RefitError): void {
    const at = this.workers.indexOf(worker);
    if (at < 0) return;
    this.workers.splice(at, 1);
    const free = this.free.indexOf(worker);
    if (free >= 0) this.free.splice(free, 1);
    const id = this.byWorker.get(worker);
    this.byWorker.delete(worker);
    if (id === undefined) return;
    const p = this.pending.get(id);
    this.pending.delete(id);
    p?.reject(err);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new RefitError('the refit runner was closed'));
    this.pending.clear();
    // a worker being terminated keeps no process alive: hold it until every worker has exited
    // (else a stop that abandons a running refit could end the process before its outputs are written)
    const alive = setInterval(() => undefined, 60_000);
    try {
      await Promise.all(this.workers.map((w) => w.terminate()));
    } finally {
      clearInterval(alive);
    }
    this.workers.length = 0;
    this.free.length = 0;
  }
}
