import { performance } from 'node:perf_hooks';

import { concatMap, Observable, type OperatorFunction } from 'rxjs';

import { optionKeyProblems } from '../config/optionKeys.js';
import { shownValue } from '../config/unknownKey.js';
import { ConfigError, InputError } from '../core/errors.js';
import { validateEvent, type Family, type L1Event, type Validated } from '../core/event.js';
import { jsonParseError } from '../core/jsonSyntax.js';
import { notUtf8Reason } from '../core/utf8.js';
import { DEFAULT_MAX_RECORD_BYTES, oversizeReason, oversizeText } from '../core/recordSize.js';
import { JsonEventReader } from './jsonEventReader.js';
import { recordOrigin } from './recordOrigin.js';
import type { DeadLetterSink, EventBatch, RawBatch, RawRecord, RecordPosition } from './types.js';

export { DEFAULT_MAX_RECORD_BYTES, oversizeReason } from '../core/recordSize.js';

/** Turns a record's bytes into a value (JSON by default; Avro codecs plug in here). */
export type RecordDecoder = (value: string | Uint8Array) => unknown;

const utf8 = new TextDecoder('utf-8', { fatal: true });

// Avro read as JSON (a topic's format set wrong) fails on its first byte: say what it likely is.
const framedHint =
  'the record starts with byte 0x00, as Avro in the schema-registry wire format does, and no JSON text does: if the records are Avro, set kafka.format to "avro"';

/**
 * The record as UTF-8 text; an `InputError` that says what it is when it is not: Avro's framing,
 * or the first byte that is not UTF-8.
 */
function utf8Text(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new InputError(bytes[0] === 0 ? `not JSON: ${framedHint}` : notUtf8Reason(bytes));
  }
}

/** The JSON decoder: UTF-8 text, one JSON document per record. */
export const jsonDecoder: RecordDecoder = (value) => {
  const text = typeof value === 'string' ? value : utf8Text(value);
  if (text.charCodeAt(0) === 0) throw new InputError(`not JSON: ${framedHint}`);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw jsonParseError(text, err);
  }
};

/**
 * A codec that decodes and validates in one step because its records' types are known from
 * their schema (Avro): it returns what `validateEvent` would for the decoded record (the same
 * event, or the same reason), and throws for a record it cannot decode. Checking types once while
 * reading saves walking every event a second time.
 */
export interface EventDecoder {
  decodeEvent(value: string | Uint8Array, family: Family): Validated;
  /**
   * Optional, for `DecodeEventsOptions.engineEvents`: the event `decodeEvent` would accept, or
   * null (then `decodeEvent` is called, which names the reason). Its events may be ones only the
   * engine sees (`ListedEvent` without an own `features`).
   */
  readEvent?(value: string | Uint8Array, family: Family): L1Event | null;
}

export interface DecodeEventsOptions {
  readonly family: Family;
  readonly deadLetters: DeadLetterSink;
  /**
   * A `RecordDecoder` (its values are then validated) or an `EventDecoder`; default JSON, read by
   * a `JsonEventReader` (the same events and reasons as `jsonDecoder` + `validateEvent`).
   */
  readonly decoder?: RecordDecoder | EventDecoder;
  /**
   * Decode each raw batch in parts of at most this many records (default: the whole batch at
   * once). Parts are emitted as they are decoded, all but the last with `partial: true`, and the
   * next part is decoded only once downstream is done with the previous one; `learn` puts them
   * back together into one `LearnedBatch` per raw batch. With parts, only a part's events are
   * alive at a time, so they die young, which V8's scavenger collects for free, instead of the
   * whole batch's events surviving scavenges and being copied into the old generation.
   */
  readonly partSize?: number;
  /**
   * With parts: when a raw batch has kept the event loop busy this long (ms), the next part waits
   * for a turn of the event loop (`setImmediate`), so timers and I/O run meanwhile: a Kafka
   * consumer's heartbeats, HTTP scrapes. Default: never.
   */
  readonly yieldAfterMs?: number;
  /**
   * With `yieldAfterMs`: asked when a raw batch that waited behind others (the source emitted it
   * while an earlier one was still in parts) comes up; true drops it whole, neither decoded nor
   * emitted (a stopping engine whose broker source delivers uncommitted records again).
   */
  readonly dropQueued?: () => boolean;
  /**
   * Records over this many bytes are dead-lettered without being decoded (default
   * `DEFAULT_MAX_RECORD_BYTES`); a file reader passes a too-long line's size as `bytes`.
   */
  readonly maxRecordBytes?: number;
  /**
   * The events go to the engine only, never to user code: an `EventDecoder`'s `readEvent` may
   * give them (default false).
   */
  readonly engineEvents?: boolean;
}

/** The size of a record over `max` bytes, or -1. */
function oversize(record: RawRecord, max: number): number {
  if (record.bytes !== undefined) return record.bytes > max ? record.bytes : -1;
  const v = record.value;
  if (typeof v !== 'string') return v.length > max ? v.length : -1;
  return oversizeText(v, max);
}

function eventDecoderOf(decoder: RecordDecoder | EventDecoder): EventDecoder {
  if (typeof decoder !== 'function') return decoder;
  return { decodeEvent: (value, family) => validateEvent(decoder(value), family) };
}

const decodeOptionKeys = [
  'family',
  'deadLetters',
  'decoder',
  'maxRecordBytes',
  'partSize',
  'yieldAfterMs',
  'dropQueued',
  'engineEvents',
] as const;

/**
 * `decodeEvents`' options from plain JavaScript (once per operator, not per record): a misspelled
 * key (`maxrecordbytes`) was ignored, and `maxRecordBytes: "x"` let records of any size through.
 */
function checkDecodeOptions(options: DecodeEventsOptions): void {
  const problems = optionKeyProblems('decodeEvents', options, decodeOptionKeys);
  if (problems.length === 0) {
    const o = options as unknown as Readonly<Record<string, unknown>>;
    if (o.family !== 'gaussian' && o.family !== 'binomial')
      problems.push({
        path: 'decodeEvents: family',
        message: `must be "gaussian" or "binomial", got ${shownValue(o.family)}`,
      });
    const max = o.maxRecordBytes;
    if (max !== undefined && !(typeof max === 'number' && Number.isInteger(max) && max >= 1))
      problems.push({
        path: 'decodeEvents: maxRecordBytes',
        message: `must be a whole number >= 1 (a longer record is dead-lettered unread), got ${shownValue(max)}`,
      });
    for (const key of ['partSize', 'yieldAfterMs'])
      if (o[key] !== undefined && !(typeof o[key] === 'number' && !Number.isNaN(o[key])))
        problems.push({
          path: `decodeEvents: ${key}`,
          message: `must be a number, got ${shownValue(o[key])}`,
        });
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

/**
 * Decodes and validates each record of a batch (docs/conventions.md, events). A record that is not JSON (or not
 * decodable), or not a valid event, goes to the dead-letter sink with the reason and its position;
 * the batch goes on with the rest.
 *
 * @example
 * lines$.pipe(decodeEvents({ family: 'binomial', deadLetters }), learn(model))
 */
export function decodeEvents(options: DecodeEventsOptions): OperatorFunction<RawBatch, EventBatch> {
  checkDecodeOptions(options);
  const decoder = eventDecoderOf(options.decoder ?? new JsonEventReader());
  const generalDecoder = eventDecoderOf(jsonDecoder);
  const { family, deadLetters } = options;
  const maxBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const partSize = options.partSize ?? Infinity;
  const readEvent =
    options.engineEvents === true && decoder.readEvent !== undefined ? decoder.readEvent.bind(decoder) : null;
  if (!(partSize >= 1)) throw new RangeError(`partSize must be at least 1, got ${partSize}`);

  const decodePart = (batch: RawBatch, start: number, end: number): EventBatch => {
    const records = batch.records;
    const decoded = batch.decoded;
    if (decoded !== undefined && decoded.family !== family)
      throw new Error(`a batch read for ${decoded.family} events, decoded for ${family}`);
    const events: L1Event[] = [];
    const positions: RecordPosition[] = [];
    let rejected = 0;
    for (let i = start; i < end; i++) {
      const record = records[i];
      const size = oversize(record, maxBytes);
      if (size >= 0) {
        rejected++;
        deadLetters.deadLetter({
          reason: oversizeReason(size, maxBytes),
          stage: 'decode',
          position: record.position,
          // whole (a view of the record): a sink cuts what it cannot hold (Kafka's DLQ: 512 KiB, with the length)
          value: record.value,
          ...recordOrigin(record),
        });
        continue;
      }
      const read =
        decoded !== undefined
          ? decoded.event(i)
          : readEvent !== null
            ? readEvent(record.value, family)
            : null;
      if (read !== null) {
        events.push(read);
        positions.push(record.position);
        continue;
      }
      let checked: Validated;
      try {
        // a line a reader worker left: JSON.parse + validateEvent (not this thread's reader)
        const general = decoded !== undefined && decoded.viaDecoder !== true;
        checked = (general ? generalDecoder : decoder).decodeEvent(record.value, family);
      } catch (err) {
        rejected++;
        deadLetters.deadLetter({
          reason: `cannot decode: ${err instanceof Error ? err.message : String(err)}`,
          stage: 'decode',
          position: record.position,
          value: record.value,
          ...recordOrigin(record),
        });
        continue;
      }
      if (!checked.ok) {
        rejected++;
        deadLetters.deadLetter({
          reason: checked.reason,
          stage: 'validate',
          position: record.position,
          value: record.value,
          ...recordOrigin(record),
        });
        continue;
      }
      events.push(checked.event);
      positions.push(record.position);
    }
    const partial = end < records.length;
    return { events, positions, rejected, records, ...(partial ? { partial } : {}) };
  };

  const yieldAfterMs = options.yieldAfterMs ?? Infinity;
  if (!Number.isFinite(yieldAfterMs)) {
    // A generator: concatMap pulls (decodes) the next part only after the previous one went
    // through everything downstream, synchronously.
    return concatMap(function* (batch: RawBatch): Generator<EventBatch> {
      const records = batch.records;
      let start = 0;
      do {
        const end = Math.min(records.length, start + partSize);
        yield decodePart(batch, start, end);
        start = end;
      } while (start < records.length);
    });
  }
  // The same, but a batch that has held the event loop for `yieldAfterMs` goes on in a later turn.
  const dropQueued = options.dropQueued;
  return concatMap(
    (batch: RawBatch) =>
      new Observable<EventBatch>((subscriber) => {
        if (dropQueued?.() === true) {
          subscriber.complete();
          return;
        }
        const records = batch.records;
        let start = 0;
        let pending: NodeJS.Immediate | null = null;
        const run = () => {
          pending = null;
          const began = performance.now();
          do {
            const end = Math.min(records.length, start + partSize);
            subscriber.next(decodePart(batch, start, end));
            start = end;
            if (subscriber.closed) return;
            if (start < records.length && performance.now() - began >= yieldAfterMs) {
              pending = setImmediate(run);
              return;
            }
          } while (start < records.length);
          subscriber.complete();
        };
        run();
        return () => {
          if (pending !== null) clearImmediate(pending);
        };
      }),
  );
}
