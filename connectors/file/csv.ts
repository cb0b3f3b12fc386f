import { open } from 'node:fs/promises';

import { Observable } from 'rxjs';

import { inputFileError, lineCommit, readJsonl, type JsonlSourceOptions } from './jsonl.js';
import { parseCsv } from '../../src/internal.js';
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
 * The header row of a CSV file (read from its start, at most `maxBytes`): a `DataError` for a file
 * without one, or whose first row does not end within `maxBytes`.
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
    let text = '';
    let read = 0;
    let inQuotes = false;
    let scanned = 0;
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, read);
      if (bytesRead === 0) break;
      read += bytesRead;
      text += chunk.toString('utf8', 0, bytesRead);
      if (scanned === 0 && text.charCodeAt(0) === 0xfeff) scanned = 1;
      for (; scanned < text.length; scanned++) {
        const ch = text.charCodeAt(scanned);
        if (ch === 34) inQuotes = !inQuotes;
        else if (ch === 10 && !inQuotes) {
          return header(text.slice(0, scanned), path);
        }
      }
      if (read > maxBytes)
        throw new DataError(
          `the header row of ${path} does not end within its first ${maxBytes} bytes (limits.maxRecordBytes): is it a CSV file?`,
        );
    }
    if (text.trim() === '' || text === '\ufeff')
      throw new DataError(`${path} is empty: a CSV input needs a header row`);
    return header(text, path);
  } finally {
    await handle.close();
  }
}

function header(text: string, path: string): CsvHeader {
  const body = text.replace(/^\ufeff/, '').replace(/\r$/, '');
  let lines = 1;
  for (let i = 0; i < body.length; i++) if (body.charCodeAt(i) === 10) lines++;
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
  const { commit, ...read } = options;
  const maxBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const lines = readJsonl(path, {
    ...read,
    skipBlank: false,
    skipLines: Math.max(head.lines, options.skipLines ?? 0),
  });
  const batches$ = rowsOfLines(lines, maxBytes);
  if (commit === undefined) return { batches$ };
  return { batches$, commit: lineCommit(options.name ?? path, commit) };
}

/**
 * Line records joined into CSV rows: lines are joined (with `\n`) while the row's quotes are open
 * (an odd count of `"` so far, as `parseCsv` reads them), up to `maxBytes` (then the row goes on
 * as an oversize record, and the next line starts a row); blank lines outside a row are dropped.
 */
function rowsOfLines(lines: Observable<RawBatch>, maxBytes: number): Observable<RawBatch> {
  return new Observable<RawBatch>((subscriber) => {
    let pending: string[] = [];
    let pendingChars = 0;
    let open = false;
    let last: RawRecord | null = null;
    const flushPending = (records: RawRecord[], at: RawRecord) => {
      const value = pending.join('\n');
      pending = [];
      pendingChars = 0;
      open = false;
      const size = value.length * 3 > maxBytes ? Buffer.byteLength(value) : 0;
      records.push(
        size > maxBytes
          ? { value: value.slice(0, OVERSIZE_PREFIX), bytes: size, position: at.position }
          : { value, position: at.position },
      );
    };
    return lines.subscribe({
      next: (batch) => {
        const records: RawRecord[] = [];
        for (const record of batch.records) {
          const { value } = record;
          if (typeof value !== 'string' || record.bytes !== undefined) {
            // bytes that are not UTF-8, or a line over maxRecordBytes: a record of its own
            if (pending.length > 0) flushPending(records, last!);
            records.push(record);
            continue;
          }
          let quotes = 0;
          for (let i = value.indexOf('"'); i >= 0; i = value.indexOf('"', i + 1)) quotes++;
          if (pending.length === 0 && quotes % 2 === 0) {
            if (value.trim() !== '') records.push(record);
            continue;
          }
          pending.push(value);
          pendingChars += value.length + 1;
          last = record;
          if (quotes % 2 === 1) open = !open;
          if (!open || pendingChars * 3 > maxBytes) flushPending(records, record);
        }
        if (records.length > 0) subscriber.next({ records });
      },
      error: (err: unknown) => subscriber.error(err),
      complete: () => {
        // a quote left open at the end of the file: the row goes on, and its decoding names it
        const records: RawRecord[] = [];
        if (pending.length > 0) flushPending(records, last!);
        if (records.length > 0) subscriber.next({ records });
        subscriber.complete();
      },
    });
  });
}
