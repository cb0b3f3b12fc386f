/**
 * Column kernels of a dense design in WebAssembly SIMD (see columnDots.wat): the dot products
 * behind the solver's Gram columns (covariance mode) and binomial Newton Hessians and gradients,
 * and the column combinations of its Newton steps, about 2.5–3× the throughput of the scalar
 * JavaScript loops of `DenseDesign`, which remain the fallback.
 *
 * The design is copied once into the module's linear memory (its values are not shared with the
 * JavaScript array): the solver makes the copy on first use of these kernels for a dense design
 * (covariance-mode Gram columns, binomial η and Newton work), a one-pass cost next to the O(n·p)
 * batches it speeds up; `wasm: false` in the solver options avoids it, and designs above 1 GiB
 * are never copied.
 */
export { WASM_DESIGN_MAX_BYTES } from './instance.js';
import type { DenseDesign, Design } from '../design.js';
import { instantiateKernels, releaseKernels, WASM_DESIGN_MAX_BYTES, type LinearMemory } from './instance.js';

/** The column kernels the solver's O(n·p) batches use: a design's own, or a WebAssembly copy's. */
export type ColumnDots = Pick<Design, 'dotMany' | 'dotMany2' | 'axpyMany'>;

interface Kernels {
  readonly memory: LinearMemory;
  dot4x2(c0: number, c1: number, c2: number, c3: number, a: number, b: number, n: number, out: number): void;
  dot4x1(c0: number, c1: number, c2: number, c3: number, a: number, n: number, out: number): void;
  centerWeight(col: number, m: number, w: number, out: number, n: number): void;
  axpy4(
    c0: number,
    c1: number,
    c2: number,
    c3: number,
    v0: number,
    v1: number,
    v2: number,
    v3: number,
    out: number,
    n: number,
  ): void;
}

export class WasmColumnDots implements ColumnDots {
  private readonly f64: Float64Array;
  /** Byte offsets in linear memory of the two targets, the row weights and the eight outputs. */
  private readonly aAt: number;
  private readonly bAt: number;
  private readonly wAt: number;
  private readonly outAt: number;
  /** The current group's column offsets. */
  private readonly at = new Int32Array(4);

  private constructor(
    private readonly kernels: Kernels,
    private readonly n: number,
    values: Float64Array,
  ) {
    this.aAt = values.length * 8;
    this.bAt = this.aAt + n * 8;
    this.wAt = this.bAt + n * 8;
    this.outAt = this.wAt + n * 8;
    this.f64 = new Float64Array(kernels.memory.buffer);
    this.f64.set(values);
  }

  /**
   * A copy of `design` in a new WebAssembly instance, or null when WebAssembly SIMD is not
   * available or the copy would take more than `maxBytes`.
   */
  static create(design: DenseDesign, maxBytes = WASM_DESIGN_MAX_BYTES): WasmColumnDots | null {
    const n = design.rows;
    if (n === 0) return null;
    const kernels = instantiateKernels<Kernels>((design.values.length + 3 * n + 8) * 8, maxBytes);
    return kernels ? new WasmColumnDots(kernels, n, design.values) : null;
  }

  /** Gives the instance back for the next copy: this copy must not be used after. */
  release(): void {
    releaseKernels(this.kernels);
  }

  /**
   * Byte offsets of the columns cols[k..k+3] into `at` (a short last group repeats its last
   * column: the kernels' extra results are dropped, or its coefficient is 0); returns how many
   * of the four are real.
   */
  private group(cols: Int32Array, k: number, count: number): number {
    const stride = this.n * 8;
    const at = this.at;
    const last = Math.min(k + 3, count - 1);
    for (let c = 0; c < 4; c++) at[c] = cols[Math.min(k + c, last)]! * stride;
    return last - k + 1;
  }

  dotMany(cols: Int32Array, count: number, a: Float64Array, out: Float64Array): void {
    this.f64.set(a.subarray(0, this.n), this.aAt / 8);
    this.dotsOfTarget(cols, count, out);
  }

  /** `dotMany` against the target already in linear memory (`aAt`). */
  private dotsOfTarget(cols: Int32Array, count: number, out: Float64Array): void {
    const { f64, n, kernels, at } = this;
    const o = this.outAt / 8;
    for (let k = 0; k < count; k += 4) {
      const real = this.group(cols, k, count);
      kernels.dot4x1(at[0]!, at[1]!, at[2]!, at[3]!, this.aAt, n, this.outAt);
      for (let c = 0; c < real; c++) out[k + c] = f64[o + c]!;
    }
  }

  dotMany2(
    cols: Int32Array,
    count: number,
    a: Float64Array,
    b: Float64Array,
    outA: Float64Array,
    outB: Float64Array,
  ): void {
    this.f64.set(a.subarray(0, this.n), this.aAt / 8);
    this.f64.set(b.subarray(0, this.n), this.bAt / 8);
    this.dotsOfTargets(cols, count, outA, outB);
  }

  /** The row weights W of `centeredWeightedDots` and `centeredWeightedDots2`, copied into linear memory. */
  setWeights(w: Float64Array): void {
    this.f64.set(w.subarray(0, this.n), this.wAt / 8);
  }

  /**
   * out[k] = Σ_i x_{i,cols[k]} (x_{i,j} − m) W_i for k < count (W from `setWeights`): `dotMany`
   * against column j centred at m and weighted, made in linear memory instead of in JavaScript.
   */
  centeredWeightedDots(j: number, m: number, cols: Int32Array, count: number, out: Float64Array): void {
    this.kernels.centerWeight(j * this.n * 8, m, this.wAt, this.aAt, this.n);
    this.dotsOfTarget(cols, count, out);
  }

  /** `centeredWeightedDots` for columns ja (at ma, into outA) and jb (at mb, into outB) in one pass. */
  centeredWeightedDots2(
    ja: number,
    ma: number,
    jb: number,
    mb: number,
    cols: Int32Array,
    count: number,
    outA: Float64Array,
    outB: Float64Array,
  ): void {
    const stride = this.n * 8;
    this.kernels.centerWeight(ja * stride, ma, this.wAt, this.aAt, this.n);
    this.kernels.centerWeight(jb * stride, mb, this.wAt, this.bAt, this.n);
    this.dotsOfTargets(cols, count, outA, outB);
  }

  /** `dotMany2` against the targets already in linear memory (`aAt`, `bAt`). */
  private dotsOfTargets(cols: Int32Array, count: number, outA: Float64Array, outB: Float64Array): void {
    const { f64, n, kernels, at } = this;
    const o = this.outAt / 8;
    for (let k = 0; k < count; k += 4) {
      const real = this.group(cols, k, count);
      kernels.dot4x2(at[0]!, at[1]!, at[2]!, at[3]!, this.aAt, this.bAt, n, this.outAt);
      for (let c = 0; c < real; c++) {
        outA[k + c] = f64[o + c]!;
        outB[k + c] = f64[o + 4 + c]!;
      }
    }
  }

  axpyMany(cols: Int32Array, count: number, coef: Float64Array, out: Float64Array): void {
    const { f64, n, kernels, at } = this;
    const o = this.aAt / 8;
    f64.set(out.subarray(0, n), o);
    for (let k = 0; k < count; k += 4) {
      const real = this.group(cols, k, count);
      const v = (c: number) => (c < real ? coef[k + c]! : 0);
      kernels.axpy4(at[0]!, at[1]!, at[2]!, at[3]!, v(0), v(1), v(2), v(3), this.aAt, n);
    }
    out.set(f64.subarray(o, o + n));
  }
}
