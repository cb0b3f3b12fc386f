import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

import { DataError, EngineError, NumericError } from '../core/errors.js';
import { startWorkerScript, WorkerMissing, type WorkerScript } from '../core/workerScript.js';
import {
  fitFold,
  planFolds,
  summarizeFolds,
  type CrossValidationOptions,
  type CrossValidationResult,
  type FoldPlan,
  type FoldResult,
} from './cv.js';
import { DenseDesign, SparseDesign, type Design } from './design.js';
import { checkOptions } from './options.js';
import type { PathOptions } from './path.js';

export interface ThreadedCrossValidationOptions extends CrossValidationOptions {
  /**
   * Threads that fit the folds, this one included (at most one per fold); 1 fits them all on this
   * thread. Default: the cores Node reports (`os.availableParallelism()`), once the full path took
   * `THREADED_PATH_MS` or more. The result is the same, bit for bit.
   */
  readonly threads?: number;
  /** The compiled worker script, where a bundler moved it (default: `cvWorker.js` beside this module). */
  readonly workerFile?: string | URL;
}

/**
 * Without `threads`, a full path faster than this has its folds fitted on this thread: starting a
 * thread and compiling the solver there costs about as much as such folds.
 */
export const THREADED_PATH_MS = 100;

/** A design's arrays as a worker receives them (shared with the thread that started it, not copied). */
export type DesignArrays =
  | { readonly kind: 'dense'; readonly rows: number; readonly cols: number; readonly values: Float64Array }
  | {
      readonly kind: 'sparse';
      readonly rows: number;
      readonly cols: number;
      readonly colStart: Int32Array;
      readonly rowIndex: Int32Array;
      readonly values: Float64Array;
    };

/** What every worker of a cross-validation gets once: the design, the plan and the solver's options. */
export interface FoldWork {
  readonly design: DesignArrays;
  readonly plan: FoldPlan;
  readonly options: PathOptions;
  /** The next fold to take (Int32 slot 0, shared): a thread takes fold `Atomics.add(next, 0, 1)` while it is below K. */
  readonly next: Int32Array;
}

/** A worker's reply: a fold's result, the error fitting one threw, or that no fold is left. */
export type WorkerReply =
  | { readonly result: FoldResult }
  | { readonly fold: number; readonly error: { readonly name: string; readonly message: string } }
  | { readonly done: true };

/** The worker script that fits folds (`cvWorker.ts`). */
export const cvWorkerScript: WorkerScript = {
  name: 'cvWorker',
  js: new URL('./cvWorker.js', import.meta.url),
  fromSource: import.meta.url.endsWith('.ts'),
  packageDir: 'dist/src/solve',
  option: 'the option workerFile of crossValidateOnThreads',
  inline: 'threads: 1',
};

/** A copy of `a` in shared memory (one copy, whatever the number of threads that read it). */
function shared<T extends Float64Array | Int32Array>(a: T): T {
  const copy = new (a.constructor as new (buffer: SharedArrayBuffer) => T)(
    new SharedArrayBuffer(a.byteLength),
  );
  copy.set(a);
  return copy;
}

/** The arrays of a dense or CSC design in shared memory; null for any other `Design`. */
function sharedDesign(x: Design): DesignArrays | null {
  if (x instanceof DenseDesign)
    return { kind: 'dense', rows: x.rows, cols: x.cols, values: shared(x.values) };
  if (x instanceof SparseDesign) {
    const nnz = x.colStart[x.cols]!;
    return {
      kind: 'sparse',
      rows: x.rows,
      cols: x.cols,
      colStart: shared(x.colStart),
      rowIndex: shared(x.rowIndex.subarray(0, nnz)),
      values: shared(x.values.subarray(0, nnz)),
    };
  }
  return null;
}

/** The design a worker solves, over the arrays it received. */
export function designOf(d: DesignArrays): Design {
  return d.kind === 'dense'
    ? new DenseDesign(d.rows, d.cols, d.values)
    : new SparseDesign(d.rows, d.cols, d.colStart, d.rowIndex, d.values);
}

/** The solver's options as a worker needs them: no callbacks, and no per-row arrays the plan holds. */
function workerOptions(options: CrossValidationOptions): PathOptions {
  const {
    onLambda: _onLambda,
    onProgress: _onProgress,
    weights: _weights,
    folds: _folds,
    seed: _seed,
    foldIds: _foldIds,
    ...rest
  } = options;
  return rest;
}

/** The error a worker reported, as the class fitting the fold on this thread would have thrown. */
function rebuilt(error: { readonly name: string; readonly message: string }): Error {
  if (error.name === 'DataError') return new DataError(error.message);
  if (error.name === 'NumericError') return new NumericError(error.message);
  const e = new Error(error.message);
  e.name = error.name;
  return e;
}

/**
 * `crossValidate` with the folds fitted on several threads (`threads`: this one and `threads` − 1
 * workers), the full path on this one first (its λ sequence is the folds'). Each thread takes the
 * next fold not yet taken (a shared counter), so a slow fold holds up no other. Each fold's path
 * is the one `crossValidate` fits, so the result is identical; `onProgress` is called as folds
 * finish, with the count done. Folds are all fitted on this thread when one thread is asked for,
 * when `threads` is not given and the full path took less than `THREADED_PATH_MS`, for a design
 * that is neither a `DenseDesign` nor a `SparseDesign`, or when the worker script is not beside
 * this module (a bundled library that did not copy it) and `workerFile` is not given.
 */
export async function crossValidateOnThreads(
  x: Design,
  y: ArrayLike<number>,
  options: ThreadedCrossValidationOptions = {},
): Promise<CrossValidationResult> {
  checkOptions('crossValidateOnThreads', options);
  const { threads: asked, workerFile, ...cvOptions } = options;
  const started = performance.now();
  const { path, plan } = planFolds(x, y, cvOptions);
  const pathMs = performance.now() - started;
  const K = plan.folds;
  const onProgress = options.onProgress;
  onProgress?.(0, K);
  const threads = Math.min(asked ?? availableParallelism(), K);
  const design = threads > 1 && (asked !== undefined || pathMs >= THREADED_PATH_MS) ? sharedDesign(x) : null;
  // the next fold to take, shared by every thread
  const next = new Int32Array(new SharedArrayBuffer(4));
  const workers: Worker[] = [];
  if (design !== null) {
    try {
      for (let t = 1; t < threads; t++) workers.push(startWorkerScript(Worker, cvWorkerScript, workerFile));
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      if (!(err instanceof WorkerMissing) || workerFile !== undefined) throw err;
      workers.length = 0;
    }
  }
  const results: FoldResult[] = [];
  const finished = (result: FoldResult) => {
    results.push(result);
    onProgress?.(results.length, K);
  };
  if (workers.length === 0) {
    for (let f = 0; f < K; f++) finished(fitFold(x, plan, f, cvOptions));
    return summarizeFolds(path, plan, results);
  }
  const work: FoldWork = {
    design: design!,
    plan: {
      ...plan,
      foldIds: shared(plan.foldIds),
      y: shared(plan.y),
      w: shared(plan.w),
      lambdas: shared(plan.lambdas),
    },
    options: workerOptions(cvOptions),
    next,
  };
  let failure: { error: unknown } | null = null;
  // set once the folds are done: the workers' exits that follow are no failure
  let closing = false;
  let failed: () => void = () => {};
  // settles at the first failure: the folds still running are not waited for
  const failedSignal = new Promise<void>((resolve) => (failed = resolve));
  const fail = (error: unknown) => {
    if (closing) return;
    failure ??= { error };
    // no thread takes another fold
    Atomics.store(next, 0, K);
    failed();
  };
  try {
    const workersDone = workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          w.on('message', (reply: WorkerReply) => {
            if ('done' in reply) resolve();
            else if (failure !== null) return;
            else if ('error' in reply) fail(rebuilt(reply.error));
            else {
              try {
                finished(reply.result);
              } catch (err) {
                fail(err);
              }
            }
          });
          w.on('error', (err) => {
            fail(
              new EngineError('L1S_WORKER', `a cross-validation thread failed: ${err.message}`, {
                cause: err,
              }),
            );
          });
          w.on('exit', (code) => {
            fail(
              new EngineError(
                'L1S_WORKER',
                `a cross-validation thread exited (code ${code}) before its folds were done`,
              ),
            );
          });
          w.postMessage({ work });
        }),
    );
    // this thread takes folds too, letting the workers' replies in between
    for (;;) {
      const f = Atomics.add(next, 0, 1);
      if (f >= K || failure !== null) break;
      finished(fitFold(x, plan, f, cvOptions));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await Promise.race([Promise.all(workersDone), failedSignal]);
  } catch (err) {
    fail(err);
  } finally {
    closing = true;
    await Promise.all(workers.map((w) => w.terminate()));
  }
  if (failure !== null) throw (failure as { error: unknown }).error;
  return summarizeFolds(path, plan, results);
}
