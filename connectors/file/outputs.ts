import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import type { Alert, DeadLetter, ModelSnapshot, OutputSink, ScoreRecord } from '../../src/index.js';
import { JsonlWriter } from './jsonl.js';

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

  private constructor(dir: string) {
    this.dir = dir;
    this.models = new JsonlWriter(join(dir, outputFiles.models));
    this.alerts = new JsonlWriter(join(dir, outputFiles.alerts));
    this.scores = new JsonlWriter(join(dir, outputFiles.scores));
    this.deadLetters = new JsonlWriter(join(dir, outputFiles.deadLetters));
  }

  /** Creates the directory (and parents) and opens the files, truncating them. */
  static async open(dir: string): Promise<FileOutputSink> {
    await mkdir(dir, { recursive: true });
    return new FileOutputSink(dir);
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

  flush(): Promise<void> {
    return Promise.resolve();
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
