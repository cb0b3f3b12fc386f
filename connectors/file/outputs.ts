import { open as openFile } from 'node:fs/promises';
import { join } from 'node:path';

import {
  ConfigError,
  type Alert,
  type DeadLetter,
  type ModelSnapshot,
  type OutputSink,
  type ScoreRecord,
} from '../../src/index.js';
import { optionKeyProblems } from '../../src/internal.js';
import { cannotWrite, makeDirectory } from './directory.js';
import { appendProblem, JsonlWriter } from './jsonl.js';
import { highestVersions } from './modelVersions.js';

/** The files a `FileOutputSink` writes in its directory. */
export const outputFiles = {
  models: 'models.jsonl',
  alerts: 'alerts.jsonl',
  scores: 'scores.jsonl',
  deadLetters: 'dead-letters.jsonl',
} as const;

/**
 * Outputs as JSON-lines files in one directory (`replay --out DIR`, `run` with files):
 * models.jsonl, alerts.jsonl, scores.jsonl and dead-letters.jsonl (the rejected record with its
 * line number, stage and reason).
 */
export class FileOutputSink implements OutputSink {
  readonly dir: string;
  private readonly models: JsonlWriter;
  private readonly alerts: JsonlWriter;
  private readonly scores: JsonlWriter;
  private readonly deadLetters: JsonlWriter;
  /** The highest version of each key in models.jsonl when it was opened to append to. */
  private readonly written: ReadonlyMap<string, number>;

  private constructor(dir: string, append: boolean, written: ReadonlyMap<string, number>) {
    this.dir = dir;
    this.written = written;
    const options = { append };
    this.models = new JsonlWriter(join(dir, outputFiles.models), options);
    this.alerts = new JsonlWriter(join(dir, outputFiles.alerts), options);
    this.scores = new JsonlWriter(join(dir, outputFiles.scores), options);
    this.deadLetters = new JsonlWriter(join(dir, outputFiles.deadLetters), options);
  }

  /**
   * Creates the directory (and parents) and opens the files, truncating them, or with `append`
   * (a resumed replay) appending to them, after cutting off a last line that a killed run left
   * half written, and reading the highest version of each key in models.jsonl (`publishedVersion`).
   */
  static async open(dir: string, options: { readonly append?: boolean } = {}): Promise<FileOutputSink> {
    // a misspelled `append` (`apend`) would truncate the outputs of an earlier run
    const problems = optionKeyProblems('FileOutputSink.open', options, ['append']);
    if (problems.length === 0 && options.append !== undefined && typeof options.append !== 'boolean')
      problems.push(appendProblem('FileOutputSink.open', options.append));
    if (problems.length > 0) throw new ConfigError(problems);
    try {
      makeDirectory(dir);
    } catch (err) {
      throw cannotWrite('L1S_FILE', 'the output directory', dir, err);
    }
    const append = options.append === true;
    if (append) for (const name of Object.values(outputFiles)) await cutPartialLine(join(dir, name));
    const written = append ? await highestVersions(join(dir, outputFiles.models)) : new Map<string, number>();
    return new FileOutputSink(dir, append, written);
  }

  /** The highest version of `key` in models.jsonl before this run appended to it (0: none). */
  publishedVersion(key: string): number {
    return this.written.get(key) ?? 0;
  }

  /** Records written per file. */
  get counts(): { models: number; alerts: number; scores: number; deadLetters: number } {
    return {
      models: this.models.count,
      alerts: this.alerts.count,
      scores: this.scores.count,
      deadLetters: this.deadLetters.count,
    };
  }

  model(snapshot: ModelSnapshot): void {
    this.models.write(snapshot);
  }

  score(score: ScoreRecord): void {
    this.scores.write(score);
  }

  alert(alert: Alert): void {
    this.alerts.write(alert);
  }

  deadLetter(letter: DeadLetter): void {
    this.deadLetters.write({
      line: Number(letter.position.offset),
      source: letter.position.source,
      stage: letter.stage,
      reason: letter.reason,
      value: typeof letter.value === 'string' ? letter.value : Buffer.from(letter.value).toString('base64'),
    });
  }

  /** Resolves once everything written so far is in the file system's hands (before a checkpoint). */
  async flush(): Promise<void> {
    await Promise.all([
      this.models.flush(),
      this.alerts.flush(),
      this.scores.flush(),
      this.deadLetters.flush(),
    ]);
  }

  async close(): Promise<void> {
    await Promise.all([
      this.models.close(),
      this.alerts.close(),
      this.scores.close(),
      this.deadLetters.close(),
    ]);
  }
}

/** Truncates `path` after its last newline (a line a killed writer left half written); absent: nothing. */
async function cutPartialLine(path: string): Promise<void> {
  let file;
  try {
    file = await openFile(path, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    const { size } = await file.stat();
    const tail = Buffer.alloc(Math.min(size, 1 << 16));
    let end = size;
    while (end > 0) {
      const n = Math.min(end, tail.length);
      await file.read(tail, 0, n, end - n);
      const nl = tail.subarray(0, n).lastIndexOf(10);
      if (nl >= 0) {
        end = end - n + nl + 1;
        break;
      }
      end -= n;
    }
    if (end < size) await file.truncate(end);
  } finally {
    await file.close();
  }
}
