import type { FeatureValue, Family, L1Event } from '../core/event.js';
import { MINUS_ONE_LABELS } from '../core/labelHints.js';
import { isBlankLine } from '../core/blankLine.js';
import { textNumber } from '../core/textNumber.js';
import { DEFAULT_MAX_RECORD_BYTES } from '../core/recordSize.js';
import { checkExcluded, excludeFlag } from './exclude.js';
import { closest, meantName } from '../config/unknownKey.js';
import { optionKeyProblems } from '../config/optionKeys.js';
import { optionValueProblems, type OptionKind } from '../config/optionValues.js';
import { ConfigError, DataError } from '../core/errors.js';
import { isMissingString } from '../features/featurizer.js';
import { DenseDesign, type SparseDesign } from './design.js';
import { weightedTarget } from './problem.js';
import { eventsDesign, type RejectedLine } from './events.js';

/** What `parseCsv` makes of CSV text. */
export interface ParsedCsv {
  /** The rows, as fields (blank lines left out). */
  readonly rows: string[][];
  /** The line each row starts on. */
  readonly lines: number[];
  /** Where each row's text starts and ends: `spans[2r]`, `spans[2r + 1]`. */
  readonly spans: number[];
  /** Rows with a quote inside a field that does not start with one (RFC 4180 forbids it), by index. */
  readonly strayQuotes: ReadonlySet<number>;
  /**
   * With `recover`: the first lines of rows that a quote left open (nothing closes it before the
   * end of the text, or within `maxOpenBytes` of the row), given up; the text after each is read
   * again from the next line. Their text is `text.slice(start, end)`.
   */
  readonly unterminated: ReadonlyArray<{
    readonly line: number;
    readonly start: number;
    readonly end: number;
  }>;
}

/** The reason of a row with a quote inside a field that does not start with one. */
export const STRAY_QUOTE =
  'a quote (") inside a field that does not start with one: quote the whole field and double the quote ("5"" screen"), or leave the quote out';

/**
 * Splits CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF) into rows of fields, with
 * the line each row starts on and where its text starts and ends. A quote opens a quoted field
 * only at the start of a field (as `openQuote`, so `replay`'s rows are `fit`'s); one elsewhere is
 * kept as a character and its row is listed in `strayQuotes`. A quote that nothing closes throws
 * a `DataError`, or with `recover` gives up the first line of its row (`unterminated`) and the
 * rest is read again as rows, as is a row open in a quote past `maxOpenBytes` (UTF-8): the rows are
 * then found line by line (`recoverRows`), in time linear in the text.
 */
export function parseCsv(text: string, recover = false, maxOpenBytes = Infinity): ParsedCsv {
  try {
    return splitRows(text, recover ? maxOpenBytes : Infinity, recover);
  } catch (err) {
    if (!(err instanceof OpenRow)) throw err;
    if (!recover)
      throw new DataError(
        `unterminated quoted field: a field of line ${err.line} opens a quote (") that nothing closes, so the rest of the file would be that one field; close it, or write a quote inside a quoted field as ""`,
      );
    return recoverRows(text, maxOpenBytes);
  }
}

/** `splitRows` met a row open in a quote at the end of the text, or past its byte bound. */
class OpenRow extends Error {
  constructor(readonly line: number) {
    super(`a row open from line ${line}`);
  }
}

/** UTF-8 bytes of UTF-16 unit `c` (a surrogate counts 2: a pair is 4). */
const utf8Bytes = (c: number): number => (c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c < 0xe000) ? 2 : 3);

/**
 * `parseCsv`'s one pass over the text; throws `OpenRow` for a row still open at the end or past
 * `maxOpenBytes`, and with `breakJoined` for a row that a broken line would close (`continuedQuote`).
 */
function splitRows(text: string, maxOpenBytes: number, breakJoined = false): ParsedCsv {
  const rows: string[][] = [];
  const lines: number[] = [];
  const spans: number[] = [];
  const strayQuotes = new Set<number>();
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // byte-order mark
  let rowStart = i;
  let field = '';
  let row: string[] = [];
  let inQuotes = false;
  // the row has content (else it is a blank line); the field has begun (a quote is then a character)
  let fieldStarted = false;
  /** The row's field opened with a quote (a quoted blank is a value, not a blank line). */
  let quoted = false;
  let inField = false;
  let stray = false;
  let line = 1;
  let rowLine = 1;
  // the line the open quoted field started on; whether the field's quote closed on a later line
  let quoteLine = 1;
  let closedLater = false;
  // UTF-8 bytes of the row so far (counted when a row open in a quote is bounded)
  let rowBytes = 0;
  const bounded = Number.isFinite(maxOpenBytes);
  const endRow = () => {
    row.push(field);
    // skip blank lines (empty, or of spaces and tabs only, unquoted: as replay passes them over)
    if (!(row.length === 1 && !quoted && isBlankLine(row[0]!))) {
      if (stray) strayQuotes.add(rows.length);
      rows.push(row);
      lines.push(rowLine);
      spans.push(rowStart, Math.min(i, n));
    }
    row = [];
    field = '';
    fieldStarted = inField = stray = closedLater = quoted = false;
    rowBytes = 0;
  };
  for (; i < n; i++) {
    const ch = text[i]!;
    if (bounded) rowBytes += utf8Bytes(text.charCodeAt(i));
    if (inQuotes) {
      if (rowBytes > maxOpenBytes) throw new OpenRow(rowLine);
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          inQuotes = false;
          closedLater = line > quoteLine;
        }
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"') {
      // a quote opens a quoted field at its start only; elsewhere it is kept, and its row is wrong
      if (inField) {
        if (breakJoined && closedLater) throw new OpenRow(rowLine);
        field += ch;
        stray = true;
      } else {
        inQuotes = quoted = true;
        quoteLine = line;
      }
      fieldStarted = inField = true;
    } else if (ch === ',') {
      row.push(field);
      field = '';
      fieldStarted = true;
      inField = closedLater = false;
    } else if (ch === '\n' || ch === '\r') {
      endRow();
      if (ch === '\r' && text[i + 1] === '\n') i++;
      line++;
      rowLine = line;
      rowStart = i + 1;
    } else {
      field += ch;
      fieldStarted = inField = true;
    }
  }
  if (inQuotes) throw new OpenRow(rowLine);
  if (field !== '' || row.length > 0 || fieldStarted) endRow();
  return { rows, lines, spans, strayQuotes, unterminated: [] };
}

/**
 * `parseCsv` with `recover` when a row stays open: the text's lines (LF, CRLF or CR), whether each
 * is open at its end from a closed and from an open start (`openQuoteIn`), and from the last line
 * back the line that closes an open row starting at each; then rows are read in order, a row that
 * no line closes, or only past `maxOpenBytes`, giving up its first line. Each line is read a fixed
 * number of times, however many rows are given up.
 */
function recoverRows(text: string, maxOpenBytes: number): ParsedCsv {
  const n = text.length;
  const starts: number[] = [];
  const ends: number[] = [];
  // bytes before each line (its break included), for the bytes of a run of lines
  const before: number[] = [0];
  for (let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; i < n;) {
    let j = i;
    let bytes = 0;
    for (; j < n; j++) {
      const c = text.charCodeAt(j);
      if (c === 10 || c === 13) break;
      bytes += utf8Bytes(c);
    }
    const next = j < n && text.charCodeAt(j) === 13 && text.charCodeAt(j + 1) === 10 ? j + 2 : j + 1;
    starts.push(i);
    ends.push(j);
    before.push(before[before.length - 1]! + bytes + Math.min(next, n) - j);
    i = next;
  }
  const count = starts.length;
  // closes[l]: the first line k ≥ l that closes or breaks a row open at the start of line l (−1:
  // none); broken[k]: line k breaks such a row (`continuedQuote`)
  const closes = new Int32Array(count + 1).fill(-1);
  const broken = new Uint8Array(count);
  for (let l = count - 1; l >= 0; l--) {
    const state = continuedQuote(text, starts[l]!, ends[l]!);
    broken[l] = state === QUOTE_BROKEN ? 1 : 0;
    closes[l] = state !== QUOTE_OPEN ? l : closes[l + 1]!;
  }
  const rows: string[][] = [];
  const lines: number[] = [];
  const spans: number[] = [];
  const strayQuotes = new Set<number>();
  const unterminated: Array<{ line: number; start: number; end: number }> = [];
  for (let l = 0; l < count;) {
    if (starts[l] === ends[l]) {
      l++;
      continue;
    }
    let last = l;
    if (openQuoteIn(text, starts[l]!, ends[l]!, false)) {
      const k = l + 1 < count ? closes[l + 1]! : -1;
      if (k < 0 || broken[k] === 1 || before[k + 1]! - before[l]! > maxOpenBytes) {
        unterminated.push({ line: l + 1, start: starts[l]!, end: ends[l]! });
        l++;
        continue;
      }
      last = k;
    }
    const one = splitRows(text.slice(starts[l], ends[last]), Infinity);
    // a blank line (spaces and tabs): no row, as `splitRows` passes it over
    if (one.rows.length === 0) {
      l = last + 1;
      continue;
    }
    if (one.strayQuotes.size > 0) strayQuotes.add(rows.length);
    rows.push(one.rows[0] ?? ['']);
    lines.push(l + 1);
    spans.push(starts[l]!, ends[last]!);
    l = last + 1;
  }
  return { rows, lines, spans, strayQuotes, unterminated };
}

/**
 * Whether a quoted cell is open at the end of `line`, given whether one was open at its start: a
 * quote opens a cell at the start of a field only; in a cell, `""` is a quote and `"` closes it.
 */
export function openQuote(line: string, open: boolean): boolean {
  return openQuoteIn(line, 0, line.length, open);
}

/**
 * The error for CSV text whose lines end with a carriage return alone (classic Mac OS), judged on
 * its first line (`text` up to its first LF, at most 64 KiB), or null: `replay` reads lines by LF,
 * so `fit`, `path` and `score` refuse such a file too rather than read rows `replay` would not.
 */
export function crOnlyProblem(text: string, path: string): string | null {
  const nl = text.indexOf('\n');
  const head = text.slice(0, nl < 0 ? 65536 : Math.min(nl, 65536));
  return /\r[^\n]/.test(head)
    ? `the lines of ${path} end with a carriage return alone (CR, as classic Mac OS wrote them): convert them to LF or CRLF first (tr '\\r' '\\n' < ${path} > converted.csv)`
    : null;
}

/** How a line read inside an open quoted field leaves it (`continuedQuote`). */
export const QUOTE_OPEN = 0;
export const QUOTE_CLOSED = 1;
export const QUOTE_BROKEN = 2;

/**
 * How `text.slice(start, end)`, a line read inside an open quoted field, leaves its row: still
 * open (`QUOTE_OPEN`), closed (`QUOTE_CLOSED`), or broken (`QUOTE_BROKEN`): the field's quote
 * closes and another quote follows in the same field (`2,"unclosed,3` then `3,"b",4`), so the
 * joined row would be rejected for a stray quote. The row's first line, whose quote is the likelier
 * mistake, is then given up, and the lines after it read again as rows of their own.
 */
export function continuedQuote(text: string, start = 0, end = text.length): number {
  let i = start;
  for (; i < end; i++)
    if (text.charCodeAt(i) === 34) {
      if (i + 1 < end && text.charCodeAt(i + 1) === 34) i++;
      else break;
    }
  if (i >= end) return QUOTE_OPEN;
  for (let j = i + 1; j < end; j++) {
    const c = text.charCodeAt(j);
    if (c === 34) return QUOTE_BROKEN;
    if (c === 44) return openQuoteIn(text, j + 1, end, false) ? QUOTE_OPEN : QUOTE_CLOSED;
  }
  return QUOTE_CLOSED;
}

/** `openQuote` of `text.slice(start, end)`, without the slice. */
function openQuoteIn(text: string, start: number, end: number, open: boolean): boolean {
  let inQuotes = open;
  let atStart = !open;
  for (let i = start; i < end; i++) {
    const ch = text.charCodeAt(i);
    if (inQuotes) {
      if (ch === 34) {
        if (i + 1 < end && text.charCodeAt(i + 1) === 34) i++;
        else inQuotes = false;
      }
    } else if (ch === 34 && atStart) {
      inQuotes = true;
      atStart = false;
    } else atStart = ch === 44;
  }
  return inQuotes;
}

/**
 * True when a file's first line looks like a CSV header or row rather than a JSON event: it is
 * not JSON-like (does not start with `{` or `[`) and splits into two or more comma-separated
 * fields. For the hint "this looks like CSV" when a JSON-lines reader gets nothing from a file.
 */
export function looksLikeCsv(firstLine: string): boolean {
  const line = firstLine.replace(/^\uFEFF/, '').trim();
  if (line === '' || line.startsWith('{') || line.startsWith('[')) return false;
  try {
    return parseCsv(line).rows[0]!.length >= 2;
  } catch {
    return false;
  }
}

export interface CsvDesignOptions {
  /** The target column's name. */
  readonly target: string;
  readonly family?: Family;
  /** Optional column of observation weights. */
  readonly weightColumn?: string;
  /** Name used in error messages (the file name). */
  readonly source?: string;
  /**
   * A data row that cannot be used (`csvRowProblem`) goes here and is skipped; without it, it is an
   * error naming the line.
   */
  readonly onReject?: (rejected: RejectedLine) => void;
  /** Columns left out (`--exclude`): not features, their cells never read. */
  readonly exclude?: readonly string[];
  /**
   * A row open in a quote past this many bytes gives up its first line, and the rest is read
   * again, as `replay` does (default 1 MiB, `--max-record-bytes`).
   */
  readonly maxRecordBytes?: number;
}

/** `CsvDesignOptions`' keys and the kind of each. */
const csvOptionKinds: ReadonlyArray<readonly [string, OptionKind]> = [
  ['target', 'string'],
  ['family', 'family'],
  ['weightColumn', 'string'],
  ['source', 'string'],
  ['onReject', 'function'],
  ['exclude', 'strings'],
  ['maxRecordBytes', 'wholePositive'],
];

export interface CsvDesign {
  /** Dense when every feature cell is a number; else sparse, as the events of a stream. */
  readonly x: DenseDesign | SparseDesign;
  readonly y: Float64Array;
  readonly weights?: Float64Array;
  /** Feature names, in column order. */
  readonly names: readonly string[];
  /** What the reader did that a user should know (strings one-hot encoded, missing cells). */
  readonly notes: readonly string[];
  /** Warnings for the user (feature name collisions of one-hot text cells). */
  readonly warnings?: readonly string[];
  /**
   * Columns of numbers that are 0 or empty in every row, when the design is sparse: they have no
   * column in it (a dense design has them, as constant columns).
   */
  readonly zeroColumns?: readonly string[];
  /** Data rows skipped (given to `onReject`). */
  readonly rejected: number;
}

/** A header's `notUtf8Reason`: the file is what to write as UTF-8 (its events are rows). */
function headerNotUtf8(reason: string): string {
  return reason.replace('Write the events as UTF-8', 'Write the file as UTF-8');
}

/** A target or weight column the header lacks: the column it probably meant, and the header's columns. */
export function missingColumn(
  role: string,
  name: string,
  header: readonly string[],
  source: string,
  notMeant?: string,
): string {
  // the weight is never the target column; a one-letter name is one edit from every other
  const candidates = header.filter((h) => h !== notMeant);
  const guess =
    name.length > 1
      ? closest(name, candidates)
      : candidates.find((h) => h.toLowerCase() === name.toLowerCase());
  const shown =
    header.length > 50 ? `${header.slice(0, 50).join(', ')}, … (${header.length})` : header.join(', ');
  return (
    `${role} column "${name}" is not in the header of ${source}` +
    `${meantName(name, guess)}; its columns are: ${shown}${separatorHint(header)}`
  );
}

/**
 * Why keying models by the CSV column `keyBy` (`--key-by`; `flag` names it) cannot work, or null:
 * `"key"` (an event's own key, which a CSV row does not have), the label column `target` (named by
 * `targetFlag`, when one named it), or not a column of `header`: each row would be dead-lettered
 * with its key "missing", though the column may be right there.
 */
export function keyColumnProblem(
  keyBy: string,
  header: readonly string[],
  target: string | undefined,
  source: string,
  flag: string,
  targetFlag?: string,
): string | null {
  if (keyBy === 'key')
    return `${flag} "key" keys the models by each event's own "key", which the rows of a CSV (${source}) do not have${header.includes('key') ? ' (its column "key" is a feature like the others)' : ''}: key them by a column, --key-by COLUMN`;
  if (keyBy === target)
    return `${flag} "${keyBy}" is the label column of ${source}${targetFlag !== undefined ? ` (${targetFlag})` : ''}, not a feature: key the models by another column`;
  if (header.includes(keyBy)) return null;
  return missingColumn(`${flag}: the key`, keyBy, header, source, target);
}

/** `; it has one column holding ";": ...` when a header of one column looks split by another separator. */
export function separatorHint(header: readonly string[]): string {
  if (header.length !== 1) return '';
  for (const [sep, name] of [
    [';', 'semicolons'],
    ['\t', 'tabs'],
    ['|', 'bars'],
  ] as const)
    if (header[0]!.includes(sep))
      return ` (one column: the file looks separated by ${name}; l1stream reads comma-separated files, so convert it)`;
  return '';
}

/**
 * Reads a CSV with a header row into a design: every column other than the target (and the weight
 * column) is a feature. When every feature cell is a number the design is dense, a column per
 * feature; otherwise each row is featurized as a stream's event would be (docs/conventions.md, events): a number is
 * the feature named by its column (`true` / `false`, any case, are 1 / 0, as a JSON boolean), any other text the one-hot `column=text`, and an empty or
 * missing-value cell (`NaN`, `NA`, `null`, ...) absent. Target and weight cells must be numbers (a target may be `true` / `false`: 1 / 0).
 * A data row that cannot be used (`csvRowProblem`) goes to `onReject` and is skipped, so the design
 * is the one of the file without it; without `onReject` it is an error. Errors name the file, line
 * and column, and say what to fix.
 */
export function readCsvDesign(
  text: string,
  options: CsvDesignOptions,
  notUtf8?: ReadonlyMap<number, string>,
): CsvDesign {
  // from plain JavaScript: a misspelled `weightColumn` made the weights a feature without a word
  const problems = optionKeyProblems(
    'readCsvDesign',
    options,
    csvOptionKinds.map(([k]) => k),
  );
  if (problems.length === 0) {
    problems.push(
      ...optionValueProblems(
        'readCsvDesign',
        options as unknown as Readonly<Record<string, unknown>>,
        csvOptionKinds,
      ),
    );
    if (options.target === undefined)
      problems.push({ path: 'readCsvDesign: target', message: "is required: the target column's name" });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const source = options.source ?? 'the input';
  const maxOpen = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const parsed = parseCsv(text, true, maxOpen);
  // a quote left open in the header: its line given up, the next line would pass for the header
  const lost = parsed.unterminated[0];
  if (lost !== undefined && (parsed.rows.length === 0 || lost.line <= parsed.lines[0]!))
    throw new DataError(`${source} line ${lost.line}: ${unterminatedReason(maxOpen)}`);
  if (parsed.rows.length > 0 && notUtf8?.has(parsed.lines[0]!))
    throw new DataError(
      `${source} line ${parsed.lines[0]}: the header row is ${headerNotUtf8(notUtf8.get(parsed.lines[0]!)!)}`,
    );
  if (parsed.rows.length === 0)
    throw new DataError(`${source} is empty: expected a header row and at least one data row`);
  const header = parsed.rows[0]!.map((h) => h.trim());
  if (parsed.rows.length === 1) throw new DataError(`${source} has a header but no data rows`);
  const seen = new Map<string, number>();
  header.forEach((h, k) => {
    if (h === '') throw new DataError(`${source}: ${unnamedColumn(k, header.length)}`);
    const first = seen.get(h);
    if (first !== undefined)
      throw new DataError(
        `${source}: the header names column "${h}" twice (columns ${first + 1} and ${k + 1}); column names must be unique: rename one of them`,
      );
    seen.set(h, k);
  });
  const targetAt = header.indexOf(options.target);
  if (targetAt < 0) throw new DataError(missingColumn('target', options.target, header, source));
  let weightAt = -1;
  if (options.weightColumn !== undefined) {
    weightAt = header.indexOf(options.weightColumn);
    if (weightAt < 0)
      throw new DataError(missingColumn('weight', options.weightColumn, header, source, options.target));
  }
  const excluded = new Set(options.exclude ?? []);
  if (excluded.size > 0) {
    const roles = new Map([[options.target, 'the target column (--target)']]);
    if (options.weightColumn !== undefined) roles.set(options.weightColumn, 'the weight column (--weight)');
    const features = header.filter((h) => !roles.has(h));
    checkExcluded([...excluded], features, roles, source);
  }
  const featureAt: number[] = [];
  header.forEach((h, k) => {
    if (k !== targetAt && k !== weightAt && !excluded.has(h)) featureAt.push(k);
  });
  // no feature column: the intercept-only model, as for events without features
  // the header, then the data rows that can be used
  const rows: string[][] = [parsed.rows[0]!];
  const lines: number[] = [parsed.lines[0]!];
  const columns = { header, targetAt, weightAt, featureAt, binomial: options.family === 'binomial' };
  let rejected = 0;
  let first = '';
  const reject = (line: number, problem: RowProblem, value: string) => {
    if (options.onReject === undefined) throw new DataError(`${source} line ${line}${problem.reason}`);
    rejected++;
    if (first === '') first = `line ${line}${problem.reason}`;
    options.onReject({ line, stage: problem.stage, reason: problem.reason.replace(/^[,:]? /, ''), value });
  };
  // the first lines given up (a quote that nothing closes), in line order among the rows
  let u = 0;
  const lostBefore = (line: number) => {
    for (; u < parsed.unterminated.length && parsed.unterminated[u]!.line < line; u++) {
      const { line: at, start, end } = parsed.unterminated[u]!;
      reject(at, { stage: 'decode', reason: `: ${unterminatedReason(maxOpen)}` }, text.slice(start, end));
    }
  };
  for (let r = 1; r < parsed.rows.length; r++) {
    const line = parsed.lines[r]!;
    lostBefore(line);
    const span = text.slice(parsed.spans[2 * r], parsed.spans[2 * r + 1]);
    const problem =
      notUtf8Problem(notUtf8, line, span) ??
      (parsed.strayQuotes.has(r) ? { stage: 'decode' as const, reason: `: ${STRAY_QUOTE}` } : null) ??
      csvRowProblem(parsed.rows[r]!, columns);
    if (problem === null) {
      rows.push(parsed.rows[r]!);
      lines.push(line);
      continue;
    }
    reject(line, problem, span);
  }
  lostBefore(Infinity);
  if (rows.length === 1)
    throw new DataError(
      `${source} has no usable data rows: all ${rejected} were skipped (the first, ${first}); fix or drop them`,
    );
  const n = rows.length - 1;
  const p = featureAt.length;
  const values = new Float64Array(n * p);
  const y = new Float64Array(n);
  const weights = weightAt >= 0 ? new Float64Array(n) : undefined;
  // a feature cell that is not a number (or is empty) sends the whole file to `sparseCsv`
  const numeric = (s: string): boolean => s !== '' && Number.isFinite(cellNumber(s));
  const dense = rows.every((row, r) => r === 0 || featureAt.every((k) => numeric(row[k]!.trim())));
  for (let r = 1; r <= n; r++) {
    const row = rows[r]!;
    const i = r - 1;
    y[i] = cellNumber(row[targetAt]!.trim());
    if (weights) weights[i] = textNumber(row[weightAt]!.trim());
    if (dense) for (let j = 0; j < p; j++) values[j * n + i] = cellNumber(row[featureAt[j]!]!.trim());
  }
  // a weight or target out of range is named by its line here, before the solver sees rows
  weightedTarget(y, weights ?? new Float64Array(n).fill(1), (i) => `${source} line ${lines[i + 1]}`);
  if (!dense) return { ...sparseCsv(rows, lines, header, featureAt, y, weights, source), rejected };
  return {
    x: new DenseDesign(n, p, values),
    y,
    ...(weights ? { weights } : {}),
    names: featureAt.map((k) => header[k]!),
    notes: [],
    rejected,
  };
}

/**
 * Why column `k` (from 0) of a header of `columns` names has no name, and the fix: a first column
 * without one is how pandas' `to_csv` writes a DataFrame's index; a last one, a header that ends
 * with a comma.
 */
function unnamedColumn(k: number, columns: number): string {
  const what = `column ${k + 1} of the header has no name`;
  const name = 'name it in the header (and leave it out with --exclude NAME if it is not a feature)';
  if (k === 0)
    return `${what}: ${name}; a pandas DataFrame's index is written so by to_csv: write the file with to_csv(..., index=False)`;
  if (k === columns - 1)
    return `${what}: the header ends with a comma; remove it (from the data rows too, if they end with one), or ${name}`;
  return `${what}: ${name}`;
}

/**
 * A target or feature cell's value: `true` / `false` (any case) are 1 and 0, as a JSON event's
 * boolean label or feature; anything else as `textNumber` reads it (decimal; `inf` is Infinity).
 */
export function cellNumber(s: string): number {
  const n = s.length;
  if (n === 4 || n === 5) {
    const lower = s.toLowerCase();
    if (lower === 'true') return 1;
    if (lower === 'false') return 0;
  }
  return textNumber(s);
}

/** Why a CSV row cannot be used: its stage, and the reason after its line (`, column "c": ...`). */
interface RowProblem {
  readonly stage: 'decode' | 'validate';
  readonly reason: string;
}

/** A quote that nothing closes (`fit`'s and `replay`'s reason; `maxOpen`: the bytes a row may stay open). */
export function unterminatedReason(maxOpen: number): string {
  return `an unterminated quoted field: a quote (") opens a field that nothing closes before the end of the file or within ${Number.isFinite(maxOpen) ? `${maxOpen} bytes` : 'limits.maxRecordBytes'} (--max-record-bytes) of the row (a later line whose closing quote another quote follows in the same field does not close it); close it, or write a quote inside a quoted field as ""`;
}

/** The row starting on `line` (its text `span`) has a line that is not UTF-8 (`notUtf8`, by line): why. */
function notUtf8Problem(
  notUtf8: ReadonlyMap<number, string> | undefined,
  line: number,
  span: string,
): RowProblem | null {
  if (notUtf8 === undefined || notUtf8.size === 0) return null;
  let last = line;
  for (let k = span.indexOf('\n'); k >= 0; k = span.indexOf('\n', k + 1)) last++;
  for (let l = line; l <= last; l++) {
    const why = notUtf8.get(l);
    if (why !== undefined) return { stage: 'decode', reason: `: ${why}` };
  }
  return null;
}

/**
 * Why a CSV data row cannot be used, as `, column "c": ...` (or ` has k fields, ...`) after its
 * line, or null: a field count other than the header's, a target or weight cell that is empty or
 * not a finite number, a binomial target other than 0/1, a negative weight, or a feature cell
 * that is an infinite number (`Infinity`, `1e999`: as a JSON event's, it would reach the model as
 * such). A feature cell of other text is a value (one-hot `column=text`), as an event's string.
 */
function csvRowProblem(
  row: readonly string[],
  c: {
    readonly header: readonly string[];
    readonly targetAt: number;
    readonly weightAt: number;
    readonly featureAt: readonly number[];
    readonly binomial: boolean;
  },
): RowProblem | null {
  if (row.length !== c.header.length)
    return {
      stage: 'decode',
      reason: ` has ${row.length} fields, the header has ${c.header.length}`,
    };
  const at = (k: number, what: string) => ({
    stage: 'validate' as const,
    reason: `, column "${c.header[k]}": ${what}`,
  });
  for (const [k, role] of [
    [c.targetAt, 'the target'],
    [c.weightAt, 'a weight'],
  ] as const) {
    if (k < 0) continue;
    const raw = row[k]!;
    const s = raw.trim();
    const v = k === c.targetAt ? cellNumber(s) : textNumber(s);
    if (s === '') return at(k, `the cell is empty; ${role} cannot be missing (drop or impute the row)`);
    if (!Number.isFinite(v))
      return at(
        k,
        `"${raw}" is not a ${Number.isNaN(v) ? '' : 'finite '}number; the target and weight columns must be numeric (a target may also be true or false)`,
      );
    if (k === c.targetAt && c.binomial && v !== 0 && v !== 1)
      return at(k, `a binomial target must be 0 or 1, got ${raw}${v === -1 ? MINUS_ONE_LABELS : ''}`);
    if (k === c.weightAt && v < 0) return at(k, `weights must be >= 0, got ${raw}`);
  }
  for (const k of c.featureAt) {
    const raw = row[k]!;
    const v = textNumber(raw.trim());
    if (v === Infinity || v === -Infinity)
      return at(k, `"${raw}" is not a finite number (a feature must be finite, text, or empty)`);
  }
  return null;
}

/** A CSV data row as an event for scoring (`csvEvents`), or why it cannot be one. */
export type CsvEventRow =
  | { readonly line: number; readonly event: Record<string, unknown>; readonly problem?: undefined }
  | { readonly line: number; readonly problem: string; readonly event?: undefined };

/**
 * The data rows of a CSV as the events `fit` and `path` make of them (`readCsvDesign`): every column
 * but `target` a feature, a number (true / false: 1 / 0) by its column's name, other text the
 * one-hot `column=text`, an empty or missing-value cell absent; the target cell, when given and
 * not empty, the label. A row with another field count than the header's is a problem. `line` is
 * the row's first line in the file. Throws when `target` is not a column of the header.
 */
export function csvEvents(
  text: string,
  source: string,
  target?: string,
  notUtf8?: ReadonlyMap<number, string>,
  keyColumn?: string,
): CsvEventRow[] {
  const { rows, lines, spans, strayQuotes, unterminated } = parseCsv(text, true, DEFAULT_MAX_RECORD_BYTES);
  if (rows.length > 0 && notUtf8?.has(lines[0]!))
    throw new DataError(
      `${source} line ${lines[0]}: the header row is ${headerNotUtf8(notUtf8.get(lines[0]!)!)}`,
    );
  // a quote left open in the header: the next line would pass for the header
  const lost = unterminated[0];
  if (lost !== undefined && (rows.length === 0 || lost.line <= lines[0]!))
    throw new DataError(`${source} line ${lost.line}: ${unterminatedReason(DEFAULT_MAX_RECORD_BYTES)}`);
  const header = (rows[0] ?? []).map((h) => h.trim());
  const targetAt = target === undefined ? -1 : header.indexOf(target);
  if (target !== undefined && targetAt < 0)
    throw new DataError(missingColumn('the target', target, header, source));
  const keyProblem =
    keyColumn === undefined
      ? null
      : keyColumnProblem(
          keyColumn,
          header,
          target,
          source,
          '--key-by',
          target !== undefined ? '--target' : undefined,
        );
  if (keyProblem !== null) throw new DataError(keyProblem);
  const keyAt = keyColumn === undefined ? -1 : header.indexOf(keyColumn);
  const out: CsvEventRow[] = [];
  // the first lines given up (a quote that nothing closes), in line order among the rows
  let u = 0;
  const lostBefore = (line: number) => {
    for (; u < unterminated.length && unterminated[u]!.line < line; u++) {
      const at = unterminated[u]!.line;
      out.push({ line: at, problem: `line ${at}: ${unterminatedReason(DEFAULT_MAX_RECORD_BYTES)}` });
    }
  };
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r]!;
    const line = lines[r]!;
    lostBefore(line);
    // a line that is not UTF-8 costs its row, as in fit and replay (not read with U+FFFD)
    const notText = notUtf8Problem(notUtf8, line, text.slice(spans[2 * r], spans[2 * r + 1]));
    if (notText !== null) {
      out.push({ line, problem: `line ${line}${notText.reason}` });
      continue;
    }
    if (strayQuotes.has(r)) {
      out.push({ line, problem: `line ${line}: ${STRAY_QUOTE}` });
      continue;
    }
    if (row.length !== header.length) {
      out.push({ line, problem: `line ${line} has ${row.length} fields, the header has ${header.length}` });
      continue;
    }
    const features = Object.create(null) as Record<string, FeatureValue>;
    for (let k = 0; k < row.length; k++) {
      if (k === targetAt) continue;
      const cell = row[k]!.trim();
      // the key column's text is the key, as replay reads it (CsvRowDecoder): 007, NA
      if (k === keyAt && cell !== '') {
        features[header[k]!] = cell;
        continue;
      }
      if (cell === '' || isMissingString(cell)) continue;
      const v = cellNumber(cell);
      features[header[k]!] = Number.isFinite(v) || v === Infinity || v === -Infinity ? v : cell;
    }
    const label = targetAt >= 0 ? row[targetAt]!.trim() : '';
    // a missing-value cell (NA, NaN, n/a) is no label, as replay reads it (CsvRowDecoder)
    out.push({
      line,
      event: label === '' || isMissingString(label) ? { features } : { label: cellNumber(label), features },
    });
  }
  lostBefore(Infinity);
  return out;
}

/** The rows of a CSV with text or missing feature cells, featurized as events (`readCsvDesign`). */
function sparseCsv(
  rows: readonly string[][],
  lines: readonly number[],
  header: readonly string[],
  featureAt: readonly number[],
  y: Float64Array,
  weights: Float64Array | undefined,
  source: string,
): Omit<CsvDesign, 'rejected'> {
  let missing = 0;
  let text = 0;
  // each column's distinct texts (its one-hot columns), to point at id-like columns
  const levels = new Map<number, Set<string>>();
  // each column's number and text cells, to point at text among numbers ("$1,200")
  const numbers = new Map<number, number>();
  const texts = new Map<number, number>();
  // each column's empty or missing-value cells
  const missingBy = new Map<number, number>();
  // the columns with a number other than 0
  const nonZero = new Set<number>();
  const events: L1Event[] = [];
  for (let r = 1; r < rows.length; r++) {
    const features = Object.create(null) as Record<string, FeatureValue>;
    for (const k of featureAt) {
      const s = rows[r]![k]!.trim();
      const v = cellNumber(s);
      if (s === '' || isMissingString(s)) {
        missing++;
        missingBy.set(k, (missingBy.get(k) ?? 0) + 1);
      } else if (Number.isFinite(v)) {
        features[header[k]!] = v;
        numbers.set(k, (numbers.get(k) ?? 0) + 1);
        if (v !== 0) nonZero.add(k);
      } else {
        features[header[k]!] = s;
        text++;
        texts.set(k, (texts.get(k) ?? 0) + 1);
        let seen = levels.get(k);
        if (seen === undefined) levels.set(k, (seen = new Set()));
        seen.add(s);
      }
    }
    events.push({ label: y[r - 1]!, ...(weights ? { weight: weights[r - 1]! } : {}), features });
  }
  const d = eventsDesign(events, lines.slice(1), source);
  const notes: string[] = [];
  if (text > 0) {
    // the columns, those with the most text cells first: a few named, each with its levels
    const named = [...texts].sort((a, b) => b[1] - a[1]);
    const shown = named
      .slice(0, 5)
      .map(
        ([k, n]) =>
          `"${header[k]}" ${n} (${levels.get(k)!.size} level${levels.get(k)!.size === 1 ? '' : 's'})`,
      );
    const more = named.length > 5 ? `, and ${named.length - 5} more column(s)` : '';
    notes.push(`${text} text cells were one-hot encoded as column=text: ${shown.join(', ')}${more}`);
  }
  const amongNumbers = textAmongNumbers(levels, numbers, texts, header);
  if (amongNumbers !== null) notes.push(amongNumbers);
  for (const [k, seen] of levels) {
    if (!isIdLike(seen.size, rows.length - 1)) continue;
    const name = header[k]!;
    notes.push(
      `column "${name}" has ${seen.size} distinct texts in ${rows.length - 1} rows, a one-hot column each: ` +
        `if it is an id, leave it out (${excludeFlag(name)})`,
    );
  }
  if (missing > 0)
    notes.push(
      `${missing} empty or missing-value cells (NaN, NA, null, ...) were left out (value 0)${missingNumbers(missingBy, numbers, texts, header, rows.length - 1)}`,
    );
  // a column with no value in any usable row has no column in the model: say which (it went unnamed)
  const empty = featureAt.filter((k) => rows.length > 1 && missingBy.get(k) === rows.length - 1);
  if (empty.length > 0) {
    const shown = empty.slice(0, 5).map((k) => JSON.stringify(header[k]));
    const more = empty.length > 5 ? ` and ${empty.length - 5} more` : '';
    notes.push(
      `${empty.length === 1 ? 'column' : 'columns'} ${shown.join(', ')}${more} ${empty.length === 1 ? 'has' : 'have'} no value in any usable row, so the model has no coefficient for ${empty.length === 1 ? 'it' : 'them'}: is it the right file, or the right column?`,
    );
  }
  // a column of zeros (and empty cells) has no column in a sparse design: constant, as in a dense one
  const zeroColumns = featureAt
    .filter((k) => numbers.has(k) && !texts.has(k) && !nonZero.has(k))
    .map((k) => header[k]!);
  const warnings = [
    ...(d.warnings ?? []),
    ...zeroColumns.map(
      (name) =>
        `column "${name}" is constant (0 or empty in every row); its coefficient is fixed at 0 (drop the column to silence this)`,
    ),
  ];
  return {
    x: d.x,
    y,
    ...(weights ? { weights } : {}),
    names: d.names,
    notes,
    warnings: warnings.length > 0 ? warnings : d.warnings,
    ...(zeroColumns.length > 0 ? { zeroColumns } : {}),
  };
}

/** A share as a percentage of two significant digits at most (0.35 %, 20 %, 100 %). */
function percent(share: number): string {
  const p = 100 * share;
  return `${p >= 10 ? p.toFixed(0) : p.toPrecision(2)} %`;
}

/**
 * `: "tenure" 6,000 of 30,000 rows (20 %), ...; ...` for the columns of numbers with missing cells
 * (at most 5, the most missing first): a missing number is a 0 to a linear model, a real value of
 * many columns. Empty when there are none (missing text cells are absent levels, as they should be).
 */
function missingNumbers(
  missingBy: ReadonlyMap<number, number>,
  numbers: ReadonlyMap<number, number>,
  texts: ReadonlyMap<number, number>,
  header: readonly string[],
  rows: number,
): string {
  const columns = [...missingBy]
    .filter(([k]) => (numbers.get(k) ?? 0) > 0 && (numbers.get(k) ?? 0) >= (texts.get(k) ?? 0))
    .sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  if (columns.length === 0) return '';
  const count = (v: number) => v.toLocaleString('en-US');
  const shown = columns
    .slice(0, 5)
    .map(([k, m]) => `"${header[k]}" ${count(m)} of ${count(rows)} rows (${percent(m / rows)})`);
  const more = columns.length > 5 ? `, and ${columns.length - 5} more columns` : '';
  return `; in columns of numbers: ${shown.join(', ')}${more}; a missing number counts as 0: where 0 is a real value of the column, impute its missing cells, or add a 0/1 column that says they are missing`;
}

/**
 * The columns whose cells are mostly numbers but some text (`"$1,200"`, `"12 kg"`, `"unknown"`),
 * each text a one-hot `column=text` beside the column's number: named with their counts and a few
 * of their texts, since a number written with a currency sign, a thousands separator or a unit is
 * such a text, and its row loses the number. Null when there are none.
 */
export function textAmongNumbers(
  levels: ReadonlyMap<number, ReadonlySet<string>>,
  numbers: ReadonlyMap<number, number>,
  texts: ReadonlyMap<number, number>,
  header: readonly string[],
): string | null {
  const shown: string[] = [];
  let columns = 0;
  for (const [k, seen] of levels) {
    const numeric = numbers.get(k) ?? 0;
    const text = texts.get(k) ?? 0;
    if (numeric < text) continue;
    columns++;
    if (shown.length === 5) continue;
    const examples: string[] = [];
    for (const t of seen) {
      if (examples.length === 3) break;
      examples.push(JSON.stringify(t.length > 20 ? `${t.slice(0, 20)}…` : t));
    }
    shown.push(
      `"${header[k]}" ${text} of ${numeric + text} (${examples.join(', ')}${seen.size > 3 ? ', …' : ''})`,
    );
  }
  if (columns === 0) return null;
  const more = columns > shown.length ? `, and ${columns - shown.length} more columns` : '';
  return (
    `text cells in columns of numbers, each a one-hot column=text beside the column's number: ${shown.join(', ')}${more}; ` +
    'a number written with a currency sign, a thousands separator or a unit ("$1,200", "12 kg") is text: ' +
    'write plain numbers (and leave a missing value empty)'
  );
}

/**
 * Whether a text column with `distinct` values in `rows` rows looks like an id (a value per row or
 * nearly: each one-hot column then has a row or two, and nothing to learn from).
 */
export function isIdLike(distinct: number, rows: number): boolean {
  return distinct >= 100 && distinct >= 0.5 * rows;
}
