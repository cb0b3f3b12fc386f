import {
  closeSync,
  fstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

import { makeDirectory } from './directory.js';
import { ConnectorError } from '../../src/index.js';
import { pathProblem } from '../../src/internal.js';
import { lockFileName } from './directoryLock.js';
import { keyOfStateFile, STATE_FILE_NAME } from './stateDirectory.js';

/** The file that makes a directory an l1stream state directory. */
export const MANIFEST_FILE = 'l1stream-state.json';

/** Bytes hashed at each end of the covered prefix to recognize it. */
const ENDS = 1 << 16;

/**
 * What identifies an input: its absolute path and the prefix of it a checkpoint covers (the lines
 * up to the manifest's `line`, newlines included): its length and a SHA-256 of its first and last
 * 64 KiB. A file that grew by lines appended after that prefix is the same input.
 */
export interface InputIdentity {
  readonly path: string;
  readonly bytes: number;
  readonly head: string;
  readonly tail: string;
}

/** The identity manifests written before prefixes were kept had: the whole file's size and ends. */
interface WholeFileIdentity {
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
  readonly input: InputIdentity | WholeFileIdentity;
  /** The records' `position.source` in the models' coverage (the path as first given). */
  readonly source: string;
  /** The sources of the inputs learned before this one (`--continue`): a new input's is none of them. */
  readonly earlier?: readonly string[];
  /** The last line committed at a checkpoint (0: none yet). */
  readonly line: number;
  /** The run that wrote it read its whole input. */
  readonly complete: boolean;
  readonly checkpoints: number;
  readonly updatedAt: string;
  /**
   * The model state files in the directory at the last checkpoint (`stateFiles`): one missing
   * later is said (absent in manifests written before they were kept).
   */
  readonly states?: readonly string[];
}

/** A state directory that this run must not use (another input, other settings, not ours). */
export class StateDirectoryRefused extends ConnectorError {
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super('L1S_STATE_DIR', message, options);
  }
}

/** A state directory whose path cannot be read or made, refused with what to do (`pathProblem`). */
function refusedPath(where: string, dir: string, err: unknown): StateDirectoryRefused {
  return new StateDirectoryRefused(pathProblem(where, dir, err, 'write'), { cause: err });
}

/** Where a resumed run starts. */
export interface ResumePoint {
  /** Lines done: reading starts after this one. */
  readonly line: number;
  /** Nothing is left to read: the earlier run read its whole input, and no line was appended since. */
  readonly complete: boolean;
  /** The earlier run read its whole input (lines may have been appended since). */
  readonly previousRunComplete: boolean;
  /** Bytes appended to the input after those the checkpoint covers (0 when it did not grow). */
  readonly appended: number;
  /** The records' source name (the path as the first run gave it). */
  readonly source: string;
  readonly checkpoints: number;
  /** With `--continue` and another input: the input the state went on from, and its lines done. */
  readonly continued?: { readonly path: string; readonly line: number; readonly complete: boolean };
  /**
   * The model states of the last checkpoint whose files are no longer in the directory (deleted, or
   * moved out): their key (null when a `~` name's key file is gone too) and file. Those models start afresh.
   */
  readonly missing: readonly { readonly key: string | null; readonly file: string }[];
}

/** SHA-256 (node:crypto only with --state: ~5 ms of start-up otherwise). */
function sha256(): import('node:crypto').Hash {
  const { createHash } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return createHash('sha256');
}

/** Bytes [from, to) of an open file (fewer at its end). */
function readRange(fd: number, from: number, to: number): Buffer {
  const buf = Buffer.alloc(Math.max(0, to - from));
  let read = 0;
  while (read < buf.length) {
    const n = readSync(fd, buf, read, buf.length - read, from + read);
    if (n === 0) break;
    read += n;
  }
  return buf.subarray(0, read);
}

/** The identity of the first `bytes` bytes of the open file `fd` at `path`. */
function prefixIdentity(fd: number, path: string, bytes: number): InputIdentity {
  const hash = (from: number, to: number) =>
    sha256()
      .update(readRange(fd, from, to))
      .digest('hex');
  return { path, bytes, head: hash(0, Math.min(ENDS, bytes)), tail: hash(Math.max(0, bytes - ENDS), bytes) };
}

/**
 * The byte after line `target` of an open file (after its newline; the end of the file for a last
 * line without one), counting on from `line` lines that end at byte `at`; null when the file has
 * fewer lines.
 */
function lineEnd(fd: number, line: number, at: number, target: number): number | null {
  const buf = Buffer.alloc(1 << 20);
  let pos = at;
  while (line < target) {
    const n = readSync(fd, buf, 0, buf.length, pos);
    if (n === 0) return line === target - 1 && pos > at ? pos : null;
    const chunk = buf.subarray(0, n);
    let from = 0;
    while (line < target) {
      const nl = chunk.indexOf(10, from);
      if (nl < 0) break;
      from = nl + 1;
      line++;
      at = pos + from;
    }
    pos += n;
    if (line === target) return at;
  }
  return at;
}

/**
 * The lines of the first `bytes` bytes of an open file, as the reader numbers them: its newlines,
 * and one more when the last of them is not a newline (a last line without one).
 */
function linesIn(fd: number, bytes: number): number {
  const buf = Buffer.alloc(1 << 20);
  let lines = 0;
  let last = 10;
  for (let pos = 0; pos < bytes;) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, bytes - pos), pos);
    if (n === 0) break;
    const chunk = buf.subarray(0, n);
    for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) lines++;
    last = chunk[n - 1]!;
    pos += n;
  }
  return lines + (last === 10 ? 0 : 1);
}

/** The whole-file identity of `path` (size and a SHA-256 of its first and last 64 KiB), as older manifests kept it. */
function wholeFileIdentity(fd: number, path: string): WholeFileIdentity {
  const { size } = fstatSync(fd);
  const hash = (from: number) =>
    sha256()
      .update(readRange(fd, from, Math.min(size, from + ENDS)))
      .digest('hex');
  return { path, size, head: hash(0), tail: hash(Math.max(0, size - ENDS)) };
}

/** Runs `use` on `path` opened for reading. */
function withFile<T>(path: string, use: (fd: number) => T): T {
  const fd = openSync(path, 'r');
  try {
    return use(fd);
  } finally {
    closeSync(fd);
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
  /** The record as this run found it (`revert`). */
  private readonly opened: ManifestDoc;

  private constructor(
    readonly dir: string,
    doc: ManifestDoc,
    opened: ManifestDoc = doc,
  ) {
    this.doc = doc;
    this.opened = opened;
  }

  /**
   * Writes the record back as this run found it (before a `--continue` switched its input too),
   * undoing its checkpoints: for a run that learned nothing (its model states are those of the
   * record), so that the lines it read are read again.
   */
  revert(): void {
    if (this.doc === this.opened) return;
    this.doc = this.opened;
    this.write();
  }

  /**
   * Opens `dir` for a run over `input` with `settings`: a new or empty directory gets a fresh
   * manifest (no resume point); one with a manifest for the same input (the same path, and the
   * lines its checkpoint covers unchanged: lines appended since are read) and settings gives the
   * point to resume from. With `options.continue`, another input (or one whose covered lines
   * changed) goes on from the stored states at its first line. Anything else is refused
   * (`StateDirectoryRefused`, saying what differs and what to do): another input, a changed one,
   * other settings, or a directory that is not a state directory. `where` names the directory in
   * messages as the user gave it (`--state`, or `state.dir` for `run`), `options.flag` the
   * continue option (`--continue`, or `state.continue`).
   */
  static async open(
    dir: string,
    input: { readonly path: string; readonly source: string },
    settings: readonly Setting[],
    where = '--state',
    options: {
      readonly continue?: boolean;
      readonly flag?: string;
      /** Settings that one run may leave out and another give at their value: path → value. */
      readonly defaults?: (path: string) => string | undefined;
    } = {},
  ): Promise<{ manifest: StateManifest; resume: ResumePoint | null }> {
    let entries: string[] | null = null;
    try {
      if (!statSync(dir).isDirectory())
        throw new StateDirectoryRefused(
          `${where} ${dir} is a file, not a directory: give a directory for the checkpoints (a new one, or that of an earlier replay of this input)`,
        );
      // the locks of this run (DirectoryLock) are no content, nor the temporary files of a lock
      // or of a first manifest whose write did not finish (a full disk, or a kill at start-up)
      entries = readdirSync(dir).filter(
        (e) =>
          !e.startsWith(lockFileName('state')) &&
          !e.startsWith(lockFileName('out')) &&
          e !== `${MANIFEST_FILE}.tmp`,
      );
    } catch (err) {
      if (err instanceof StateDirectoryRefused) throw err;
      // a path the user can fix (a part of it a file, no permission, ...) is refused as --out is
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw refusedPath(where, dir, err);
    }
    const path = resolve(input.path);
    // a directory whose run stopped before its first checkpoint (refused over its --out, killed at
    // start-up) holds nothing learned: it is made anew, not held to that run's input and settings
    if (entries === null || entries.length === 0 || withoutCheckpoint(dir, entries, where)) {
      try {
        makeDirectory(dir);
      } catch (err) {
        throw refusedPath(where, dir, err);
      }
      const manifest = new StateManifest(dir, {
        format: 1,
        kind: 'l1stream-state',
        settings,
        input: withFile(input.path, (fd) => prefixIdentity(fd, path, 0)),
        source: input.source,
        line: 0,
        complete: false,
        checkpoints: 0,
        updatedAt: new Date().toISOString(),
        states: [],
      });
      manifest.write();
      return { manifest, resume: null };
    }
    if (!entries.includes(MANIFEST_FILE))
      throw new StateDirectoryRefused(
        `${where} ${dir} is not an l1stream state directory (it holds ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'} but no ${MANIFEST_FILE}): give a new or empty directory`,
      );
    const doc = readManifest(dir, where);
    const differences = differ(doc.settings, settings, options.defaults);
    if (differences.length > 0)
      throw new StateDirectoryRefused(
        `${where} ${dir} was made with other settings: ${differences.join(', ')}; resume with the same settings, or ${fix(where, dir)}`,
      );
    const flag = options.flag ?? '--continue';
    const { covered, size, problem } = withFile(input.path, (fd) => check(fd, path, doc, where, dir));
    // the states of the last checkpoint no longer there: their models start afresh (a damaged one
    // moved out on purpose, or one deleted by mistake): said, not silent
    const present = new Set(entries);
    const missing = (doc.states ?? [])
      .filter((name) => !present.has(name))
      .map((name) => ({ key: keyOfStateFile(dir, name), file: join(dir, name) }));
    if (problem === null) {
      const manifest = new StateManifest(dir, { ...doc, input: covered });
      if (doc.input !== covered) manifest.write(); // an older manifest's identity, upgraded
      return {
        manifest,
        resume: {
          line: doc.line,
          complete: doc.complete && size === covered.bytes,
          previousRunComplete: doc.complete,
          appended: size - covered.bytes,
          source: doc.source,
          checkpoints: doc.checkpoints,
          missing,
        },
      };
    }
    if (options.continue !== true)
      throw new StateDirectoryRefused(
        `${problem}: to go on learning from its model states with ${path} as a new input (from its first line), add ${flag}; else ${fix(where, dir)}`,
      );
    // another input: its first line is next; its records get a source no earlier input had (a
    // model skips the positions its state covers in each source)
    const earlier = [...(doc.earlier ?? []), doc.source];
    let source = input.source;
    for (let n = earlier.length + 1; earlier.includes(source); n++) source = `${input.source}#${n}`;
    const manifest = new StateManifest(
      dir,
      {
        ...doc,
        input: withFile(input.path, (fd) => prefixIdentity(fd, path, 0)),
        source,
        earlier,
        line: 0,
        complete: false,
        updatedAt: new Date().toISOString(),
      },
      doc,
    );
    manifest.write();
    return {
      manifest,
      resume: {
        line: 0,
        complete: false,
        previousRunComplete: doc.complete,
        appended: 0,
        source,
        checkpoints: doc.checkpoints,
        continued: { path: doc.input.path, line: doc.line, complete: doc.complete },
        missing,
      },
    };
  }

  /** The last line committed. */
  get line(): number {
    return this.doc.line;
  }

  /**
   * Records a checkpoint: lines up to `line` are learned, their outputs written, and `states` (the
   * directory's state files, `DirectoryStateStore.stateFiles`) written.
   */
  commit(line: number, states: readonly string[]): void {
    if (line <= this.doc.line) return;
    const input = this.input();
    const bytes = withFile(input.path, (fd) => {
      const end = lineEnd(fd, this.doc.line, input.bytes, line);
      if (end === null)
        throw new ConnectorError(
          'L1S_STATE_DIR',
          `cannot checkpoint line ${line} of ${input.path}: it has fewer lines now (it was cut or rewritten during the run)`,
        );
      return prefixIdentity(fd, input.path, end);
    });
    this.doc = {
      ...this.doc,
      input: bytes,
      line,
      // a run over lines appended after a complete one has not read its whole input yet
      complete: false,
      checkpoints: this.doc.checkpoints + 1,
      updatedAt: new Date().toISOString(),
      states,
    };
    this.write();
  }

  /**
   * Records that the run read its whole input (after its last checkpoint): the blank lines after
   * the last line committed are covered too, so a file that did not grow has nothing left to read.
   * `states`: the directory's state files, as for `commit`.
   */
  markComplete(states: readonly string[]): void {
    const input = this.input();
    let { line } = this.doc;
    const covered = withFile(input.path, (fd) => {
      const rest = readRange(fd, input.bytes, input.bytes + ENDS);
      const atEnd = input.bytes + rest.length === fstatSync(fd).size;
      let end = 0;
      for (let from = 0; from < rest.length;) {
        const nl = rest.indexOf(10, from);
        const stop = nl < 0 ? rest.length : nl + 1;
        if ((nl < 0 && !atEnd) || rest.subarray(from, stop).toString('latin1').trim() !== '') break;
        line++;
        end = from = stop;
      }
      return end === 0 ? input : prefixIdentity(fd, input.path, input.bytes + end);
    });
    this.doc = {
      ...this.doc,
      input: covered,
      line,
      complete: true,
      updatedAt: new Date().toISOString(),
      states,
    };
    this.write();
  }

  /** The identity of the covered prefix (upgraded from an older manifest's when opened). */
  private input(): InputIdentity {
    return this.doc.input as InputIdentity;
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

/** `entries` of `dir` are a manifest alone, of no checkpoint (nothing covered, no state). */
function withoutCheckpoint(dir: string, entries: readonly string[], where: string): boolean {
  if (entries.length !== 1 || entries[0] !== MANIFEST_FILE) return false;
  try {
    const doc = readManifest(dir, where);
    return doc.checkpoints === 0 && doc.line === 0 && (doc.states ?? []).length === 0;
  } catch {
    return false;
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
  // every field this module reads, checked: a damaged manifest that is still JSON (a byte flipped,
  // a hand edit) is refused here, not met later as a crash or as lines skipped or learned again
  const count = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  const text = (v: unknown) => typeof v === 'string';
  const input = (d?.input ?? null) as Record<string, unknown> | null;
  const valid =
    d !== null &&
    typeof d === 'object' &&
    d.kind === 'l1stream-state' &&
    d.format === 1 &&
    Array.isArray(d.settings) &&
    d.settings.every((s: unknown) => Array.isArray(s) && s.length === 2 && s.every(text)) &&
    text(d.source) &&
    count(d.line) &&
    typeof d.complete === 'boolean' &&
    count(d.checkpoints) &&
    (d.earlier === undefined || (Array.isArray(d.earlier) && d.earlier.every(text))) &&
    (d.states === undefined ||
      (Array.isArray(d.states) && d.states.every((n: unknown) => text(n) && STATE_FILE_NAME.test(n)))) &&
    typeof input === 'object' &&
    input !== null &&
    text(input.path) &&
    text(input.head) &&
    text(input.tail) &&
    ('bytes' in input ? count(input.bytes) : count(input.size));
  if (!valid)
    throw new StateDirectoryRefused(
      `${file} is not an l1stream state manifest of a known format: ${fix(where, dir)}`,
    );
  return d as ManifestDoc;
}

/**
 * The settings that differ, as `path value (was value)`. A setting given on one side only is the
 * same as its default (`defaults`) on the other: leaving it out and giving its default value are
 * the same run.
 */
function differ(
  was: readonly Setting[],
  now: readonly Setting[],
  defaults: (path: string) => string | undefined = () => undefined,
): string[] {
  const before = new Map<string, string>(was.map(([k, v]) => [k, v]));
  const after = new Map<string, string>(now.map(([k, v]) => [k, v]));
  const out: string[] = [];
  for (const [k, v] of after) {
    const old = before.get(k);
    if (old === undefined && defaults(k) === v) continue;
    if (old !== v) out.push(`${k} ${v} (was ${old === undefined ? unsetValue(k, defaults) : old})`);
  }
  for (const [k, old] of before)
    if (!after.has(k) && defaults(k) !== old) out.push(`${k} ${unsetValue(k, defaults)} (was ${old})`);
  return out;
}

/** A setting left out, in a refusal: its default when it has one. */
function unsetValue(path: string, defaults: (path: string) => string | undefined): string {
  const value = defaults(path);
  return value === undefined ? 'unset' : `${value}, its default`;
}

/**
 * Whether the open file `fd` at `path` is the input of `doc` with the lines its checkpoint covers
 * unchanged (lines appended after them are fine): the identity of the covered prefix and the
 * file's size, or what differs (`problem`).
 */
function check(
  fd: number,
  path: string,
  doc: ManifestDoc,
  where: string,
  dir: string,
): { covered: InputIdentity; size: number; problem: string | null } {
  const { size } = fstatSync(fd);
  const was = doc.input;
  const none = prefixIdentity(fd, path, 0);
  if (was.path !== path)
    return {
      covered: none,
      size,
      problem: `${where} ${dir} holds the checkpoint of a replay of ${was.path}, not of ${path}`,
    };
  if (!('bytes' in was)) {
    // a manifest written before prefixes were kept: the whole file as it was then
    const now = wholeFileIdentity(fd, path);
    if (now.size !== was.size || now.head !== was.head || now.tail !== was.tail)
      return {
        covered: none,
        size,
        problem: `${path} changed since the checkpoint in ${dir} was made (${was.size === size ? 'same size, other content' : `${size} bytes, was ${was.size}`})`,
      };
    const end = lineEnd(fd, 0, 0, doc.line);
    if (end === null)
      throw new StateDirectoryRefused(
        `${join(dir, MANIFEST_FILE)} is damaged: its "line" ${doc.line} is past the end of ${path} (${linesIn(fd, size)} lines): ${fix(where, dir)}`,
      );
    return { covered: prefixIdentity(fd, path, end), size, problem: null };
  }
  const lines = `the ${doc.line} lines (${was.bytes} bytes) that the checkpoint in ${dir} covers`;
  if (size < was.bytes)
    return {
      covered: none,
      size,
      problem: `${path} has ${size} bytes, fewer than ${lines}: it was cut or rewritten`,
    };
  const now = prefixIdentity(fd, path, was.bytes);
  // a covered last line without a newline must still end there (a newline, or nothing, after it)
  const after = size > was.bytes && was.bytes > 0 ? readRange(fd, was.bytes - 1, was.bytes + 1) : null;
  const extended = after !== null && after[0] !== 10 && after[1] !== 10 && after[1] !== 13;
  if (now.head !== was.head || now.tail !== was.tail || extended)
    return {
      covered: none,
      size,
      problem: `${path} changed: ${lines} are not the same now (a file that only had lines appended resumes after them)`,
    };
  // the line the run resumes after must end those bytes: else lines would be skipped unread (a
  // line ahead of them) or read again (behind), with outputs and models out of step
  const covered = linesIn(fd, was.bytes);
  if (covered !== doc.line)
    throw new StateDirectoryRefused(
      `${join(dir, MANIFEST_FILE)} is damaged: its "line" ${doc.line} is not the ${covered} lines of ${path} that its "input" covers (${was.bytes} bytes): set "line" to ${covered} to resume after them, or ${fix(where, dir)}`,
    );
  return { covered: was, size, problem: null };
}
