import type { SparseDesign } from './design.js';
import { WasmSparseColumns } from './kernels/sparseColumns.js';

/** Designs with fewer entries stay in JavaScript (the copy into linear memory would not pay). */
export const WASM_GRADIENTS_MIN_ENTRIES = 1 << 16;

/**
 * Each column's Σ_i w_i x_ij r_i into `out`, in one WebAssembly call (`sparseDotsAll`, which sums
 * in `SparseDesign.dot2`'s order: the same numbers); false (nothing written) below
 * `WASM_GRADIENTS_MIN_ENTRIES` or without WebAssembly. For `checkKkt`: a refit worker certifies
 * once per refit, so its JavaScript loop over every entry ran mostly before V8 had optimized it
 * (a stream's first certificate: 20–45 ms on a 20,000-event window, 2.6 ms once optimized).
 */
export function wasmGradients(x: SparseDesign, w: Float64Array, r: Float64Array, out: Float64Array): boolean {
  if (x.colStart[x.cols]! < WASM_GRADIENTS_MIN_ENTRIES) return false;
  const k = WasmSparseColumns.create(x);
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
