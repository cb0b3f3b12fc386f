import type { IHeaders } from 'kafkajs';

import type { DeadLetter, DeadLetterSink } from '../../src/index.js';
import { reasonClass } from '../../src/internal.js';
/** Where dead letters are queued (the Kafka sink). */
interface MessageQueue {
  readonly topics: { readonly dlq: string };
  enqueue(topic: string, message: import('kafkajs').Message): void;
}

/** The subset of a pino logger the connectors use. */
export interface ConnectorLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** Headers added to a dead letter (the original headers are kept beside them). */
export const deadLetterHeaders = {
  reason: 'l1s.dlq.reason',
  stage: 'l1s.dlq.stage',
  topic: 'l1s.dlq.topic',
  partition: 'l1s.dlq.partition',
  offset: 'l1s.dlq.offset',
} as const;

/** Headers a dead letter has only when it is cut to fit (`DEAD_LETTER_LIMITS`). */
export const cutDeadLetterHeaders = {
  /** The record's whole value, in bytes, when the dead letter holds only its first bytes. */
  valueBytes: 'l1s.dlq.value-bytes',
  /** How many of the record's headers were left out (their values together were too large). */
  headersDropped: 'l1s.dlq.headers-dropped',
} as const;

/**
 * What a dead letter carries at most, so that it fits a topic's default message size (1 MiB):
 * a record the input topic took (it may allow more) and the pipeline refused would otherwise fail
 * the produce, stop the run, and stop it again at every restart, since its offset is never
 * committed. Bytes of the value beyond `valueBytes` are cut (`l1s.dlq.value-bytes` says how many
 * there were); the original headers are left out when their values exceed `headerBytes`.
 */
export const DEAD_LETTER_LIMITS = { valueBytes: 512 * 1024, headerBytes: 256 * 1024 } as const;

/** How dead letters are logged: the first `first` one by one, then a summary every `everyMs`. */
export interface DeadLetterLogOptions {
  /** Dead letters logged one by one, with their reason and position (default 10). */
  readonly first?: number;
  /** Milliseconds between summaries of the later ones, counted by reason (default 10 000). */
  readonly everyMs?: number;
}

/**
 * Dead letters to `<prefix>.dlq`: the original key, bytes and headers, plus the reason, stage, topic,
 * partition and offset as `l1s.dlq.*` headers. Each one is counted (by stage) and logged (the
 * first few one by one, then a summary per interval with counts by reason: a stream of bad
 * records must not become a log line per record); it is
 * acknowledged with the sink's next flush, before the offsets past it are committed, so a record
 * is never both skipped and missing from the DLQ.
 */
export class KafkaDeadLetters implements DeadLetterSink {
  readonly topic: string;
  count = 0;
  readonly byStage = new Map<DeadLetter['stage'], number>();
  private readonly sink: MessageQueue;
  private readonly logger: ConnectorLogger | undefined;
  private readonly first: number;
  private readonly everyMs: number;
  /** Letters logged one by one so far. */
  private logged = 0;
  /** Letters not logged one by one since the last summary, by `reasonClass`. */
  private unlogged = new Map<string, number>();
  private summaryTimer: ReturnType<typeof setTimeout> | null = null;
  private summaryFrom = 0;

  constructor(sink: MessageQueue, logger?: ConnectorLogger, log: DeadLetterLogOptions = {}) {
    this.sink = sink;
    this.topic = sink.topics.dlq;
    this.logger = logger;
    this.first = log.first ?? 10;
    this.everyMs = log.everyMs ?? 10_000;
  }

  /** Logs the summary of the letters not logged yet, if any (at the next interval, or on close). */
  logSummary(): void {
    if (this.summaryTimer !== null) clearTimeout(this.summaryTimer);
    this.summaryTimer = null;
    if (this.unlogged.size === 0) return;
    const byReason = [...this.unlogged]
      .sort((a, b) => b[1] - a[1])
      .map(([reason, count]) => ({ reason, count }));
    const records = byReason.reduce((n, r) => n + r.count, 0);
    this.unlogged = new Map();
    this.logger?.warn(
      { records, seconds: Math.round((Date.now() - this.summaryFrom) / 1000), byReason, total: this.count },
      `${records} more record(s) sent to the dead-letter topic ${this.topic}; most common reason: ${byReason[0].reason}`,
    );
  }

  private log(letter: DeadLetter): void {
    if (this.logger === undefined) return;
    if (this.logged < this.first) {
      this.logged++;
      const more =
        this.logged === this.first
          ? { later: `further dead letters are logged as one summary every ${this.everyMs / 1000} s` }
          : {};
      this.logger.warn(
        {
          stage: letter.stage,
          topic: letter.position.source,
          partition: letter.position.partition,
          offset: letter.position.offset,
          reason: letter.reason,
          ...more,
        },
        'record sent to the dead-letter topic',
      );
      return;
    }
    const reason = reasonClass(letter.reason);
    this.unlogged.set(reason, (this.unlogged.get(reason) ?? 0) + 1);
    if (this.summaryTimer === null) {
      this.summaryFrom = Date.now();
      this.summaryTimer = setTimeout(() => this.logSummary(), this.everyMs);
      this.summaryTimer.unref();
    }
  }

  deadLetter(letter: DeadLetter): void {
    this.count++;
    this.byStage.set(letter.stage, (this.byStage.get(letter.stage) ?? 0) + 1);
    // no prototype: a header named `__proto__` is an own property like any other
    const headers = Object.create(null) as IHeaders;
    const original = Object.entries(letter.headers ?? {});
    if (headerBytes(original) <= DEAD_LETTER_LIMITS.headerBytes) {
      for (const [k, v] of original) {
        if (isBytes(v)) headers[k] = headerValue(v);
        else if (isList(v)) headers[k] = v.filter(isBytes).map(headerValue);
      }
    } else headers[cutDeadLetterHeaders.headersDropped] = String(original.length);
    headers[deadLetterHeaders.reason] = letter.reason.slice(0, 4096);
    headers[deadLetterHeaders.stage] = letter.stage;
    headers[deadLetterHeaders.topic] = letter.position.source;
    if (letter.position.partition !== undefined)
      headers[deadLetterHeaders.partition] = String(letter.position.partition);
    headers[deadLetterHeaders.offset] = letter.position.offset;
    let value =
      typeof letter.value === 'string'
        ? letter.value
        : Buffer.from(letter.value.buffer, letter.value.byteOffset, letter.value.byteLength);
    const bytes = typeof value === 'string' ? Buffer.byteLength(value) : value.byteLength;
    if (bytes > DEAD_LETTER_LIMITS.valueBytes) {
      const whole = typeof value === 'string' ? Buffer.from(value) : value;
      value = whole.subarray(0, DEAD_LETTER_LIMITS.valueBytes);
      headers[cutDeadLetterHeaders.valueBytes] = String(bytes);
    }
    // the record's key: a keyed dead letter goes to its key's partition, in the key's order
    this.sink.enqueue(this.topic, { key: bytesOrText(letter.key), value, headers });
    this.log(letter);
  }
}

/** The bytes of a record's header values (names are short: not counted). */
function headerBytes(entries: ReadonlyArray<[string, unknown]>): number {
  let n = 0;
  const size = (v: unknown) =>
    typeof v === 'string' ? Buffer.byteLength(v) : v instanceof Uint8Array ? v.byteLength : 0;
  for (const [, v] of entries) n += isList(v) ? v.reduce<number>((a, x) => a + size(x), 0) : size(v);
  return n;
}

function isList(v: unknown): v is readonly unknown[] {
  return Array.isArray(v);
}

/**
 * A header value proper. (kafkajs reads a header named `__proto__` as the array
 * `[Object.prototype, value]`: its reader looks the name up on a plain object first.)
 */
function isBytes(v: unknown): v is string | Uint8Array {
  return typeof v === 'string' || v instanceof Uint8Array;
}

function bytesOrText(v: string | Uint8Array | null | undefined): string | Buffer | null {
  return v === undefined || v === null ? null : headerValue(v);
}

/** A header value as kafkajs sends it: the string, or the bytes without a copy. */
function headerValue(v: string | Uint8Array): string | Buffer {
  return typeof v === 'string' ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}
