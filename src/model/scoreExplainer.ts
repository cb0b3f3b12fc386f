import type { Contribution } from '../engine/records.js';

/**
 * A score and what adds up to it, on the link scale (binomial: log-odds; gaussian: the
 * prediction): `baseline` (the intercept, the margin of an event with no feature the model knows)
 * + Σ `top[].contribution` + `others` (the contributions not in `top`) = `margin`.
 */
export interface ScoreExplanation {
  readonly margin: number;
  readonly baseline: number;
  readonly top: Contribution[];
  readonly others: number;
}

/**
 * Explains a score from its event's contributions β_j·x_j (`terms[0..count)`): the `top` largest
 * by |β_j·x_j| (largest first; zero terms are never listed), by the name `nameOf(k)` gives term k,
 * and the sum of the rest. O(count · top): only the listed terms are named. Used by `score` and by
 * the engine's score records alike.
 */
export function explainScore(
  margin: number,
  baseline: number,
  terms: ArrayLike<number>,
  count: number,
  top: number,
  nameOf: (k: number) => string,
): ScoreExplanation {
  const picked: number[] = [];
  let others = 0;
  for (let k = 0; k < count; k++) {
    const c = terms[k];
    if (c === 0) continue;
    if (picked.length < top) {
      picked.push(k);
      continue;
    }
    let min = 0;
    for (let m = 1; m < picked.length; m++)
      if (Math.abs(terms[picked[m]]) < Math.abs(terms[picked[min]])) min = m;
    if (top > 0 && Math.abs(c) > Math.abs(terms[picked[min]])) {
      others += terms[picked[min]];
      picked[min] = k;
    } else others += c;
  }
  // largest first; ties in input order
  picked.sort((a, b) => Math.abs(terms[b]) - Math.abs(terms[a]) || a - b);
  return {
    margin,
    baseline,
    top: picked.map((k) => ({ feature: nameOf(k), contribution: terms[k] })),
    others,
  };
}
