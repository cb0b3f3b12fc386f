import type { RawRecord, RecordHeaders, RecordPosition } from './types.js';

/** What a dead letter carries over from its raw record besides its position: headers and key, when it has them. */
export function recordOrigin(record: RawRecord | undefined): {
  headers?: RecordHeaders;
  key?: string | Uint8Array;
} {
  if (record === undefined) return {};
  return {
    ...(record.headers ? { headers: record.headers } : {}),
    ...(record.key != null ? { key: record.key } : {}),
  };
}

/**
 * The value a later stage's dead letter carries: the record's own text or bytes (an Avro body, a
 * line as written), as a decoding stage's does, so a dead-letter topic holds the input's format.
 * `fallback` (the event serialized) when there is no record or its value was not kept (a file
 * read on a reader thread hands over parsed events, with an empty value).
 */
export function originalValue(record: RawRecord | undefined, fallback: () => string): string | Uint8Array {
  const value = record?.value;
  return value !== undefined && value.length > 0 ? value : fallback();
}

/** Records by position, per raw batch: built once, for the first dead letter of a later stage. */
const indexes = new WeakMap<readonly RawRecord[], Map<string, RawRecord>>();

const positionKey = (p: RecordPosition) => `${p.partition ?? ''}\u0000${p.offset}\u0000${p.source}`;

/**
 * The raw record of `records` (a batch's) at `position`, for a stage after decoding (routing,
 * featurizing) that has only the event: its dead letter then carries the record's key and headers
 * as a decoding stage's does. Undefined when no record is there.
 */
export function recordAt(records: readonly RawRecord[], position: RecordPosition): RawRecord | undefined {
  let index = indexes.get(records);
  if (index === undefined) {
    index = new Map();
    for (const r of records) index.set(positionKey(r.position), r);
    indexes.set(records, index);
  }
  return index.get(positionKey(position));
}
