import type { FeatureValue, Family, L1Event } from '../core/event.js';
import { DataError } from '../core/errors.js';
import { isMissingString } from '../features/featurizer.js';
import { DenseDesign, type SparseDesign } from './design.js';
import { eventsDesign } from './events.js';

/** Splits CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF) into rows of fields, with the line each row starts on. */
export function parseCsv(text: string): { rows: string[][]; lines: number[] } {
  const rows: string[][] = [];
  const lines: number[] = [];
  let field = '';
  let row: string[] = [];
  let inQuotes = false;
  let line = 1;
  let rowLine = 1;
  let i = 0;
  const n = text.length;
  if (text.charCodeAt(0) === 0xfeff) i = 1; // byte-order mark
  let fieldStarted = false;
  const endRow = () => {
    row.push(field);
    // skip blank lines
    if (!(row.length === 1 && row[0] === '' && !fieldStarted)) {
      rows.push(row);
      lines.push(rowLine);
    }
    row = [];
    field = '';
    fieldStarted = false;
  };
  for (; i < n; i++) {
    const ch = text[i]!;
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"') {
      inQuotes = true;
      fieldStarted = true;
    } else if (ch === ',') {
      row.push(field);
      field = '';
      fieldStarted = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else {
      field += ch;
      fieldStarted = true;
    }
  }
  if (inQuotes) throw new DataError(`unterminated quoted field starting on line ${rowLine}`);
  if (field !== '' || row.length > 0 || fieldStarted) endRow();
  return { rows, lines };
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
}

export interface CsvDesign {
  /** Dense when every feature cell is a number; else sparse, as the events of a stream. */
  readonly x: DenseDesign | SparseDesign;
  readonly y: Float64Array;
  readonly weights?: Float64Array;
  /** Feature names, in column order. */
  readonly names: readonly string[];
  /** What the reader did that a user should know (strings one-hot encoded, missing cells). */
  readonly notes: readonly string[];
}

/**
 * Reads a CSV with a header row into a design: every column other than the target (and the weight
 * column) is a feature. When every feature cell is a number the design is dense, a column per
 * feature; otherwise each row is featurized as a stream's event would be (DESIGN §2): a number is
 * the feature named by its column, any other text the one-hot `column=text`, and an empty or
 * missing-value cell (`NaN`, `NA`, `null`, ...) absent. Target and weight cells must be numbers.
 * Errors name the file, line and column, and say what to fix.
 */
export function readCsvDesign(text: string, options: CsvDesignOptions): CsvDesign {
  const source = options.source ?? 'the input';
  const { rows, lines } = parseCsv(text);
  if (rows.length === 0)
    throw new DataError(`${source} is empty: expected a header row and at least one data row`);
  const header = rows[0]!.map((h) => h.trim());
  if (rows.length === 1) throw new DataError(`${source} has a header but no data rows`);
  const seen = new Set<string>();
  header.forEach((h, k) => {
    if (h === '') throw new DataError(`${source}: column ${k + 1} of the header has no name`);
    if (seen.has(h))
      throw new DataError(`${source}: the header names column "${h}" twice; column names must be unique`);
    seen.add(h);
  });
  const targetAt = header.indexOf(options.target);
  if (targetAt < 0) {
    throw new DataError(
      `target column "${options.target}" is not in the header of ${source}; its columns are: ${header.join(', ')}`,
    );
  }
  let weightAt = -1;
  if (options.weightColumn !== undefined) {
    weightAt = header.indexOf(options.weightColumn);
    if (weightAt < 0)
      throw new DataError(`weight column "${options.weightColumn}" is not in the header of ${source}`);
  }
  const featureAt: number[] = [];
  header.forEach((_, k) => {
    if (k !== targetAt && k !== weightAt) featureAt.push(k);
  });
  if (featureAt.length === 0)
    throw new DataError(`${source} has no feature columns besides the target "${options.target}"`);
  const n = rows.length - 1;
  const p = featureAt.length;
  const values = new Float64Array(n * p);
  const y = new Float64Array(n);
  const weights = weightAt >= 0 ? new Float64Array(n) : undefined;
  for (let r = 1; r <= n; r++) {
    const row = rows[r]!;
    if (row.length !== header.length) {
      throw new DataError(
        `${source} line ${lines[r]} has ${row.length} fields, the header has ${header.length}`,
      );
    }
  }
  const cell = (r: number, k: number): number => {
    const raw = rows[r]![k]!;
    const s = raw.trim();
    const v = Number(s);
    if (s === '') {
      throw new DataError(
        `${source} line ${lines[r]}, column "${header[k]}": the cell is empty; missing values are not supported (drop or impute the row)`,
      );
    }
    if (!Number.isFinite(v)) {
      throw new DataError(
        `${source} line ${lines[r]}, column "${header[k]}": "${raw}" is not a number; the target and weight columns must be numeric`,
      );
    }
    return v;
  };
  // a feature cell that is not a number (or is empty) sends the whole file to `sparseCsv`
  const numeric = (s: string): boolean => s !== '' && Number.isFinite(Number(s));
  const dense = rows.every((row, r) => r === 0 || featureAt.every((k) => numeric(row[k]!.trim())));
  for (let r = 1; r <= n; r++) {
    const row = rows[r]!;
    const i = r - 1;
    y[i] = cell(r, targetAt);
    if (options.family === 'binomial' && y[i] !== 0 && y[i] !== 1) {
      throw new DataError(
        `${source} line ${lines[r]}, column "${options.target}": a binomial target must be 0 or 1, got ${row[targetAt]}`,
      );
    }
    if (weights) {
      weights[i] = cell(r, weightAt);
      if (weights[i]! < 0)
        throw new DataError(`${source} line ${lines[r]}, column "${header[weightAt]}": weights must be >= 0`);
    }
    if (dense) for (let j = 0; j < p; j++) values[j * n + i] = cell(r, featureAt[j]!);
  }
  if (!dense) return sparseCsv(rows, lines, header, featureAt, y, weights, source);
  return {
    x: new DenseDesign(n, p, values),
    y,
    ...(weights ? { weights } : {}),
    names: featureAt.map((k) => header[k]!),
    notes: [],
  };
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
): CsvDesign {
  let missing = 0;
  let text = 0;
  const events: L1Event[] = [];
  for (let r = 1; r < rows.length; r++) {
    const features = Object.create(null) as Record<string, FeatureValue>;
    for (const k of featureAt) {
      const s = rows[r]![k]!.trim();
      const v = Number(s);
      if (s === '' || isMissingString(s)) missing++;
      else if (Number.isFinite(v)) features[header[k]!] = v;
      else {
        features[header[k]!] = s;
        text++;
      }
    }
    events.push({ label: y[r - 1]!, ...(weights ? { weight: weights[r - 1]! } : {}), features });
  }
  const d = eventsDesign(events, lines.slice(1), source);
  const notes: string[] = [];
  if (text > 0) notes.push(`${text} text cells were one-hot encoded as column=text`);
  if (missing > 0)
    notes.push(`${missing} empty or missing-value cells (NaN, NA, null, ...) were left out (value 0)`);
  return { x: d.x, y, ...(weights ? { weights } : {}), names: d.names, notes };
}
