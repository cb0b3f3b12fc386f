import type { ConnectorLogger } from './deadLetters.js';

export interface RetryOptions {
  /** Give up (rethrow the last error) after this long (default 5 minutes). */
  readonly forMs?: number;
  /** First wait; doubles up to `maxDelayMs` (defaults 500 ms and 10 s). */
  readonly delayMs?: number;
  readonly maxDelayMs?: number;
  readonly logger?: ConnectorLogger;
  /** Errors for which retrying cannot help are rethrown at once. */
  readonly retriable?: (err: unknown) => boolean;
}

/** kafkajs marks what a retry may cure (`retriable`); connection errors are. */
export function kafkaRetriable(err: unknown): boolean {
  const e = err as { retriable?: unknown; name?: unknown; cause?: unknown } | null;
  if (e === null || typeof e !== 'object') return false;
  if (e.retriable === true) return true;
  if (
    typeof e.name === 'string' &&
    /Connection|NumberOfRetriesExceeded|RequestTimeout|BrokerNotFound/.test(e.name)
  )
    return true;
  return e.cause !== undefined && e.cause !== err && kafkaRetriable(e.cause);
}

/**
 * Runs `fn` until it succeeds, waiting longer after each failure, logging each one as a warning
 * that names `what` (a broker that is away for a while is waited for, not a crash); gives up
 * after `forMs` with the last error.
 */
export async function retrying<T>(
  what: string,
  fn: () => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const started = Date.now();
  const forMs = options.forMs ?? 300_000;
  let delay = options.delayMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      const value = await fn();
      if (attempt > 1) options.logger?.info({ attempts: attempt }, `${what}: succeeded again`);
      return value;
    } catch (err) {
      const retriable = (options.retriable ?? kafkaRetriable)(err);
      if (!retriable || Date.now() - started + delay > forMs) throw err;
      options.logger?.warn(
        { err: (err as Error).message, attempt, retryInMs: delay },
        `${what} failed (is the broker reachable?); retrying`,
      );
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(options.maxDelayMs ?? 10_000, delay * 2);
    }
  }
}
