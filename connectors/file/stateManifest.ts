import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

import { makeDirectory } from './directory.js';
import { ConnectorError } from '../../src/index.js';
import { lockFileName } from './directoryLock.js';

/** The file that makes a directory an l1stream state directory. */
export const MANIFEST_FILE = 'l1stream-state.json';

/** Bytes hashed at each end of the input to recognize it. */
const ENDS = 1 << 16;

/** What identifies an input file: its absolute path, size, and a hash of each end. */
export interface InputIdentity {
  readonly path: string;
  readonly size: number;
  readonly head: string;
  readonly tail: string;
}

/** A setting a stored model state depends on: its path and its value as JSON. */
export type Setting = readonly [path: string, value: string];

interface ManifestDoc {
  readonly format: 1;
  readonly kind: 'l1stream-state';
  readonly settings: readonly Setting[];
  readonly input: InputIdentity;
  /** The records' `position.source` in the models' coverage (the path as first given). */
  readonly source: string;
  /** The last line committed at a checkpoint (0: none yet). */
  readonly line: number;
  /** The run that wrote it read its whole input. */
  readonly complete: boolean;
  readonly checkpoints: number;
  readonly updatedAt: string;
}

/** A state directory that this run must not use (another input, other settings, not ours). */
export class StateDirectoryRefused extends ConnectorError {
  constructor(message: string) {
    super('L1S_STATE_DIR', message);
  }
}

/** Where a resumed run starts. */
export interface ResumePoint {
  /** Lines done: reading starts after this one. */
  readonly line: number;
  /** The earlier run read its whole input. */
  readonly complete: boolean;
  /** The records' source name (the path as the first run gave it). */
  readonly source: string;
  readonly checkpoints: number;
}

/** The identity of `path` (size and a SHA-256 of its first and last 64 KiB). */
export async function identify(path: string): Promise<InputIdentity> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const hash = async (from: number): Promise<string> => {
      const n = Math.min(ENDS, size - from);
      const buf = Buffer.alloc(n);
      let read = 0;
      while (read < n) {
        const { bytesRead } = await file.read(buf, read, n - read, from + read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      // node:crypto only with --state (~5 ms of start-up otherwise)
      const { createHash } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
      return createHash('sha256').update(buf.subarray(0, read)).digest('hex');
    };
    return { path: resolve(path), size, head: await hash(0), tail: await hash(Math.max(0, size - ENDS)) };
  } finally {
    await file.close();
  }
}

/** The fix for a state directory refused; `where` names it as the user gave it (`--state`, `state.dir`). */
const fix = (where: string, dir: string) => `give another ${where} directory, or delete ${dir} to start over`;

/**
 * The checkpoint record of a state directory (`replay --state DIR`): which input and settings its
 * model states belong to, and the last input line committed at a checkpoint. Written atomically
 * (a temporary file renamed), after the model states of the checkpoint are written, so the line it
 * names is never ahead of the states.
 */
export class StateManifest {
  private doc: ManifestDoc;

  private constructor(
    readonly dir: string,
    doc: ManifestDoc,
  ) {
    this.doc = doc;
  }

  /**
   * Opens `dir` for a run over `input` with `settings`: a new or empty directory gets a fresh
   * manifest (no resume point); one with a manifest for the same input and settings gives the
   * point to resume from. Anything else is refused (`StateDirectoryRefused`, saying what differs
   * and what to do): another input, other settings, or a directory that is not a state directory.
   * `where` names the directory in messages as the user gave it (`--state`, or `state.dir` for `run`).
   */
  static async open(
    dir: string,
    input: { readonly path: string; readonly source: string },
    settings: readonly Setting[],
    where = '--state',
  ): Promise<{ manifest: StateManifest; resume: ResumePoint | null }> {
    let entries: string[] | null = null;
    try {
      if (!statSync(dir).isDirectory())
        throw new StateDirectoryRefused(
          `${where} ${dir} is a file, not a directory: give a directory for the checkpoints (a new one, or that of an earlier replay of this input)`,
        );
      // the locks of this run (DirectoryLock) are no content
      entries = readdirSync(dir).filter((e) => e !== lockFileName('state') && e !== lockFileName('out'));
    } catch (err) {
      if (err instanceof StateDirectoryRefused) throw err;
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new ConnectorError('L1S_STATE_DIR', `cannot read ${where} ${dir}: ${(err as Error).message}`, {
          cause: err,
        });
    }
    const identity = await identify(input.path);
    if (entries === null || entries.length === 0) {
      try {
        makeDirectory(dir);
      } catch (err) {
        throw new ConnectorError(
          'L1S_STATE_DIR',
          `cannot create the state directory ${dir}: ${(err as Error).message}`,
          { cause: err },
        );
      }
      const manifest = new StateManifest(dir, {
        format: 1,
        kind: 'l1stream-state',
        settings,
        input: identity,
        source: input.source,
        line: 0,
        complete: false,
        checkpoints: 0,
        updatedAt: new Date().toISOString(),
      });
      manifest.write();
      return { manifest, resume: null };
    }
    if (!entries.includes(MANIFEST_FILE))
      throw new StateDirectoryRefused(
        `${where} ${dir} is not an l1stream state directory (it holds ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'} but no ${MANIFEST_FILE}): give a new or empty directory`,
      );
    const doc = readManifest(dir, where);
    const was = doc.input;
    if (was.path !== identity.path)
      throw new StateDirectoryRefused(
        `${where} ${dir} holds the checkpoint of a replay of ${was.path}, not of ${identity.path}: ${fix(where, dir)}`,
      );
    if (was.size !== identity.size || was.head !== identity.head || was.tail !== identity.tail)
      throw new StateDirectoryRefused(
        `${identity.path} changed since the checkpoint in ${dir} was made (${was.size === identity.size ? 'same size, other content' : `${identity.size} bytes, was ${was.size}`}): ${fix(where, dir)}`,
      );
    const differences = differ(doc.settings, settings);
    if (differences.length > 0)
      throw new StateDirectoryRefused(
        `${where} ${dir} was made with other settings: ${differences.join(', ')}; resume with the same settings, or ${fix(where, dir)}`,
      );
    return {
      manifest: new StateManifest(dir, doc),
      resume: { line: doc.line, complete: doc.complete, source: doc.source, checkpoints: doc.checkpoints },
    };
  }

  /** The last line committed. */
  get line(): number {
    return this.doc.line;
  }

  /** Records a checkpoint: lines up to `line` are learned, their outputs written. */
  commit(line: number): void {
    if (line <= this.doc.line) return;
    this.doc = {
      ...this.doc,
      line,
      checkpoints: this.doc.checkpoints + 1,
      updatedAt: new Date().toISOString(),
    };
    this.write();
  }

  /** Records that the run read its whole input (after its last checkpoint). */
  markComplete(): void {
    this.doc = { ...this.doc, complete: true, updatedAt: new Date().toISOString() };
    this.write();
  }

  private write(): void {
    const file = join(this.dir, MANIFEST_FILE);
    const tmp = `${file}.tmp`;
    try {
      writeFileSync(tmp, `${JSON.stringify(this.doc, null, 1)}\n`);
      renameSync(tmp, file);
    } catch (err) {
      throw new ConnectorError('L1S_STATE_DIR', `cannot write ${file}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
}

function readManifest(dir: string, where: string): ManifestDoc {
  const file = join(dir, MANIFEST_FILE);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new StateDirectoryRefused(
      `${file} is not readable (${(err as Error).message}): ${fix(where, dir)}`,
    );
  }
  const d = doc as Partial<ManifestDoc> | null;
  const valid =
    d !== null &&
    typeof d === 'object' &&
    d.kind === 'l1stream-state' &&
    d.format === 1 &&
    Array.isArray(d.settings) &&
    typeof d.source === 'string' &&
    typeof d.line === 'number' &&
    typeof d.input === 'object' &&
    d.input !== null;
  if (!valid)
    throw new StateDirectoryRefused(
      `${file} is not an l1stream state manifest of a known format: ${fix(where, dir)}`,
    );
  return d as ManifestDoc;
}

/** The settings that differ, as `path value (was value)`. */
function differ(was: readonly Setting[], now: readonly Setting[]): string[] {
  const before = new Map<string, string>(was.map(([k, v]) => [k, v]));
  const after = new Map<string, string>(now.map(([k, v]) => [k, v]));
  const out: string[] = [];
  for (const [k, v] of after) {
    const old = before.get(k);
    if (old !== v) out.push(`${k} ${v} (was ${old ?? 'unset'})`);
  }
  for (const [k, old] of before) if (!after.has(k)) out.push(`${k} unset (was ${old})`);
  return out;
}
