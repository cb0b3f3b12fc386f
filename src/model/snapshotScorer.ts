import type { L1Event } from '../core/event.js';
import { forEachNamedValue } from '../features/namedValues.js';
import { explainScore, type ScoreExplanation } from './scoreExplainer.js';
import type { ModelSnapshot } from './snapshot.js';

/**
 * Scores events with a saved snapshot by feature name, featurizing them as the engine does
 * (numbers by field, booleans as 0/1, strings and string arrays as one-hot `field=value`): a
 * feature the snapshot does not name contributes nothing.
 */
export class SnapshotScorer {
  readonly intercept: number;
  private readonly coefficients: Map<string, number>;

  constructor(snapshot: Pick<ModelSnapshot, 'intercept' | 'coefficients'>) {
    this.intercept = snapshot.intercept;
    // Names are data (`__proto__` is a valid one): a Map, filled from own entries only.
    this.coefficients = new Map(Object.entries(snapshot.coefficients));
  }

  /**
   * The linear predictor of `event` and its `top` largest contributions β_j·x_j, largest first,
   * with what adds them up to the margin: `baseline` (the intercept, the margin of an event with
   * no feature the model knows) + Σ `top` + `others` (the contributions not in `top`) = `margin`.
   * An extreme value can make the margin infinite or NaN: `overflowReason` then says which.
   */
  score(event: L1Event, top = 0): ScoreExplanation {
    let margin = this.intercept;
    const names: string[] = [];
    const terms: number[] = [];
    this.forEachTerm(event, (name, _value, term) => {
      margin += term;
      names.push(name);
      terms.push(term);
    });
    return explainScore(margin, this.intercept, terms, terms.length, top, (k) => names[k]);
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

  /** Each feature of `event` the snapshot has a coefficient for: its name, value and β_j·x_j. */
  private forEachTerm(event: L1Event, visit: (name: string, value: number, term: number) => void): void {
    forEachNamedValue(event.features, (name, value) => {
      const beta = this.coefficients.get(name);
      if (beta !== undefined && value !== 0) visit(name, value, beta * value);
    });
  }
}
