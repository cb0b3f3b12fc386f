import { isUtf8 } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

import type { Family } from '../core/event.js';
import { withoutBom } from '../core/bom.js';
import { notUtf8Reason } from '../core/utf8.js';
import { gzipProblem, inputFormatOf } from '../core/inputFormat.js';
import { optionKeyProblems } from '../config/optionKeys.js';
import { shownValue } from '../config/unknownKey.js';
import { optionValueProblems, type OptionKind } from '../config/optionValues.js';
import { ConfigError, DataError } from '../core/errors.js';
import { crOnlyProblem, readCsvDesign } from './csv.js';
import { solverLayout, type Design } from './design.js';
import { readEventsDesign, type RejectedLine } from './events.js';

export interface TrainingData {
  readonly x: Design;
  readonly y: Float64Array;
  readonly weights?: Float64Array;
  readonly names: readonly string[];
  readonly format: 'csv' | 'jsonl';
  /** Notes for the user (e.g. skipped unlabeled events). */
  readonly notes: readonly string[];
  /** Warnings for the user (feature name collisions). */
  readonly warnings?: readonly string[];
  /**
   * CSV columns of numbers, 0 or empty in every row, or JSON events' features 0 or false in every
   * labelled event, that have no column in a sparse design.
   */
  readonly zeroColumns?: readonly string[];
  /** JSON lines skipped as not valid events, or CSV rows that cannot be used (given to `onReject`). */
  readonly rejected?: number;
}

/** `loadTrainingData`'s options and the kind of each (`format` is checked on its own). */
const loadOptionKinds: ReadonlyArray<readonly [string, OptionKind]> = [
  ['weightColumn', 'string'],
  ['format', 'string'],
  ['onReject', 'function'],
  ['maxRecordBytes', 'wholePositive'],
  ['exclude', 'strings'],
];

/**
 * Loads a training file for `fit` / `path`: CSV with a header (target = a column) or JSON-lines
 * events (`.jsonl` / `.ndjson`; target = the events' `label`, so `--target label`), its design in
 * the layout the solver runs fastest on (`solverLayout`).
 */
export async function loadTrainingData(
  file: string,
  target: string,
  family: Family,
  options: {
    weightColumn?: string;
    format?: 'csv' | 'jsonl';
    /**
     * Skip a JSON line that is not a valid event, or a CSV row that cannot be used (`readCsvDesign`),
     * handing it here (else it is an error).
     */
    onReject?: (rejected: RejectedLine) => void;
    /**
     * JSON lines over this many bytes are rejected unread, and a CSV row open in a quote past it
     * gives up its first line, as replay does (default 1 MiB).
     */
    maxRecordBytes?: number;
    /** Feature columns left out (CSV header names, or JSON events' feature fields): `--exclude`. */
    exclude?: readonly string[];
  } = {},
): Promise<TrainingData> {
  // from plain JavaScript: a misspelled key (`weightcolumn`, `maxrecordbytes`) was ignored
  const problems = optionKeyProblems(
    'loadTrainingData',
    options,
    loadOptionKinds.map(([k]) => k),
  );
  if (problems.length === 0) {
    problems.push(...optionValueProblems('loadTrainingData', options, loadOptionKinds));
    if (options.format !== undefined && options.format !== 'csv' && options.format !== 'jsonl')
      problems.push({
        path: 'loadTrainingData: format',
        message: `must be "csv" or "jsonl", got ${shownValue(options.format)}`,
      });
  }
  if (typeof target !== 'string')
    problems.push({
      path: 'loadTrainingData: target',
      message: `must be a column name (a string), got ${shownValue(target)}`,
    });
  if (family !== 'gaussian' && family !== 'binomial')
    problems.push({
      path: 'loadTrainingData: family',
      message: `must be "gaussian" or "binomial", got ${shownValue(family)}`,
    });
  if (problems.length > 0) throw new ConfigError(problems);
  let text: string;
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
    text = withoutBom(bytes.toString('utf8'));
  } catch (err) {
    throw new DataError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  const gzip = gzipProblem(file, bytes);
  if (gzip !== null) throw new DataError(gzip);
  const format = options.format ?? inputFormatOf(file, text);
  const source = basename(file);
  if (format === 'jsonl') {
    if (target !== 'label') {
      throw new DataError(
        `for JSON-lines events the target is the events' "label" field: use --target label (got "${target}")`,
      );
    }
    const d = readEventsDesign(
      text,
      family,
      source,
      options.onReject,
      options.maxRecordBytes,
      options.exclude,
      notUtf8Lines(text, bytes),
    );
    return {
      x: solverLayout(d.x),
      y: d.y,
      weights: d.weights,
      names: d.names,
      format,
      notes: d.unlabeled > 0 ? [`skipped ${d.unlabeled} events without "label"`] : [],
      warnings: d.warnings,
      ...(d.zeroFeatures.length > 0 ? { zeroColumns: d.zeroFeatures } : {}),
      rejected: d.rejected,
    };
  }
  const crOnly = crOnlyProblem(text, file);
  if (crOnly !== null) throw new DataError(crOnly);
  const d = readCsvDesign(
    text,
    {
      target,
      family,
      source,
      ...(options.weightColumn !== undefined ? { weightColumn: options.weightColumn } : {}),
      ...(options.onReject !== undefined ? { onReject: options.onReject } : {}),
      ...(options.exclude !== undefined ? { exclude: options.exclude } : {}),
      ...(options.maxRecordBytes !== undefined ? { maxRecordBytes: options.maxRecordBytes } : {}),
    },
    notUtf8Lines(text, bytes),
  );
  return {
    x: solverLayout(d.x),
    y: d.y,
    ...(d.weights ? { weights: d.weights } : {}),
    names: d.names,
    format,
    notes: d.notes,
    ...(d.warnings !== undefined ? { warnings: d.warnings } : {}),
    ...(d.zeroColumns !== undefined ? { zeroColumns: d.zeroColumns } : {}),
    rejected: d.rejected,
  };
}

/**
 * The lines (numbered from 1) of a file whose bytes are not UTF-8, with why: refused as `replay`
 * refuses them, not read with U+FFFD. Looked for only when the text has a U+FFFD.
 */
export function notUtf8Lines(text: string, bytes: Buffer): Map<number, string> {
  const bad = new Map<number, string>();
  if (!text.includes('\uFFFD') || isUtf8(bytes)) return bad;
  // a newline byte is never part of a UTF-8 sequence: the lines of the bytes are those of the text
  for (let start = 0, line = 1; start <= bytes.length; line++) {
    const nl = bytes.indexOf(10, start);
    const end = nl < 0 ? bytes.length : nl;
    const lineBytes = bytes.subarray(start, end);
    if (!isUtf8(lineBytes)) bad.set(line, notUtf8Reason(lineBytes));
    start = end + 1;
  }
  return bad;
}
