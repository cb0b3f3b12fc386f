import {
  closeSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

import { ConnectorError } from '../../src/index.js';
import { makeDirectory } from './directory.js';

/** The lock file in a directory, by what the directory is to the run (`--state` and `--out` may be one). */
export const lockFileName = (role: 'state' | 'out'): string => `.l1stream-${role}.lock`;

/** Who holds a lock: the content of its file. */
interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/** A directory another live process writes to: this run is refused (exit 2, as a refused state directory). */
export class DirectoryInUse extends ConnectorError {
  constructor(message: string) {
    super('L1S_DIR_LOCKED', message);
  }
}

/** A directory this run cannot write (its lock file cannot be created): permissions, a full disk. */
export class DirectoryUnwritable extends ConnectorError {
  constructor(message: string, cause: unknown) {
    super('L1S_DIR_UNWRITABLE', message, { cause });
  }
}

/** Why the lock file could not be created, when that is the directory's fault, and what to do. */
function unwritable(where: string, err: unknown): string | null {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'EACCES':
    case 'EPERM':
      return `${where}: permission denied; give a directory you can write`;
    case 'EROFS':
      return `${where}: the file system is read-only; give another directory`;
    case 'ENOSPC':
      return `${where}: no space left on the device; free some or give another directory`;
    default:
      return null;
  }
}

/**
 * A lock on a directory that one run writes (`--state DIR`, `--out DIR`): a file created
 * exclusively (of two processes, one creates it) with the pid and host in it (`createWith`),
 * removed when the run ends (also when the process exits on an error). A lock whose process is
 * dead on this host (a run killed with SIGKILL) is taken over, with `onStale` told; a live one, or
 * one of another host, refuses the run with `DirectoryInUse` naming its pid. Of runs that find the
 * same dead lock, one takes it over and the others are refused (`take`).
 */
export class DirectoryLock {
  private released = false;
  private readonly onExit = () => this.release();

  private constructor(readonly file: string) {
    process.once('exit', this.onExit);
  }

  /**
   * Locks `dir` (created if missing) for `role`; `where` names it as the user gave it (`--state
   * st3`). Null when the directory cannot be created: the caller's own check reports that.
   */
  static acquire(
    dir: string,
    role: 'state' | 'out',
    where: string,
    onStale: (message: string) => void,
  ): DirectoryLock | null {
    try {
      // not Node's recursive mkdir: it never returns under /proc (`makeDirectory`)
      makeDirectory(dir);
    } catch {
      return null;
    }
    const file = join(dir, lockFileName(role));
    const me: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    let taken: Taken;
    try {
      taken = take(file, `${JSON.stringify(me)}\n`, me.host, 0);
    } catch (err) {
      const refused = unwritable(where, err);
      if (refused !== null) throw new DirectoryUnwritable(refused, err);
      throw new ConnectorError('L1S_DIR_LOCK', `cannot lock ${where}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (!taken.took) {
      const { holder } = taken;
      // (null: a lock file being written this instant, empty or cut: the other process holds it)
      const who =
        holder === null ? 'another process' : `pid ${holder.pid} on ${holder.host} (since ${holder.since})`;
      throw new DirectoryInUse(
        `${where} is in use by ${who}: two runs must not write one directory; wait for that run to end or stop it, or give another directory (if no such process runs, delete ${file})`,
      );
    }
    const lock = new DirectoryLock(file);
    if (taken.stale !== null)
      onStale(
        `taking over the lock of ${where} left by pid ${taken.stale.pid} (since ${taken.stale.since}), which no longer runs`,
      );
    return lock;
  }

  /** Removes the lock file (once). */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    rmSync(this.file, { force: true });
  }
}

/** A lock taken (`stale`: the dead holder it was taken over from), or the holder that keeps it. */
type Taken =
  | { readonly took: true; readonly stale: Holder | null }
  | { readonly took: false; readonly holder: Holder | null };

/** Markers of takeovers in progress deeper than this (each left by a run killed as it took over) refuse. */
const MAX_DEPTH = 3;

/**
 * Takes the lock `file` for the holder written as `text`: creates it, or takes it over from a
 * holder that no longer runs on `host`. A takeover is one run's at a time: the run that creates
 * the marker `file.PID-SINCE.takeover` (named after the dead holder, exclusively, as a lock itself,
 * so one left by a run killed as it took over is taken over in turn) checks that `file` still
 * holds that dead holder's lock and renames its own over it. A run that finds the marker held is
 * refused, and so is one that, holding it, finds `file` no longer the dead holder's (another run
 * took it over meanwhile): removing the lock file instead, two runs could each remove the other's
 * fresh lock and both go on.
 */
function take(file: string, text: string, host: string, depth: number): Taken {
  let holder: Holder | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createWith(file, text)) return { took: true, stale: null };
    let raw: string | null;
    try {
      raw = readText(file);
    } catch {
      return { took: false, holder: null }; // a lock that cannot be read is another process's
    }
    if (raw === null) continue; // released since: create it again
    holder = holderOf(raw);
    if (holder === null || holder.host !== host || alive(holder.pid) || depth >= MAX_DEPTH)
      return { took: false, holder };
    const marker = `${file}.${holder.pid}-${holder.since.replace(/\D/g, '').slice(0, 24)}.takeover`;
    const mine = take(marker, text, host, depth + 1);
    // another run takes this lock over: it is the holder now
    if (!mine.took) return { took: false, holder: mine.holder };
    try {
      // taken over by another run before this one had the marker: try again (its lock refuses)
      if (readText(file) !== raw) continue;
      replaceWith(file, text);
      return { took: true, stale: holder };
    } finally {
      rmSync(marker, { force: true });
    }
  }
  return { took: false, holder };
}

/** Temporary files of this process: each its own name (two locks may be taken at once in tests). */
let temporaries = 0;
const temporary = (file: string) => `${file}.${process.pid}-${++temporaries}.tmp`;

/** Writes `text` to `file` whole, over what it holds (a temporary file renamed). */
function replaceWith(file: string, text: string): void {
  const tmp = temporary(file);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Creates `file` holding `text`, unless it exists (false). The text is written to a file of this
 * process first and hard-linked to `file`, so the lock appears whole or not at all: a run killed
 * as it takes the lock (or whose write fails on a full disk) leaves no empty lock, which would
 * refuse every later run as "in use". Where the file system has no hard links, `file` is created
 * and written in place.
 */
function createWith(file: string, text: string): boolean {
  const tmp = temporary(file);
  try {
    writeFileSync(tmp, text);
    try {
      linkSync(tmp, file);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, text);
  } catch (err) {
    closeSync(fd);
    rmSync(file, { force: true });
    throw err;
  }
  closeSync(fd);
  return true;
}

/** The text of `file`, or null when it does not exist. */
function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function holderOf(text: string): Holder | null {
  try {
    const h = JSON.parse(text) as Partial<Holder> | null;
    return h !== null &&
      typeof h === 'object' &&
      typeof h.pid === 'number' &&
      typeof h.host === 'string' &&
      typeof h.since === 'string'
      ? { pid: h.pid, host: h.host, since: h.since }
      : null;
  } catch {
    return null;
  }
}

/** A process with this pid runs on this host (EPERM: it runs, under another user). */
function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !exited(pid);
}

/**
 * A process that has exited but is not yet reaped (Linux: state Z or X in `/proc/PID/stat`): `kill
 * -9` leaves one for a while (1.8 s after `timeout -s KILL` ended a replay), and it writes nothing more.
 */
function exited(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false; // no /proc (not Linux): kill's answer stands
  }
  // "pid (command) S ...": the command may hold spaces and parentheses, the state follows the last ')'
  const state = stat.charAt(stat.lastIndexOf(')') + 2);
  return state === 'Z' || state === 'X';
}
