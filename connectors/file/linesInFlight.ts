import type { RawRecord } from '../../src/index.js';

/**
 * Bounds the lines a file source reads ahead of the engine. With a durable state store the
 * engine publishes batches one after the other, waiting for their outputs and checkpoints to be
 * written, and calls the source's `release` for each batch done; a source that emitted one batch
 * per event-loop turn regardless queued batches without bound, each holding the models it
 * touched (a keyed replay with `--state` grew past 3 GB). The source waits for room once
 * `maxLines` lines are out and not released. Lines are the records' positions (line numbers), so a
 * CSV row of several lines counts its lines; a CSV source counts its rows as they leave its joiner,
 * so the lines of a quoted cell still open are not out (the reader goes on until the row closes).
 *
 * It holds back only once a release has come: a source whose engine never releases (no durable
 * store) runs free, as before.
 */
export class LinesInFlight {
  /** The last line emitted, and the last one released. */
  private sent = 0;
  private done = 0;
  private engaged = false;
  /** Waits for room (each checks again when woken). */
  private waiters: Array<() => void> = [];
  private cancelled = false;

  constructor(readonly maxLines: number) {}

  /** Resolves once fewer than `maxLines` lines are out (or the reading was cancelled). */
  async room(): Promise<void> {
    while (this.engaged && !this.cancelled && this.sent - this.done >= this.maxLines)
      await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** The records of a batch about to be emitted. */
  emitted(records: readonly RawRecord[]): void {
    this.sent = Math.max(this.sent, lastLine(records));
  }

  /** The engine is done with these records (`EventSource.release`). */
  release(records: readonly RawRecord[]): void {
    this.engaged = true;
    this.done = Math.max(this.done, lastLine(records));
    if (this.sent - this.done < this.maxLines) this.wakeUp();
  }

  /** The reading stopped: a wait ends. */
  cancel(): void {
    this.cancelled = true;
    this.wakeUp();
  }

  private wakeUp(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** The largest line number among the records' positions (0 when none is a number). */
function lastLine(records: readonly RawRecord[]): number {
  let last = 0;
  for (const r of records) {
    const line = Number(r.position.offset);
    if (line > last) last = line;
  }
  return last;
}
