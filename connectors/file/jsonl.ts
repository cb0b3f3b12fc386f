import { isUtf8 } from 'node:buffer';
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';

import { Observable } from 'rxjs';

import { cannotWrite } from './directory.js';
import { readJsonlThreaded } from './jsonlThreaded.js';
import { LinesInFlight } from './linesInFlight.js';
import { isBlankLine, optionKeyProblems, shownValue } from '../../src/internal.js';
import {
  ConfigError,
  ConnectorError,
  DEFAULT_MAX_RECORD_BYTES,
  type ConfigProblem,
  type EventSource,
  type Family,
  type RawBatch,
  type RawRecord,
} from '../../src/index.js';

/** Records per batch of a file source (`batchSize`), as the engine's `batchSize` default. */
export const DEFAULT_BATCH_RECORDS = 1024;
/**
 * A file source's batch ends once its records hold this many characters, whatever its line count:
 * memory stays bounded (about one such batch per batch in flight) when the lines are long.
 */
const BATCH_CHARS = 8 << 20;

export interface JsonlSourceOptions {
  /**
   * Lines per batch (default `DEFAULT_BATCH_RECORDS`, 1024): batch k holds the records of lines
   * ((k − 1)·batchSize, k·batchSize], so batches end at the same lines in every run over the file
   * (also once their records hold 8 Mi characters; a pipe's at each chunk read as well).
   */
  readonly batchSize?: number;
  /** Called with bytes read so far and the file size, for progress reports. */
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Skip blank lines (default true); they are not events and are not dead-lettered. */
  readonly skipBlank?: boolean;
  /**
   * Lines already done (a checkpoint's committed line): they are passed over without being
   * decoded, by counting newlines, and reading starts at the next one. An input with fewer lines
   * is an error (it is not the file the checkpoint was made from).
   */
  readonly skipLines?: number;
  /** The records' `position.source` (default `path`): a resumed run keeps its first run's name. */
  readonly name?: string;
  /**
   * A line longer than this many bytes is not held in memory: reading streams past it, and it is
   * emitted as a record with its first bytes as `value` and its full size as `bytes` (default:
   * `DEFAULT_MAX_RECORD_BYTES`), for `decodeEvents` to dead-letter.
   */
  readonly maxRecordBytes?: number;
  /**
   * A last line without a newline that is not valid JSON is left unread (no record, no line
   * counted): a writer may be in the middle of it, and a run resumed from a checkpoint reads it
   * once it is whole (`replay --state`, which sets this). Default false: it is a record, which
   * decoding dead-letters.
   */
  readonly holdUnterminated?: boolean;
}

/** Characters of an oversize line kept in its record (for the dead letter). */
const OVERSIZE_PREFIX = 256;

const sourceKeys = [
  'batchSize',
  'onProgress',
  'skipBlank',
  'skipLines',
  'name',
  'maxRecordBytes',
  'holdUnterminated',
] as const;
const eventSourceKeys = [...sourceKeys, 'readerThreads', 'family', 'commit'] as const;

/**
 * The options of `readJsonl` and `jsonlSource` from plain JavaScript, every problem at once: a
 * misspelled key (`maxrecordbytes`) was ignored, and a bound that is not a number (`maxRecordBytes:
 * "x"`, `batchSize: NaN`) held a line or a batch of any size in memory.
 */
function checkOptions(fn: string, options: unknown, known: readonly string[]): void {
  const problems = optionKeyProblems(fn, options, known);
  if (problems.length > 0 && problems[0]!.path === fn) throw new ConfigError(problems);
  const o = options as Record<string, unknown>;
  const at = (key: string) => `${fn}: ${key}`;
  const whole = (key: string, min: number, what: string) => {
    const v = o[key];
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= min))
      problems.push({
        path: at(key),
        message: `must be a whole number >= ${min} (${what}), got ${shownValue(v)}`,
      });
  };
  whole('batchSize', 1, 'records per batch');
  whole('skipLines', 0, 'lines already done');
  whole('maxRecordBytes', 1, 'a longer line is not held in memory');
  const v = o.readerThreads;
  if (v !== undefined && v !== 0 && v !== 1)
    problems.push({
      path: at('readerThreads'),
      message: `must be 0 (read on the engine's thread) or 1 (a reader thread), got ${shownValue(v)}`,
    });
  if (o.skipBlank !== undefined && typeof o.skipBlank !== 'boolean')
    problems.push({
      path: at('skipBlank'),
      message: `must be true or false, got ${shownValue(o.skipBlank)}`,
    });
  if (o.name !== undefined && typeof o.name !== 'string')
    problems.push({ path: at('name'), message: `must be a string, got ${shownValue(o.name)}` });
  if (o.family !== undefined && o.family !== 'gaussian' && o.family !== 'binomial')
    problems.push({
      path: at('family'),
      message: `must be "gaussian" or "binomial", got ${shownValue(o.family)}`,
    });
  for (const key of ['onProgress', 'commit'])
    if (o[key] !== undefined && typeof o[key] !== 'function')
      problems.push({ path: at(key), message: `must be a function, got ${shownValue(o[key])}` });
  if (problems.length > 0) throw new ConfigError(problems);
}

/** `checkOptions` of a source that reads lines (`csvSource`), with its own keys besides. */
export function checkLineSourceOptions(fn: string, options: unknown, own: readonly string[]): void {
  checkOptions(fn, options, [...sourceKeys, ...own]);
}

/**
 * A JSON-lines file as an Observable of record batches, read in chunks with backpressure: the next
 * chunk is read only after subscribers have handled the batches of the previous one (synchronous
 * downstream), which are emitted one per event-loop turn. Each record keeps its 1-based line
 * number as its position.
 */
export function readJsonl(path: string, options: JsonlSourceOptions = {}): Observable<RawBatch> {
  checkOptions('readJsonl', options, sourceKeys);
  return readLines(path, options);
}

/**
 * `readJsonl` of options already checked. `keepCr`: a line's closing `\r` (CRLF) stays in its record
 * (a CSV row joins its lines itself, and a quoted cell keeps the CRLF inside it, as `fit` reads it).
 * `lineOffset`: lines before the data (a CSV's header), left out of the batch windows' count.
 */
export function readLines(
  path: string,
  options: JsonlSourceOptions,
  keepCr = false,
  lineOffset = 0,
  inFlight: LinesInFlight | null = null,
  countsOwnBatches = true,
): Observable<RawBatch> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_RECORDS;
  const maxBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const skipBlank = options.skipBlank ?? true;
  const name = options.name ?? path;
  return new Observable<RawBatch>((subscriber) => {
    let cancelled = false;
    let stream: ReturnType<typeof createReadStream> | null = null;
    const run = async () => {
      let total: number;
      // a pipe (stdin, a FIFO): its lines go on as they come, a batch per chunk read
      let regular: boolean;
      try {
        const st = await stat(path);
        total = st.size;
        regular = st.isFile();
      } catch (err) {
        throw inputFileError(path, err);
      }
      if (cancelled) return;
      stream = createReadStream(path, { highWaterMark: 1 << 20 });
      // Lines are decoded whole with `Buffer#toString` (one-byte strings for ASCII text, as V8
      // makes them), not a chunk at a time by a streaming `TextDecoder` (ICU: two-byte strings,
      // joined to the previous chunk's tail and flattened): a newline byte never sits inside a
      // UTF-8 sequence, so the text is the same, replacement characters included.
      /** The bytes of the line in hand (read since the last newline; copies), and their count. */
      let carry: Buffer[] = [];
      let carryBytes = 0;
      /**
       * True until text is decoded: a byte-order mark there is dropped, as a streaming `TextDecoder`
       * drops it at its start (anywhere else it starts a line, which decoding refuses with a reason;
       * it was dropped after a line over the size limit too when that line spanned read chunks).
       */
      let bomPending = true;
      /** While streaming past an oversize line: its bytes so far and its start; else -1. */
      let oversize = -1;
      let oversizeStart = '';
      let line = 0;
      let bytes = 0;
      let toSkip = options.skipLines ?? 0;
      // bytes of the line being skipped (a last line without a newline is a line too)
      let skippedTail = 0;
      let records: RawRecord[] = [];
      /** The batches of the chunk in hand, emitted after it is split (`emit`). */
      const ready: RawBatch[] = [];
      // characters of the batch in hand's records (a batch of long lines ends at BATCH_CHARS)
      let batchChars = 0;
      const flush = () => {
        batchChars = 0;
        if (records.length > 0) {
          ready.push({ records });
          records = [];
        }
      };
      // The batch in hand holds the records of lines (batchEnd − batchSize, batchEnd]: where batches
      // end is a function of the line numbers, not of the bytes nor of where a resumed run began
      // (the engine judges refits and drift checks at batch boundaries: a resumed run, a file with
      // other spacing or number formatting, or a CSV of the same events, gives the same outputs).
      // A batch whose lines pass BATCH_CHARS ends there too, so that memory stays bounded.
      let batchEnd = 0;
      const push = (record: RawRecord) => {
        const at = line - lineOffset;
        if (at > batchEnd) {
          flush();
          batchEnd = Math.ceil(at / batchSize) * batchSize;
        }
        records.push(record);
        batchChars += record.value.length;
        if (at === batchEnd || batchChars >= BATCH_CHARS) flush();
      };
      // One batch per event-loop turn: what the event loop delivers (a refit worker's result,
      // a timer, a signal) is handled within a batch, not once per chunk of a few thousand lines.
      const emit = async () => {
        for (const batch of ready.splice(0)) {
          if (cancelled) return;
          if (inFlight !== null) {
            await inFlight.room();
            if (cancelled) return;
            // (a CSV source counts its rows instead: lines in an open quoted cell make none)
            if (countsOwnBatches) inFlight.emitted(batch.records);
          }
          subscriber.next(batch);
          await nextTurn();
        }
      };
      const pushLine = (text: string) => {
        line++;
        const value = !keepCr && text.endsWith('\r') ? text.slice(0, -1) : text;
        // a UTF-8 character is at most 3 bytes per UTF-16 unit: only long lines are measured
        if (value.length * 3 > maxBytes) {
          const size = Buffer.byteLength(value);
          if (size > maxBytes) return pushOversize(value.slice(0, OVERSIZE_PREFIX), size);
        }
        if (skipBlank && isBlankLine(value)) return;
        push({ value, position: { source: name, offset: String(line) } });
      };
      const pushOversize = (start: string, bytes: number) => {
        push({ value: start, bytes, position: { source: name, offset: String(line) } });
      };
      const decoded = (text: string): string => {
        if (bomPending && text.length > 0) {
          bomPending = false;
          if (text.charCodeAt(0) === 0xfeff) return text.slice(1);
        }
        return text;
      };
      /**
       * Pushes the lines of `text`, which ends with a newline. `utf8` is its bytes when they are not
       * all UTF-8: a line of them goes on as its bytes, which decoding refuses as a Kafka message's.
       */
      const pushLines = (text: string, utf8?: Buffer) => {
        let start = 0;
        let at = 0;
        for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
          const lineText = text.slice(start, nl);
          start = nl + 1;
          if (utf8 === undefined) {
            pushLine(lineText);
            continue;
          }
          // a newline byte is never part of a UTF-8 sequence, nor made by replacing bad bytes
          const end = utf8.indexOf(10, at);
          if (lineText.includes('\uFFFD') && !isUtf8(utf8.subarray(at, end)))
            pushBytes(utf8.subarray(at, end));
          else pushLine(lineText);
          at = end + 1;
        }
      };
      /** A line whose bytes are not UTF-8, counted as a line and kept as bytes (a copy). */
      const pushBytes = (raw: Buffer) => {
        line++;
        const value = raw.length > 0 && raw[raw.length - 1] === 13 ? raw.subarray(0, -1) : raw;
        if (value.length > maxBytes)
          return pushOversize(value.subarray(0, OVERSIZE_PREFIX).toString('utf8'), value.length);
        push({ value: Buffer.from(value), position: { source: name, offset: String(line) } });
      };
      /** Pushes the lines of `raw` from `start` to `end` (after a newline). */
      const pushRange = (raw: Buffer, start = 0, end = raw.length) => {
        const text = decoded(raw.toString('utf8', start, end));
        // replacement characters: from the file, or for bytes that are not UTF-8 (checked then)
        const bad = text.includes('\uFFFD') && !isUtf8(raw.subarray(start, end));
        pushLines(text, bad ? raw.subarray(start, end) : undefined);
      };
      for await (const chunk of stream) {
        if (cancelled) return;
        let buf = chunk as Buffer;
        bytes += buf.length;
        if (toSkip > 0) {
          // newline counting (memchr): the committed lines are neither decoded nor parsed
          let at = 0;
          while (toSkip > 0) {
            const nl = buf.indexOf(10, at);
            if (nl < 0) break;
            at = nl + 1;
            toSkip--;
            line++;
            skippedTail = 0;
          }
          if (toSkip > 0) {
            skippedTail += buf.length - at;
            options.onProgress?.(bytes, total);
            continue;
          }
          buf = buf.subarray(at);
        }
        if (oversize >= 0) {
          // streaming past a line over maxRecordBytes: only its size is kept
          const nl = buf.indexOf(10);
          if (nl < 0) {
            oversize += buf.length;
            options.onProgress?.(bytes, total);
            continue;
          }
          line++;
          pushOversize(oversizeStart, oversize + nl);
          oversize = -1;
          buf = buf.subarray(nl + 1);
        }
        const lastNl = buf.lastIndexOf(10);
        if (lastNl < 0) {
          if (buf.length > 0) carry.push(Buffer.from(buf));
          carryBytes += buf.length;
        } else {
          let from = 0;
          if (carryBytes > 0) {
            // the line begun in earlier chunks ends in this one
            from = buf.indexOf(10) + 1;
            carry.push(buf.subarray(0, from));
            pushRange(Buffer.concat(carry, carryBytes + from));
          }
          if (from <= lastNl) pushRange(buf, from, lastNl + 1);
          carryBytes = buf.length - lastNl - 1;
          carry = carryBytes > 0 ? [Buffer.from(buf.subarray(lastNl + 1))] : [];
        }
        if (carryBytes > maxBytes) {
          // the line in hand is already too long: drop it and stream past the rest; its start is
          // what the streaming decoder gave (an incomplete last character held back)
          oversize = carryBytes;
          const head = Buffer.concat(carry, carryBytes).subarray(0, 4 * OVERSIZE_PREFIX);
          const text = decoded(new TextDecoder('utf-8', { ignoreBOM: true }).decode(head, { stream: true }));
          oversizeStart = text.slice(0, OVERSIZE_PREFIX);
          carry = [];
          carryBytes = 0;
        }
        // a file's batches end at line numbers (`push`), a pipe's also at each chunk's end
        if (!regular) flush();
        options.onProgress?.(bytes, total);
        await emit();
      }
      if (toSkip === 1 && skippedTail > 0) toSkip = 0; // the last line, without a newline
      if (toSkip > 0)
        throw new ConnectorError(
          'L1S_FILE',
          `${path} has ${line + (skippedTail > 0 ? 1 : 0)} lines, fewer than the ${options.skipLines} already done: it is not the input the checkpoint was made from`,
        );
      if (oversize >= 0) {
        line++;
        pushOversize(oversizeStart, oversize);
      }
      if (carryBytes > 0) {
        const raw = Buffer.concat(carry, carryBytes);
        const last = decoded(raw.toString('utf8'));
        if (options.holdUnterminated === true && !isJson(last)) {
          // held: a writer may be writing it (a resumed run reads it whole)
        } else if (last.includes('\uFFFD') && !isUtf8(raw)) pushBytes(raw);
        else if (last.length > 0) pushLine(last);
      }
      flush();
      await emit();
      if (cancelled) return;
      subscriber.complete();
    };
    run().catch((err: unknown) => {
      subscriber.error(
        err instanceof ConnectorError
          ? err
          : new ConnectorError('L1S_FILE', `cannot read ${path}: ${(err as Error).message}`, { cause: err }),
      );
    });
    return () => {
      cancelled = true;
      inFlight?.cancel();
      stream?.destroy();
    };
  });
}

export interface JsonlEventSourceOptions extends JsonlSourceOptions {
  /**
   * 1: read and scan the lines in a worker thread (`readJsonlThreaded`; needs `family`); 0 (the
   * default): on this thread.
   */
  readonly readerThreads?: number;
  /** The events' family (for the reader thread's label check). */
  readonly family?: Family;
  /**
   * Called at each checkpoint with the last line whose events are learned and whose outputs are
   * written (the state directory records it); without it there is nothing to commit.
   */
  readonly commit?: (line: number) => void | Promise<void>;
}

/**
 * A JSON-lines file as the engine's event source; with `commit`, the lines done are reported at
 * each checkpoint (`replay --state DIR`), and `skipLines` resumes after them.
 */
export function jsonlSource(path: string, options: JsonlEventSourceOptions = {}): EventSource {
  checkOptions('jsonlSource', options, eventSourceKeys);
  const threaded = (options.readerThreads ?? 0) > 0;
  if (threaded && options.family === undefined)
    throw new ConnectorError(
      'L1S_FILE',
      "jsonlSource: readerThreads needs the events' family (the reader thread checks labels): pass family",
    );
  const commit = options.commit;
  // checkpoints (a durable store): the engine releases each batch it is done with
  const inFlight = commit !== undefined ? linesInFlight(options.batchSize) : null;
  const batches$ = threaded
    ? readJsonlThreaded(path, { ...options, family: options.family! }, inFlight)
    : readLines(path, options, false, 0, inFlight);
  return lineSource(batches$, options.name ?? path, commit, inFlight);
}

/**
 * A file source of `batches$`: with `commit`, the last line of each batch done goes to it
 * (`lineCommit`), and `inFlight` (when bounded) is given the batches the engine releases.
 */
export function lineSource(
  batches$: Observable<RawBatch>,
  name: string,
  commit: ((line: number) => void | Promise<void>) | undefined,
  inFlight: LinesInFlight | null,
): EventSource {
  if (commit === undefined) return { batches$ };
  return {
    batches$,
    commit: lineCommit(name, commit),
    ...(inFlight !== null ? { release: (records: readonly RawRecord[]) => inFlight.release(records) } : {}),
  };
}

/**
 * Lines a file source with checkpoints reads ahead of the engine (`LinesInFlight`): 4 batches.
 * Each batch in flight holds the models it touched until it is published (keyed: up to a model
 * per record); the engine learns the next while one is written.
 */
export function linesInFlight(batchSize = DEFAULT_BATCH_RECORDS): LinesInFlight {
  return new LinesInFlight(IN_FLIGHT_BATCHES * batchSize);
}

const IN_FLIGHT_BATCHES = 4;

/** Whether `text` parses as JSON (a blank text does not). */
function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The last line of a file when it has no newline and is not valid JSON (what `holdUnterminated`
 * leaves unread), else null: at most its first 200 characters.
 */
export async function unterminatedLastLine(path: string, maxBytes: number): Promise<string | null> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return null;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return null;
    const tail = Buffer.alloc(Math.min(size, maxBytes + 1));
    await handle.read(tail, 0, tail.length, size - tail.length);
    if (tail[tail.length - 1] === 10) return null;
    const nl = tail.lastIndexOf(10);
    // a line longer than maxBytes is an oversize record, never held
    if (nl < 0 && tail.length === maxBytes + 1) return null;
    const last = tail
      .subarray(nl + 1)
      .toString('utf8')
      .replace(/^\ufeff/, '');
    if (last.trim() === '' || isJson(last)) return null;
    return last.slice(0, 200);
  } finally {
    await handle.close();
  }
}

/** An input file that cannot be opened or read (`input file not found: PATH`). */
export function inputFileError(path: string, err: unknown): ConnectorError {
  const e = err as NodeJS.ErrnoException;
  return new ConnectorError(
    'L1S_FILE',
    e.code === 'ENOENT' ? `input file not found: ${path}` : `cannot read ${path}: ${e.message}`,
    { cause: err },
  );
}

/**
 * A file source's `EventSource.commit`: the last line among the records of the source `name`
 * (their offsets), handed to `commit`.
 */
export function lineCommit(
  name: string,
  commit: (line: number) => void | Promise<void>,
): (records: readonly RawRecord[]) => Promise<void> {
  return async (records) => {
    let last = -1;
    for (const r of records)
      if (r.position.source === name && r.position.partition === undefined)
        last = Math.max(last, Number(r.position.offset));
    if (last >= 0) await commit(last);
  };
}

/** `append` that is not a boolean (`"yes"` would have truncated the file). */
export function appendProblem(fn: string, append: unknown): ConfigProblem {
  return {
    path: `${fn}: append`,
    message: `must be true (append to the files) or false (truncate them), got ${shownValue(append)}`,
  };
}

/**
 * Writes JSON documents, one per line, to a file (truncated, or appended to with `append`). Lines
 * are gathered in memory and written synchronously, whole, in blocks of about 1 MiB and at each
 * `flush()`: once `flush()` returns, what was written is in the operating system's hands (it
 * survives the process being killed), without waiting on the event loop, so a checkpoint commits
 * as soon as its batch is learned.
 */
export class JsonlWriter {
  private fd: number | null;
  private pending: string[] = [];
  private pendingChars = 0;
  count = 0;

  constructor(
    readonly path: string,
    options: { readonly append?: boolean } = {},
  ) {
    // a misspelled `append` would truncate the file
    const problems = optionKeyProblems('JsonlWriter', options, ['append']);
    if (problems.length === 0 && options.append !== undefined && typeof options.append !== 'boolean')
      problems.push(appendProblem('JsonlWriter', options.append));
    if (problems.length > 0) throw new ConfigError(problems);
    try {
      this.fd = openSync(path, options.append === true ? 'a' : 'w');
    } catch (err) {
      throw cannotWrite('L1S_FILE', '', path, err);
    }
  }

  write(doc: unknown): void {
    const line = `${JSON.stringify(doc)}\n`;
    this.pending.push(line);
    this.pendingChars += line.length;
    this.count++;
    if (this.pendingChars >= 1 << 20) this.writeOut();
  }

  private writeOut(): void {
    if (this.pending.length === 0) return;
    if (this.fd === null) throw new ConnectorError('L1S_FILE', `cannot write ${this.path}: it is closed`);
    const buf = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingChars = 0;
    try {
      for (let at = 0; at < buf.length;) at += writeSync(this.fd, buf, at, buf.length - at);
    } catch (err) {
      throw new ConnectorError('L1S_FILE', `cannot write ${this.path}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  /** Writes out every document so far (synchronously; the promise is for the `OutputSink` port). */
  flush(): Promise<void> {
    this.writeOut();
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.fd === null) return Promise.resolve();
    try {
      this.writeOut();
    } finally {
      closeSync(this.fd);
      this.fd = null;
    }
    return Promise.resolve();
  }
}
