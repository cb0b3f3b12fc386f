import { InputError } from '../core/errors.js';
import type { RawBatch, RawRecord } from '../stream/types.js';

/** Digits of the longest offset taken: 15 decimal digits are always a safe integer. */
const MAX_DIGITS = 15;

/**
 * Throws `InputError` naming the first record whose `position.offset` is not a whole number ≥ 0
 * in decimal digits (at most 15): with a durable state store, a restored model skips the records
 * at or below the offsets it covers, compared as numbers, so any other offset would be learned again.
 */
export function checkDecimalOffsets(records: readonly RawRecord[]): void {
  for (const { position } of records) {
    const offset = position.offset;
    if (isDecimal(offset)) continue;
    const where = position.partition === undefined ? '' : ` partition ${position.partition}`;
    throw new InputError(
      `record of source ${JSON.stringify(position.source)}${where} at offset ${JSON.stringify(offset)}: with a durable state store, RecordPosition.offset must be a whole number >= 0 in decimal digits (at most ${MAX_DIGITS}, e.g. "17"), increasing within a source and partition; a restored model skips the records at or below the offsets it covers, compared as numbers. Number your records, or use no durable store`,
    );
  }
}

function isDecimal(offset: unknown): boolean {
  if (typeof offset !== 'string' || offset.length === 0 || offset.length > MAX_DIGITS) return false;
  for (let i = 0; i < offset.length; i++) {
    const c = offset.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** What a value is, for a message: `an object`, `null`, `a number`. */
function kindOf(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/**
 * Throws `InputError` naming the first record of a source's batch that is not a `RawRecord` (a
 * value of JSON text or its bytes, a position with a source and an offset): an application's own
 * source fails the run saying what to send, not with a TypeError from inside the decoder.
 */
export function checkRawBatch(batch: RawBatch): void {
  const records: unknown = (batch as Partial<RawBatch> | null)?.records;
  if (!Array.isArray(records))
    throw new InputError(
      `a batch of source.batches$ must be { records: RawRecord[] }, got ${kindOf(batch)}${batch !== null && typeof batch === 'object' ? ` whose records are ${kindOf(records)}` : ''}`,
    );
  const decoded = batch.decoded;
  for (let i = 0; i < records.length; i++) {
    const record: unknown = records[i];
    const r = (typeof record === 'object' && record !== null ? record : {}) as Partial<RawRecord>;
    const position = r.position as Partial<RawRecord['position']> | undefined;
    let problem: string | null = null;
    // (a batch with `decoded` has its events read: its records' values may be lazy views, not read here)
    if (decoded === undefined && typeof r.value !== 'string' && !(r.value instanceof Uint8Array))
      problem = `its value must be one event as JSON text (a string) or its UTF-8 bytes (a Uint8Array or Buffer), got ${kindOf(r.value)}${typeof r.value === 'object' && r.value !== null ? ': JSON.stringify the event' : ''}`;
    else if (typeof position !== 'object' || position === null)
      problem = `its position must be { source, offset } (where it came from, for dead letters and scores), got ${kindOf(position)}`;
    else if (typeof position.source !== 'string' || typeof position.offset !== 'string')
      problem = `its position's source and offset must be strings (e.g. { source: "my-app", offset: "17" }), got ${kindOf(position.source)} and ${kindOf(position.offset)}`;
    if (problem !== null) throw new InputError(`record ${i} of a batch of source.batches$: ${problem}`);
  }
}
