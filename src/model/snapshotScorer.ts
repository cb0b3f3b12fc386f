import { DataError } from '../core/errors.js';
import { ListedEvent, type Family, type L1Event } from '../core/event.js';
import { forEachEventValue, forEachFeature } from '../features/namedValues.js';
import { lossFor } from '../loss/index.js';
import { explainScore, type ScoreExplanation } from './scoreExplainer.js';
import type { ModelSnapshot } from './snapshot.js';

/** A score as the engine's score records give it: `prediction` and the margin's explanation. */
export interface SnapshotScore extends ScoreExplanation {
  /** The model's prediction: a probability 1 / (1 + e^−margin) for binomial, the margin for gaussian. */
  readonly prediction: number;
}

/**
 * Scores events with a saved snapshot by feature name, featurizing them as the engine does
 * (numbers by field, booleans as 0/1, strings and string arrays as one-hot `field=value`): a
 * feature the snapshot does not name contributes nothing.
 */
export class SnapshotScorer {
  readonly intercept: number;
  readonly family: Family;
  private readonly coefficients: Map<string, number>;

  constructor(snapshot: Pick<ModelSnapshot, 'intercept' | 'coefficients' | 'family'>) {
    checkSnapshot(snapshot);
    this.intercept = snapshot.intercept;
    this.family = snapshot.family;
    // Names are data (`__proto__` is a valid one): a Map, filled from own entries only.
    this.coefficients = new Map(Object.entries(snapshot.coefficients));
  }

  /**
   * The prediction for `event` (binomial: the probability of label 1), its linear predictor
   * `margin` and its `top` largest contributions β_j·x_j, largest first, with what adds them up
   * to the margin: `baseline` (the intercept, the margin of an event with no feature the model
   * knows) + Σ `top` + `others` (the contributions not in `top`) = `margin`. An extreme value can
   * make the margin infinite or NaN: `overflowReason` then says which.
   */
  score(event: L1Event, top = 0): SnapshotScore {
    checkEvent(event);
    // from plain JavaScript, `score(event, { top: 3 })` would give no contributions without a word
    if (typeof top !== 'number' || !(top >= 0))
      throw new DataError(
        `SnapshotScorer.score: top must be a number ≥ 0 (how many contributions to list), got ${describeTop(top)}: score(event, 3)`,
      );
    let margin = this.intercept;
    const names: string[] = [];
    const terms: number[] = [];
    this.forEachTerm(event, (name, _value, term) => {
      margin += term;
      names.push(name);
      terms.push(term);
    });
    const explained = explainScore(margin, this.intercept, terms, terms.length, top, (k) => names[k]);
    return { prediction: lossFor(this.family).mean(margin), ...explained };
  }

  /** Why `event`'s margin is not finite: its largest term, by feature name and value. */
  overflowReason(event: L1Event): string {
    let largest = -1;
    let named = 'the event';
    this.forEachTerm(event, (name, value, term) => {
      const size = Number.isNaN(term) ? Infinity : Math.abs(term);
      if (size > largest) {
        largest = size;
        named = `feature ${name} = ${String(value).replace('e+', 'e')}`;
      }
    });
    return `numeric overflow: ${named} makes the score infinite`;
  }

  /**
   * Each feature of `event` the snapshot has a coefficient for: its name, value and β_j·x_j. A
   * level repeated in a list (`tags: ["a", "a"]`) is one feature of value 2, as the engine
   * featurizes it: one term, not two.
   */
  private forEachTerm(event: L1Event, visit: (name: string, value: number, term: number) => void): void {
    const values = new Map<string, number>();
    forEachEventValue(event, (name, value) => {
      if (this.coefficients.has(name)) values.set(name, (values.get(name) ?? 0) + value);
    });
    for (const [name, value] of values) {
      if (value !== 0) visit(name, value, this.coefficients.get(name)! * value);
    }
  }
}

const SNAPSHOT_FIX = 'pass a model snapshot (a line of models.jsonl, parsed, or one an OutputSink received)';

/** From plain JavaScript or parsed JSON: a snapshot whose intercept or coefficients are not numbers. */
function checkSnapshot(snapshot: unknown): void {
  const problem = snapshotProblem(snapshot);
  if (problem !== null) throw new DataError(`SnapshotScorer: ${problem}: ${SNAPSHOT_FIX}`);
}

/** What makes `snapshot` unusable for scoring (no family; intercept or a coefficient not a finite number), or null. */
export function snapshotProblem(snapshot: unknown): string | null {
  if (typeof snapshot !== 'object' || snapshot === null) return `the snapshot is ${describe(snapshot)}`;
  const { intercept, coefficients, family, key } = snapshot as Record<
    'intercept' | 'coefficients' | 'family' | 'key',
    unknown
  >;
  if (family !== 'binomial' && family !== 'gaussian') {
    return `snapshot.family must be "binomial" or "gaussian" (what its prediction means), got ${describe(family)}`;
  }
  // a key picks the model of a key's events (--key, --key-by): a number would match none of them
  // (null, as pandas writes a missing value: no key)
  if (key !== undefined && key !== null && typeof key !== 'string') {
    const fix = typeof key === 'number' ? ` (write "key": ${JSON.stringify(String(key))})` : '';
    return `snapshot.key must be a string (the key of the events it models), got ${describe(key)}${fix}`;
  }
  if (typeof intercept !== 'number' || !Number.isFinite(intercept)) {
    return `snapshot.intercept must be a finite number, got ${describe(intercept)}`;
  }
  if (
    typeof coefficients !== 'object' ||
    coefficients === null ||
    Array.isArray(coefficients) ||
    coefficients instanceof Map
  ) {
    // a Map has no own enumerable entries: it would score every event with the intercept alone
    const fix = coefficients instanceof Map ? ': pass Object.fromEntries(map)' : '';
    return `snapshot.coefficients must be an object of feature name → number, got ${describe(coefficients)}${fix}`;
  }
  for (const [name, beta] of Object.entries(coefficients)) {
    if (typeof beta !== 'number' || !Number.isFinite(beta)) {
      return `snapshot.coefficients[${JSON.stringify(name)}] must be a finite number, got ${describe(beta)}`;
    }
  }
  return null;
}

/**
 * An event without a `features` object (an event's fields passed directly, or a Map, whose entries
 * are not the object's: every feature would be left out) names the fix; so does a feature value
 * the engine would dead-letter (an object, a list with a non-string, a number that is not finite):
 * it would be left out too, or make the prediction NaN.
 */
function checkEvent(event: unknown): void {
  if (typeof event !== 'object' || event === null)
    throw new DataError(
      `SnapshotScorer.score: the event must be an object { features: { name: value, ... } }, got ${describe(event)} (docs/conventions.md)`,
    );
  // (a reader's `ListedEvent` is read from its lists: its `features` record is not built)
  const features = event instanceof ListedEvent ? {} : (event as { features?: unknown }).features;
  if (
    typeof features !== 'object' ||
    features === null ||
    Array.isArray(features) ||
    features instanceof Map
  ) {
    const fix =
      features instanceof Map
        ? 'pass { features: Object.fromEntries(map) }'
        : 'pass { features: { name: value, ... } }';
    throw new DataError(
      `SnapshotScorer.score: event.features must be an object of feature values, got ${describe(features)}: ${fix} (docs/conventions.md)`,
    );
  }
  forEachFeature(event as L1Event, (name, value) => {
    const v: unknown = value;
    if (typeof v === 'number' && !Number.isFinite(v))
      throw new DataError(
        `SnapshotScorer.score: feature ${JSON.stringify(name)} is not a finite number (${v}), as the engine would reject it (docs/conventions.md)`,
      );
    if (
      typeof v === 'number' ||
      typeof v === 'string' ||
      typeof v === 'boolean' ||
      v === null ||
      v === undefined
    )
      return;
    if (Array.isArray(v) && v.every((item) => typeof item === 'string')) return;
    const what = Array.isArray(v)
      ? 'is an array with a non-string element'
      : `has unsupported type ${typeof v}`;
    throw new DataError(
      `SnapshotScorer.score: feature ${JSON.stringify(name)} ${what} (use number, string, boolean or string[]), as the engine would reject it (docs/conventions.md)`,
    );
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Map) return 'a Map';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return typeof value === 'object' ? 'an object' : String(value);
}

/** `top` as an error message shows it. */
function describeTop(top: unknown): string {
  if (typeof top === 'number') return String(top);
  try {
    return JSON.stringify(top) ?? String(top);
  } catch {
    return typeof top;
  }
}
