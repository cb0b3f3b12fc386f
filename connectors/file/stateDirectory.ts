import { readdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { cannotWrite, makeDirectory } from './directory.js';
import { ConfigError, ConnectorError, StateError, type StateStore } from '../../src/index.js';
import { optionKeyProblems, shownValue } from '../../src/internal.js';

const SUFFIX = '.state';
const TMP = '.tmp';

const KEY_SUFFIX = '.key';
/** Longest file name most file systems take (ext4, APFS, NTFS: 255). */
const MAX_NAME = 255;

/**
 * The file name of a key's state (keys are user data). Hex of its UTF-8 bytes when that names the
 * key exactly and fits a file name: the key reads back from the name. Otherwise (a key longer than
 * 122 UTF-8 bytes, or one with an unpaired surrogate, which UTF-8 cannot hold): `~` and the SHA-256
 * of its UTF-16 code units, the key itself kept beside the state in `~….key` as JSON (which escapes
 * unpaired surrogates).
 */
function fileOf(key: string): { readonly name: string; readonly spelled: boolean } {
  const utf8 = Buffer.from(key, 'utf8');
  const hex = utf8.toString('hex');
  if (hex.length + SUFFIX.length + TMP.length <= MAX_NAME && utf8.toString('utf8') === key) {
    return { name: `${hex}${SUFFIX}`, spelled: true };
  }
  // node:crypto only for such a key (it costs a replay's start-up 2-3 ms to load)
  const { createHash } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  const digest = createHash('sha256').update(Buffer.from(key, 'utf16le')).digest('hex');
  return { name: `~${digest}${SUFFIX}`, spelled: false };
}

/** `~digest.key` beside `~digest.state`. */
function keyFileOf(stateFile: string): string {
  return `${stateFile.slice(0, -SUFFIX.length)}${KEY_SUFFIX}`;
}

/** A state file's name as `fileOf` makes them (hex, or `~` and a SHA-256). */
export const STATE_FILE_NAME = /^(?:~[0-9a-f]{64}|(?:[0-9a-f]{2})*)\.state$/;

/**
 * The key whose state a file of `dir` named `name` holds (`STATE_FILE_NAME`): read from a hex name,
 * or from its `~….key` file; null when that file cannot be read.
 */
export function keyOfStateFile(dir: string, name: string): string | null {
  if (!name.startsWith('~')) return Buffer.from(name.slice(0, -SUFFIX.length), 'hex').toString('utf8');
  try {
    const key: unknown = JSON.parse(readFileSync(join(dir, keyFileOf(name)), 'utf8'));
    return typeof key === 'string' ? key : null;
  } catch {
    return null;
  }
}

/** Writes `data` to `file` through a temporary file renamed over it (all or nothing). */
function writeAtomically(file: string, data: Uint8Array | string): void {
  const tmp = `${file}${TMP}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

export interface DirectoryStateStoreOptions {
  /**
   * The states outlive the run (default true): the engine then checkpoints every model with the
   * input positions it covers (`replay --state DIR`). False for a directory that only holds evicted
   * models while one run lasts (a temporary spill directory): no checkpoints, and a state is
   * deleted when its model is back in memory.
   */
  readonly durable?: boolean;
  /**
   * A directory that only spills (`durable: false`) keeps the states evicted most recently in
   * memory, up to this many bytes of states (default 16 MiB), and writes only the older ones
   * to files: an eviction then costs no file (a file's write and rename take ~0.1 ms). Ignored by
   * a durable directory, whose every state is in a file when `put` returns.
   */
  readonly memoryBytes?: number;
}

/** `memoryBytes` of a spill directory by default. */
export const SPILL_MEMORY_BYTES = 16 * 2 ** 20;

/**
 * The directories (real paths) open stores of this process hold: two stores of one directory would
 * overwrite each other's states. (Processes are kept apart by the command line's `DirectoryLock`.)
 */
const held = new Set<string>();

/**
 * Model states as files in a directory, one per key, written atomically (a temporary file renamed
 * over the old one), so a crash leaves either the old or the new state, never half of one. Written
 * states are in the operating system's hands when `put` returns (they survive the process being
 * killed; they are not fsynced, so a power loss may lose the last ones).
 */
export class DirectoryStateStore implements StateStore {
  readonly dir: string;
  readonly durable: boolean;
  /** A durable directory keeps a state's file when its model is in memory again (`release`). */
  readonly keepsReleased: boolean;
  /** The directory's real path: its key in `held`. */
  private readonly real: string;
  private holding = false;
  /** A spill directory's states in memory, the oldest first, and their bytes (`memoryBytes`). */
  private readonly inMemory = new Map<string, Uint8Array>();
  private inMemoryBytes = 0;
  /** A state has gone from memory to a file. */
  private spilled = false;
  private readonly memoryBytes: number;

  /**
   * Opens `dir` (created if missing). Refused with a StateError while another store of this
   * process holds it: until that store is closed, or the engine it was given to has ended.
   */
  constructor(dir: string, options: DirectoryStateStoreOptions = {}) {
    // from plain JavaScript: a misspelled `durable: false` (durabel) made a durable store
    const problems = optionKeyProblems('DirectoryStateStore', options, ['durable', 'memoryBytes']);
    if (problems.length === 0) {
      if (options.durable !== undefined && typeof options.durable !== 'boolean')
        problems.push({
          path: 'DirectoryStateStore: durable',
          message: `must be true (states outlive the run) or false (a spill directory), got ${shownValue(options.durable)}`,
        });
      const bytes: unknown = options.memoryBytes;
      if (bytes !== undefined && !(typeof bytes === 'number' && bytes >= 0))
        problems.push({
          path: 'DirectoryStateStore: memoryBytes',
          message: `must be a number >= 0 (bytes of states a spill directory keeps in memory), got ${shownValue(bytes)}`,
        });
    }
    if (problems.length > 0) throw new ConfigError(problems);
    this.dir = dir;
    this.durable = options.durable ?? true;
    this.keepsReleased = this.durable;
    const memoryBytes = this.durable ? 0 : (options.memoryBytes ?? SPILL_MEMORY_BYTES);
    this.memoryBytes = memoryBytes;
    try {
      makeDirectory(dir);
      this.real = realpathSync(dir);
    } catch (err) {
      throw cannotWrite('L1S_STATE_DIR', 'the state directory', dir, err);
    }
    this.hold();
  }

  /** Takes the directory (if this store does not hold it already) or refuses: before every write. */
  private hold(): void {
    if (this.holding) return;
    if (held.has(this.real))
      throw new StateError(
        `the state directory ${this.dir} is held by another DirectoryStateStore in this process: two stores of one directory would overwrite each other's states; close() that store first (an engine's run also ends its store's hold), or give another directory`,
      );
    held.add(this.real);
    this.holding = true;
  }

  /**
   * Lets go of the directory, so that another store of this process may open it (the engine
   * given this store calls it when it ends: `detach`). Writing with this store again takes it
   * again (reading does not need it).
   */
  close(): void {
    if (this.holding) held.delete(this.real);
    this.holding = false;
  }

  detach(): void {
    this.close();
  }

  get(key: string): Uint8Array | undefined {
    const held = this.inMemory.get(key);
    if (held !== undefined) return held;
    const file = join(this.dir, fileOf(key).name);
    try {
      return readFileSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      // (Node's message names no path for a failed read: EISDIR, EIO)
      throw new ConnectorError(
        'L1S_STATE_DIR',
        `cannot read the state of "${key}" from ${file}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }

  put(key: string, state: Uint8Array): void {
    this.hold();
    if (this.memoryBytes > 0) {
      this.forgetInMemory(key);
      this.inMemory.set(key, state);
      this.inMemoryBytes += state.byteLength;
      // Map order is insertion order: the oldest states go to files first
      for (const [oldest, bytes] of this.inMemory) {
        if (this.inMemoryBytes <= this.memoryBytes) break;
        this.forgetInMemory(oldest);
        this.spilled = true;
        this.write(oldest, bytes);
      }
      return;
    }
    this.write(key, state);
  }

  /** Drops `key`'s state from memory (a spill directory), if it is there. */
  private forgetInMemory(key: string): void {
    const bytes = this.inMemory.get(key);
    if (bytes === undefined) return;
    this.inMemory.delete(key);
    this.inMemoryBytes -= bytes.byteLength;
  }

  private write(key: string, state: Uint8Array): void {
    const { name, spelled } = fileOf(key);
    const file = join(this.dir, name);
    try {
      // a spill directory is gone after a crash: its files need not be written atomically
      const writeFile = this.durable ? writeAtomically : writeFileSync;
      // the key's file first: a state file is never listed without its key
      if (!spelled) writeFile(keyFileOf(file), JSON.stringify(key));
      writeFile(file, state);
    } catch (err) {
      throw new ConnectorError(
        'L1S_STATE_DIR',
        `cannot write the state of "${key}" to ${this.dir}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }

  /**
   * The model of `key` is in memory again: a durable store keeps its file (the last checkpoint
   * until the next overwrites it); a spill directory deletes it.
   */
  release(key: string): void {
    if (!this.durable) this.delete(key);
  }

  remedy(key: string): string {
    const file = join(this.dir, fileOf(key).name);
    return this.durable
      ? `it is ${file}; move that file out of ${this.dir} and run the same command again to start model "${key}" afresh from the events after the last checkpoint (the other models resume from theirs), or delete ${this.dir} to start over`
      : `it is ${file}, in a temporary directory of this run: run again`;
  }

  delete(key: string): void {
    this.hold();
    this.forgetInMemory(key);
    // a key put again after its state went to a file has both: the file goes too
    if (this.memoryBytes > 0 && !this.spilled) return;
    const { name, spelled } = fileOf(key);
    const file = join(this.dir, name);
    rmSync(file, { force: true });
    if (!spelled) rmSync(keyFileOf(file), { force: true });
  }

  /** The names of the state files in the directory (not those of a spill directory's states in memory). */
  stateFiles(): string[] {
    return readdirSync(this.dir).filter((f) => STATE_FILE_NAME.test(f));
  }

  keys(): string[] {
    const onDisk = readdirSync(this.dir)
      .filter((f) => f.endsWith(SUFFIX))
      .map((f) =>
        f.startsWith('~')
          ? (JSON.parse(readFileSync(join(this.dir, keyFileOf(f)), 'utf8')) as string)
          : Buffer.from(f.slice(0, -SUFFIX.length), 'hex').toString('utf8'),
      );
    return this.inMemory.size === 0 ? onDisk : [...new Set([...this.inMemory.keys(), ...onDisk])];
  }
}
