import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { ConnectorError } from '../../src/index.js';
import { pathProblem } from '../../src/internal.js';

/**
 * A file-system error on a path to be written, as a ConnectorError that names the path (as `what`,
 * e.g. "the output directory") and what to do: no bare ENOENT or EACCES from Node.
 */
export const cannotWrite = (code: string, what: string, path: string, err: unknown): ConnectorError =>
  new ConnectorError(code, pathProblem(what, path, err, 'write'), { cause: err });

/**
 * `mkdir -p dir`, one level at a time. Node's recursive mkdir never returns where the file system
 * refuses a new entry with ENOENT although its parent exists (`/proc/x`); here that mkdir's own
 * error (code, path) is thrown at once. An existing directory is left as it is.
 */
export function makeDirectory(dir: string): void {
  const missing: string[] = [];
  for (let at = resolve(dir); ; at = dirname(at)) {
    try {
      statSync(at);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(at) === at) throw err;
      missing.push(at);
    }
  }
  // nothing missing: mkdir of a directory that exists is a no-op, of a file its own EEXIST
  if (missing.length === 0) return void mkdirSync(dir, { recursive: true });
  for (let i = missing.length - 1; i >= 0; i--) {
    try {
      mkdirSync(missing[i]!);
    } catch (err) {
      // made meanwhile by another process: fine if it is a directory
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(missing[i]!).isDirectory()) throw err;
    }
  }
}
