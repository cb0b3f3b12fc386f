import { aliasCheckRuns, aliasedColumns, aliasText } from './aliased.js';
import { lambdaMaxOf, nullStart } from './descend.js';
import { Engine } from './engine.js';
import type { Problem } from './problem.js';
import type { LambdaFit } from './solve.js';

/** Aliased columns named in the warning at most. */
const MAX_ALIASES = 3;

/** A fitted probability this close to its row's 0/1 label is "numerically 0 or 1" (|η| > 23). */
const FITTED_AT_LABEL = 1e-10;

/**
 * What makes a fit's coefficients meaningless although the solver converged, as sentences that
 * say what to do (empty when nothing does):
 * - at λ = 0 with at least as many feature columns (not constant) as rows, or with fewer that are
 *   linearly dependent with the intercept (`aliasedColumns`: a one-hot field's every level, a
 *   column and its multiple), the least-squares or maximum-likelihood solution is not unique: the
 *   fit is one of infinitely many;
 * - binomial, rows fitted with probability within 1e-10 of their label (glm's "fitted
 *   probabilities numerically 0 or 1"): the data are separated at this λ, so at λ = 0 the
 *   maximum-likelihood estimate does not exist and the coefficients are as large as the solver's
 *   budget let them grow (at a tiny λ > 0, as large as λ lets them be);
 * - `explicit` (a λ the user gave), λ ≥ λ_max: every penalized coefficient is 0, the model is no
 *   better on its own training data than the intercept-only one.
 */
export function fitWarnings(
  problem: Problem,
  fit: LambdaFit,
  explicit = false,
  selected: 'min' | '1se' = 'min',
  nameOf: (column: number) => string = (j) => `column ${j}`,
): string[] {
  const out: string[] = [];
  const max = explicit ? lambdaMaxAbove(problem, fit) : null;
  if (max !== null) {
    // columns of penalty factor 0 stay in the model at every λ
    const free: string[] = [];
    fit.coefficients.forEach((c, j) => {
      if (c !== 0 && problem.pf[j] === 0) free.push(nameOf(j));
    });
    const shown =
      free.length > 3 ? `${free.slice(0, 3).join(', ')} and ${free.length - 3} more` : free.join(', ');
    const zero =
      free.length === 0
        ? 'every coefficient is 0 (the intercept-only model)'
        : `every penalized coefficient is 0 (the model is the intercept and the unpenalized ${free.length === 1 ? 'column' : 'columns'} ${shown}, of penalty factor 0)`;
    out.push(
      `λ = ${fit.lambda} ≥ λ_max = ${Number(max.toPrecision(4))}: ${zero}; give a λ below λ_max, or leave out --lambda to choose it by cross-validation.`,
    );
  }
  // the fit is a model on the design as given
  const { given: x, w } = problem;
  let rows = 0;
  for (let i = 0; i < x.rows; i++) if (w[i]! > 0) rows++;
  let columns = 0;
  for (let j = 0; j < x.cols; j++) if (!problem.excluded[j]) columns++;
  if (fit.lambda === 0 && columns >= rows && columns > 0)
    out.push(
      `at λ = 0 with ${columns} feature columns and ${rows} rows (p ≥ n) the solution is not unique: these coefficients are one of infinitely many that fit equally well; give a λ > 0 (or leave out --lambda to choose it by cross-validation).`,
    );
  else if (fit.lambda === 0 && columns > 0) {
    const aliased = aliasedColumns(problem);
    if (aliased !== null && aliased.length > 0) {
      const shown = aliased.slice(0, MAX_ALIASES).map((a) => aliasText(a, nameOf));
      const more = aliased.length > MAX_ALIASES ? `; and ${aliased.length - MAX_ALIASES} more` : '';
      out.push(
        `at λ = 0 the feature columns are linearly dependent with the intercept (${aliased.length} of ${columns} ${aliased.length === 1 ? 'is a combination' : 'are combinations'} of the others in the rows of weight > 0: ${shown.join('; ')}${more}), so the solution is not unique: these coefficients are one of infinitely many that fit equally well, and how an effect is shared within such a set means nothing; give a λ > 0 with --l1-ratio below 1 (its ridge part makes the solution unique), or leave such columns out (--exclude).`,
      );
    }
  }
  if (problem.family !== 'binomial') return out;
  const eta = new Float64Array(x.rows).fill(fit.intercept);
  const cols = new Int32Array(x.cols);
  const coef = new Float64Array(x.cols);
  let count = 0;
  fit.coefficients.forEach((c, j) => {
    if (c === 0) return;
    cols[count] = j;
    coef[count++] = c;
  });
  x.axpyMany(cols, count, coef, eta);
  let atLabel = 0;
  for (let i = 0; i < x.rows; i++) {
    if (!(w[i]! > 0)) continue;
    const mu = 1 / (1 + Math.exp(-eta[i]!));
    if (Math.abs(problem.y[i]! - mu) < FITTED_AT_LABEL) atLabel++;
  }
  if (atLabel > 0) {
    const why =
      fit.lambda === 0
        ? "the maximum-likelihood estimate does not exist: the coefficients grow with the solver's iteration budget"
        : 'the coefficients are as large as this small λ lets them be, not an estimate of the effects';
    out.push(
      `${atLabel} of ${rows} rows are fitted with probability 0 or 1 (within ${FITTED_AT_LABEL} of their label): the classes are separated at λ = ${fit.lambda}, so ${why}; ${explicit ? 'give a larger λ > 0 (or leave out --lambda to choose it by cross-validation)' : selected === '1se' ? 'cross-validation chose this λ (λ_1se): give a larger one with --lambda' : 'cross-validation chose this λ: give a larger one with --lambda, or take --select 1se (the larger λ_1se)'}.`,
    );
  }
  return out;
}

/**
 * λ_max of the problem when `fit` is at or above it (every penalized feature at 0, and some
 * feature that could enter), else null. Computed only then: a null fit on its own engine.
 */
function lambdaMaxAbove(problem: Problem, fit: LambdaFit): number | null {
  let penalized = 0;
  for (let j = 0; j < problem.x.cols; j++) {
    if (problem.excluded[j] || problem.pf[j] === 0) continue;
    if (fit.coefficients[j] !== 0) return null;
    penalized++;
  }
  if (penalized === 0) return null;
  const engine = new Engine(problem);
  try {
    nullStart(problem, engine);
    // the boundary at the fit's own α (the path's start uses glmnet's floor of 0.001: at α = 0.0005
    // the warning named λ_max = 1339 where coefficients stay 0 only from 2679)
    const max = problem.alpha > 0 ? lambdaMaxOf(problem, engine, true) : Infinity;
    return max > 0 && Number.isFinite(max) && fit.lambda >= max / (1 + 1e-9) ? max : null;
  } finally {
    engine.release();
  }
}

/**
 * What `fitWarnings` could not check, as notes: at λ = 0 on a design past `aliasedColumns`' limits,
 * that its columns were not checked for linear dependence.
 */
export function fitNotes(
  problem: Problem,
  fit: LambdaFit,
  limits: { readonly cells?: number; readonly work?: number } = {},
): string[] {
  if (fit.lambda !== 0) return [];
  let rows = 0;
  for (let i = 0; i < problem.w.length; i++) if (problem.w[i]! > 0) rows++;
  let columns = 0;
  for (let j = 0; j < problem.given.cols; j++) if (!problem.excluded[j]) columns++;
  if (columns === 0 || columns >= rows || aliasCheckRuns(problem, limits)) return [];
  return [
    `at λ = 0 the ${columns.toLocaleString('en-US')} feature columns were not checked for linear dependence (${rows.toLocaleString('en-US')} rows × ${columns.toLocaleString('en-US')} columns is past the check's size): if some are combinations of others and the intercept, the solution is not unique`,
  ];
}
