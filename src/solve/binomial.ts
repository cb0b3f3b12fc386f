import { SparseDesign } from './design.js';
import { FlatMoves } from './flatMoves.js';
import type { NewtonFinish } from './newtonFinish.js';
import type { Counts, LambdaOutcome } from './outcome.js';
import { PROFILE_REACH } from './singletons.js';
import type { CdState } from './state.js';
import { TailSweeps } from './tailSweeps.js';
import {
  columnScaleMax,
  featureViolation,
  GRADIENT_ROUNDING,
  gradientRounding,
  kktViolation,
  type Probe,
  solveWorkingSet,
  sweep,
} from './sweeps.js';

const P_FLOOR = 1e-5;
/**
 * Trust region of the quadratic model, in η: no event's working response moves further than
 * `trust` from its η (W_i raised to |y_i − p_i| / trust, at most ¼, the logistic curvature's
 * bound). It starts at TRUST_START at each λ, grows by TRUST_GROWTH after each full Newton step,
 * is lifted above TRUST_MAX (plain Newton, quadratic convergence), and halves after a damped one.
 */
const TRUST_START = 4;
const TRUST_GROWTH = 4;
const TRUST_MAX = 300;
/** …beyond an absolute floor of KKT_FLOOR · sd(y), the rounding level of a gradient. */
const KKT_FLOOR = GRADIENT_ROUNDING;
/** The inner threshold aims at this fraction of the KKT tolerance… */
const KKT_MARGIN = 0.3;
/** …and each quadratic model at cutting the KKT violation it starts from by this factor. */
const FORCING = 0.1;
/** Binomial steps with max h·Δ² below this · var(y) skip the objective's safeguard evaluation. */
const SMALL_STEP = 1e-12;

/** Sweeps between exact KKT checks in a quadratic model expected to meet the tolerance (`probe`). */
const PROBE_EVERY = 10;
/**
 * Between two such checks that fail, the features that moved by more than HOT_SHARE of the largest
 * move are swept alone (at most HOT_PASSES sweeps), when they are at most HOT_MAX of the working
 * set: the sweeps' tail crawls along a few near-collinear rare ids while the rest stay put.
 */
const HOT_SHARE = 1e-2;
const HOT_MAX = 0.1;
const HOT_PASSES = 100;
/** After this many batches of hot sweeps that ran out of passes, none more in the quadratic model. */
const HOT_STALLS = 1;

/**
 * Tail sweeps (`tailSweeps`) run in solves to a KKT tolerance of at least this, in quadratic models
 * whose threshold is at least SMALL_STEP · var(y): at 1e-4 the last models' thresholds near
 * rounding, where the sweeps stall, and there they cost more than they saved (warm refit of the
 * bench's window, λ = 0.001: 217–269 sweeps against 177; bench/results/warm-s23.md).
 */
const TAIL_KKT = 1e-3;

/** `BinomialSolver.entryRounds`' default. */
const ENTRY_ROUNDS = 2;

/** Binomial: Newton finishes tried whenever they pay against all the sweeps so far at this λ. */
const POLISH_TRIES_BINOMIAL = 3;

/** Features drift (`flatMove`) when their last two Newton steps have a ratio within this and its inverse… */
const DRIFT_RATIO = 0.5;
/** …and a step of at least this share of the largest step's. */
const DRIFT_SHARE = 0.01;

/**
 * …and the non-zero features whose KKT violation is above this share of the largest, once that is
 * below SEED_BELOW (a flat direction's slope is ~1/n of λ; far from the optimum every feature violates).
 */
const SEED_SHARE = 0.1;
const SEED_BELOW = 1e-3;

/** Zeros of the working set are pruned when they are more than this share of it… */
const PRUNE_SHARE = 0.25;
/** …those whose gradient is below this fraction of their threshold. */
const PRUNE_FRACTION = 0.5;

/** The outcome of a binomial solve that met its KKT tolerance (no duality gap is computed). */
function binomialConverged(counts: Counts, outer: number): LambdaOutcome {
  return {
    converged: true,
    passes: counts.passes,
    kktChecks: counts.kkt,
    outerIterations: outer,
    dualGap: NaN,
  };
}

/**
 * Every PROBE_EVERY sweeps of a quadratic model: the sweeps of the few features that moved most
 * (`hotSweeps`); in a model expected to meet the tolerance (`certify`), also the exact KKT check:
 * η at the sweeps' point, its objective (not above the Newton iteration's start) and the exact
 * gradient of every feature (about one sweep's work).
 */
class KktProbe implements Probe {
  next = Infinity;
  /**
   * With tail sweeps (`BinomialSolver.tailSweeps`), in a model expected to meet the tolerance: the
   * exact check also runs when the sweeps converge, before the check of the working set (which
   * the exact one, if it certifies, makes needless). Without the tails' crawl, the sweeps
   * converged before the check every PROBE_EVERY sweeps would certify, and each check of the
   * working set then found a few features just above their thresholds: refit window,
   * λ = 0.005, 12 checks against 5 on main; with this 5.
   */
  atConvergence = false;
  /** Whether the sweeps stopped at a point that meets the tolerance (η current there). */
  certified = false;
  // doubles from the start (NaN, then 0 in the constructor): see `CdState.b0`
  private lambda = Number.NaN;
  private scaleVar = Number.NaN;
  private kktTolerance = Number.NaN;
  private objective = NaN;
  private thr = Number.NaN;
  /** Whether the checks are exact KKT checks (else only the hot features' sweeps run). */
  private certify = true;
  /** Batches of the hot features' sweeps that ran out of passes in this quadratic model. */
  private hotStalls = 0;
  private counts: Counts = { passes: 0, kkt: 0 };
  /** β at the last check (NaN in [0] before the first of a quadratic model), and the set's copy. */
  private readonly lastBeta: Float64Array;
  private readonly fullSet: Int32Array;
  private readonly hotSet: Int32Array;

  constructor(
    private readonly st: CdState,
    private readonly eta: () => void,
    private readonly violation: (lambda: number, scaleVar: number, counts: Counts) => number,
  ) {
    this.lambda = 0;
    this.scaleVar = 0;
    this.kktTolerance = 0;
    this.thr = 0;
    this.lastBeta = new Float64Array(st.p);
    this.fullSet = new Int32Array(st.p);
    this.hotSet = new Int32Array(st.p);
  }

  arm(
    passes: number,
    lambda: number,
    scaleVar: number,
    kktTolerance: number,
    objective: number,
    thr: number,
    counts: Counts,
    certify: boolean,
  ): void {
    this.certify = certify;
    this.next = passes + PROBE_EVERY;
    this.certified = false;
    this.thr = thr;
    this.hotStalls = 0;
    this.lastBeta[0] = NaN;
    this.lambda = lambda;
    this.scaleVar = scaleVar;
    this.kktTolerance = kktTolerance;
    this.objective = objective;
    this.counts = counts;
  }

  stop(): boolean {
    this.next = this.counts.passes + PROBE_EVERY;
    if (!this.certify) {
      this.hotSweeps();
      return false;
    }
    this.eta();
    const obj = this.objective;
    if (!(this.st.binomialObjective(this.lambda) - obj <= 1e-12 * Math.abs(obj))) return false;
    this.certified = this.violation(this.lambda, this.scaleVar, this.counts) <= this.kktTolerance;
    if (this.certified || !this.hotSweeps()) return this.certified;
    this.eta();
    if (!(this.st.binomialObjective(this.lambda) - obj <= 1e-12 * Math.abs(obj))) return false;
    this.certified = this.violation(this.lambda, this.scaleVar, this.counts) <= this.kktTolerance;
    return this.certified;
  }

  /**
   * Sweeps the features that moved most since the last check alone (`HOT_SHARE`), when they are
   * few; returns whether any sweep ran. Each sweep lowers the same quadratic model, so the point
   * stays a descent of it; the caller's exact check certifies it.
   */
  private hotSweeps(): boolean {
    const st = this.st;
    const { beta, set } = st;
    const last = this.lastBeta;
    const size = st.setSize;
    const first = Number.isNaN(last[0]!);
    let largest = 0;
    for (let k = 0; !first && k < size; k++) {
      const d = Math.abs(beta[set[k]!]! - last[set[k]!]!);
      if (d > largest) largest = d;
    }
    const hotSet = this.hotSet;
    let hot = 0;
    for (let k = 0; largest > 0 && k < size; k++) {
      const j = set[k]!;
      if (Math.abs(beta[j]! - last[j]!) > HOT_SHARE * largest) hotSet[hot++] = j;
    }
    if (this.hotStalls >= HOT_STALLS || hot === 0 || hot > HOT_MAX * size) {
      last.set(beta);
      return false;
    }
    // the working set's first `hot` entries stand for it during these sweeps, then it is restored
    const full = this.fullSet;
    full.set(set.subarray(0, size));
    set.set(hotSet.subarray(0, hot));
    st.setSize = hot;
    let pass = 0;
    while (pass < HOT_PASSES && sweep(st, this.lambda) >= this.thr) pass++;
    // still moving after HOT_PASSES: a flat direction (flat moves), not a tail that ends; their moves
    // would only keep the sweeps from their stall stop (window from 6,000, λ = 0.001: 419 sweeps
    // against 200 with HOT_STALLS 1, 521 with 3)
    if (pass === HOT_PASSES) this.hotStalls++;
    set.set(full.subarray(0, size));
    st.setSize = size;
    last.set(beta);
    return true;
  }
}

/**
 * Binomial: a proximal Newton (IRLS) loop sets W and z from the current fit and solves the
 * penalized weighted least-squares problem by sweeps until the Newton step vanishes and the KKT
 * conditions hold to `kktTolerance`; the Newton finish (`newtonFinish.ts`) replaces the tail of
 * the sweeps where its cost model says it pays.
 */
export class BinomialSolver {
  /** The working residual (y − p)/v at the start of an outer iteration, and η there. */
  private readonly rhoStart: Float64Array;
  private readonly etaOuter: Float64Array;
  /** w (y − p) at the current point, for the exact KKT check. */
  private readonly resid: Float64Array;
  /** The features that drift (`flatMove`). */
  private readonly driftCols: Int32Array;
  private readonly flat: FlatMoves;
  /** Each feature's change in the last Newton step. */
  private readonly previousStep: Float64Array;
  private readonly probe: KktProbe;
  /**
   * In a quadratic model not expected to meet the tolerance, the KKT checks of the working set
   * that find violators stop after this many (the last ones join it unswept; the next Newton step
   * starts from an exact gradient of every feature, which certifies or goes on). After a window
   * shift every full sweep lets a few more features violate (the moves of those that entered),
   * and each of them cost a check of every column: warm start on the bench's window at λ = 0.001,
   * KKT 1e-2, 27 checks in its first Newton iteration, 58 in all (with 2: 22). Infinity: every
   * model completes its working set (for tests and comparisons).
   */
  entryRounds = ENTRY_ROUNDS;
  /** Focused sweeps of the quadratic models' tails (`tailSweeps.ts`), or null (off). */
  private tail: TailSweeps | null = null;
  /**
   * The point (β, b0) at which `grad` was last computed exactly, with that gradient's Σ w (y − p);
   * `gradB0` is NaN when `grad` may have been overwritten since (sweeps, Newton finishes).
   */
  private readonly gradBeta: Float64Array;
  private gradB0 = NaN;
  private gradSumR = Number.NaN; // a double from the start (0 in the constructor): see `CdState.b0`

  constructor(
    private readonly st: CdState,
    private readonly newton: NewtonFinish,
  ) {
    this.gradSumR = 0;
    this.rhoStart = new Float64Array(st.n);
    this.etaOuter = new Float64Array(st.n);
    this.resid = new Float64Array(st.n);
    this.flat = new FlatMoves(st);
    this.driftCols = new Int32Array(st.p);
    this.previousStep = new Float64Array(st.p);
    this.gradBeta = new Float64Array(st.p);
    this.probe = new KktProbe(
      st,
      () => this.currentEta(),
      (lambda, scaleVar, counts) => {
        this.exactViolation(lambda, scaleVar, counts);
        return this.certViolation;
      },
    );
  }

  /**
   * Turns the tail sweeps on or off (`tailSweeps.ts`; from a previous refit's fit: TAIL_KKT; in a
   * model expected to meet the tolerance, with the exact check at convergence: `KktProbe`).
   */
  set tailSweeps(on: boolean) {
    this.tail = on ? (this.tail ?? new TailSweeps(this.st)) : null;
  }

  /**
   * Drops zeros far from entering from the working set (`CdState.pruneSet`) when they are a
   * sizeable part of it: the strong set of a cold start far below λ_max holds every feature.
   */
  private prune(lambda: number): void {
    const st = this.st;
    const { pf, alpha } = st.problem;
    let zeros = 0;
    for (let k = 0; k < st.setSize; k++) {
      const j = st.set[k]!;
      if (st.beta[j] === 0 && pf[j]! > 0) zeros++;
    }
    if (zeros > PRUNE_SHARE * st.setSize) st.pruneSet(lambda * alpha, PRUNE_FRACTION);
  }

  /**
   * The largest KKT violation at the current point (η current) from the exact gradient of every
   * feature, which it leaves in `grad`.
   */
  private exactViolation(lambda: number, scaleVar: number, counts: Counts): number {
    const st = this.st;
    const { y, w } = st.problem;
    const resid = this.resid;
    const clip = st.clip;
    for (let i = 0; i < st.n; i++) {
      const e = st.eta[i]!;
      const q = Math.exp(-Math.abs(e));
      const pi = e >= 0 ? 1 / (1 + q) : q / (1 + q);
      const r = y[i]! - pi;
      // a profiled row's residual is clipped to ±t where its singletons move (`singletons.ts`)
      const u = clip !== null && clip[i]! < Infinity ? st.profiledMove(i, e, r) : 0;
      resid[i] = w[i]! * (u === 0 ? r : u > 0 ? clip![i]! : -clip![i]!);
    }
    st.fullGradient(resid);
    counts.kkt++;
    let sumR = 0;
    let absR = 0;
    for (let i = 0; i < st.n; i++) {
      sumR += resid[i]!;
      absR += Math.abs(resid[i]!);
    }
    // |y − p| ≤ 1 (a clip too): rms(y − p) ≤ √(Σ w |y − p|)
    this.gradRounding = gradientRounding(st.n, Math.sqrt(absR));
    this.gradBeta.set(st.beta);
    this.gradB0 = st.b0;
    this.gradSumR = sumR;
    return this.violationFromGrad(lambda, scaleVar);
  }

  /**
   * The largest KKT violation from `grad` and `gradSumR`, both exact at the current point, with
   * centred gradients (it sets the inexact Newton steps' thresholds); `certViolation` also takes
   * the columns as stored (`violations`), as a certificate must.
   */
  private violationFromGrad(lambda: number, scaleVar: number): number {
    const st = this.st;
    const floor = KKT_FLOOR * Math.sqrt(scaleVar);
    const rounding = this.gradRounding > 0 ? this.gradRounding : 0;
    // the intercept's stationarity Σ w (y − p) = 0 too, relative to λα (absolute when λα ≥ 1)
    const l1 = lambda * st.problem.alpha;
    const intercept =
      Math.max(0, Math.abs(this.gradSumR) - Math.max(floor, rounding)) / (l1 > 0 && l1 < 1 ? l1 : 1);
    const raw = this.gradSumR !== 0 && this.rawCertificate;
    const violation = Math.max(
      intercept,
      raw ? this.violations(lambda, floor, rounding) : kktViolation(st, lambda, floor, rounding),
    );
    this.certViolation = raw ? Math.max(violation, this.rawWorst) : violation;
    return violation;
  }

  /** The violation that certifies (`violationFromGrad`), at the last exact gradient. */
  private certViolation = Infinity;
  /** `gradientRounding` of the last exact gradient's residuals. */
  private gradRounding = Number.NaN;
  /**
   * Whether `certViolation` takes the columns as stored: in solves to the problem's own tolerance
   * (the fit returned), not in the looser steps of an internal path (with them, a cold fit at
   * λ = 0.001, KKT 1e-4 on the bench's refit window took 263 sweeps against 215).
   */
  private rawCertificate = true;

  /** The columns as stored' violation (`violations`); a double from the start (`solverHiddenClass.test.ts`). */
  private rawWorst = -Infinity;

  /**
   * `kktViolation`, and in the same pass (into `rawWorst`) that of the gradients of the columns as
   * stored, Σ x_j w (y − p) / s_j (`checkKkt`'s, which a certificate must imply): `grad` (centred)
   * + m_j / s_j Σ w (y − p). Where the intercept's residual is not 0 they differ by m_j / s_j of it
   * (up to 1e-2 of λ at a refit's tolerance): on the test refit window at λ = 0.005, KKT 1e-2, from
   * the online start, the certificate held with centred gradients and failed from scratch at
   * 1.011e-2 (test/solve/rawCertificate.test.ts).
   */
  private violations(lambda: number, floor: number, rounding: number): number {
    const st = this.st;
    const { excluded, pf, alpha, mean, scale } = st.problem;
    const { grad, beta } = st;
    const l1 = lambda * alpha;
    const l2 = lambda * (1 - alpha);
    const sumR = this.gradSumR;
    const scales = rounding * columnScaleMax(st) > floor ? st.roundingScales() : null;
    let worst = 0;
    let raw = 0;
    for (let j = 0; j < st.p; j++) {
      if (excluded[j]) continue;
      const g = grad[j]!;
      const b = beta[j]!;
      const t = l1 * pf[j]!;
      const gRaw = g + (mean[j]! / scale[j]!) * sumR;
      // at zero, `featureViolation` is above 0 (the least `worst` and `raw` hold) only where
      // |g| − t > floor: the other zeros, most columns, skip it (the same maxima)
      if (b === 0 && !(Math.abs(g) - t > floor) && !(Math.abs(gRaw) - t > floor)) continue;
      const ridge = l2 * pf[j]! * b;
      const level = scales === null ? floor : Math.max(floor, rounding * scales[j]!);
      const rel = featureViolation(g, b, t, ridge, level);
      if (rel > worst) worst = rel;
      const relRaw = featureViolation(gRaw, b, t, ridge, level);
      if (relRaw > raw) raw = relRaw;
    }
    this.rawWorst = raw;
    return worst;
  }

  /**
   * The violation at the start of a solve: from `grad` when it is exact at this very point (the
   * previous λ's certificate, down a path), else `exactViolation` (one product with the design).
   */
  private startViolation(lambda: number, scaleVar: number, counts: Counts): number {
    const st = this.st;
    let same = st.b0 === this.gradB0;
    const beta = st.beta;
    const at = this.gradBeta;
    for (let j = 0; same && j < st.p; j++) same = beta[j] === at[j];
    return same ? this.violationFromGrad(lambda, scaleVar) : this.exactViolation(lambda, scaleVar, counts);
  }

  solve(
    lambda: number,
    kktTolerance = this.st.problem.kktTolerance,
    maxPasses = this.st.problem.maxPasses,
  ): LambdaOutcome {
    const st = this.st;
    const pr = st.problem;
    const { y, w } = pr;
    const scaleVar = pr.yVar > 0 ? pr.yVar : 0.25;
    // Newton converges quadratically, so a tight threshold costs one or two more iterations; the
    // KKT residual of the result scales with sqrt(thr), hence the extra factor.
    // The threshold starts at tolerance · var(y) and is tightened until the KKT conditions hold
    // to kktTolerance of each feature's threshold λ α pf_j (which shrinks with λ).
    let thr = pr.tolerance * scaleVar;
    const counts = { passes: 0, kkt: 0 };
    this.rawCertificate = kktTolerance <= pr.kktTolerance;
    const tails = this.tail !== null && kktTolerance >= TAIL_KKT;
    st.setProfileLambda(lambda);
    this.newton.steps = 0;
    this.newton.kktTolerance = kktTolerance;
    this.previousStep.fill(0);
    st.computeEta();
    // the objective at the current point, NaN when not evaluated (each outer iteration computes
    // it with its weights, sharing their exponentials; `newtonPolish` computes it when NaN)
    let obj = NaN;
    let outer = 0;
    // inexact Newton: early quadratic models are solved loosely, the threshold follows the step
    let innerThr = Math.max(thr, 1e-8 * scaleVar);
    // The first POLISH_TRIES_BINOMIAL Newton finishes are tried whenever they pay against the sweeps
    // so far; later ones once the sweeps since the last try have cost as much as another try (ski
    // rental: the Newton work stays below the sweeps'). A fixed number of tries left ill-conditioned
    // fits (collinear columns at small λ) to tens of thousands of sweeps once the support settled.
    const polish = pr.activeSetSolve !== false;
    let tries = 0;
    let lastTry = -1;
    const polishPays = (): boolean =>
      polish &&
      (tries < POLISH_TRIES_BINOMIAL
        ? this.newton.pays(counts.passes)
        : this.newton.pays(counts.passes - lastTry, false));
    // Down a path the support rarely changes between neighbouring λ: Newton steps on the warm
    // start's active set usually reach the optimum before any sweep (the exact gradient of every
    // feature then confirms it; otherwise the sweeps below go on from a better point). Only where
    // the active set's Hessian is cheap next to the sweeps it saves (`newtonPays`).
    if (polishPays()) {
      tries++;
      lastTry = counts.passes;
      this.gradB0 = NaN;
      if (this.newton.polish(lambda, scaleVar, obj)) {
        // the usual case down a path: Newton on the warm start's support is the optimum, which
        // the gradient of every feature (one product with the design) confirms
        if (this.newton.converged && this.newton.confirm(lambda, scaleVar, counts)) {
          return binomialConverged(counts, this.newton.steps);
        }
        // dense designs: the features that want in enter with the sign of their gradient, and
        // Newton goes on on the larger active set (sweeps over dense columns cost more)
        if (
          this.newton.converged &&
          this.newton.enter(lambda, scaleVar) > 0 &&
          this.newton.polish(lambda, scaleVar, NaN, true) &&
          this.newton.converged &&
          this.newton.confirm(lambda, scaleVar, counts)
        ) {
          return binomialConverged(counts, this.newton.steps);
        }
      }
    }
    // The start may already be the optimum (a warm start from a solution on nearly the same data,
    // a λ next to the previous one); otherwise its violation sets how loosely the first quadratic
    // model is solved (inexact Newton: each model is solved to FORCING of the violation it starts from).
    const l1 = lambda * pr.alpha;
    let previousViolation = Infinity;
    /** The violation when the sweeps' threshold went below rounding (NaN: it did not). */
    let stalledAt = NaN;
    let trust = TRUST_START;
    if (l1 > 0) {
      const v0 = this.startViolation(lambda, scaleVar, counts);
      previousViolation = v0;
      if (this.certViolation <= kktTolerance) return binomialConverged(counts, this.newton.steps);
      innerThr = Math.max(thr, Math.min(1e-4 * scaleVar, 4 * (FORCING * v0 * l1) ** 2));
    }
    while (outer < pr.maxOuter) {
      outer++;
      // working response: W = w p(1−p) (floored, and raised where the step would leave the trust
      // region), r = w (y − p) / W; and the loss here, from the same exponentials. Any W > 0
      // keeps W r = w (y − p): the same gradient, so the same fixed point (the optimum).
      const W = st.W;
      const clip = st.clip;
      let loss = 0;
      for (let i = 0; i < st.n; i++) {
        const e = st.eta[i]!;
        const q = Math.exp(-Math.abs(e)); // e^−|η|
        const pi = e >= 0 ? 1 / (1 + q) : q / (1 + q);
        let r = y[i]! - pi;
        let v0: number;
        const u = clip !== null && clip[i]! < Infinity ? st.profiledMove(i, e, r) : 0;
        if (u === 0) {
          v0 = Math.max(pi * (1 - pi), P_FLOOR);
          loss += w[i]! * ((e > 0 ? e : 0) + Math.log1p(q) - y[i]! * e);
        } else {
          // a profiled row whose singletons move (`singletons.ts`): residual ±t (PROFILE_REACH)
          const t = clip![i]!;
          r = u > 0 ? t : -t;
          v0 = Math.max(t / (Math.abs(u) + PROFILE_REACH), P_FLOOR);
          loss += w[i]! * st.profiledLoss(i, u);
        }
        const v = trust < Infinity ? Math.max(v0, Math.min(0.25, Math.abs(r) / trust)) : v0;
        W[i] = w[i]! * v;
        st.rho[i] = r / v;
      }
      obj = loss + lambda * st.binomialPenalty();
      this.rhoStart.set(st.rho);
      this.etaOuter.set(st.eta);
      st.shift = 0;
      st.stampNo++;
      st.refreshSums();
      st.betaOld.set(st.beta);
      const b0Old = st.b0;
      const usedThr = innerThr;
      // Ill-conditioned quadratic models (collinear columns) take the sweeps thousands of passes:
      // they pause once they have cost another Newton finish, which is then tried (below).
      const pause = polish ? counts.passes + Math.ceil(this.newton.costInSweeps()) : Infinity;
      // When this quadratic model should bring the violation below the tolerance, the sweeps stop
      // as soon as the point is certified (`probe`), not when the model is solved: on
      // ill-conditioned models the sweeps' tail crawls long after the KKT conditions hold.
      const last = FORCING * previousViolation < kktTolerance;
      this.probe.arm(counts.passes, lambda, scaleVar, kktTolerance, obj, usedThr, counts, last);
      this.probe.atConvergence = tails && last;
      this.gradB0 = NaN;
      // A model not expected to meet the tolerance is solved loosely (FORCING): its working set
      // need not be complete either (`entryRounds`).
      const rounds = last ? Infinity : this.entryRounds;
      const ok = solveWorkingSet(
        st,
        lambda,
        usedThr,
        Math.min(maxPasses, pause),
        counts,
        this.probe,
        false,
        rounds,
        0,
        tails && usedThr >= SMALL_STEP * scaleVar ? this.tail : null,
      );
      if (last && this.probe.certified) return binomialConverged(counts, outer + this.newton.steps);
      if (!ok && counts.passes >= maxPasses) {
        return {
          converged: false,
          passes: counts.passes,
          kktChecks: counts.kkt,
          outerIterations: outer + this.newton.steps,
          dualGap: NaN,
          reason: `no convergence within ${pr.maxPasses} coordinate sweeps`,
        };
      }
      this.currentEta();
      const stepChange = this.stepChange(b0Old);
      // Safeguard: backtrack along the Newton direction if the objective went up (η is linear
      // in the step, so it halves with it). A step this small is a descent step to rounding of
      // the objective: it is taken without evaluating it (most iterations of the KKT tightening).
      const unchecked = stepChange < SMALL_STEP * scaleVar;
      let objNew = unchecked ? NaN : st.binomialObjective(lambda);
      let t = 1;
      // (a NaN objective is not a descent either)
      while (!unchecked && !(objNew - obj <= 1e-12 * Math.abs(obj)) && t > 1e-10) {
        t /= 2;
        for (let k = 0; k < st.setSize; k++) {
          const j = st.set[k]!;
          st.beta[j] = st.betaOld[j]! + 0.5 * (st.beta[j]! - st.betaOld[j]!);
        }
        st.b0 = b0Old + 0.5 * (st.b0 - b0Old);
        const eta = st.eta;
        const etaOuter = this.etaOuter;
        for (let i = 0; i < st.n; i++) eta[i] = etaOuter[i]! + 0.5 * (eta[i]! - etaOuter[i]!);
        objNew = st.binomialObjective(lambda);
      }
      const change = t === 1 ? stepChange : this.stepChange(b0Old);
      // the trust region grows after a full step and shrinks after a damped one
      if (t === 1) trust = trust * TRUST_GROWTH > TRUST_MAX ? Infinity : trust * TRUST_GROWTH;
      else trust = Math.max(1, Math.min(trust, TRUST_START) / 2);
      obj = objNew;
      // After a proximal Newton step has settled the support, finish on the active set with
      // Newton steps (quadratic convergence instead of ever tighter sweeps); `confirmNewton`
      // checks the KKT conditions of every feature, else the sweeps go on.
      if (polishPays()) {
        tries++;
        lastTry = counts.passes;
        this.gradB0 = NaN;
        if (this.newton.polish(lambda, scaleVar, obj)) {
          if (this.newton.converged && this.newton.confirm(lambda, scaleVar, counts)) {
            return binomialConverged(counts, outer + this.newton.steps);
          }
          innerThr = thr;
          continue;
        }
      }
      // The exact gradient of every feature at the new point (one product with the design)
      // certifies it as soon as the KKT conditions hold to the tolerance asked for, however
      // loosely the quadratic model was solved: the stopping rule follows `kktTolerance`.
      // Relative to each threshold, with an absolute floor at rounding level of the gradients.
      let violation = this.exactViolation(lambda, scaleVar, counts);
      if (this.certViolation <= kktTolerance) return binomialConverged(counts, outer + this.newton.steps);
      // features on a flat direction (they violate their KKT conditions, or drift: the same move in
      // two Newton steps) are moved straight to its end
      const seeds = violation < SEED_BELOW ? Math.max(kktTolerance, SEED_SHARE * violation) : Infinity;
      if (this.flatMove(lambda, t === 1, seeds)) {
        violation = this.exactViolation(lambda, scaleVar, counts);
        if (this.certViolation <= kktTolerance) return binomialConverged(counts, outer + this.newton.steps);
      }
      previousViolation = violation;
      // features at zero far inside their thresholds leave the working set (sweeps skip them)
      this.prune(lambda);
      // Inexact Newton: the next quadratic model is solved to a threshold that should cut the
      // violation it starts from by FORCING, and no further than the KKT target needs. The
      // threshold follows the violation measured now, not the last threshold: far from the
      // optimum the violation after a step is the model's error, which tighter sweeps do not cut.
      innerThr = this.forcedThreshold(violation, kktTolerance, l1, thr, scaleVar);
      if (change < thr && usedThr === thr) {
        // the violation scales like sqrt(thr): jump straight to the threshold that should meet it
        thr *= Math.max(1e-10, Math.min(1e-2, 0.01 * (kktTolerance / violation) ** 2));
        innerThr = thr;
        if (thr < 1e-30 * scaleVar) {
          // below rounding: more sweeps cannot help
          stalledAt = violation;
          break;
        }
      }
    }
    return {
      converged: false,
      passes: counts.passes,
      kktChecks: counts.kkt,
      outerIterations: outer + this.newton.steps,
      dualGap: NaN,
      reason: Number.isNaN(stalledAt)
        ? `no convergence within ${pr.maxOuter} Newton iterations`
        : `the KKT violation stalls at ${stalledAt.toPrecision(3)} of the threshold: the coordinate sweeps reached rounding level (columns of very different sizes without standardize?)`,
    };
  }

  /**
   * Flat moves (`flatMoves.ts`) seeded by the non-zero features whose KKT violation (from `grad`,
   * exact here) is above `seedViolation` of their threshold (sparse designs), and by those that drift: moved by
   * about the same amount in the same direction in the last two Newton steps (`DRIFT_RATIO`), by
   * at least `DRIFT_SHARE` of the largest move, after a full Newton step (a damped one is no
   * drift). A flat direction's features violate their KKT conditions by its slope: seeding by
   * drift alone found them only when they happened to drift in two steps in a row.
   * Returns whether the point moved (η is then current).
   */
  private flatMove(lambda: number, full: boolean, seedViolation: number): boolean {
    const st = this.st;
    const { driftCols, previousStep } = this;
    const { pf, alpha } = st.problem;
    const l1 = lambda * alpha;
    const l2 = lambda * (1 - alpha);
    const sparse = st.problem.x instanceof SparseDesign;
    let largest = 0;
    for (let k = 0; k < st.setSize; k++) {
      const j = st.set[k]!;
      const d = Math.abs(st.beta[j]! - st.betaOld[j]!);
      if (d > largest) largest = d;
    }
    let count = 0;
    for (let k = 0; k < st.setSize; k++) {
      const j = st.set[k]!;
      const b = st.beta[j]!;
      const d = b - st.betaOld[j]!;
      const before = previousStep[j]!;
      previousStep[j] = d;
      if (b === 0) continue;
      // the non-zero features that violate their KKT conditions (`grad` is exact here; sparse
      // designs: rare ids' columns are where flat directions arise)…
      const t = l1 * pf[j]!;
      if (sparse && t > 0 && Math.abs(st.grad[j]! - l2 * pf[j]! * b - (b > 0 ? t : -t)) > seedViolation * t) {
        driftCols[count++] = j;
        continue;
      }
      // …and those that drift
      if (!full || Math.abs(d) < DRIFT_SHARE * largest) continue;
      if (d / before >= DRIFT_RATIO && d / before <= 1 / DRIFT_RATIO) driftCols[count++] = j;
    }
    if (count < 1) return false;
    const moves = this.flat.moves;
    this.flat.move(lambda, driftCols, count, st.binomialObjective(lambda));
    return this.flat.moves > moves;
  }

  /**
   * The sweeps' threshold for a quadratic model that starts at KKT violation `violation`: the
   * violation the sweeps leave is about sqrt(threshold) / (2 λα), aimed at FORCING of the start's,
   * or KKT_MARGIN of the tolerance; never below `floor`, never above 1e-4 · var(y).
   */
  private forcedThreshold(
    violation: number,
    kktTolerance: number,
    l1: number,
    floor: number,
    scaleVar: number,
  ): number {
    const target = Math.max(KKT_MARGIN * kktTolerance, FORCING * violation);
    return Math.max(floor, Math.min(1e-4 * scaleVar, 4 * (target * l1) ** 2));
  }

  /**
   * η at the current point from the sweeps' residual: they keep r = z − η with
   * z = η_outer + (y − p)/v, so η = η_outer + ρ_start − r, in O(n) instead of a product with the design.
   */
  private currentEta(): void {
    const st = this.st;
    const { eta, rho, shift } = st;
    const { rhoStart, etaOuter } = this;
    for (let i = 0; i < st.n; i++) eta[i] = etaOuter[i]! + rhoStart[i]! - (rho[i]! + shift);
  }

  /** The largest h·Δ² of the step from `betaOld` and `b0Old` (the intercept's weight is Σ W). */
  private stepChange(b0Old: number): number {
    const st = this.st;
    let change = st.sumW * (st.b0 - b0Old) ** 2;
    for (let k = 0; k < st.setSize; k++) {
      const j = st.set[k]!;
      const d = st.beta[j]! - st.betaOld[j]!;
      const c = st.h[j]! * d * d;
      if (c > change) change = c;
    }
    return change;
  }
}
