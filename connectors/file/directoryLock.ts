import { closeSync, linkSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
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

/**
 * A lock on a directory that one run writes (`--state DIR`, `--out DIR`): a file created
 * exclusively (of two processes, one creates it) with the pid and host in it (`createWith`),
 * removed when the run ends (also when the process exits on an error). A lock whose process is
 * dead on this host (a run killed with SIGKILL) is taken over, with `onStale` told; a live one, or
 * one of another host, refuses the run with `DirectoryInUse` naming its pid.
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
    for (let attempt = 0; ; attempt++) {
      try {
        if (createWith(file, `${JSON.stringify(me)}\n`)) return new DirectoryLock(file);
      } catch (err) {
        throw new ConnectorError('L1S_DIR_LOCK', `cannot lock ${where}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      const holder = readHolder(file);
      // a lock file being written this instant (empty or cut): the other process holds it
      if (holder === null || attempt > 0 || holder.host !== me.host || alive(holder.pid)) {
        const who =
          holder === null ? 'another process' : `pid ${holder.pid} on ${holder.host} (since ${holder.since})`;
        throw new DirectoryInUse(
          `${where} is in use by ${who}: two runs must not write one directory; wait for that run to end or stop it, or give another directory (if no such process runs, delete ${file})`,
        );
      }
      onStale(
        `taking over the lock of ${where} left by pid ${holder.pid} (since ${holder.since}), which no longer runs`,
      );
      rmSync(file, { force: true });
    }
  }

  /** Removes the lock file (once). */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    rmSync(this.file, { force: true });
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
  const tmp = `${file}.${process.pid}.tmp`;
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

function readHolder(file: string): Holder | null {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as Partial<Holder>;
    return typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.since === 'string'
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
