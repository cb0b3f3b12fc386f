/**
 * The packed batches a JSONL reader worker sends (`jsonlReaderWorker.ts`), and their reading on
 * the main thread (`PackedBatchReader`): events as typed arrays, names by id in an `InternTable`
 * kept in step with the worker's, strings by id in a table of values (or inline).
 */
import {
  InternTable,
  LineSpans,
  ListedEvent,
  PackedValues,
  type DecodedRecords,
  type Family,
  type L1Event,
} from '../../src/index.js';
import { IdListedEvent, LineEvent } from '../../src/internal.js';
import type { MessagePort } from 'node:worker_threads';

import type { JsonlSourceOptions } from './jsonl.js';

/**
 * Per record in `rec`: kind, first feature, end of features, key reference, first inline string
 * (`inline`: keys and names), first string (`sref`), 1 when every name has an id.
 */
export const REC_STRIDE = 7;
/** An event the worker read (its features in the feature arrays). */
export const REC_DECODED = 0;
/** A line for the general path: its text is the batch's next `texts` entry. */
export const REC_TEXT = 1;
/** A line over the reader's limit: its start is the next `texts` entry, its size `nums[3i]`. */
export const REC_OVERSIZE = 2;
/** A line whose bytes are not UTF-8: they are the next `texts` entry, one character per byte (latin1). */
export const REC_BYTES = 3;
/**
 * An event the worker read with its names hashed (a `LineEvent`): its line is in `lineText`, its
 * features' name hashes in `fid` and their spans in `nameSpans`, its strings from `rec[5]` on in
 * `itemHashes`, `itemSpans` and `missing`.
 */
export const REC_LINE = 4;

/** A string reference: >= 0 an id in the value table; this: the next inline one (`inlineStrings`, or `inline` for a key). */
export const STR_INLINE = -1;
/** The key reference of an event without a key. */
export const KEY_NONE = -2;
/** Strings the value table holds at most (values and keys of up to 64 characters), on each thread. */
export const VALUE_CAPACITY = 1 << 16;

/** Int32 slots of `ReaderWorkerData.control`. */
export const CONTROL_SLOTS = 5;
export const CONTROL_CREDITS = 0;
export const CONTROL_CANCELLED = 1;
export const CONTROL_POSTED = 2;
export const CONTROL_HASHING = 3;
export const CONTROL_SEED = 4;

export interface ReaderWorkerData {
  readonly path: string;
  readonly family: Family;
  /** `decodeEvents`' limit: a longer line goes as text, for it to dead-letter. */
  readonly maxRecordBytes: number;
  readonly options: Omit<JsonlSourceOptions, 'onProgress'>;
  /**
   * SharedArrayBuffer of `CONTROL_SLOTS` Int32: credits (batches the worker may post), cancelled,
   * messages posted, 1 once the main thread's featurizer hashes names, and the seed it hashes with.
   */
  readonly control: SharedArrayBuffer;
  /** Where the worker posts its messages (the main thread takes them synchronously). */
  readonly port: MessagePort;
}

export interface PackedBatch {
  readonly type: 'batch';
  /** Each record's line number. */
  readonly lines: Int32Array;
  /** `REC_STRIDE` entries per record. */
  readonly rec: Int32Array;
  /** Per record: label, weight, ts (NaN: absent); an oversize line's size. */
  readonly nums: Float64Array;
  /**
   * Per feature: its name's id in the table (-1: the name is inline; a `REC_LINE` record's: the
   * name's hash), and its value as the worker's reader packed it (`PackedValues`: `PACKED_*`
   * kind, number, strings in `sref` or, for `REC_LINE`, `itemHashes`).
   */
  readonly fid: Int32Array;
  readonly kinds: Uint8Array;
  readonly numbers: Float64Array;
  /** Per string value and array item, in order: its id in the value table, or `STR_INLINE`. */
  readonly sref: Int32Array;
  /** Per feature, two entries: where a `REC_LINE` record's name starts and ends in `lineText` (else 0, 0). */
  readonly nameSpans: Int32Array;
  /** Per string value and array item of `REC_LINE` records: `LineSpans`' hash, span in `lineText`, missing flag. */
  readonly itemHashes: Int32Array;
  readonly itemSpans: Int32Array;
  readonly missing: Uint8Array;
  /** The lines of the `REC_LINE` records, end to end. */
  readonly lineText: string;
  /** The seed (as a 32-bit integer) the `REC_LINE` records' names were hashed with. */
  readonly hashSeed: number;
  /** Names the worker's table added since the last batch, in id order. */
  readonly names: readonly string[];
  /** Strings the value table added since the last batch, in id order. */
  readonly values: readonly string[];
  /** Keys and names without an id, in the order the records use them. */
  readonly inline: readonly string[];
  /** The `STR_INLINE` strings of `sref`, in order. */
  readonly inlineStrings: readonly string[];
  /** The text of `REC_TEXT`, `REC_OVERSIZE` and `REC_BYTES` records, in order. */
  readonly texts: readonly string[];
  readonly bytesRead: number;
  readonly totalBytes: number;
}

export type ReaderMessage =
  | PackedBatch
  | { readonly type: 'progress'; readonly bytesRead: number; readonly totalBytes: number }
  | { readonly type: 'error'; readonly code: string; readonly message: string }
  | { readonly type: 'done' };

/** FNV-1a over UTF-16 units, as `JsonEventReader` hashes a name while scanning it. */
function scanHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/**
 * The main thread's side of a reader worker: its name table (the same ids as the worker's) and
 * value table, and the events of each packed batch.
 */
export class PackedReader {
  /** The names, with the worker table's ids (the featurizer maps ids of this table). */
  readonly internTable = new InternTable();
  private readonly values: string[] = [];
  /**
   * Where `LineEvent`s intern the names of one-hot fields they build (a table of their own:
   * `internTable`'s ids are the worker's); their string values are made as on one thread, where
   * a hashed featurizer's reader has no value table.
   */
  private readonly lineNames = new InternTable();

  constructor(readonly family: Family) {}

  /**
   * Tells the worker (`control`) to hash names with the seed of the featurizer that took this
   * reader's table (`InternTable.nameHashSeed`), once it has one: the lines it reads from then on
   * come as `REC_LINE` records, as one thread's reader gives `LineEvent`s.
   */
  shareSeed(control: Int32Array): void {
    const seed = this.internTable.nameHashSeed;
    if (seed === null || Atomics.load(control, CONTROL_HASHING) === 1) return;
    Atomics.store(control, CONTROL_SEED, seed | 0);
    Atomics.store(control, CONTROL_HASHING, 1);
  }

  /** Takes in a batch's new names and values; the batch's events, by record. */
  open(batch: PackedBatch): DecodedRecords {
    const table = this.internTable;
    for (const name of batch.names) {
      const id = table.idOf(name, 0, name.length, scanHash(name));
      if (id !== table.size - 1) throw new Error(`reader worker: name table out of step at "${name}"`);
    }
    const values = this.values;
    for (const value of batch.values) values.push(value);
    // the batch's strings in order, as one reader's `PackedValues` holds them
    const { sref, inlineStrings } = batch;
    const strings = new Array<string>(sref.length);
    for (let i = 0, q = 0; i < sref.length; i++) {
      const ref = sref[i];
      strings[i] = ref >= 0 ? values[ref] : inlineStrings[q++];
    }
    let lineValues: PackedValues | null = null;
    let seed = batch.hashSeed;
    if (batch.lineText.length > 0) {
      const { nameSpans: names, fid: nameHashes, itemSpans: items, itemHashes, missing } = batch;
      const spans = new LineSpans(0, 0, { names, nameHashes, items, itemHashes, missing });
      lineValues = new PackedValues(batch.kinds, batch.numbers, [], null, null, spans);
      // the featurizer's own seed (the worker's is the same as a 32-bit integer)
      const own = table.nameHashSeed;
      if (own !== null && (own | 0) === seed) seed = own;
    }
    return new PackedEvents(
      this.family,
      batch,
      table,
      values,
      new PackedValues(batch.kinds, batch.numbers, strings),
      lineValues,
      seed,
      this.lineNames,
    );
  }
}

/**
 * A packed batch's events: `IdListedEvent`s (names by id, values packed) as the worker's reader
 * made them, or `ListedEvent`s with their names when some name has no id.
 */
class PackedEvents implements DecodedRecords {
  constructor(
    readonly family: Family,
    private readonly batch: PackedBatch,
    private readonly table: InternTable,
    private readonly values: readonly string[],
    private readonly packed: PackedValues,
    private readonly lineValues: PackedValues | null,
    private readonly hashSeed: number,
    private readonly lineNames: InternTable,
  ) {}

  event(index: number): L1Event | null {
    const { rec, nums, fid, inline } = this.batch;
    const r = index * REC_STRIDE;
    const kind = rec[r];
    if (kind === REC_LINE) return this.lineEvent(index);
    if (kind !== REC_DECODED) return null;
    const start = rec[r + 1];
    const end = rec[r + 2];
    let at = rec[r + 4];
    const keyRef = rec[r + 3];
    const key = keyRef === KEY_NONE ? undefined : keyRef >= 0 ? this.values[keyRef] : inline[at++];
    const label = present(nums[3 * index]);
    const weight = present(nums[3 * index + 1]);
    const ts = present(nums[3 * index + 2]);
    const n = end - start;
    const { table, packed } = this;
    const stringAt = rec[r + 5];
    if (rec[r + 6] === 1)
      return new IdListedEvent(key, ts, label, weight, n, fid, start, table, packed, start, stringAt, true);
    const names = new Array<string>(n);
    for (let k = 0; k < n; k++) {
      const id = fid[start + k];
      names[k] = id >= 0 ? table.stringOf(id) : inline[at++];
    }
    return new ListedEvent(key, ts, label, weight, names, null, fid, start, table, packed, start, stringAt);
  }

  /** A `REC_LINE` record's `LineEvent`, its spans into the batch's `lineText`. */
  private lineEvent(index: number): LineEvent {
    const { rec, nums, inline, lineText } = this.batch;
    const r = index * REC_STRIDE;
    const keyRef = rec[r + 3];
    const key = keyRef === KEY_NONE ? undefined : keyRef >= 0 ? this.values[keyRef] : inline[rec[r + 4]];
    return new LineEvent(
      key,
      present(nums[3 * index + 2]),
      present(nums[3 * index]),
      present(nums[3 * index + 1]),
      lineText,
      rec[r + 2] - rec[r + 1],
      this.lineValues!,
      rec[r + 1],
      rec[r + 5],
      this.hashSeed,
      this.lineNames,
      null,
      true,
    );
  }
}

/** A packed number, NaN for an absent one. */
function present(x: number): number | undefined {
  return Number.isNaN(x) ? undefined : x;
}
