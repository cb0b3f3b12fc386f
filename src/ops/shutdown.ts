/** How long `run` may take to stop cleanly after SIGINT / SIGTERM before it exits anyway. */
export const defaultShutdownTimeoutMs = 30_000;

/** The longest delay `setTimeout` keeps (2^31 − 1 ms, about 24.8 days): longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A bound on a graceful stop: `arm()` (on the stop signal) starts a timer that calls `expire`
 * unless `dispose()` (the stop finished) comes first. The timer does not keep the process alive.
 * A bound past `setTimeout`'s range (24.8 days, or Infinity) is no bound: Node ran such a timer
 * after 1 ms, so `--shutdown-timeout 3000000` failed every stop at once.
 */
export function shutdownDeadline(ms: number, expire: () => void): { arm(): void; dispose(): void } {
  let timer: NodeJS.Timeout | null = null;
  let disposed = false;
  return {
    arm() {
      if (timer !== null || disposed || !(ms <= MAX_TIMER_MS)) return;
      timer = setTimeout(expire, ms);
      timer.unref();
    },
    dispose() {
      disposed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}

/** "30 s", "1.5 s", "250 ms". */
export function formatDuration(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(3))} s` : `${ms} ms`;
}
