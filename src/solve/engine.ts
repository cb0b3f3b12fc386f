import { BinomialSolver } from './binomial.js';
import { CovarianceSolver, usesCovariance } from './covariance.js';
import { solveGaussianNaive } from './gaussianNaive.js';
import type { WasmSparseColumns } from './kernels/sparseColumns.js';
import { NewtonFinish } from './newtonFinish.js';
import type { LambdaOutcome } from './outcome.js';
import type { Problem } from './problem.js';
import type { SingletonProfile } from './singletons.js';
import { CdState } from './state.js';
import { addStrongSet } from './sweeps.js';

export type { LambdaOutcome } from './outcome.js';

/**
 * The batch solver of one problem: cyclic coordinate descent over a working set (ever-active ∪
 * strong set) with a KKT check over all features, glmnet's algorithm. It picks one of three
 * algorithms on a shared state (`state.ts`: the point, working set, residual):
 *
 * - gaussian, naive residual updates, certified by a duality gap (`gaussianNaive.ts`);
 * - gaussian, covariance updates (n ≫ p) with an exact Cholesky active-set finish (`covariance.ts`);
 * - binomial, proximal Newton (IRLS) with sweeps (`binomial.ts`) and an active-set Newton finish
 *   where its cost model says it pays (`newtonFinish.ts`).
 *
 * Sweeps, strong rules and KKT screening are in `sweeps.ts`.
 */
export class Engine {
  private readonly st: CdState;
  private readonly covariance: CovarianceSolver | null = null;
  private readonly binomial: BinomialSolver | null = null;

  constructor(
    readonly problem: Problem,
    profile: SingletonProfile | null = null,
  ) {
    this.st = new CdState(problem, profile);
    if (usesCovariance(problem)) this.covariance = new CovarianceSolver(this.st);
    if (problem.family === 'binomial') this.binomial = new BinomialSolver(this.st, new NewtonFinish(this.st));
  }

  /**
   * Gives its WebAssembly memory back for the next solve in this thread: call it when done with
   * the engine (nothing of it may be read after). An engine never released is left to the garbage
   * collector, which is correct but makes V8 recompile the solver's code it had optimized.
   */
  release(): void {
    this.st.release();
  }

  /** The current point's coefficients (standardized scale). */
  get beta(): Float64Array {
    return this.st.beta;
  }

  /** The current point's intercept (standardized scale). */
  get b0(): number {
    return this.st.b0;
  }

  /** Gradient Σ W x̃_j r at the last KKT check (for sequential strong rules). */
  get grad(): Float64Array {
    return this.st.grad;
  }

  /** The design's copy in WebAssembly (sparse, naive updates), or null. */
  get sparseKernels(): WasmSparseColumns | null {
    return this.st.sparseKernels;
  }

  /** Columns visited by sweeps and gradient passes so far (a machine-independent measure of work). */
  get columnVisits(): number {
    return this.st.columnVisits;
  }

  /** Active-set Hessians built so far (binomial Newton finish). */
  get hessianBuilds(): number {
    return this.st.hessianBuilds;
  }

  /** Sets the current point (standardized scale) and puts its non-zeros in the working set. */
  setPoint(b0: number, beta: Float64Array): void {
    if (this.covariance) this.covariance.ready = false;
    this.st.setPoint(b0, beta);
  }

  /**
   * Moves the current point (the solution at the last λ) along the path: β + c (β − `before`),
   * the same for the intercept, with `before` the solution one λ earlier and c the ratio of the
   * λ steps. A coefficient at zero stays there; one that would change sign goes to zero.
   */
  predictStart(before: Float64Array, beforeB0: number, c: number): void {
    const st = this.st;
    const next = (this.predicted ??= new Float64Array(st.p));
    for (let j = 0; j < st.p; j++) {
      const b = st.beta[j]!;
      const e = b + c * (b - before[j]!);
      next[j] = e * b > 0 ? e : 0;
    }
    this.setPoint(st.b0 + c * (st.b0 - beforeB0), next);
  }

  private predicted: Float64Array | null = null;

  /** Adds a feature to the working set (no-op if present or excluded). */
  addToSet(j: number): void {
    this.st.addToSet(j);
  }

  /** Sequential strong rule (Tibshirani et al. 2012): keep j if |g_j| ≥ α pf_j (2λ − λ_prev). */
  addStrongSet(lambda: number, lambdaPrev: number): void {
    addStrongSet(this.st, lambda, lambdaPrev);
  }

  /** Binomial: focused sweeps of the quadratic models' tails (`tailSweeps.ts`); no-op otherwise. */
  set tailSweeps(on: boolean) {
    if (this.binomial) this.binomial.tailSweeps = on;
  }

  /**
   * Solves at λ from the current point; binomial to `kktTolerance` (default: the problem's), a
   * looser one for the steps of an internal path, which share
   * one sweep budget (`maxPasses`, default the problem's).
   */
  solve(lambda: number, kktTolerance?: number, maxPasses?: number): LambdaOutcome {
    if (this.binomial) return this.binomial.solve(lambda, kktTolerance, maxPasses);
    if (this.covariance) return this.covariance.solve(lambda);
    return solveGaussianNaive(this.st, lambda);
  }

  /**
   * Puts the profiled singletons' moves at λ on their columns (`singletons.ts`); from then on the
   * point is the full problem's. Returns the rows whose move was non-zero.
   */
  expandProfile(lambda: number): number {
    this.st.computeEta();
    this.st.expandProfile(lambda);
    return this.st.profiledRows;
  }

  /** Loss and penalty at the current point (standardized scale; the same objective value). */
  objective(lambda: number): { loss: number; penalty: number } {
    const st = this.st;
    const pr = this.problem;
    let pen = 0;
    for (let j = 0; j < st.p; j++) {
      const b = st.beta[j]!;
      if (b !== 0) pen += pr.pf[j]! * (pr.alpha * Math.abs(b) + ((1 - pr.alpha) / 2) * b * b);
    }
    const penalty = lambda * pen;
    if (pr.family === 'binomial') {
      // with profiled singletons (`singletons.ts`) the loss is the profiled one: it holds their penalty
      st.setProfileLambda(lambda);
      st.computeEta();
      return { loss: st.binomialObjective(0), penalty };
    }
    let r2 = 0;
    if (this.covariance?.ready) {
      const xty = this.covariance.xty;
      let bsum = 0;
      for (let j = 0; j < st.p; j++) bsum += st.beta[j]! * (xty[j]! + st.grad[j]!);
      r2 = Math.max(pr.yVar - bsum, 0);
    } else {
      for (let i = 0; i < st.n; i++) {
        const r = st.rho[i]! + st.shift;
        r2 += pr.w[i]! * r * r;
      }
    }
    return { loss: 0.5 * r2, penalty };
  }
}
