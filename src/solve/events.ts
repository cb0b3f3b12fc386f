import { SparseBuffer } from '../core/sparse.js';
import { validateEvent, type Family } from '../core/event.js';
import { DataError } from '../core/errors.js';
import { Featurizer } from '../features/featurizer.js';
import { looksLikeCsv } from './csv.js';
import { SparseDesign } from './design.js';

export interface EventsDesign {
  readonly x: SparseDesign;
  readonly y: Float64Array;
  readonly weights: Float64Array;
  readonly names: readonly string[];
  /** Events without a label (scored, not learned from): skipped. */
  readonly unlabeled: number;
}

/**
 * Reads JSON-lines events (DESIGN §2) into a sparse design with the engine's `Featurizer`
 * (numbers by name, strings one-hot as `field=value`). The target is the events' `label`. A line
 * that is not a valid event is an error naming the line (a batch fit has no dead-letter sink).
 */
export function readEventsDesign(text: string, family: Family, source = 'the input'): EventsDesign {
  const featurizer = new Featurizer();
  const buf = new SparseBuffer();
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  const y: number[] = [];
  const w: number[] = [];
  let unlabeled = 0;
  const lines = text.split(/\r?\n/);
  lines.forEach((line, k) => {
    if (line.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw new DataError(
        y.length === 0 && unlabeled === 0 && looksLikeCsv(line)
          ? `${source} line ${k + 1} is not valid JSON: this looks like CSV; give the file a .csv name (fit reads CSV with a header row by its extension)`
          : `${source} line ${k + 1} is not valid JSON`,
      );
    }
    const v = validateEvent(raw, family);
    if (!v.ok) throw new DataError(`${source} line ${k + 1}: ${v.reason}`);
    if (v.event.label === undefined) {
      unlabeled++;
      return;
    }
    const reason = featurizer.featurize(v.event, buf);
    if (reason !== null) throw new DataError(`${source} line ${k + 1}: ${reason}`);
    const i = y.length;
    for (let e = 0; e < buf.nnz; e++) {
      rows.push(i);
      cols.push(buf.indices[e]!);
      vals.push(buf.values[e]!);
    }
    y.push(v.event.label);
    w.push(v.event.weight ?? 1);
  });
  if (y.length === 0) {
    throw new DataError(
      `${source} has no labeled events${unlabeled > 0 ? ` (${unlabeled} events without "label")` : ' (the file is empty)'}`,
    );
  }
  const p = featurizer.dimension;
  const names: string[] = [];
  for (let j = 0; j < p; j++) names.push(featurizer.nameOf(j));
  return {
    x: SparseDesign.fromTriplets(y.length, p, rows, cols, vals),
    y: Float64Array.from(y),
    weights: Float64Array.from(w),
    names,
    unlabeled,
  };
}
