/**
 * Coordinate descent's gather and scatter on a sparse design in WebAssembly (see
 * columnDots.wat): Σ_i x_ij ρ_i and ρ += a·x_j over column j's stored entries, about 3–4× the
 * JavaScript loops (no bounds checks on the scattered accesses), with the same summation order,
 * so results are bit-identical.
 *
 * The residual ρ and the weights w live in the instance's linear memory: `rho` and `w` are views
 * on them that the solver uses as its vectors everywhere; so do the per-feature arrays of a whole
 * sweep (`sweep`: the coefficients, curvatures, weighted column sums and the working set), which
 * the solver adopts as its own. The design's row indices and values are copied once, and the
 * column means, scales and penalty factors by `setFeatures`.
 */
import type { SparseDesign } from '../design.js';
import { instantiateKernels, releaseKernels, WASM_DESIGN_MAX_BYTES, type LinearMemory } from './instance.js';

interface Kernels {
  readonly memory: LinearMemory;
  sparseDot(start: number, end: number, ri: number, vals: number, rho: number): number;
  sparseAxpy(start: number, end: number, ri: number, vals: number, rho: number, a: number): void;
  sparseDot2(start: number, end: number, ri: number, vals: number, w: number, rho: number): number;
  sparseCenteredSquares(
    start: number,
    end: number,
    ri: number,
    vals: number,
    w: number,
    m: number,
    init: number,
  ): number;
  sparseDotsAll(
    p: number,
    cs: number,
    ri: number,
    vals: number,
    w: number,
    rho: number,
    weighted: number,
    out: number,
  ): void;
  sparseGradients(
    p: number,
    cs: number,
    ri: number,
    vals: number,
    w: number,
    rho: number,
    mode: number,
    colW: number,
    mean: number,
    scale: number,
    pf: number,
    out: number,
    list: number,
    c: number,
    shift: number,
    centre: number,
    l1: number,
  ): number;
  sparseSweep(
    set: number,
    count: number,
    cs: number,
    ri: number,
    vals: number,
    w: number,
    rho: number,
    beta: number,
    h: number,
    colW: number,
    mean: number,
    scale: number,
    pf: number,
    state: number,
    c: number,
    l1: number,
    l2: number,
    sumW: number,
  ): number;
  sparseSweepInverse(
    set: number,
    count: number,
    cs: number,
    ri: number,
    vals: number,
    w: number,
    rho: number,
    beta: number,
    h: number,
    colW: number,
    mean: number,
    iscale: number,
    pf: number,
    state: number,
    ih: number,
    c: number,
    l1: number,
    sumW: number,
  ): number;
  rareScan(
    list: number,
    from: number,
    count: number,
    cs: number,
    ri: number,
    vals: number,
    gap: number,
    coef: number,
    pf: number,
    scale: number,
    out: number,
    c0: number,
    la: number,
    l2c: number,
    tol: number,
  ): number;
}

/** Byte offsets of the per-feature arrays of a sweep in linear memory. */
interface FeatureLayout {
  readonly colStart: number;
  readonly set: number;
  readonly active: number;
  readonly beta: number;
  readonly h: number;
  readonly colW: number;
  readonly mean: number;
  readonly scale: number;
  readonly pf: number;
  readonly out: number;
  readonly invScale: number;
  readonly invH: number;
  readonly state: number;
  readonly rareList: number;
  readonly rareCoef: number;
  readonly candidates: number;
  readonly end: number;
}

function featureLayout(at: number, p: number): FeatureLayout {
  const i32 = Math.ceil(((p + 1) * 4) / 8) * 8;
  const f64 = p * 8;
  const colStart = at;
  const set = colStart + i32;
  const active = set + i32;
  const beta = active + i32;
  const h = beta + f64;
  const colW = h + f64;
  const mean = colW + f64;
  const scale = mean + f64;
  const pf = scale + f64;
  const out = pf + f64;
  const invScale = out + f64;
  const invH = invScale + f64;
  const state = invH + f64;
  const rareList = state + 16;
  const rareCoef = rareList + i32;
  return {
    colStart,
    set,
    active,
    beta,
    h,
    colW,
    mean,
    scale,
    pf,
    out,
    invScale,
    invH,
    state,
    rareList,
    rareCoef,
    candidates: rareCoef + f64,
    end: rareCoef + f64 + i32,
  };
}

/** The scalars a sweep reads and updates: the residual's shift and Σ w ρ. */
export interface SweepSums {
  shift: number;
  sumWrho: number;
}

export class WasmSparseColumns {
  /** The residual vector (n entries) the kernels read and update. */
  readonly rho: Float64Array;
  /** Observation weights (n entries) for `dotWeighted`. */
  readonly w: Float64Array;
  /** The coefficients, curvatures h_j and weighted column sums Σ w x_j the sweeps read (p entries). */
  readonly beta: Float64Array;
  readonly h: Float64Array;
  readonly colW: Float64Array;
  /** The working set the sweeps visit (p entries; the first `count` of a sweep are used). */
  readonly set: Int32Array;
  /** A second list of features for sweeps over part of the working set (p entries). */
  readonly active: Int32Array;
  /** `dotsAll`'s results (p entries). */
  readonly dots: Float64Array;
  /** 1/(h_j + l2·pf_j) for `sweepInverse`, the caller's to keep current (p entries). */
  readonly invH: Float64Array;
  /**
   * `rareScan`'s columns and coefficients (p entries each), its σ(η) − y per row (n entries: the
   * vector `dotsAllOf` copies its argument into, so only for use before such a call) and the
   * gradients it computed, one per column scanned (`dots`).
   */
  readonly rareList: Int32Array;
  /** `gradients`' columns above their thresholds, in order (its count of them). */
  readonly candidates: Int32Array;
  readonly rareCoef: Float64Array;
  readonly rareGap: Float64Array;
  private readonly state: Float64Array;
  private readonly layout: FeatureLayout;
  private readonly p: number;
  private readonly colStart: Int32Array;
  private readonly riAt: number;
  private readonly valsAt: number;
  private readonly rhoAt: number;
  private readonly wAt: number;
  /** A third vector of n entries, for `dotsAllOf`. */
  private readonly vector: Float64Array;
  private readonly vectorAt: number;

  private constructor(
    private readonly kernels: Kernels,
    design: SparseDesign,
  ) {
    const nnz = design.colStart[design.cols]!;
    this.colStart = design.colStart;
    this.riAt = 0;
    this.valsAt = Math.ceil((nnz * 4) / 8) * 8;
    this.rhoAt = this.valsAt + nnz * 8;
    this.wAt = this.rhoAt + design.rows * 8;
    this.vectorAt = this.wAt + design.rows * 8;
    const buffer = kernels.memory.buffer;
    new Int32Array(buffer, this.riAt, nnz).set(design.rowIndex.subarray(0, nnz));
    new Float64Array(buffer, this.valsAt, nnz).set(design.values.subarray(0, nnz));
    this.rho = new Float64Array(buffer, this.rhoAt, design.rows);
    this.w = new Float64Array(buffer, this.wAt, design.rows);
    const p = design.cols;
    this.p = p;
    this.vector = new Float64Array(buffer, this.vectorAt, design.rows);
    const l = (this.layout = featureLayout(this.vectorAt + design.rows * 8, p));
    new Int32Array(buffer, l.colStart, p + 1).set(design.colStart);
    this.set = new Int32Array(buffer, l.set, p);
    this.active = new Int32Array(buffer, l.active, p);
    this.beta = new Float64Array(buffer, l.beta, p);
    this.h = new Float64Array(buffer, l.h, p);
    this.colW = new Float64Array(buffer, l.colW, p);
    this.dots = new Float64Array(buffer, l.out, p);
    this.invH = new Float64Array(buffer, l.invH, p);
    this.state = new Float64Array(buffer, l.state, 2);
    this.rareList = new Int32Array(buffer, l.rareList, p);
    this.candidates = new Int32Array(buffer, l.candidates, p);
    this.rareCoef = new Float64Array(buffer, l.rareCoef, p);
    this.rareGap = this.vector;
  }

  /** Whether this is a copy of `design` (its column pointers). */
  copies(design: SparseDesign): boolean {
    return design.colStart === this.colStart;
  }

  /**
   * `rareMoves`' check of `rareList[from..count)` with equal weights `c0`: each column's gradient
   * at `rareCoef` and `rareGap` (into `dots[m]`), at L1 and L2 weights `la`·pf_j·s_j and
   * `l2c`·pf_j·s_j²; returns the first m whose violation exceeds `tol` of its threshold, or count.
   */
  rareScan(from: number, count: number, c0: number, la: number, l2c: number, tol: number): number {
    const l = this.layout;
    return this.kernels.rareScan(
      l.rareList,
      from,
      count,
      l.colStart,
      this.riAt,
      this.valsAt,
      this.vectorAt,
      l.rareCoef,
      l.pf,
      l.scale,
      l.out,
      c0,
      la,
      l2c,
      tol,
    );
  }

  /** Copies the column means, scales and penalty factors the sweeps use. */
  setFeatures(mean: Float64Array, scale: Float64Array, pf: Float64Array): void {
    const { buffer } = this.kernels.memory;
    const l = this.layout;
    new Float64Array(buffer, l.mean, this.p).set(mean);
    new Float64Array(buffer, l.scale, this.p).set(scale);
    new Float64Array(buffer, l.pf, this.p).set(pf);
    const inv = new Float64Array(buffer, l.invScale, this.p);
    for (let j = 0; j < this.p; j++) inv[j] = 1 / scale[j]!;
  }

  /**
   * One coordinate sweep over `list[0..count)` (`set` or `active`) at L1 and L2 weights `l1`,
   * `l2` (without the intercept step): the solver's sweep with equal weights `c` (> 0) or the
   * weights `w` (c = 0), `sumW` = Σ w. Updates `beta`, `rho` and `sums`; returns the largest
   * h_j Δβ_j².
   */
  sweep(
    list: Int32Array,
    count: number,
    c: number,
    l1: number,
    l2: number,
    sumW: number,
    sums: SweepSums,
  ): number {
    this.enter('sweep', list, sums);
    const l = this.layout;
    const max = this.kernels.sparseSweep(
      list.byteOffset,
      count,
      l.colStart,
      this.riAt,
      this.valsAt,
      this.wAt,
      this.rhoAt,
      l.beta,
      l.h,
      l.colW,
      l.mean,
      l.scale,
      l.pf,
      l.state,
      c,
      l1,
      l2,
      sumW,
    );
    return this.leave(max, sums);
  }

  /**
   * `sweep` with multiplications by 1/s_j and by `invH[j]` = 1/(h_j + l2·pf_j) (the caller's, for
   * this λ) for its divisions: the same steps, equal to rounding, a few per cent faster.
   */
  sweepInverse(
    list: Int32Array,
    count: number,
    c: number,
    l1: number,
    sumW: number,
    sums: SweepSums,
  ): number {
    this.enter('sweepInverse', list, sums);
    const l = this.layout;
    const max = this.kernels.sparseSweepInverse(
      list.byteOffset,
      count,
      l.colStart,
      this.riAt,
      this.valsAt,
      this.wAt,
      this.rhoAt,
      l.beta,
      l.h,
      l.colW,
      l.mean,
      l.invScale,
      l.pf,
      l.state,
      l.invH,
      c,
      l1,
      sumW,
    );
    return this.leave(max, sums);
  }

  /** Checks a sweep's list and hands its sums to the kernel. */
  private enter(sweep: string, list: Int32Array, sums: SweepSums): void {
    if (list !== this.set && list !== this.active)
      throw new Error(`${sweep}: the list must be \`set\` or \`active\``);
    this.state[0] = sums.shift;
    this.state[1] = sums.sumWrho;
  }

  /** Takes back the sums a sweep updated; returns its `max`. */
  private leave(max: number, sums: SweepSums): number {
    sums.shift = this.state[0]!;
    sums.sumWrho = this.state[1]!;
    return max;
  }

  /** `dots[j]` = Σ_i x_ij ρ_i (weighted false) or Σ_i x_ij w_i ρ_i (true), for every column j. */
  dotsAll(weighted: boolean): void {
    const l = this.layout;
    this.kernels.sparseDotsAll(
      this.p,
      l.colStart,
      this.riAt,
      this.valsAt,
      this.wAt,
      this.rhoAt,
      weighted ? 1 : 0,
      l.out,
    );
  }

  /** `colW[j]` = Σ_i x_ij w_i for every column j, in one call (the sums of `dotWeights`). */
  dotWeightsAll(): void {
    const l = this.layout;
    this.kernels.sparseDotsAll(this.p, l.colStart, this.riAt, this.valsAt, this.wAt, this.wAt, 0, l.colW);
  }

  /**
   * A KKT check's gradient of every column into `dots`, ((c > 0 ? c·d : d) + shift·colW_j −
   * m_j·centre) / s_j with d = Σ x_j ρ (`mode` 0), Σ x_j w ρ (1), or that with `colW` made in the
   * same pass (2: `dotsAllWithWeights`); the columns with |g| > l1·pf_j go to `candidates`, in
   * order, and their count is returned. The operations of `dotsAll` and the solver's
   * `gradientsFromDots`, bit for bit.
   */
  gradients(mode: 0 | 1 | 2, c: number, shift: number, centre: number, l1: number): number {
    const l = this.layout;
    return this.kernels.sparseGradients(
      this.p,
      l.colStart,
      this.riAt,
      this.valsAt,
      this.wAt,
      this.rhoAt,
      mode,
      l.colW,
      l.mean,
      l.scale,
      l.pf,
      l.out,
      l.candidates,
      c,
      shift,
      centre,
      l1,
    );
  }

  /** `dots[j]` = Σ_i x_ij a_i for every column j (`a`: n entries, copied in; the sums of `dot`). */
  dotsAllOf(a: Float64Array): void {
    this.vector.set(a);
    const l = this.layout;
    this.kernels.sparseDotsAll(this.p, l.colStart, this.riAt, this.valsAt, this.wAt, this.vectorAt, 0, l.out);
  }

  /** A copy of `design` with a residual vector, or null (WebAssembly missing, or above `maxBytes`). */
  static create(design: SparseDesign, maxBytes = WASM_DESIGN_MAX_BYTES): WasmSparseColumns | null {
    const nnz = design.colStart[design.cols]!;
    // the entries (row indices, then values) come first: the copy overwrites them
    const entries = Math.ceil((nnz * 4) / 8) * 8 + nnz * 8;
    const bytes = featureLayout(entries + 3 * design.rows * 8, design.cols).end;
    const kernels = instantiateKernels<Kernels>(bytes, maxBytes, entries);
    return kernels ? new WasmSparseColumns(kernels, design) : null;
  }

  /** Gives the instance back for the next copy: this copy and its views must not be used after. */
  release(): void {
    releaseKernels(this.kernels);
  }

  /** Σ_i x_ij ρ_i */
  dot(j: number): number {
    return this.kernels.sparseDot(
      this.colStart[j]!,
      this.colStart[j + 1]!,
      this.riAt,
      this.valsAt,
      this.rhoAt,
    );
  }

  /** Σ_i x_ij w_i ρ_i */
  dotWeighted(j: number): number {
    const start = this.colStart[j]!;
    return this.kernels.sparseDot2(
      start,
      this.colStart[j + 1]!,
      this.riAt,
      this.valsAt,
      this.wAt,
      this.rhoAt,
    );
  }

  /** Σ_i x_ij w_i (the design's `dot(j, w)`, same order) */
  dotWeights(j: number): number {
    return this.kernels.sparseDot(this.colStart[j]!, this.colStart[j + 1]!, this.riAt, this.valsAt, this.wAt);
  }

  /** Σ_i w_i (x_ij − m)² for weights summing to `total` (the design's `centeredSquares`, same order) */
  centeredSquares(j: number, m: number, total: number): number {
    const start = this.colStart[j]!;
    const end = this.colStart[j + 1]!;
    return this.kernels.sparseCenteredSquares(start, end, this.riAt, this.valsAt, this.wAt, m, m * m * total);
  }

  /** ρ += a · x_j */
  axpy(j: number, a: number): void {
    this.kernels.sparseAxpy(this.colStart[j]!, this.colStart[j + 1]!, this.riAt, this.valsAt, this.rhoAt, a);
  }
}
