/**
 * Fields whose values were mostly numbers sent as strings (`{"age": "42"}`): each such value is a
 * one-hot feature `age=42`, not the number, which is rarely what was meant. Counted from a model's
 * columns when a run ends (nothing is done per event): the present weight of each one-hot column
 * whose value reads as a finite number, against the present weight of all the field's columns.
 * A field sent as a list of strings (sparse ids) is categorical by the event format and is not
 * reported: it shows as more present values than events in a model.
 */

import { textNumber } from '../core/textNumber.js';

/** True when `s` is a finite decimal number (`42`, `-1.5`, `1e3`), not `""`, `NaN` or `0x10`. */
export function looksNumeric(s: string): boolean {
  const c = s.charCodeAt(0);
  // a digit, '-', '+' or '.' first: other text is ruled out without parsing
  if (!((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46)) return false;
  return s.trim() === s && Number.isFinite(textNumber(s));
}

interface FieldCount {
  /** Present weight of the field's one-hots whose value looks numeric. */
  numeric: number;
  /** Present weight of all the field's columns (numeric column and one-hots). */
  total: number;
  /** Distinct numeric-looking values (across models), up to `MAX_LEVELS`; the first few are examples. */
  readonly levels: Set<string>;
  /** True when more than `MAX_LEVELS` distinct values were seen. */
  more: boolean;
  /**
   * True when, in some model, the field had more present values than learned events: a list
   * (`"ids": ["17", "42"]`), whose strings are categories by the event format, not numbers.
   */
  list: boolean;
}

/** Fields at most tracked (fields beyond are not looked at). */
const MAX_FIELDS = 4096;
/** Distinct values counted per field (beyond: "over 100"). */
const MAX_LEVELS = 100;
/** A field is reported when numeric strings held more than this share of its values. */
const MOST = 0.5;

export class NumericStrings {
  private readonly fields = new Map<string, FieldCount>();
  /** Present weight per field in the model being added (`endModel`). */
  private readonly inModel = new Map<FieldCount, number>();

  constructor(private readonly maxFields = MAX_FIELDS) {}

  /**
   * Ends the columns of one model, which learned events of total weight `learned`: a field
   * present more often than that held lists of values, and is not reported.
   */
  endModel(learned: number): void {
    for (const [count, present] of this.inModel) if (present > learned * (1 + 1e-9)) count.list = true;
    this.inModel.clear();
  }

  /**
   * One column: its field, its one-hot value (null for the field's numeric column) and the
   * weight of the learned events it was present in.
   */
  addColumn(field: string, value: string | null, present: number): void {
    let count = this.fields.get(field);
    if (count === undefined) {
      if (this.fields.size >= this.maxFields) return;
      count = { numeric: 0, total: 0, levels: new Set(), more: false, list: false };
      this.fields.set(field, count);
    }
    count.total += present;
    this.inModel.set(count, (this.inModel.get(count) ?? 0) + present);
    if (value !== null && looksNumeric(value)) {
      count.numeric += present;
      if (count.levels.size < MAX_LEVELS) count.levels.add(value);
      else if (!count.levels.has(value)) count.more = true;
    }
  }

  /** One warning per field whose values were mostly numeric strings, at most `limit` fields. */
  warnings(limit = 10): string[] {
    const found = this.fieldWarnings();
    const out = found.slice(0, limit).map((w) => w.message);
    if (found.length > limit) out.push(`${found.length - limit} more fields held mostly numeric strings`);
    return out;
  }

  /** Each field whose values were mostly numeric strings, with its warning, the most first. */
  fieldWarnings(): Array<{ readonly field: string; readonly message: string }> {
    const found: Array<[string, FieldCount]> = [];
    for (const [field, c] of this.fields) if (!c.list && c.numeric > MOST * c.total) found.push([field, c]);
    found.sort((a, b) => b[1].numeric - a[1].numeric);
    return found.map(([field, c]) => {
      const of = `${count(c.numeric)} of ${count(c.total)}`;
      const examples = [...c.levels].slice(0, 3);
      const like = examples.map((v) => JSON.stringify(v)).join(', ');
      const levels = c.more ? `over ${MAX_LEVELS}` : count(c.levels.size);
      const message = `field ${JSON.stringify(field)}: ${of} values in learned events were numeric strings (${like}${c.levels.size > examples.length ? ', ...' : ''}) and became ${levels} one-hot features ${field}=...; send numbers as JSON numbers ({"${field}": 42}, not "42"; codes or ids meant as categories are fine as strings)`;
      return { field, message };
    });
  }
}

/** A weight as a count: `9,812` (rounded; event weights other than 1 make it a weight). */
function count(w: number): string {
  return Math.round(w).toLocaleString('en-US');
}
