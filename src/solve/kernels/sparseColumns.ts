/**
 * Coordinate descent's gather and scatter on a sparse design in WebAssembly (see
 * columnDots.wat): Σ_i x_ij ρ_i and ρ += a·x_j over column j's stored entries, about 3–4× the
 * JavaScript loops (no bounds checks on the scattered accesses), with the same summation order,
 * so results are bit-identical.
 *
 * The residual ρ lives in the instance's linear memory: `rho` is a view on it that the solver
 * uses as its residual vector everywhere. The design's row indices and values are copied once.
 */
import type { SparseDesign } from '../design.js';
import { instantiateKernels, WASM_DESIGN_MAX_BYTES, type LinearMemory } from './instance.js';

interface Kernels {
  readonly memory: LinearMemory;
  sparseDot(start: number, end: number, ri: number, vals: number, rho: number): number;
  sparseAxpy(start: number, end: number, ri: number, vals: number, rho: number, a: number): void;
}

export class WasmSparseColumns {
  /** The residual vector (n entries) the kernels read and update. */
  readonly rho: Float64Array;
  private readonly colStart: Int32Array;
  private readonly riAt: number;
  private readonly valsAt: number;
  private readonly rhoAt: number;

  private constructor(
    private readonly kernels: Kernels,
    design: SparseDesign,
  ) {
    const nnz = design.colStart[design.cols]!;
    this.colStart = design.colStart;
    this.riAt = 0;
    this.valsAt = Math.ceil((nnz * 4) / 8) * 8;
    this.rhoAt = this.valsAt + nnz * 8;
    const buffer = kernels.memory.buffer;
    new Int32Array(buffer, this.riAt, nnz).set(design.rowIndex.subarray(0, nnz));
    new Float64Array(buffer, this.valsAt, nnz).set(design.values.subarray(0, nnz));
    this.rho = new Float64Array(buffer, this.rhoAt, design.rows);
  }

  /** A copy of `design` with a residual vector, or null (WebAssembly missing, or above `maxBytes`). */
  static create(design: SparseDesign, maxBytes = WASM_DESIGN_MAX_BYTES): WasmSparseColumns | null {
    const nnz = design.colStart[design.cols]!;
    const bytes = Math.ceil((nnz * 4) / 8) * 8 + nnz * 8 + design.rows * 8;
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

  /** ρ += a · x_j */
  axpy(j: number, a: number): void {
    this.kernels.sparseAxpy(this.colStart[j]!, this.colStart[j + 1]!, this.riAt, this.valsAt, this.rhoAt, a);
  }
}
