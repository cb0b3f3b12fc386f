/** How one λ went: the counts a caller can assert on, and whether it truly converged. */
export interface LambdaOutcome {
  readonly converged: boolean;
  /** Coordinate sweeps over the working set. */
  readonly passes: number;
  /** Full gradient passes over all features (KKT checks). */
  readonly kktChecks: number;
  /** Newton iterations: proximal Newton (IRLS) steps plus active-set Newton steps; 1 for gaussian. */
  readonly outerIterations: number;
  /** Gaussian: the final duality gap (absolute); NaN when not computed. */
  readonly dualGap: number;
  /** Why it did not converge, when it did not. */
  readonly reason?: string;
}

/** Sweep and KKT-check counts of one λ, shared by the loops that run at it. */
export interface Counts {
  passes: number;
  kkt: number;
}
