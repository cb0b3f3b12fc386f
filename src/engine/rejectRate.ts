/**
 * A command's run whose first this many records are all rejected stops: its configuration fits no
 * record (`replay`'s early stop; `run`'s `EngineOptions.failWhenFirstRejected`).
 */
export const ALL_REJECTED_STOP = 1000;

/**
 * Watches the share of records rejected (dead-lettered) over consecutive windows of records, and
 * says so when it is high: a stream that rejects most of its input must not look healthy. At most
 * one warning per `gapMs` (a stream rejecting everything must not flood the log either).
 */
export class RejectRateWatch {
  private records = 0;
  private rejected = 0;
  private lastWarnAt = -Infinity;
  /** Windows whose reject share was over the threshold. */
  highWindows = 0;

  constructor(
    /** Share of rejected records above which a window is high (default 0.1). */
    readonly threshold = 0.1,
    /** Records per window (default 1000). */
    readonly window = 1000,
    /** Milliseconds between warnings at least (default one minute). */
    readonly gapMs = 60_000,
  ) {}

  /**
   * Adds a batch's counts. When a window is complete and over the threshold (and no warning was
   * given in the last `gapMs`), returns the window's reject share; else null.
   */
  update(records: number, rejected: number, now: number): number | null {
    this.records += records;
    this.rejected += rejected;
    if (this.records < this.window) return null;
    const share = this.rejected / this.records;
    this.records = 0;
    this.rejected = 0;
    if (!(share > this.threshold)) return null;
    this.highWindows++;
    if (now - this.lastWarnAt < this.gapMs) return null;
    this.lastWarnAt = now;
    return share;
  }
}
