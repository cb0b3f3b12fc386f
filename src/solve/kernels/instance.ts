/**
 * The solver's WebAssembly module (columnDots.wat, embedded as base64 by `npm run build:wasm`):
 * compiled once, instantiated once per design copy with linear memory of the size it needs.
 */
import { COLUMN_DOTS_WASM } from './columnDotsWasm.js';

/** The parts of the WebAssembly JS API used here (the project's lib settings leave it untyped). */
export interface LinearMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmModule {
  readonly kind?: never;
}
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => WasmModule;
  readonly Instance: new (module: WasmModule, imports: object) => { readonly exports: unknown };
}
const wasm = (globalThis as unknown as { readonly WebAssembly?: WasmApi }).WebAssembly;

/** Largest design copied into linear memory (bytes); bigger ones use the JavaScript kernels. */
export const WASM_DESIGN_MAX_BYTES = 2 ** 30;
const PAGE = 65536;

let compiled: WasmModule | null | undefined;

function kernelModule(): WasmModule | null {
  if (compiled === undefined) {
    try {
      compiled = wasm ? new wasm.Module(Buffer.from(COLUMN_DOTS_WASM, 'base64')) : null;
    } catch {
      compiled = null; // no WebAssembly SIMD here: the JavaScript kernels serve
    }
  }
  return compiled;
}

/**
 * A new instance whose linear memory holds at least `bytes` (it never grows afterwards, so views
 * on its buffer stay valid), or null when WebAssembly SIMD is unavailable, `bytes` exceeds
 * `maxBytes`, or the memory cannot be had.
 */
export function instantiateKernels<K extends { readonly memory: LinearMemory }>(
  bytes: number,
  maxBytes: number,
): K | null {
  if (bytes > maxBytes) return null;
  const mod = kernelModule();
  if (!mod || !wasm) return null;
  try {
    const exports = new wasm.Instance(mod, {}).exports as K;
    const have = exports.memory.buffer.byteLength;
    if (bytes > have) exports.memory.grow(Math.ceil((bytes - have) / PAGE));
    return exports;
  } catch {
    return null; // linear memory could not grow that far: stay in JavaScript
  }
}
