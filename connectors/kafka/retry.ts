import { ConnectorError } from '../../src/index.js';
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

/**
 * When `err` (or an error in its `cause` chain) is a failed connection to a broker, the error a run
 * stops with: one line naming `setting` (where the brokers came from) and the last connection error, without kafkajs'
 * wrappers and stack. Otherwise null.
 */
export function brokersUnreachableError(
  err: unknown,
  brokers: readonly string[],
  setting: 'kafka.brokers' | 'L1S_KAFKA_BROKERS' = 'kafka.brokers',
): ConnectorError | null {
  // the variable replaces the file's brokers: naming the file would send the reader to the wrong place
  const where =
    setting === 'kafka.brokers'
      ? 'kafka.brokers in the configuration'
      : 'the environment variable L1S_KAFKA_BROKERS (it replaces kafka.brokers)';
  const connection = lastInChain(
    err,
    (e) => typeof e.name === 'string' && /^KafkaJS(Connection|BrokerNotFound)/.test(e.name),
  );
  // an address that answers, but not as a broker's client listener: a KRaft controller's port
  // refuses the client's requests, another service never completes kafkajs' handshake (both were
  // "internal error" and a kafkajs stack)
  const other =
    connection === null
      ? lastInChain(
          err,
          (e) => e.name === 'KafkaJSServerDoesNotSupportApiKey' || e.message === 'Broker not connected',
        )
      : null;
  if (other !== null)
    return new ConnectorError(
      'L1S_KAFKA_UNREACHABLE',
      `${setting} ${JSON.stringify(brokers)}: kafkajs could not talk to a Kafka broker there (${String(other.message)}): check ${where}; at an address that answers but not as a broker's client listener (a KRaft controller's port, kafka.sh's broker port + 1, or another service), it fails this way`,
      { cause: err },
    );
  if (connection === null) return null;
  const why = typeof connection.message === 'string' ? connection.message : 'no answer';
  return new ConnectorError(
    'L1S_KAFKA_UNREACHABLE',
    `no Kafka broker of ${setting} ${JSON.stringify(brokers)} answered (${why}, after kafkajs' retries): check ${where} and that the broker is running`,
    { cause: err },
  );
}

type Link = { name?: unknown; code?: unknown; message?: unknown; cause?: unknown };

/** The last error of `err`'s `cause` chain (itself included, 8 deep at most) that `match` accepts. */
function lastInChain(err: unknown, match: (e: Link) => boolean): Link | null {
  let found: Link | null = null;
  for (let e = err as Link | null, depth = 0; depth < 8; depth++) {
    if (e === null || typeof e !== 'object') break;
    if (match(e)) found = e;
    if (e.cause === e) break;
    e = e.cause as typeof e;
  }
  return found;
}

/**
 * When `err` (or its cause) is a schema registry that stopped answering while a record's writer
 * schema was needed, the error a run stops with: the setting to check, and that the record is read
 * again (its offset was not committed) once the registry answers. Otherwise null.
 */
export function registryUnreachableError(err: unknown): ConnectorError | null {
  const unreachable = lastInChain(err, (e) => e.code === 'L1S_REGISTRY_UNREACHABLE');
  if (unreachable === null) return null;
  return new ConnectorError(
    'L1S_REGISTRY_UNREACHABLE',
    `${String(unreachable.message)} (kafka.avro.registryUrl): check the URL and that the registry is running, then start run again; the record that needed it was not committed and is read again`,
    { cause: err },
  );
}
