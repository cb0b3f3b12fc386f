import { type FeatureValue, type Family, type Validated, validateEvent } from '../core/event.js';
import { DataError, InputError } from '../core/errors.js';
import { notUtf8Reason } from '../core/utf8.js';
import { MINUS_ONE_LABELS } from '../core/labelHints.js';
import { isMissingString } from '../features/featurizer.js';
import {
  cellNumber,
  missingColumn,
  parseCsv,
  STRAY_QUOTE,
  textAmongNumbers,
  unterminatedReason,
  type ParsedCsv,
} from '../solve/csv.js';
import type { EventDecoder } from './decodeEvents.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The events of a CSV stream's rows, as `fit` makes them of a CSV's rows: every column but the
 * label column a feature by its name, a number (`true` / `false`: 1 / 0) or else the one-hot
 * `column=text`, an empty or missing-value cell (`NA`, `NaN`, `null`, ...) absent; the label
 * column's cell the label, or, empty, none (the event is scored, not learned). A record is one
 * row's text (its quoted cells may hold newlines). A row with another field count than the
 * header's, or an unterminated quote, cannot be decoded; a label that is not a number is rejected
 * naming its column; the rest as a JSON event's (`validateEvent`: a binomial label other than 0 or
 * 1, an infinite number).
 */
export class CsvRowDecoder implements EventDecoder {
  private readonly labelAt: number;
  /** The key column's index (-1: none). */
  private readonly keyAt: number;
  /** Per column, the feature cells read as numbers and as text, and a few distinct texts. */
  private readonly numberCells: Float64Array;
  private readonly textCells: Float64Array;
  private readonly texts: string[][];

  /**
   * `label`: the label column (null: none, every row is scored); a name the header lacks is a
   * `DataError` naming the column it probably meant. Column names must be distinct and not empty.
   * `keyColumn` (`model.keyBy`): its non-empty cells are kept as their text, the models' keys (a
   * keyed model leaves that field out of its features): `007` is not the model `7`, `NA` a key as
   * in a JSON event, and an id past 2^53 keeps its digits.
   */
  constructor(
    readonly header: readonly string[],
    readonly label: string | null,
    source: string,
    keyColumn: string | null = null,
  ) {
    const seen = new Set<string>();
    for (const [k, name] of header.entries()) {
      if (name === '')
        throw new DataError(`column ${k + 1} of the header of ${source} has no name: name every column`);
      if (seen.has(name))
        throw new DataError(
          `the header of ${source} names the column "${name}" twice: name each column once`,
        );
      seen.add(name);
    }
    this.numberCells = new Float64Array(header.length);
    this.textCells = new Float64Array(header.length);
    this.texts = header.map(() => []);
    this.labelAt = label === null ? -1 : header.indexOf(label);
    this.keyAt = keyColumn === null ? -1 : header.indexOf(keyColumn);
    if (label !== null && this.labelAt < 0)
      throw new DataError(missingColumn('the label', label, header, source));
  }

  decodeEvent(value: string | Uint8Array, family: Family): Validated {
    let text: string;
    if (typeof value === 'string') text = value;
    else
      try {
        text = utf8.decode(value);
      } catch {
        throw new InputError(notUtf8Reason(value));
      }
    let parsed: ParsedCsv;
    try {
      parsed = parseCsv(text);
    } catch {
      throw new InputError(unterminatedReason(Infinity));
    }
    if (parsed.strayQuotes.size > 0) throw new InputError(STRAY_QUOTE);
    const rows = parsed.rows;
    const row = rows[0] ?? [''];
    const { header } = this;
    if (rows.length !== 1 || row.length !== header.length)
      throw new InputError(
        `the row has ${rows.length > 1 ? `${rows.length} rows' ` : ''}${rows.flat().length} fields, the header has ${header.length}`,
      );
    const features = Object.create(null) as Record<string, FeatureValue>;
    for (let k = 0; k < row.length; k++) {
      if (k === this.labelAt) continue;
      const cell = row[k]!.trim();
      if (cell === '') continue;
      // the key column's text is the key, as an event's text: "007", "NA", an id past 2^53
      if (k === this.keyAt) {
        features[header[k]!] = cell;
        continue;
      }
      if (isMissingString(cell)) continue;
      const v = cellNumber(cell);
      if (Number.isNaN(v)) {
        features[header[k]!] = cell;
        this.textCells[k]++;
        const texts = this.texts[k]!;
        if (texts.length < TEXTS_KEPT && !texts.includes(cell)) texts.push(cell);
      } else {
        features[header[k]!] = v;
        this.numberCells[k]++;
      }
    }
    const event: { label?: number; features: Record<string, FeatureValue> } = { features };
    if (this.labelAt >= 0) {
      const raw = row[this.labelAt]!;
      const cell = raw.trim();
      if (cell !== '' && !isMissingString(cell)) {
        const v = cellNumber(cell);
        if (!Number.isFinite(v))
          return {
            ok: false,
            reason: `column "${this.label!}": ${JSON.stringify(raw)} is not a ${Number.isNaN(v) ? '' : 'finite '}number; the label column holds numbers (0 or 1 for binomial, true or false too), or nothing for a row to score`,
          };
        if (family === 'binomial' && v !== 0 && v !== 1)
          return {
            ok: false,
            reason: `column "${this.label!}": a binomial label must be 0 or 1 (or true or false), got ${raw}${v === -1 ? MINUS_ONE_LABELS : ''}`,
          };
        event.label = v;
      }
    }
    return validateEvent(event, family);
  }

  /**
   * The columns of the rows decoded so far whose cells are mostly numbers but some text, each text
   * a one-hot `column=text` (`fit`'s note: `"charges" 4 of 40 ("$2,025", ...)`), the columns
   * `leftOut` excepted; null when there are none.
   */
  textAmongNumbers(leftOut: readonly string[] = []): string | null {
    const levels = new Map<number, ReadonlySet<string>>();
    const numbers = new Map<number, number>();
    const texts = new Map<number, number>();
    for (let k = 0; k < this.header.length; k++) {
      if (this.textCells[k] === 0 || leftOut.includes(this.header[k]!)) continue;
      levels.set(k, new Set(this.texts[k]));
      numbers.set(k, this.numberCells[k]!);
      texts.set(k, this.textCells[k]!);
    }
    return textAmongNumbers(levels, numbers, texts, this.header);
  }
}

/** Distinct texts kept per column for `textAmongNumbers` (it shows 3, and "…" past them). */
const TEXTS_KEPT = 4;
