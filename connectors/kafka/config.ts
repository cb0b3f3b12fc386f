import { Kafka, logLevel as KafkaLogLevel, type logCreator } from 'kafkajs';

import { ConfigError, type ConfigProblem } from '../../src/index.js';
import { shownValue, unknownKeyMessage } from '../../src/internal.js';
import { readSchemaFile, type AvroFraming } from './codecs/avro.js';

/** The thread `l1stream run` runs the engine on. */
export type KafkaEngineThread = 'main' | 'worker';

/** `json` or Avro in the wire format of `kafka.avro.framing`. */
export type KafkaFormat = 'json' | 'avro';

export interface KafkaAvroConfig {
  /** Schema registry base URL (registry mode). */
  readonly registryUrl?: string;
  /** Registry-less mode: the writer schema of the input (`.avsc`). */
  readonly schemaFile?: string;
  /** `confluent` (magic byte + schema id, default) or `raw` (Avro body only; registry-less only). */
  readonly framing: AvroFraming;
  /** Registry-less `confluent` framing: the schema id the input carries and outputs get (default 1). */
  readonly schemaId: number;
  /** Register the output schemas under `<topic>-value` when missing (default false: look them up). */
  readonly registerSchemas: boolean;
  /** Schemas cached by id (default 1000). */
  readonly cacheSize: number;
}

/** The `kafka` section of the service configuration, validated and frozen. */
export interface KafkaConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly groupId: string;
  /** Input topics (events). */
  readonly topics: readonly string[];
  /**
   * Create input topics that do not exist (with `partitions` and `replicationFactor`); default
   * false: `run` stops naming a missing input topic, so a misspelled name is not created empty.
   */
  readonly createInputTopics: boolean;
  /** Output topics are `<prefix>.models|scores|alerts|dlq`. */
  readonly prefix: string;
  readonly fromBeginning: boolean;
  /** Partitions and replication factor of the topics created if missing (outputs; inputs when asked). */
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly maxInFlightBatches: number;
  /** Bytes fetched per partition and request at most (kafkajs default 1 MiB). */
  readonly maxBytesPerPartition: number;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** Events between model snapshots on the models topic. */
  readonly snapshotEvery: number;
  /**
   * Outputs, model states and consumed offsets as one transaction per checkpoint (read them with
   * isolation.level=read_committed); default false (at-least-once outputs).
   */
  readonly exactlyOnce: boolean;
  /** Longest a transaction may stay open (exactly-once); checkpoints must come sooner. */
  readonly transactionTimeoutMs: number;
  /**
   * Where `l1stream run` runs the engine: `main` (default: one thread with kafkajs) or `worker`
   * (kafkajs on the main thread, the engine, its sink and its state store on a worker thread;
   * at-least-once only).
   */
  readonly engineThread: KafkaEngineThread;
  readonly format: KafkaFormat;
  readonly outputFormat: KafkaFormat;
  readonly avro: KafkaAvroConfig;
}

export const kafkaDefaults = {
  clientId: 'l1stream',
  groupId: 'l1stream',
  prefix: 'l1stream',
  createInputTopics: false,
  fromBeginning: true,
  partitions: 1,
  replicationFactor: 1,
  // a checkpoint's write holds its batches' room: 8 left the pipeline waiting on it (bench/results/inflight-s41.md)
  maxInFlightBatches: 16,
  maxBytesPerPartition: 1_048_576,
  sessionTimeoutMs: 30_000,
  heartbeatIntervalMs: 3_000,
  snapshotEvery: 10_000,
  exactlyOnce: false,
  transactionTimeoutMs: 60_000,
  engineThread: 'main' as KafkaEngineThread,
  format: 'json' as KafkaFormat,
  outputFormat: 'json' as KafkaFormat,
  avro: { framing: 'confluent' as AvroFraming, schemaId: 1, registerSchemas: false, cacheSize: 1000 },
} as const;

const knownKeys = new Set([
  'brokers',
  'clientId',
  'groupId',
  'topics',
  'createInputTopics',
  'prefix',
  'fromBeginning',
  'partitions',
  'replicationFactor',
  'maxInFlightBatches',
  'maxBytesPerPartition',
  'sessionTimeoutMs',
  'heartbeatIntervalMs',
  'snapshotEvery',
  'exactlyOnce',
  'transactionTimeoutMs',
  'engineThread',
  'format',
  'outputFormat',
  'avro',
]);
const knownAvroKeys = new Set([
  'registryUrl',
  'schemaFile',
  'framing',
  'schemaId',
  'registerSchemas',
  'cacheSize',
]);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const topicName = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * Validates the `kafka` section (`path` is its path in the document, default `kafka`), reporting
 * every problem by its path at once, and returns it with defaults filled in, frozen.
 */
export function checkKafkaConfig(raw: unknown, path = 'kafka'): KafkaConfig {
  const problems: ConfigProblem[] = [];
  const p = (key: string, message: string) => problems.push({ path: `${path}.${key}`, message });
  if (!isObject(raw))
    throw ConfigError.single(path, 'must be an object with at least "brokers" and "topics"');
  for (const k of Object.keys(raw)) if (!knownKeys.has(k)) p(k, unknownKeyMessage(k, knownKeys));

  const strings = (key: string, value: unknown, pattern?: RegExp): string[] => {
    const list = typeof value === 'string' ? value.split(',').map((s) => s.trim()) : value;
    if (
      !Array.isArray(list) ||
      list.length === 0 ||
      !list.every((s) => typeof s === 'string' && s.length > 0)
    ) {
      p(key, 'must be a non-empty list of strings (or a comma-separated string)');
      return [];
    }
    if (pattern)
      for (const s of list as string[]) if (!pattern.test(s)) p(key, `"${s}" is not a valid value`);
    return list as string[];
  };
  const brokers =
    raw.brokers === undefined
      ? (p('brokers', 'is required, e.g. ["127.0.0.1:9092"]'), [])
      : strings('brokers', raw.brokers, /^[^\s:]+:\d{1,5}$/);
  const topics =
    raw.topics === undefined
      ? (p('topics', 'is required: the input topics of events'), [])
      : strings('topics', raw.topics, topicName);

  const str = (key: string, fallback: string, pattern?: RegExp): string => {
    const v = raw[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || v.length === 0 || (pattern && !pattern.test(v))) {
      p(key, `must be a non-empty string${pattern ? ` matching ${pattern}` : ''}, got ${shownValue(v)}`);
      return fallback;
    }
    return v;
  };
  const int = (
    key: string,
    fallback: number,
    min: number,
    obj: Record<string, unknown> = raw,
    prefix = '',
  ): number => {
    const v = obj[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      p(`${prefix}${key}`, `must be a whole number >= ${min}, got ${shownValue(v)}`);
      return fallback;
    }
    return v;
  };
  const bool = (key: string, fallback: boolean, obj: Record<string, unknown> = raw, prefix = ''): boolean => {
    const v = obj[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') {
      p(`${prefix}${key}`, `must be true or false, got ${shownValue(v)}`);
      return fallback;
    }
    return v;
  };
  const format = (key: string): KafkaFormat => {
    const v = raw[key];
    if (v === undefined) return kafkaDefaults.format;
    if (v !== 'json' && v !== 'avro') {
      p(key, `must be "json" or "avro", got ${shownValue(v)}`);
      return kafkaDefaults.format;
    }
    return v;
  };

  const engineThread = (): KafkaEngineThread => {
    const v = raw.engineThread;
    if (v === undefined) return kafkaDefaults.engineThread;
    if (v !== 'main' && v !== 'worker') {
      p('engineThread', `must be "main" or "worker", got ${shownValue(v)}`);
      return kafkaDefaults.engineThread;
    }
    return v;
  };

  const session = int('sessionTimeoutMs', kafkaDefaults.sessionTimeoutMs, 6000);
  const config = {
    brokers,
    clientId: str('clientId', kafkaDefaults.clientId),
    groupId: str('groupId', kafkaDefaults.groupId),
    topics,
    createInputTopics: bool('createInputTopics', kafkaDefaults.createInputTopics),
    prefix: str('prefix', kafkaDefaults.prefix, topicName),
    fromBeginning: bool('fromBeginning', kafkaDefaults.fromBeginning),
    partitions: int('partitions', kafkaDefaults.partitions, 1),
    replicationFactor: int('replicationFactor', kafkaDefaults.replicationFactor, 1),
    maxInFlightBatches: int('maxInFlightBatches', kafkaDefaults.maxInFlightBatches, 1),
    maxBytesPerPartition: int('maxBytesPerPartition', kafkaDefaults.maxBytesPerPartition, 1024),
    sessionTimeoutMs: session,
    // unset: a third of a short session (6000 ms alone was refused for the default 3000)
    heartbeatIntervalMs: int(
      'heartbeatIntervalMs',
      Math.min(kafkaDefaults.heartbeatIntervalMs, Math.max(100, Math.floor(session / 3))),
      100,
    ),
    snapshotEvery: int('snapshotEvery', kafkaDefaults.snapshotEvery, 1),
    exactlyOnce: bool('exactlyOnce', kafkaDefaults.exactlyOnce),
    transactionTimeoutMs: int('transactionTimeoutMs', kafkaDefaults.transactionTimeoutMs, 1000),
    engineThread: engineThread(),
    format: format('format'),
    outputFormat: format('outputFormat'),
    avro: { ...kafkaDefaults.avro } as KafkaAvroConfig,
  };
  if (config.engineThread === 'worker' && config.exactlyOnce) {
    p(
      'engineThread',
      '"worker" is at-least-once only: set kafka.engineThread to "main" for exactly-once, or drop kafka.exactlyOnce',
    );
  }
  if (config.heartbeatIntervalMs * 3 > config.sessionTimeoutMs) {
    p(
      'heartbeatIntervalMs',
      `must be at most a third of sessionTimeoutMs (${config.sessionTimeoutMs}), got ${config.heartbeatIntervalMs}: set it to ${Math.floor(config.sessionTimeoutMs / 3)} or less, or sessionTimeoutMs to ${3 * config.heartbeatIntervalMs} or more`,
    );
  }

  const avroRaw = raw.avro;
  if (avroRaw !== undefined && !isObject(avroRaw)) p('avro', 'must be an object');
  const a = isObject(avroRaw) ? avroRaw : {};
  for (const k of Object.keys(a))
    if (!knownAvroKeys.has(k)) p(`avro.${k}`, unknownKeyMessage(k, knownAvroKeys));
  const optionalString = (key: string): string | undefined => {
    const v = a[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.length === 0) {
      p(`avro.${key}`, `must be a non-empty string, got ${shownValue(v)}`);
      return undefined;
    }
    return v;
  };
  const registryUrl = optionalString('registryUrl');
  if (registryUrl !== undefined && !/^https?:\/\/\S+$/.test(registryUrl))
    p('avro.registryUrl', `must be an http(s) URL, got "${registryUrl}"`);
  const schemaFile = optionalString('schemaFile');
  const framing = a.framing ?? kafkaDefaults.avro.framing;
  if (framing !== 'confluent' && framing !== 'raw')
    p('avro.framing', `must be "confluent" or "raw", got ${shownValue(framing)}`);
  const avro: KafkaAvroConfig = {
    ...(registryUrl !== undefined ? { registryUrl } : {}),
    ...(schemaFile !== undefined ? { schemaFile } : {}),
    framing: framing === 'raw' ? 'raw' : 'confluent',
    schemaId: int('schemaId', kafkaDefaults.avro.schemaId, 0, a, 'avro.'),
    registerSchemas: bool('registerSchemas', kafkaDefaults.avro.registerSchemas, a, 'avro.'),
    cacheSize: int('cacheSize', kafkaDefaults.avro.cacheSize, 1, a, 'avro.'),
  };
  if (config.format === 'avro' && registryUrl === undefined && schemaFile === undefined) {
    p('avro', 'format "avro" needs avro.registryUrl (schema registry) or avro.schemaFile (registry-less)');
  }
  // an avro section that nothing reads: most likely a forgotten "format": "avro"
  if (config.format !== 'avro' && schemaFile !== undefined)
    p(
      'avro.schemaFile',
      `is the writer schema of Avro input, but kafka.format is "${config.format}": set kafka.format to "avro" to read Avro events, or remove avro.schemaFile`,
    );
  if (config.format !== 'avro' && config.outputFormat !== 'avro' && registryUrl !== undefined)
    p(
      'avro.registryUrl',
      'is read only for Avro, but kafka.format and kafka.outputFormat are both "json": set either to "avro", or remove avro.registryUrl',
    );
  if (registryUrl !== undefined && avro.framing === 'raw')
    p('avro.framing', '"raw" has no schema id, so it cannot be used with a registry');
  // the writer schema is read here, so a missing or invalid file is reported with the other problems
  if (config.format === 'avro' && schemaFile !== undefined) {
    try {
      readSchemaFile(schemaFile, `${path}.avro.schemaFile`);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
    }
  }
  config.avro = avro;
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    ...config,
    brokers: Object.freeze(brokers),
    topics: Object.freeze(topics),
    avro: Object.freeze(avro),
  });
}

/** CONCURRENT_TRANSACTIONS: see `TRANSIENT_MESSAGES`. */
const CONCURRENT_TRANSACTIONS =
  'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';

/**
 * kafkajs errors it retries or recovers from by itself (`error` of its log entry): a broker that
 * starts, a group's coordinator that loads or moves, a partition that elects a leader, a group
 * that rebalances, a topic another instance created first. Logged at `warn`, not `error`.
 */
const TRANSIENT_ERRORS = [
  'The group coordinator is not available',
  'This is not the correct coordinator for this group',
  "The coordinator is loading and hence can't process requests",
  'There is no leader for this topic-partition as we are in the middle of a leadership election',
  'This server does not host this topic-partition',
  'The group is rebalancing, so a rejoin is needed',
  'Topic creation errors',
  CONCURRENT_TRANSACTIONS,
];

/**
 * The same by kafkajs' `message`: the first send of a transaction while the broker still writes
 * the previous commit's markers (CONCURRENT_TRANSACTIONS, retried by kafkajs; our sends, commits
 * and aborts are serialized, see `KafkaTransactions`), and a consumer crash, which `KafkaSource`
 * reports in its own words (a warning when the consumer starts again, else the run's error).
 */
const TRANSIENT_MESSAGES = [`Failed to send messages: ${CONCURRENT_TRANSACTIONS}`, 'Crash: '];

/** True when a kafkajs log entry reports an error kafkajs or l1stream recovers from (see above). */
export function isTransientKafkaError(entry: { readonly [field: string]: unknown }): boolean {
  const error = entry['error'];
  const message = entry['message'];
  return (
    (typeof error === 'string' && TRANSIENT_ERRORS.some((t) => error.startsWith(t))) ||
    (typeof message === 'string' && TRANSIENT_MESSAGES.some((t) => message.startsWith(t)))
  );
}

/** Where kafkajs' log entries go: the run's pino logger, so that the run logs in one format. */
export interface KafkaLogger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

/** kafkajs' console format (no `logger`): one JSON line with its `timestamp`, `level` and `message`. */
const consoleLogger: KafkaLogger = {
  error: (obj, msg) => console.error(consoleLine(obj, 'ERROR', msg)),
  warn: (obj, msg) => console.warn(consoleLine(obj, 'WARN', msg)),
  info: (obj, msg) => console.info(consoleLine(obj, 'INFO', msg)),
  debug: (obj, msg) => console.info(consoleLine(obj, 'DEBUG', msg)),
};

function consoleLine(obj: object, level: string, message: string): string {
  return JSON.stringify({ timestamp: new Date().toISOString(), ...obj, level, message });
}

/**
 * kafkajs' logCreator writing to `logger` (pino's `msg`, `level`, `time`, not kafkajs' own
 * `message`, `level`, `timestamp`), with its transient errors at `warn` (`isTransientKafkaError`).
 */
export function kafkaLogCreator(logger: KafkaLogger = consoleLogger): logCreator {
  return (threshold) =>
    ({ namespace, level, log }) => {
      const at = level === KafkaLogLevel.ERROR && isTransientKafkaError(log) ? KafkaLogLevel.WARN : level;
      if (at > threshold) return;
      const { message, timestamp: _time, ...fields } = log;
      const msg = `${namespace ? `[${namespace}] ` : ''}${message}`;
      if (at === KafkaLogLevel.ERROR) logger.error(fields, msg);
      else if (at === KafkaLogLevel.WARN) logger.warn(fields, msg);
      else if (at === KafkaLogLevel.INFO) logger.info(fields, msg);
      else logger.debug(fields, msg);
    };
}

/**
 * A kafkajs client for a validated configuration (kafkajs' own logging off below `level`), logging
 * to `logger` (the run's pino logger), else to the console in kafkajs' format.
 */
export function createKafka(
  config: Pick<KafkaConfig, 'brokers' | 'clientId'>,
  level: 'nothing' | 'error' | 'warn' | 'info' = 'error',
  logger?: KafkaLogger,
): Kafka {
  const levels = {
    nothing: KafkaLogLevel.NOTHING,
    error: KafkaLogLevel.ERROR,
    warn: KafkaLogLevel.WARN,
    info: KafkaLogLevel.INFO,
  };
  return new Kafka({
    clientId: config.clientId,
    brokers: [...config.brokers],
    logLevel: levels[level],
    logCreator: kafkaLogCreator(logger),
    retry: { retries: 8 },
  });
}
