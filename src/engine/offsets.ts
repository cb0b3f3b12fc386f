import { InputError } from '../core/errors.js';
import type { RawRecord } from '../stream/types.js';

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
