import { describe, expect, it } from 'vitest';

import { refitWindow } from '../../bench/solve/refitWindow.js';
import { OnlineModel } from '../../src/model/onlineModel.js';
import { BinomialSolver } from '../../src/solve/binomial.js';
import { checkKkt } from '../../src/solve/kkt.js';
import { NewtonFinish } from '../../src/solve/newtonFinish.js';
import { objectiveValue } from '../../src/solve/objective.js';
import { prepareProblem, type Problem } from '../../src/solve/problem.js';
import { solveAt, toStandardized, type Coefficients } from '../../src/solve/solve.js';
import { CdState } from '../../src/solve/state.js';

// The refit case at test size (as test/solve/entryRounds.test.ts): 2,000 events × 20,000 hashed
// columns, window b 10 % after window a, at a refit's KKT tolerance (1e-2). After a window shift
// most of the working set settles in a few sweeps while a few rare ids keep moving: between
// sweeps of the whole set, those are swept alone (`solveWorkingSet`'s `focus`), to the same optimum.
const rows = 2_000;
const cols = 20_000;
const a = refitWindow({ rows, cols });
const b = refitWindow({ rows, cols, first: rows / 10 });
const lambda = 0.002;
const kktTolerance = 1e-2;
const opts = { family: 'binomial' as const, lambda, kktTolerance };

/** A binomial solve from `start`, focused or not, read back on the original scale. */
function solveFrom(problem: Problem, start: Coefficients, focus: boolean) {
  const st = new CdState(problem);
  const solver = new BinomialSolver(st, new NewtonFinish(st));
  solver.focus = focus;
  const s = toStandardized(problem, start);
  st.setPoint(s.b0, s.beta);
  const outcome = solver.solve(lambda, kktTolerance);
  const coefficients = new Float64Array(cols);
  let intercept = st.b0;
  for (let j = 0; j < cols; j++) {
    if (st.beta[j] === 0) continue;
    coefficients[j] = st.beta[j]! / problem.scale[j]!;
    intercept -= coefficients[j]! * problem.mean[j]!;
  }
  return { outcome, model: { intercept, coefficients }, focusSweeps: st.focusSweeps };
}

/** The live online model (FTRL, standardized, the same λ) after window a's first through b's last event. */
function onlineStart(): Coefficients {
  const events = refitWindow({ rows: rows + rows / 10, cols });
  const x = events.x;
  const ids: number[][] = Array.from({ length: x.rows }, () => []);
  for (let j = 0; j < x.cols; j++)
    for (let k = x.colStart[j]!; k < x.colStart[j + 1]!; k++) ids[x.rowIndex[k]!]!.push(j);
  const model = new OnlineModel({ family: 'binomial', lambda });
  for (let i = 0; i < x.rows; i++)
    model.process({ label: events.y[i]!, features: { ids: ids[i]!.map((j) => `i${j}`) } });
  const snap = model.snapshot();
  const coefficients = new Float64Array(cols);
  for (const [name, value] of Object.entries(snap.coefficients))
    coefficients[Number(name.slice('ids=i'.length))] = value;
  return { intercept: snap.intercept, coefficients };
}

describe('focused sweeps of a binomial quadratic model', () => {
  it('reach the optimum from warm, noisy and online starts in fewer sweeps of the working set', () => {
    const problem = prepareProblem(b.x, b.y, opts);
    const objectiveOf = (m: Coefficients): number =>
      objectiveValue(b.x, b.y, m, lambda, { family: 'binomial' }).objective;
    const best = objectiveOf(solveAt(b.x, b.y, { ...opts, kktTolerance: 1e-8 }));
    // a cold fit's own distance from the optimum at this tolerance
    const coldExcess = (objectiveOf(solveAt(b.x, b.y, opts)) - best) / best;
    const prev = solveAt(a.x, a.y, opts);
    const noisy = Float64Array.from(prev.coefficients);
    for (let j = 0; j < cols; j += 3)
      if (b.x.colStart[j + 1]! > b.x.colStart[j]!) noisy[j]! += ((j % 7) - 3) * 3e-4;
    const starts = new Map<string, Coefficients>([
      ['warm', prev],
      ['noisy', { intercept: prev.intercept, coefficients: noisy }],
      ['online', onlineStart()],
    ]);
    let focusSweeps = 0;
    let passes = 0;
    let passesUnfocused = 0;
    for (const [name, start] of starts) {
      const fit = solveFrom(problem, start, true);
      const plain = solveFrom(problem, start, false);
      expect(plain.focusSweeps, name).toBe(0);
      for (const f of [fit, plain]) {
        expect(f.outcome.converged, name).toBe(true);
        // certified from scratch, and as close to the optimum as a cold fit at this tolerance
        const kkt = checkKkt(b.x, b.y, f.model, lambda, { family: 'binomial' });
        expect(kkt.maxViolation, name).toBeLessThan(kktTolerance);
        const excess = (objectiveOf(f.model) - best) / best;
        expect(excess, name).toBeLessThan(Math.max(10 * coldExcess, 1e-9));
      }
      focusSweeps += fit.focusSweeps;
      passes += fit.outcome.passes;
      passesUnfocused += plain.outcome.passes;
    }
    // the focused sweeps ran, and they saved sweeps of the whole working set
    expect(focusSweeps).toBeGreaterThan(0);
    expect(passes).toBeLessThan(passesUnfocused);
  });
});
