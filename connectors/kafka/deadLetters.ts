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
    for (const [k, v] of Object.entries(letter.headers ?? {})) {
      if (isBytes(v)) headers[k] = headerValue(v);
      else if (isList(v)) headers[k] = v.filter(isBytes).map(headerValue);
    }
    headers[deadLetterHeaders.reason] = letter.reason;
    headers[deadLetterHeaders.stage] = letter.stage;
    headers[deadLetterHeaders.topic] = letter.position.source;
    if (letter.position.partition !== undefined)
      headers[deadLetterHeaders.partition] = String(letter.position.partition);
    headers[deadLetterHeaders.offset] = letter.position.offset;
    const value =
      typeof letter.value === 'string'
        ? letter.value
        : Buffer.from(letter.value.buffer, letter.value.byteOffset, letter.value.byteLength);
    // the record's key: a keyed dead letter goes to its key's partition, in the key's order
    this.sink.enqueue(this.topic, { key: bytesOrText(letter.key), value, headers });
    this.log(letter);
  }
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
