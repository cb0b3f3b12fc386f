/**
 * Coordinate descent's gather and scatter on a sparse design in WebAssembly (see
 * columnDots.wat): Σ_i x_ij ρ_i and ρ += a·x_j over column j's stored entries, about 3–4× the
 * JavaScript loops (no bounds checks on the scattered accesses), with the same summation order,
 * so results are bit-identical.
 *
 * The residual ρ and the weights w live in the instance's linear memory: `rho` and `w` are views
 * on them that the solver uses as its vectors everywhere. The design's row indices and values
 * are copied once.
 */
import type { SparseDesign } from '../design.js';
import { instantiateKernels, WASM_DESIGN_MAX_BYTES, type LinearMemory } from './instance.js';

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
}

export class WasmSparseColumns {
  /** The residual vector (n entries) the kernels read and update. */
  readonly rho: Float64Array;
  /** Observation weights (n entries) for `dotWeighted`. */
  readonly w: Float64Array;
  private readonly colStart: Int32Array;
  private readonly riAt: number;
  private readonly valsAt: number;
  private readonly rhoAt: number;
  private readonly wAt: number;

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
    const buffer = kernels.memory.buffer;
    new Int32Array(buffer, this.riAt, nnz).set(design.rowIndex.subarray(0, nnz));
    new Float64Array(buffer, this.valsAt, nnz).set(design.values.subarray(0, nnz));
    this.rho = new Float64Array(buffer, this.rhoAt, design.rows);
    this.w = new Float64Array(buffer, this.wAt, design.rows);
  }

  /** A copy of `design` with a residual vector, or null (WebAssembly missing, or above `maxBytes`). */
  static create(design: SparseDesign, maxBytes = WASM_DESIGN_MAX_BYTES): WasmSparseColumns | null {
    const nnz = design.colStart[design.cols]!;
    const bytes = Math.ceil((nnz * 4) / 8) * 8 + nnz * 8 + 2 * design.rows * 8;
    const kernels = instantiateKernels<Kernels>(bytes, maxBytes);
    return kernels ? new WasmSparseColumns(kernels, design) : null;
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
