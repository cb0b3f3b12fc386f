import { createRequire } from 'node:module';

import { ConfigError } from '../core/errors.js';
import type { AlertLogger } from '../drift/driftMonitor.js';

/** pino's level numbers (pino/lib/constants.js); `silent` logs nothing. */
const levels = new Map<string, number>([
  ['trace', 10],
  ['debug', 20],
  ['info', 30],
  ['warn', 40],
  ['error', 50],
  ['fatal', 60],
  ['silent', Infinity],
]);

type Pino = typeof import('pino');

/**
 * The log level the environment variable L1S_LOG_LEVEL names, or `fallback` when it is unset or
 * empty. Another value is a `ConfigError` (exit 2) listing the valid levels: pino would otherwise
 * fail with a stack trace.
 */
export function logLevel(fallback: string, env: NodeJS.ProcessEnv = process.env): string {
  const level = env.L1S_LOG_LEVEL;
  if (level === undefined || level === '') return fallback;
  if (levels.has(level)) return level;
  throw ConfigError.single(
    'L1S_LOG_LEVEL',
    `unknown log level ${JSON.stringify(level)}; set one of ${[...levels.keys()].join(', ')} (or unset it for the default, ${fallback})`,
  );
}

/** True when a logger at L1S_LOG_LEVEL (replay's default: warn) writes info lines. */
export function logsInfo(env: NodeJS.ProcessEnv = process.env): boolean {
  return (levels.get(logLevel('warn', env)) ?? Infinity) <= 30;
}

/**
 * A pino logger at `level` writing to `stream`, built on its first line at that level or above:
 * a run that logs nothing does not load pino (~25 ms of start-up). The lines are pino's own. An
 * unknown level builds it at once, so pino refuses it as before.
 */
export function lazyLogger(name: string, level: string, stream: NodeJS.WritableStream): AlertLogger {
  const threshold = levels.get(level);
  const make = () => (createRequire(import.meta.url)('pino') as Pino).pino({ name, level }, stream);
  if (threshold === undefined) return make();
  let logger: AlertLogger | undefined;
  const at =
    (value: number, method: 'info' | 'warn' | 'error') =>
    (obj: object, msg: string): void => {
      if (value < threshold) return;
      logger ??= make();
      logger[method]!(obj, msg);
    };
  return { info: at(30, 'info'), warn: at(40, 'warn'), error: at(50, 'error') };
}
