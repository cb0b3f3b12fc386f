import type { Family, L1Event } from '../core/event.js';

/**
 * The elements that flow between the rxjs operators of `src/stream`. Sources (files, Kafka) emit
 * `RawBatch`es; operators work batch by batch so that per-event overhead stays in plain loops.
 */

/** Where a record came from: a file line or a Kafka partition offset. */
export interface RecordPosition {
  /** `path` for files, topic name for Kafka. */
  readonly source: string;
  /** Kafka partition (absent for files). */
  readonly partition?: number;
  /**
   * 1-based line number for files, the Kafka offset (as a decimal string) for topics. With a
   * durable state store it must be a whole number >= 0 in decimal digits (at most 15), increasing
   * within a source and partition: a restored model skips the records at or below the offsets it
   * covers, compared as numbers; any other offset fails the run (`InputError`).
   */
  readonly offset: string;
}

export interface RawRecord {
  readonly value: string | Uint8Array;
  /**
   * The record's full size in bytes when `value` holds only its start: a line over the reader's
   * `maxRecordBytes`, not kept in memory (`decodeEvents` dead-letters it).
   */
  readonly bytes?: number;
  readonly position: RecordPosition;
  readonly key?: string | Uint8Array | null;
  /**
   * The record's headers (Kafka): a name given more than once has an array of its values. An own
   * property may be named `__proto__`; read them with `Object.entries`, never by `in`.
   */
  readonly headers?: RecordHeaders;
}

/** Record headers by name; repeated names have an array of values, in order. */
export type RecordHeaders = Readonly<
  Record<string, string | Uint8Array | ReadonlyArray<string | Uint8Array> | undefined>
>;

export interface RawBatch {
  readonly records: readonly RawRecord[];
  /**
   * The records' events when a source has already read them (off the thread: a JSONL reader
   * worker); `decodeEvents` takes them instead of decoding the records' values.
   */
  readonly decoded?: DecodedRecords;
}

/** Events a source read itself, for `decodeEvents`. */
export interface DecodedRecords {
  /** The family the events were checked for (a binomial label is 0 or 1). */
  readonly family: Family;
  /**
   * Record `index`'s event, valid (what `validateEvent` would return for its value), or null: the
   * record's `value` is to be decoded (a line the reader left to `JSON.parse` and `validateEvent`;
   * a record that has an event has an empty `value`). Called at most once per record, in order.
   */
  event(index: number): L1Event | null;
  /**
   * True: the records `event` leaves (null) are decoded by the pipeline's own decoder (an Avro
   * source reading its records in place), which names the reason; default: as JSON lines.
   */
  readonly viaDecoder?: boolean;
}

/** A record that could not be used, with the reason; nothing is dropped silently. */
export interface DeadLetter {
  readonly reason: string;
  /** `decode` (not JSON/Avro), `validate` (the event format of docs/conventions.md violated), `featurize` (type changed, ...). */
  readonly stage: 'decode' | 'validate' | 'featurize';
  readonly position: RecordPosition;
  readonly value: string | Uint8Array;
  readonly headers?: RecordHeaders;
  /** The source record's key (Kafka), kept so a keyed dead letter stays in its key's partition. */
  readonly key?: string | Uint8Array | null;
}

/** Receives dead letters (a file, a DLQ topic, a counter in tests). */
export interface DeadLetterSink {
  deadLetter(letter: DeadLetter): void;
}

export interface EventBatch {
  readonly events: readonly L1Event[];
  readonly positions: readonly RecordPosition[];
  /** Records of the raw batch that were rejected before becoming events. */
  readonly rejected: number;
  /** Raw records this batch covers (events + rejected), for offset bookkeeping. */
  readonly records: readonly RawRecord[];
  /**
   * True on every part but the last when `decodeEvents` splits a raw batch into parts
   * (`partSize`); the parts' `records` are then all the raw batch's records.
   */
  readonly partial?: boolean;
}

/**
 * What the `learn` operator emits per batch: per-event diagnostics in typed arrays, for the
 * progressive metrics and the drift detectors. Event `i`'s active features are
 * `featureIndices[featureStarts[i] .. featureStarts[i+1])`, named by `nameOf`.
 */
export interface LearnedBatch {
  /** Model key (docs/conventions.md, model snapshots). */
  readonly key: string;
  /** Events learned from so far, after this batch (the model's `offset`). */
  readonly offset: number;
  /** Events of this batch that reached the model (labelled: learned; unlabelled: scored). */
  readonly count: number;
  readonly labelled: Uint8Array;
  readonly labels: Float64Array;
  /** Mean prediction made before learning (probability for binomial). */
  readonly predictions: Float64Array;
  /** Per-event loss of that prediction (log loss or squared error; NaN for unlabelled). */
  readonly losses: Float64Array;
  readonly featureStarts: Int32Array;
  readonly featureIndices: Int32Array;
  readonly nameOf: (index: number) => string;
  /** The field of a one-hot column without building its name (null: see `nameOf`). */
  readonly fieldOf?: (index: number) => string | null;
  /**
   * Optional, parallel to `featureIndices`: each column's drift field code, recorded by the
   * vocabulary (`Vocabulary.fieldCodes`: its name's field up to the first `=`, see `fieldNames`).
   */
  readonly fieldCodes?: Int32Array;
  /** With `fieldCodes`: the field of each code ≥ FIELD_FIRST. */
  readonly fieldNames?: readonly string[];
  /** Records rejected in this batch (decode, validation or featurization). */
  readonly rejected: number;
  /** The raw records this batch covers, for offset commits. */
  readonly records: readonly RawRecord[];
}
