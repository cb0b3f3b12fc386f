import { shownValue } from '../config/unknownKey.js';
import type { ConfigProblem } from '../core/errors.js';

/**
 * Per-coordinate learning rates for the proximal SGD learners. A coordinate's rate changes only
 * when the coordinate has a gradient, so while it is absent its rate is constant: the k proximal
 * steps it missed all used the same rate, which `repeatedProx` folds into one formula.
 *
 * - `adagrad` (default): η_j = eta0 / (delta + sqrt(Σ g_j²)) (Duchi, Hazan & Singer 2011): scale
 *   free in each feature, the sane default for sparse, unevenly scaled inputs.
 * - `constant`: η_j = eta0.
 */
export type RateSchedule = 'adagrad' | 'constant';

export interface RateOptions {
  readonly schedule?: RateSchedule;
  readonly eta0?: number;
  readonly delta?: number;
}

export const defaultRates = { schedule: 'adagrad', eta0: 0.05, delta: 1 } as const;

export function checkRates(r: RateOptions, path: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (r.schedule !== undefined && r.schedule !== 'adagrad' && r.schedule !== 'constant') {
    problems.push({
      path: `${path}.schedule`,
      message: `must be "adagrad" or "constant", got ${shownValue(r.schedule)}`,
    });
  }
  if (r.eta0 !== undefined && !(Number.isFinite(r.eta0) && r.eta0 > 0)) {
    problems.push({ path: `${path}.eta0`, message: `must be a number > 0, got ${String(r.eta0)}` });
  }
  if (r.delta !== undefined && !(Number.isFinite(r.delta) && r.delta >= 0)) {
    problems.push({ path: `${path}.delta`, message: `must be a number >= 0, got ${String(r.delta)}` });
  }
  return problems;
}
