import { createRequire } from 'node:module';

import { ConfigError } from '../core/errors.js';
import type { AlertLogger } from '../drift/driftMonitor.js';
import type { Alert } from '../model/snapshot.js';

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

/** An alert as the drift monitor logs it (`{ alert }`), or undefined. */
function alertOf(obj: object): Alert | undefined {
  const alert = (obj as { alert?: unknown }).alert;
  return typeof alert === 'object' && alert !== null && typeof (alert as Alert).message === 'string'
    ? (alert as Alert)
    : undefined;
}

/**
 * One readable line for a log entry of `command` (without its newline): an alert as
 * `replay: alert critical input-drift (key "default", event 12000): <message>`, a warning as
 * `replay: warning: <message>` (a failed refit adds its key and error), an error as
 * `replay: error: <message>`, information as `replay: <message>`.
 */
export function logText(command: string, level: 'info' | 'warn' | 'error', obj: object, msg: string): string {
  const alert = alertOf(obj);
  if (alert !== undefined)
    return `${command}: alert ${alert.severity} ${alert.type} (key ${JSON.stringify(alert.key)}, event ${alert.offset}): ${alert.message}`;
  const { key, err } = obj as { key?: unknown; err?: unknown };
  const detail =
    typeof err === 'string'
      ? `${typeof key === 'string' ? ` (key ${JSON.stringify(key)})` : ''}: ${err}`
      : '';
  const label = level === 'warn' ? 'warning: ' : level === 'error' ? 'error: ' : '';
  return `${command}: ${label}${msg}${detail}`;
}

/**
 * The logger of a command run in a terminal (`replay`): each entry at `level` or above as one
 * readable line (`logText`) through `write`; `L1S_LOG_FORMAT=json` (`format` "json") gives pino's
 * JSON lines instead (`lazyLogger`), as does an unknown level (pino refuses it).
 */
export function cliLogger(
  command: string,
  level: string,
  format: string | undefined,
  stream: NodeJS.WritableStream,
  write: (line: string) => void,
): AlertLogger {
  const threshold = levels.get(level);
  if (format === 'json' || threshold === undefined) return lazyLogger('l1stream', level, stream);
  if (format !== undefined && format !== 'text')
    write(
      `${command}: warning: L1S_LOG_FORMAT is "json" or "text", got ${JSON.stringify(format)}: writing text`,
    );
  const at =
    (value: number, method: 'info' | 'warn' | 'error') =>
    (obj: object, msg: string): void => {
      if (value >= threshold) write(logText(command, method, obj, msg));
    };
  return { info: at(30, 'info'), warn: at(40, 'warn'), error: at(50, 'error') };
}
