import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** A Node.js file-system error (it carries an errno `code` such as ENOENT). */
export function isErrnoError(err: unknown): err is NodeJS.ErrnoException & { code: string } {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string';
}

/** How a path was used when it failed: read, written, or (an unforeseen error) not known. */
export type PathUse = 'read' | 'write' | 'use';

/**
 * One line saying what is wrong with a path the user named and how to fix it, from a Node.js
 * file-system error; `what` names where the path came from (`--output`), or is empty.
 */
export function pathProblem(what: string, path: string, err: unknown, use: PathUse): string {
  const code = isErrnoError(err) ? err.code : undefined;
  const named = what === '' ? path : `${what} ${path}`;
  const dir = dirname(path);
  switch (code) {
    case 'ENOENT': {
      if (use !== 'write') return `${named}: no such file or directory; check the path`;
      // (under /proc, say, a directory exists and refuses new entries with ENOENT)
      const made =
        isErrnoError(err) && (err.syscall === 'mkdir' || err.syscall === 'open') ? err.path : undefined;
      return made !== undefined && existsSync(dirname(made))
        ? `${named}: cannot create ${made}: the file system refuses new entries in ${dirname(made)}; choose another path`
        : `${named}: the directory ${dir} does not exist; create it (mkdir -p ${dir}) or choose another path`;
    }
    case 'ENOTDIR':
      return `${named}: a part of the path is a file, not a directory; choose another path`;
    case 'EISDIR':
      return `${named} is a directory; give a file path`;
    case 'EEXIST':
      return `${named} exists and is not a directory; give a directory path`;
    case 'EACCES':
    case 'EPERM':
      return `${named}: permission denied; choose a path you can ${use === 'read' ? 'read' : 'write'}`;
    case 'EROFS':
      return `${named}: the file system is read-only; choose another path`;
    case 'ENOSPC':
      return `${named}: no space left on the device; free some or choose another path`;
    default:
      return `${named}: cannot ${use} it (${code ?? (err instanceof Error ? err.message : String(err))})`;
  }
}

/**
 * What `pathProblem` would say of making directory `path` (mkdir -p) and writing in it, found
 * without making anything: a part of it that is a file, an existing non-directory, or a nearest
 * existing directory that cannot be written. Null when nothing is seen to stop it.
 */
export function plannedDirectoryProblem(what: string, path: string): string | null {
  const failed = (code: string) => Object.assign(new Error(code), { code });
  let at = resolve(path);
  for (let first = true; ; first = false) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(at).isDirectory();
    } catch (err) {
      if (isErrnoError(err) && err.code === 'ENOENT') {
        const parent = dirname(at);
        if (parent === at) return null;
        at = parent;
        continue;
      }
      return pathProblem(what, path, err, 'write');
    }
    if (!isDirectory) return pathProblem(what, path, failed(first ? 'EEXIST' : 'ENOTDIR'), 'write');
    try {
      accessSync(at, constants.W_OK);
      return null;
    } catch (err) {
      return pathProblem(what, path, err, 'write');
    }
  }
}
