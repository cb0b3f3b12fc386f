import { shownValue } from '../config/unknownKey.js';
import { DataError } from '../core/errors.js';
import { type Design, SparseDesign } from './design.js';
import { descendTo } from './descend.js';
import { Engine, type LambdaOutcome } from './engine.js';
import { checkOptions } from './options.js';
import { packColumns, type PackedColumns, packedValues, unpackedValues } from './packColumns.js';
import { problemOf, type Problem, type SolverOptions } from './problem.js';
import { rareStart } from './rareMoves.js';
import { zeroRoundingLevel } from './roundingZeros.js';
import { mergeTwins, type SingletonProfile, singletonProfile, singletonTwins } from './singletons.js';

/** A model on the original scale of the data. */
export interface Coefficients {
  readonly intercept: number;
  readonly coefficients: ArrayLike<number>;
}

/** The solution at one λ, on the original scale, with how it was reached. */
export interface LambdaFit {
  readonly lambda: number;
  readonly intercept: number;
  readonly coefficients: Float64Array;
  /** The objective of docs/conventions.md at this solution. */
  readonly objective: number;
  /** Model deviance: Σ v_i (y_i − μ_i)² / n (gaussian, mean squared error) or −2/n Σ v log-lik (binomial). */
  readonly deviance: number;
  /** Fraction of the null deviance explained. */
  readonly devianceRatio: number;
  readonly nonzero: number;
  readonly converged: boolean;
  readonly passes: number;
  readonly kktChecks: number;
  readonly outerIterations: number;
  readonly dualGap: number;
  /** Columns visited by sweeps and gradient passes (cumulative over the engine: a path's total so far). */
  readonly columnVisits: number;
  /** Active-set Hessians built (binomial Newton finish; cumulative like `columnVisits`). */
  readonly hessianBuilds: number;
  readonly reason?: string;
  /**
   * Columns profiled out of the solve (`SolverOptions.profileSingletons`: seen in one row only)
   * and the rows whose move one of them carries at the solution; absent when no profile applied.
   */
  readonly profiledColumns?: number;
  readonly profiledRows?: number;
  /**
   * Set when a start was given but not used: binomial, its objective above the intercept-only
   * model's (the fit then descends from λ_max as with no start).
   */
  readonly startRefused?: string;
}

export interface SolveAtOptions extends SolverOptions {
  readonly lambda: number;
  /** Warm start on the ORIGINAL scale (e.g. the live online model). Default: all zeros. */
  readonly start?: Coefficients;
  /**
   * Binomial, sparse, from an accepted start and without the singleton profile: the start's rare
   * columns are first moved to their exact one-dimensional optima (`rareMoves.ts`), and each row's
   * one-row columns but its cheapest are left out of the fit (`singletonTwins`, exact). Default false:
   * it pays from a previous refit's fit (bench/results/warm-s22.md: refit window, column visits
   * −33 to −60 %), not from the online model (the 200k stream's refits: as many sweeps, more CPU).
   */
  readonly rareMoves?: boolean;
  /**
   * Binomial, sparse, from an accepted start, at a KKT tolerance of at least 1e-3: each quadratic
   * model's tail of sweeps, where only a few rare ids still move, sweeps those and their rare
   * neighbours alone (`tailSweeps.ts`). Default false: it pays from a previous refit's fit
   * (bench/results/warm-s23.md: refit window, λ = 0.001, sweeps −50 %), not from the online model
   * (more KKT checks) nor at KKT 1e-4.
   */
  readonly tailSweeps?: boolean;
}

export function checkLambda(lambda: number, what = 'lambda'): void {
  if (!Number.isFinite(lambda) || lambda < 0) {
    throw new DataError(`${what} must be a finite number >= 0, got ${shownValue(lambda)}`);
  }
}

/**
 * A model on the caller's design (`Problem.given`) as a model on `problem.x`: the intercept moved
 * by the columns' shifts (the same model when nothing is shifted).
 */
function onShifted(problem: Problem, model: Coefficients): Coefficients {
  const shift = problem.columnShift;
  // (a start of the wrong length is `toStandardized`'s to report)
  if (shift === null || model.coefficients.length !== shift.length) return model;
  let intercept = model.intercept;
  const c = model.coefficients;
  for (let j = 0; j < shift.length; j++) if (shift[j] !== 0 && c[j] !== 0) intercept += c[j]! * shift[j]!;
  return { intercept, coefficients: c };
}

/** Converts a model on `problem.x` (`onShifted`) to the engine's standardized (b0, β̃). */
export function toStandardized(problem: Problem, start: Coefficients): { b0: number; beta: Float64Array } {
  const p = problem.x.cols;
  if (start.coefficients.length !== p) {
    throw new DataError(`start has ${start.coefficients.length} coefficients, the design has ${p} columns`);
  }
  const beta = new Float64Array(p);
  let b0 = start.intercept;
  if (!Number.isFinite(b0)) throw new DataError(`start intercept is not finite (${b0})`);
  // fields read once, before the loop: its optimized (OSR) code then reads no field of `start`,
  // whose literal's recorded field classes are lost when it is made again (see `ProblemRecord`)
  const coefficients = start.coefficients;
  const { excluded, scale, mean } = problem;
  for (let j = 0; j < p; j++) {
    const c = coefficients[j]!;
    if (!Number.isFinite(c)) throw new DataError(`start coefficient ${j} is not finite (${c})`);
    if (excluded[j]) continue;
    beta[j] = c * scale[j]!;
    b0 += c * mean[j]!;
  }
  return { b0, beta };
}

/** Reads the engine's current point back on the original scale, with diagnostics. */
export function readFit(
  engine: Engine,
  lambda: number,
  outcome: LambdaOutcome,
  nullDeviance: number,
): LambdaFit {
  const pr = engine.problem;
  const p = pr.x.cols;
  const coefficients = new Float64Array(p);
  const model = { intercept: engine.b0, coefficients };
  for (let j = 0; j < p; j++) {
    const b = engine.beta[j]!;
    if (b === 0) continue;
    const c = b / pr.scale[j]!;
    coefficients[j] = c;
    model.intercept -= c * pr.mean[j]!;
  }
  zeroRoundingLevel(pr, model, lambda);
  // a model on the shifted design (`Problem.columnShift`) on the caller's
  const shift = pr.columnShift;
  if (shift !== null) for (let j = 0; j < p; j++) model.intercept -= coefficients[j]! * shift[j]!;
  let nonzero = 0;
  for (let j = 0; j < p; j++) if (coefficients[j] !== 0) nonzero++;
  const parts = engine.objective(lambda);
  return {
    lambda,
    intercept: model.intercept,
    coefficients,
    objective: parts.loss + parts.penalty,
    deviance: 2 * parts.loss,
    devianceRatio: nullDeviance > 0 ? 1 - (2 * parts.loss) / nullDeviance : 0,
    nonzero,
    converged: outcome.converged,
    passes: outcome.passes,
    kktChecks: outcome.kktChecks,
    outerIterations: outcome.outerIterations,
    dualGap: outcome.dualGap,
    columnVisits: engine.columnVisits,
    hessianBuilds: engine.hessianBuilds,
    ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
  };
}

/** Deviance of the intercept-only model (on the scale of docs/conventions.md's objective: mean squared error or −2 mean log-lik). */
export function nullDeviance(problem: Problem): number {
  const m = problem.yMean;
  if (problem.family === 'gaussian') return problem.yVar;
  if (m <= 0 || m >= 1) return 0;
  return -2 * (m * Math.log(m) + (1 - m) * Math.log(1 - m));
}

/**
 * Solves at a single λ, optionally warm-started from a model on the original scale: the refit
 * entry point (a refit starts from the live online model and usually needs few sweeps). The
 * result says whether it converged and how many sweeps it took; it never claims convergence that
 * did not happen.
 */
export function solveAt(x: Design, y: ArrayLike<number>, options: SolveAtOptions): LambdaFit {
  checkOptions('solveAt', options);
  if (options === undefined) throw new DataError('solveAt: options with lambda are required');
  checkLambda(options.lambda, 'solveAt: lambda');
  const packed = packable(x, options) ? packColumns(x) : null;
  if (packed !== null) return solvePacked(x.cols, packed, y, options);
  const problem = problemOf(x, y, options);
  return solveAtProblem(
    problem,
    options.lambda,
    options.start,
    options.rareMoves ?? false,
    options.tailSweeps ?? false,
  );
}

/**
 * Whether `solveAt` may solve on the design without its empty columns (`packColumns.ts`): a
 * binomial fit on a sparse design whose start and penalty factors are valid (an invalid one is
 * reported by the unpacked path, by its original column). Gaussian fits are not packed: their
 * choice of updates depends on the number of columns (`usesCovariance`, `gaussianNaive.ts`).
 */
function packable(x: Design, options: SolveAtOptions): x is SparseDesign {
  if (options.family !== 'binomial' || !(x instanceof SparseDesign)) return false;
  const { start, penaltyFactors: pf } = options;
  if (start !== undefined) {
    const c = start.coefficients;
    if (c.length !== x.cols || !Number.isFinite(start.intercept)) return false;
    for (let j = 0; j < c.length; j++) if (!Number.isFinite(c[j])) return false;
  }
  if (pf !== undefined) {
    if (pf.length !== x.cols) return false;
    for (let j = 0; j < pf.length; j++) if (!(pf[j]! >= 0)) return false;
  }
  return true;
}

/** `solveAt` on the packed design; the fit's coefficients back on the `p` original columns. */
function solvePacked(
  p: number,
  packed: PackedColumns,
  y: ArrayLike<number>,
  options: SolveAtOptions,
): LambdaFit {
  const pf = options.penaltyFactors;
  const problem = problemOf(
    packed.x,
    y,
    pf === undefined ? options : { ...options, penaltyFactors: packedValues(packed, pf) },
  );
  const { start } = options;
  const fit = solveAtProblem(
    problem,
    options.lambda,
    start && { intercept: start.intercept, coefficients: packedValues(packed, start.coefficients) },
    options.rareMoves ?? false,
    options.tailSweeps ?? false,
  );
  return { ...fit, coefficients: unpackedValues(packed, fit.coefficients, p) };
}

/**
 * `solveAt` on an already prepared problem (reuses its statistics); `rare` and `tails`:
 * `SolveAtOptions.rareMoves` and `tailSweeps`.
 */
export function solveAtProblem(
  full: Problem,
  lambda: number,
  start?: Coefficients,
  rare = false,
  tails = false,
): LambdaFit {
  checkLambda(lambda);
  // binomial lasso, sparse, a loose tolerance, from zero (from a start too with 'always'): the
  // columns seen in one row only are solved in closed form (`singletons.ts`); `finish` puts them
  // back. From the bench's warm starts it cost more than it saved (bench/results/solve-refit.md).
  // (computed only for a fit that can use it: a pass over the design)
  let profiled: ReturnType<typeof singletonProfile> | undefined;
  let profile: SingletonProfile | null = null;
  let problem = full;
  // from a previous refit's fit (`rare`) without the profile: each row's singletons but its
  // cheapest are left out and the start's moves of them put on it (`singletonTwins`), an exact
  // reduction (bench/results/warm-s32.md: column visits −37 %, no rounding-level coefficients)
  const twins =
    start !== undefined && rare && full.profileSingletons !== 'always' ? singletonTwins(full) : null;
  const engineFor = (warm: boolean): Engine => {
    const wants = !warm || full.profileSingletons === 'always';
    if (wants && profiled === undefined) profiled = singletonProfile(full);
    const use = wants ? profiled : null;
    profile = use?.profile ?? null;
    problem = use?.problem ?? (warm ? twins?.problem : undefined) ?? full;
    return new Engine(problem, profile);
  };
  let engine = engineFor(start !== undefined);
  const nullDev = nullDeviance(full);
  // reads the fit, then gives the engine's memory back (the next solve in this thread reuses it)
  const finish = (outcome: LambdaOutcome): LambdaFit => {
    try {
      if (profile === null) return readFit(engine, lambda, outcome, nullDev);
      const rows = engine.expandProfile(lambda);
      return {
        ...readFit(engine, lambda, outcome, nullDev),
        profiledColumns: profile.columns,
        profiledRows: rows,
      };
    } finally {
      engine.release();
    }
  };
  if (start) {
    // a start on the caller's design, as a model on the shifted one (`Problem.columnShift`)
    start = onShifted(full, start);
    if (twins !== null) start = mergeTwins(twins.x, start, twins.twinOf);
    // the rare moves' pass gives the start's objective too: the engine's point is then set once
    const moves = rare && profile === null ? rareStart(problem, start, lambda, nullDev / 2, engine) : null;
    const known = moves !== null && Number.isFinite(moves.objective);
    const s = toStandardized(problem, known ? moves.moved : start);
    if (known && moves.moved !== start) startInSet(engine, problem, start);
    engine.setPoint(s.b0, s.beta);
    // A binomial start worse than the intercept-only model (an online model's many large weights
    // on ids seen once or twice) costs many times a cold fit: its first Newton steps overshoot on
    // tens of thousands of columns. Such a start is refused, and the fit descends from λ_max.
    const at = problem.family === 'binomial' && !known ? engine.objective(lambda) : null;
    const objective = known ? moves.objective : at === null ? -Infinity : at.loss + at.penalty;
    if (!(objective > nullDev / 2)) {
      if (moves !== null && !known && moves.moved !== start) {
        const m = toStandardized(problem, moves.moved);
        engine.setPoint(m.b0, m.beta);
      }
      engine.tailSweeps = tails;
      return finish(engine.solve(lambda));
    }
    engine.release();
    engine = engineFor(false);
    const fit = finish(descendTo(problem, engine, lambda));
    return {
      ...fit,
      startRefused: `the start's objective ${objective.toPrecision(6)} is above the intercept-only model's ${(nullDev / 2).toPrecision(6)}`,
    };
  }
  // from the null model: through a short internal path when λ is far below λ_max
  return finish(descendTo(problem, engine, lambda));
}

/**
 * Puts the start's non-zeros (standardized) in the working set, in column order: the set a fit
 * from its rare moves had when the engine's point was first set to the start itself (the columns
 * the moves set to 0 stay in it), so that the fit takes the same steps.
 */
function startInSet(engine: Engine, problem: Problem, start: Coefficients): void {
  const c = start.coefficients;
  const scale = problem.scale;
  for (let j = 0; j < c.length; j++) if (c[j]! * scale[j]! !== 0) engine.addToSet(j);
}

export { logit } from './descend.js';
