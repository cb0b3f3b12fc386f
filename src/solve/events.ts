import { SparseBuffer } from '../core/sparse.js';
import { validateEvent, type Family, type FeatureValue, type L1Event } from '../core/event.js';
import { DataError } from '../core/errors.js';
import { jsonShapeHint } from '../core/inputFormat.js';
import { jsonParseError } from '../core/jsonSyntax.js';
import { DEFAULT_MAX_RECORD_BYTES, oversizeReason, oversizeText } from '../core/recordSize.js';
import { Featurizer } from '../features/featurizer.js';
import { NumericStrings } from '../features/numericStrings.js';
import { ExactVocabulary, nameCollisionWarning } from '../features/vocabulary.js';
import { looksLikeCsv } from './csv.js';
import { checkExcluded } from './exclude.js';
import { SparseDesign } from './design.js';
import { weightedTarget } from './problem.js';
import { isBlankLine } from '../core/blankLine.js';

export interface EventsDesign {
  readonly x: SparseDesign;
  readonly y: Float64Array;
  readonly weights: Float64Array;
  readonly names: readonly string[];
  /** Warnings for the user (feature name collisions). */
  readonly warnings: readonly string[];
  /**
   * Features that are 0 (or false) in every labelled event they are in: as events are sparse, they
   * have no column (a CSV column of zeros has none in a sparse design either).
   */
  readonly zeroFeatures: readonly string[];
  /** Events without a label (scored, not learned from): skipped. */
  readonly unlabeled: number;
  /** Lines that are not valid events, skipped (with `onReject`). */
  readonly rejected: number;
}

/** A line that is not a valid event, with replay's stage and reason for it (its dead letter). */
export interface RejectedLine {
  readonly line: number;
  readonly stage: 'decode' | 'validate';
  readonly reason: string;
  readonly value: string;
}

const csvHint =
  'this looks like CSV; give the file a .csv name (fit reads CSV with a header row by its extension)';

/**
 * Reads JSON-lines events (docs/conventions.md, events) into a sparse design with the engine's `Featurizer`
 * (numbers by name, strings one-hot as `field=value`). The target is the events' `label`. A line
 * that is not a valid event goes to `onReject` and is skipped, or without it is an error naming
 * the line; no valid labelled line at all is an error. A line over `maxRecordBytes` (UTF-8) is
 * not read, as replay dead-letters it; so is a line of `notUtf8` (its number → why its bytes are
 * not UTF-8).
 */
export function readEventsDesign(
  text: string,
  family: Family,
  source = 'the input',
  onReject?: (rejected: RejectedLine) => void,
  maxRecordBytes = DEFAULT_MAX_RECORD_BYTES,
  exclude: readonly string[] = [],
  notUtf8: ReadonlyMap<number, string> = new Map(),
): EventsDesign {
  const excluded = new Set(exclude);
  /** With `exclude`: every feature field of the valid events, to check the names against. */
  const fields = new Set<string>();
  const events: L1Event[] = [];
  const lines: number[] = [];
  /** Feature names with a 0 or false value in a labelled event (those with a column are dropped at the end). */
  const zeros = new Set<string>();
  let unlabeled = 0;
  let rejected = 0;
  let first = '';
  text.split(/\r?\n/).forEach((line, k) => {
    if (isBlankLine(line)) return;
    if (events.length === 0 && unlabeled === 0 && rejected === 0) first = line;
    const bytes = oversizeText(line, maxRecordBytes);
    const notText = notUtf8.get(k + 1);
    if (bytes >= 0 || notText !== undefined) {
      const reason = bytes >= 0 ? oversizeReason(bytes, maxRecordBytes) : `cannot decode: ${notText}`;
      if (onReject === undefined) throw new DataError(`${source} line ${k + 1}: ${reason}`);
      rejected++;
      return onReject({ line: k + 1, stage: 'decode', reason, value: line });
    }
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (parseError) {
      const err = jsonParseError(line, parseError) as Error;
      if (onReject === undefined)
        throw new DataError(
          events.length === 0 && unlabeled === 0 && looksLikeCsv(line)
            ? `${source} line ${k + 1} is not valid JSON: ${csvHint}`
            : `${source} line ${k + 1} is not valid JSON${err === parseError ? '' : `: ${err.message}`}`,
        );
      rejected++;
      return onReject({
        line: k + 1,
        stage: 'decode',
        reason: `cannot decode: ${err.message}`,
        value: line,
      });
    }
    const v = validateEvent(raw, family);
    if (!v.ok) {
      if (onReject === undefined) throw new DataError(`${source} line ${k + 1}: ${v.reason}`);
      rejected++;
      return onReject({ line: k + 1, stage: 'validate', reason: v.reason, value: line });
    }
    if (excluded.size > 0) for (const f of Object.keys(v.event.features)) fields.add(f);
    if (v.event.label === undefined) {
      unlabeled++;
      return;
    }
    const event = excluded.size > 0 ? withoutFields(v.event, excluded) : v.event;
    const features = event.features;
    for (const name in features) {
      const value = features[name];
      if (value === 0 || value === false) zeros.add(name);
    }
    events.push(event);
    lines.push(k + 1);
  });
  if (events.length === 0) {
    const what = [
      ...(unlabeled > 0 ? [`${unlabeled} events without "label"`] : []),
      ...(rejected > 0
        ? [
            rejected === 1
              ? '1 line that is not a valid event'
              : `${rejected} lines that are not valid events`,
          ]
        : []),
    ];
    throw new DataError(
      `${source} has no labelled events (${what.length > 0 ? what.join(', ') : 'the file is empty'})` +
        (rejected > 0 && looksLikeCsv(first)
          ? `: ${csvHint}`
          : rejected > 0 && jsonShapeHint(source, first) !== ''
            ? `: ${jsonShapeHint(source, first)}`
            : ''),
    );
  }
  if (excluded.size > 0)
    checkExcluded(
      exclude,
      [...fields],
      new Map([
        ['label', 'the target (the events\' "label")'],
        ['weight', 'the events\' "weight"'],
      ]),
      source,
    );
  const design = eventsDesign(events, lines, source);
  // a name with a column, or a text field's name (its levels have columns): not always 0
  for (const name of design.names) {
    zeros.delete(name);
    for (let eq = name.indexOf('='); eq >= 0; eq = name.indexOf('=', eq + 1)) zeros.delete(name.slice(0, eq));
  }
  const zeroFeatures = [...zeros];
  const warnings = [...design.warnings];
  if (zeroFeatures.length > 0) warnings.push(zeroFeaturesWarning(zeroFeatures));
  return { ...design, warnings, zeroFeatures, unlabeled, rejected };
}

/** Features that are 0 in every labelled event: a few named, all counted. */
function zeroFeaturesWarning(names: readonly string[]): string {
  const shown = names.slice(0, 5).map((n) => JSON.stringify(n));
  const more = names.length > shown.length ? ` and ${names.length - shown.length} more` : '';
  return names.length === 1
    ? `feature ${shown[0]} is 0 (or false) in every labelled event; its coefficient is fixed at 0`
    : `features ${shown.join(', ')}${more} are 0 (or false) in every labelled event; their coefficients are fixed at 0`;
}

/** The event without the feature fields `excluded` names. */
function withoutFields(event: L1Event, excluded: ReadonlySet<string>): L1Event {
  const features = Object.create(null) as Record<string, FeatureValue>;
  for (const [name, value] of Object.entries(event.features)) if (!excluded.has(name)) features[name] = value;
  return {
    ...(event.label !== undefined ? { label: event.label } : {}),
    ...(event.weight !== undefined ? { weight: event.weight } : {}),
    features,
  };
}

/**
 * Labelled events into a sparse design through the engine's `Featurizer`, so that a batch fit
 * sees the columns a stream would: numbers by name, strings one-hot, missing-value strings absent.
 * `lines[i]` is where event i came from (for errors).
 */
export function eventsDesign(
  events: readonly L1Event[],
  lines: readonly number[],
  source: string,
): Omit<EventsDesign, 'zeroFeatures' | 'unlabeled' | 'rejected'> {
  const featurizer = new Featurizer({ maxFeatures: Infinity });
  const buf = new SparseBuffer();
  // rows straight into growable typed arrays (CSR), then one counting sort into columns
  const rowStart = new Int32Array(events.length + 1);
  let cols = new Int32Array(1024);
  let vals = new Float64Array(1024);
  let nnz = 0;
  const y = new Float64Array(events.length);
  const w = new Float64Array(events.length);
  events.forEach((event, i) => {
    const reason = featurizer.featurize(event, buf);
    if (reason !== null) throw new DataError(`${source} line ${lines[i]}: ${reason}`);
    if (nnz + buf.nnz > cols.length) {
      const size = Math.max(2 * cols.length, nnz + buf.nnz);
      const c = new Int32Array(size);
      c.set(cols.subarray(0, nnz));
      cols = c;
      const v = new Float64Array(size);
      v.set(vals.subarray(0, nnz));
      vals = v;
    }
    cols.set(buf.indices.subarray(0, buf.nnz), nnz);
    vals.set(buf.values.subarray(0, buf.nnz), nnz);
    nnz += buf.nnz;
    rowStart[i + 1] = nnz;
    y[i] = event.label!;
    w[i] = event.weight ?? 1;
  });
  // a weight or label out of range is named by its line here, before the solver sees rows
  weightedTarget(y, w, (i) => `${source} line ${lines[i]}`);
  const p = featurizer.dimension;
  const names: string[] = [];
  for (let j = 0; j < p; j++) names.push(featurizer.nameOf(j));
  const vocabulary = featurizer.vocabulary;
  const warnings =
    vocabulary instanceof ExactVocabulary && vocabulary.nameCollisions > 0
      ? [nameCollisionWarning(vocabulary.nameCollisions, vocabulary.nameCollisionExamples())]
      : [];
  warnings.push(...numericStringWarnings(featurizer, cols.subarray(0, nnz), rowStart, w));
  return { x: SparseDesign.fromRows(events.length, p, rowStart, cols, vals), y, weights: w, names, warnings };
}

/**
 * replay's warnings about fields of numbers sent as strings (`{"age": "42"}`, each value its own
 * one-hot `age=42`), from the rows' columns: the weight of the rows each column is in.
 */
function numericStringWarnings(
  featurizer: Featurizer,
  cols: Int32Array,
  rowStart: Int32Array,
  w: Float64Array,
): string[] {
  const present = new Float64Array(featurizer.dimension);
  let total = 0;
  for (let i = 0; i + 1 < rowStart.length; i++) {
    total += w[i]!;
    for (let k = rowStart[i]!; k < rowStart[i + 1]!; k++) present[cols[k]!]! += w[i]!;
  }
  const strings = new NumericStrings();
  for (let j = 0; j < present.length; j++) {
    if (!(present[j]! > 0)) continue;
    const field = featurizer.fieldOf(j);
    const name = featurizer.nameOf(j);
    if (field === null) strings.addColumn(name, null, present[j]!);
    else strings.addColumn(field, name.slice(field.length + 1), present[j]!);
  }
  strings.endModel(total);
  return strings.warnings();
}
