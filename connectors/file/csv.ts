import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

import { Observable, tap } from 'rxjs';

import {
  checkLineSourceOptions,
  inputFileError,
  lineSource,
  linesInFlight,
  readLines,
  type JsonlSourceOptions,
} from './jsonl.js';
import {
  continuedQuote,
  crOnlyProblem,
  isBlankLine,
  openQuote,
  parseCsv,
  QUOTE_BROKEN,
  QUOTE_CLOSED,
} from '../../src/internal.js';
import {
  DataError,
  DEFAULT_MAX_RECORD_BYTES,
  type EventSource,
  type RawBatch,
  type RawRecord,
} from '../../src/index.js';

/** Characters of an oversize row kept in its record (for the dead letter). */
const OVERSIZE_PREFIX = 256;

/** A CSV file's header: its column names and the lines it takes (a quoted name may hold a newline). */
export interface CsvHeader {
  readonly columns: readonly string[];
  readonly lines: number;
}

/**
 * The header row of a CSV file (its first row that is not blank, read from its start, at most
 * `maxBytes`): a `DataError` for a file without one, whose first row does not end within
 * `maxBytes`, whose lines end with a carriage return alone, or whose header is not UTF-8.
 */
export async function readCsvHeader(path: string, maxBytes = DEFAULT_MAX_RECORD_BYTES): Promise<CsvHeader> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw inputFileError(path, err);
  }
  try {
    const chunk = Buffer.alloc(Math.min(maxBytes + 4, 1 << 20));
    const decoder = new StringDecoder('utf8');
    let text = '';
    let read = 0;
    let open = false;
    let scanned = 0;
    /** Where the header row starts: after a byte-order mark and blank lines. */
    let rowStart = 0;
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, read);
      if (bytesRead === 0) break;
      read += bytesRead;
      text += decoder.write(chunk.subarray(0, bytesRead));
      if (scanned === 0 && text.charCodeAt(0) === 0xfeff) scanned = rowStart = 1;
      for (let nl = text.indexOf('\n', scanned); nl >= 0; nl = text.indexOf('\n', scanned)) {
        open = openQuote(text.slice(scanned, nl), open);
        scanned = nl + 1;
        if (open) continue;
        if (text.slice(rowStart, nl).trim() === '') rowStart = scanned;
        else return header(text, rowStart, nl, path);
      }
      if (read > maxBytes)
        throw (
          crOnly(text.slice(rowStart), path) ??
          new DataError(
            `the header row of ${path} does not end within its first ${maxBytes} bytes (limits.maxRecordBytes): is it a CSV file?`,
          )
        );
    }
    text += decoder.end();
    if (text.slice(rowStart).trim() === '')
      throw new DataError(`${path} is empty: a CSV input needs a header row`);
    return header(text, rowStart, text.length, path);
  } finally {
    await handle.close();
  }
}

/** The error for a file whose lines end with a carriage return alone, or null. */
function crOnly(text: string, path: string): DataError | null {
  const problem = crOnlyProblem(text, path);
  return problem === null ? null : new DataError(problem);
}

/** The header row `text[from, to)` (`to` at its newline or the end), and the lines up to it. */
function header(text: string, from: number, to: number, path: string): CsvHeader {
  const body = text.slice(from, to).replace(/\r$/, '');
  const cr = crOnly(body, path);
  if (cr !== null) throw cr;
  if (body.includes('\ufffd'))
    throw new DataError(
      `the header row of ${path} is not valid UTF-8 (text in another encoding, such as Latin-1?): write the file as UTF-8`,
    );
  let lines = 1;
  for (let i = 0; i < to && i < text.length; i++) if (text.charCodeAt(i) === 10) lines++;
  let columns: string[];
  try {
    columns = (parseCsv(body).rows[0] ?? []).map((h) => h.trim());
  } catch (err) {
    throw new DataError(`the header row of ${path}: ${(err as Error).message}`);
  }
  return { columns, lines };
}

export interface CsvEventSourceOptions extends JsonlSourceOptions {
  /**
   * Called at each checkpoint with the last line whose events are learned and whose outputs are
   * written (the state directory records it); without it there is nothing to commit.
   */
  readonly commit?: (line: number) => void | Promise<void>;
}

/**
 * The data rows of a CSV file as the engine's event source: a record per row, its text (lines
 * joined while a quoted cell holds newlines) as `value`, and as its position the row's last line
 * (so that a checkpoint covers whole rows); blank lines between rows are passed over. Decode its
 * records with a `CsvRowDecoder` of the file's header (`readCsvHeader`), as the engine's `decoder`.
 * `skipLines` counts the header's lines too (it is read past either way).
 */
export function csvSource(path: string, head: CsvHeader, options: CsvEventSourceOptions = {}): EventSource {
  checkLineSourceOptions('csvSource', options, ['commit']);
  const { commit, ...read } = options;
  const maxBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  // batches of lines counted from the first data line: one-line rows batch as their events would
  // in JSON lines
  const inFlight = commit !== undefined ? linesInFlight(options.batchSize) : null;
  const lines = readLines(
    path,
    { ...read, skipBlank: false, skipLines: Math.max(head.lines, options.skipLines ?? 0) },
    true,
    head.lines,
    inFlight,
    false,
  );
  // the rows sent are counted as they leave the joiner: lines held in an open quoted cell are
  // not out, so the reader goes on until the row closes (or is given up at maxRecordBytes)
  const rows$ = rowsOfLines(lines, maxBytes);
  const batches$ = inFlight === null ? rows$ : rows$.pipe(tap((b) => inFlight.emitted(b.records)));
  return lineSource(batches$, options.name ?? path, commit, inFlight);
}

/**
 * Line records joined into CSV rows (`CsvRowJoiner`), batch by batch; a row still open at the end
 * of the file gives up its first line (below).
 */
function rowsOfLines(lines: Observable<RawBatch>, maxBytes: number): Observable<RawBatch> {
  return new Observable<RawBatch>((subscriber) => {
    const joiner = new CsvRowJoiner(maxBytes);
    return lines.subscribe({
      next: (batch) => {
        const records: RawRecord[] = [];
        for (const record of batch.records) joiner.push(record, records);
        if (records.length > 0) subscriber.next({ records });
      },
      error: (err: unknown) => subscriber.error(err),
      complete: () => {
        const records: RawRecord[] = [];
        joiner.end(records);
        if (records.length > 0) subscriber.next({ records });
        subscriber.complete();
      },
    });
  });
}

/** A line of the row in hand: its record, its bytes with its newline, and whether it opens a row. */
interface PendingLine {
  readonly record: RawRecord;
  readonly bytes: number;
  /** A quoted cell is open at its end when the line starts a row (`openQuote(line, false)`). */
  readonly opens: boolean;
}

/**
 * Joins a CSV file's line records into row records. A quote opens a quoted cell only at the start
 * of a field (RFC 4180; one inside an unquoted field, `5" screen`, is left to the row's decoder,
 * which rejects that row alone); while a quoted cell is open the next line belongs to the row,
 * unless it breaks it (`continuedQuote`: the cell closes and another quote follows in the same
 * field, as when `2,"unclosed,3` is followed by `3,"b",4`): then the row's first line is given up
 * and the lines after it are read again as rows, as `parseCsv` does for `fit`.
 * A row's value is its lines joined with `\n` (a CRLF inside a quoted cell kept), less the last
 * line's `\r`; its position is its last line's. A row still open after `maxBytes` bytes, or at the
 * end of the file, gives up its first line as a row of its own (its decoder names the quote that
 * nothing closes) and the lines after it are read again as rows: one bad quote costs one row, not
 * the rest of the file. A row with a line that is not UTF-8 keeps its bytes (its decoder names
 * them); a line over `maxBytes` (kept only as its start) ends the row it is in, as one oversize
 * record. Each line's quotes are read at most twice (from a closed and from an open start),
 * however many rows are given up.
 */
export class CsvRowJoiner {
  /** The row in hand: `pending[head ..]`. */
  private pending: PendingLine[] = [];
  private head = 0;
  private pendingBytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** Takes the next line record; the rows it completes go to `out`. */
  push(line: RawRecord, out: RawRecord[]): void {
    if (line.bytes !== undefined) {
      // a line over maxBytes: its record holds only its start, so its quotes are not known; it
      // ends the row in hand
      if (this.head === this.pending.length) out.push(line);
      else {
        out.push({
          value: textOf(this.pending[this.head]!.record.value).slice(0, OVERSIZE_PREFIX),
          bytes: this.pendingBytes + line.bytes,
          position: line.position,
        });
        this.clear();
      }
      return;
    }
    const text = textOf(line.value);
    if (this.head === this.pending.length) {
      if (!openQuote(text, false)) return emitRow([line], out);
      this.add(line, text, true);
    } else {
      const state = continuedQuote(text);
      if (state === QUOTE_CLOSED) {
        const lines = this.pending.slice(this.head).map((p) => p.record);
        lines.push(line);
        this.clear();
        return emitRow(lines, out);
      }
      this.add(line, text, openQuote(text, false));
      // a line that breaks the row: the row's first line is given up, and so on for the row each
      // leaves in hand, which ends in this line too, until the row in hand is this line or none
      if (state === QUOTE_BROKEN) while (this.head < this.pending.length - 1) this.giveUpFirst(out);
    }
    while (this.pendingBytes > this.maxBytes) this.giveUpFirst(out);
  }

  /** The end of the file: a row still open gives up its first lines until none is. */
  end(out: RawRecord[]): void {
    while (this.head < this.pending.length) this.giveUpFirst(out);
  }

  private add(record: RawRecord, text: string, opens: boolean): void {
    const bytes = (typeof record.value === 'string' ? Buffer.byteLength(text) : record.value.length) + 1;
    this.pending.push({ record, bytes, opens });
    this.pendingBytes += bytes;
  }

  private clear(): void {
    this.pending = [];
    this.head = 0;
    this.pendingBytes = 0;
  }

  /**
   * Gives up the open row's first line as a row of its own, and reads the lines after it again
   * from a closed start. Each of them kept the row open from an open start, so a line that opens
   * no quote from a closed start is a row of its own, and the first that does opens a row that
   * stays open through the rest: it is the new row in hand.
   */
  private giveUpFirst(out: RawRecord[]): void {
    const pending = this.pending;
    let at = this.head;
    do {
      emitRow([pending[at]!.record], out);
      this.pendingBytes -= pending[at]!.bytes;
      at++;
    } while (at < pending.length && !pending[at]!.opens);
    if (at === pending.length) return this.clear();
    this.head = at;
    // drop the given-up lines now and then, so that the array holds about the row in hand
    if (at > 1024 && at > pending.length >> 1) {
      this.pending = pending.slice(at);
      this.head = 0;
    }
  }
}

/** A row of `lines` as one record (a blank line alone is no row). */
function emitRow(lines: readonly RawRecord[], out: RawRecord[]): void {
  const position = lines[lines.length - 1]!.position;
  if (lines.length === 1 && typeof lines[0]!.value === 'string') {
    const text = lines[0]!.value;
    const value = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (!isBlankLine(value)) out.push(value === text ? lines[0]! : { value, position });
    return;
  }
  if (lines.every((l) => typeof l.value === 'string')) {
    let value = lines.map((l) => l.value as string).join('\n');
    if (value.endsWith('\r')) value = value.slice(0, -1);
    out.push({ value, position });
    return;
  }
  const parts: Buffer[] = [];
  lines.forEach((l, k) => {
    if (k > 0) parts.push(NEWLINE);
    parts.push(typeof l.value === 'string' ? Buffer.from(l.value) : Buffer.from(l.value));
  });
  out.push({ value: Buffer.concat(parts), position });
}

const NEWLINE = Buffer.from('\n');

function textOf(value: string | Uint8Array): string {
  return typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
}
