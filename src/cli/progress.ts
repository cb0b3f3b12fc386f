import type { CliIO } from './io.js';

/** A throttled one-line progress report on stderr (only when asked or on a terminal). */
export class ProgressLine {
  private lastAt = 0;
  private shown = false;

  constructor(
    private readonly io: CliIO,
    private readonly enabled: boolean,
    private readonly everyMs = 500,
  ) {}

  update(render: () => string, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.lastAt < this.everyMs) return;
    this.lastAt = now;
    this.shown = true;
    const text = render();
    this.io.stderr.write(this.io.interactive ? `\r\x1b[2K${text}` : `${text}\n`);
  }

  /** Writes `text` as a line of its own: on a terminal, in place of the progress line (redrawn at the next update). */
  say(text: string): void {
    const clear = this.enabled && this.shown && this.io.interactive;
    this.shown = !clear && this.shown;
    this.io.stderr.write(clear ? `\r\x1b[2K${text}\n` : `${text}\n`);
  }

  done(): void {
    if (this.enabled && this.shown && this.io.interactive) this.io.stderr.write('\n');
  }
}

/**
 * `n` rounded, its digits grouped by three: `Math.round(n).toLocaleString('en-US')`, without its
 * first call's cost (~30-60 ms to load the locale data), which every run paid at its last line.
 */
export function formatCount(n: number): string {
  const r = Math.round(n);
  if (!Number.isSafeInteger(r) || Object.is(r, -0)) return r.toLocaleString('en-US');
  const digits = String(Math.abs(r)).replace(/\B(?=(\d{3})+$)/g, ',');
  return r < 0 ? `-${digits}` : digits;
}

/** A count and its noun, singular for 1: `counted(1, 'refit')` is "1 refit", `counted(2, 'refit')` "2 refits". */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${formatCount(n)} ${Math.round(n) === 1 ? noun : plural}`;
}
