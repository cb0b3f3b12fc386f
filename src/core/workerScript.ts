import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';

import { EngineError } from './errors.js';

/** A worker thread's script that is not where the engine looks for it (a bundler moved the engine). */
export class WorkerMissing extends EngineError {
  constructor(message: string) {
    super('L1S_WORKER', message);
  }
}

/** A worker thread that exited, crashed or never started: the run cannot use it. */
export class WorkerFailed extends EngineError {
  constructor(message: string) {
    super('L1S_WORKER', message);
  }
}

/**
 * Milliseconds a worker has to load its script and start its work (a script that is not
 * l1stream's never does). `L1STREAM_WORKER_START_MS` sets it (tests).
 */
export const WORKER_START_MS = Number(process.env.L1STREAM_WORKER_START_MS) || 30_000;

/** What a worker script is: its file name, the module it sits beside, and how to do without it. */
export interface WorkerScript {
  /** The file name without extension (`refitWorker`). */
  readonly name: string;
  /** The compiled script beside its module: `new URL('./refitWorker.js', import.meta.url)`. */
  readonly js: URL;
  /** The module runs from TypeScript source (tests, tsx): `import.meta.url` ends with .ts. */
  readonly fromSource: boolean;
  /** Where it lives in the package (`dist/src/refit`). */
  readonly packageDir: string;
  /** The engine option that points at the file (`workerFiles.refit`). */
  readonly option: string;
  /** The setting that runs its work on the learning thread instead (`refit.threads 0`). */
  readonly inline: string;
}

/**
 * Where a worker that fails to load its script says so, for a thread that waits for it blocked
 * (Atomics.wait: no 'error' event reaches it): `failed` of the Int32 view of `ctl` is set to
 * `value`, then `wake` is bumped and notified.
 */
export interface LoadFailureSignal {
  readonly ctl: SharedArrayBuffer;
  readonly failed: number;
  readonly value: number;
  readonly wake: number;
}

/**
 * Starts `script` on a new thread: the compiled .js at `file` (a path or file URL; default beside
 * its module), or, when its module runs from TypeScript source (tests, tsx), the .ts source through
 * tsx's loader registered in the worker. A .js file that does not exist throws `WorkerMissing`
 * naming the file and the fixes, before any thread starts (a bundle holds the engine's modules
 * but not its worker scripts).
 */
export function startWorkerScript(
  Ctor: typeof Worker,
  script: WorkerScript,
  file?: string | URL,
  signal?: LoadFailureSignal,
): Worker {
  const onFailure = signal
    ? `.catch((err) => { const ctl = new Int32Array(require('node:worker_threads').workerData.ctl); Atomics.store(ctl, ${signal.failed}, ${signal.value}); Atomics.add(ctl, ${signal.wake}, 1); Atomics.notify(ctl, ${signal.wake}); throw err; })`
    : '';
  const options = { eval: true, ...(signal ? { workerData: { ctl: signal.ctl } } : {}) };
  if (file === undefined && script.fromSource) {
    const entry = script.js.href.replace(/\.js$/, '.ts');
    return new Ctor(
      `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })${onFailure};`,
      options,
    );
  }
  const url = scriptUrl(script, file);
  const path = fileURLToPath(url);
  if (!existsSync(path))
    throw new WorkerMissing(
      `cannot start the ${script.name} thread: ${path} does not exist (l1stream was bundled, so its worker scripts are not beside the bundle): bundle node_modules/l1stream/${script.packageDir}/${script.name}.js into that directory as ${script.name}.js, or set the engine option ${script.option} to where it is, or set ${script.inline} to work on the learning thread`,
    );
  return signal ? new Ctor(`import(${JSON.stringify(url.href)})${onFailure};`, options) : new Ctor(url);
}

/** The file `script` is started from (`file`, default beside its module). */
export function scriptPath(script: WorkerScript, file: string | URL | undefined): string {
  return fileURLToPath(scriptUrl(script, file));
}

function scriptUrl(script: WorkerScript, file: string | URL | undefined): URL {
  if (file === undefined) return script.js;
  if (file instanceof URL) return file;
  if (file.startsWith('file:')) return new URL(file);
  return pathToFileURL(isAbsolute(file) ? file : resolve(file));
}
