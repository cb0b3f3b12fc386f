import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ConnectorError, type StateStore } from '../../src/index.js';

const SUFFIX = '.state';

/** A file name for any key (keys are user data): hex of its UTF-8 bytes. */
function fileOf(key: string): string {
  return `${Buffer.from(key, 'utf8').toString('hex')}${SUFFIX}`;
}

export interface DirectoryStateStoreOptions {
  /**
   * The states outlive the run (default true): the engine then checkpoints every model with the
   * input positions it covers (`replay --state DIR`). False for a directory that only holds evicted
   * models while one run lasts (a temporary spill directory): no checkpoints, and a state is
   * deleted when its model is back in memory.
   */
  readonly durable?: boolean;
}

/**
 * Model states as files in a directory, one per key, written atomically (a temporary file renamed
 * over the old one), so a crash leaves either the old or the new state, never half of one. Written
 * states are in the operating system's hands when `put` returns (they survive the process being
 * killed; they are not fsynced, so a power loss may lose the last ones).
 */
export class DirectoryStateStore implements StateStore {
  readonly dir: string;
  readonly durable: boolean;

  constructor(dir: string, options: DirectoryStateStoreOptions = {}) {
    this.dir = dir;
    this.durable = options.durable ?? true;
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw new ConnectorError(
        'L1S_STATE_DIR',
        `cannot create the state directory ${dir}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }

  get(key: string): Uint8Array | undefined {
    try {
      return readFileSync(join(this.dir, fileOf(key)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new ConnectorError(
        'L1S_STATE_DIR',
        `cannot read the state of "${key}": ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }

  put(key: string, state: Uint8Array): void {
    const file = join(this.dir, fileOf(key));
    const tmp = `${file}.tmp`;
    try {
      writeFileSync(tmp, state);
      renameSync(tmp, file);
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

  delete(key: string): void {
    rmSync(join(this.dir, fileOf(key)), { force: true });
  }

  keys(): string[] {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith(SUFFIX))
      .map((f) => Buffer.from(f.slice(0, -SUFFIX.length), 'hex').toString('utf8'));
  }
}
