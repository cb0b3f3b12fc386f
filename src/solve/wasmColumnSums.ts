import type { SparseDesign } from './design.js';
import { WasmSparseColumns } from './kernels/sparseColumns.js';

/**
 * Passes over a whole sparse design outside the solve (its column statistics, the certificate's
 * gradients) in WebAssembly. A refit worker runs each once per refit, so in JavaScript they ran
 * mostly before V8 had optimized them (a stream's first refits: 15–45 ms for the statistics of a
 * 20,000-event window, 2 ms once optimized); WebAssembly is compiled before it runs. The kernels
 * sum in the order of the JavaScript loops (`SparseDesign.dot`, `centeredSquares`, `dot2`), so
 * the results are the same numbers.
 */

/** Designs with fewer entries stay in JavaScript (the copy into linear memory would not pay). */
export const WASM_SUMS_MIN_ENTRIES = 1 << 16;

/**
 * Each column's Σ_i w_i x_ij into `mean` and Σ_i w_i (x_ij − mean_j)² into `squares` (`dot` and
 * `centeredSquares` with total 1), or false (nothing written) below `WASM_SUMS_MIN_ENTRIES` or
 * without WebAssembly.
 */
export function wasmColumnSums(
  x: SparseDesign,
  w: Float64Array,
  mean: Float64Array,
  squares: Float64Array,
): boolean {
  const k = copyOf(x);
  if (k === null) return false;
  try {
    k.w.set(w);
    k.dotWeightsAll();
    mean.set(k.colW);
    for (let j = 0; j < x.cols; j++) squares[j] = k.centeredSquares(j, mean[j]!, 1);
    return true;
  } finally {
    k.release();
  }
}

/** Each column's Σ_i w_i x_ij r_i into `out` (`dot2`), or false as `wasmColumnSums`. */
export function wasmGradients(x: SparseDesign, w: Float64Array, r: Float64Array, out: Float64Array): boolean {
  const k = copyOf(x);
  if (k === null) return false;
  try {
    k.w.set(w);
    k.rho.set(r);
    k.dotsAll(true);
    out.set(k.dots);
    return true;
  } finally {
    k.release();
  }
}

/** The design in an instance's linear memory, or null (too small, or no WebAssembly here). */
function copyOf(x: SparseDesign): WasmSparseColumns | null {
  return x.colStart[x.cols]! >= WASM_SUMS_MIN_ENTRIES ? WasmSparseColumns.create(x) : null;
}
