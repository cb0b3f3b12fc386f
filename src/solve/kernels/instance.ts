/**
 * The solver's WebAssembly module (columnDots.wat, embedded as base64 by `npm run build:wasm`):
 * compiled once; an instance per design copy, with linear memory of the size it needs. A copy's
 * owner gives its instance back (`releaseKernels`) when its solve is done, and the next copy in the
 * same thread takes it: optimized code that calls an instance's exports holds them weakly, so a new
 * instance per refit made V8 throw away and recompile the solver's hottest functions after each
 * garbage collection (about 2 s of compiler threads' CPU per 10 refits of 20,000 × 2^20).
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

/** Instances given back, ready for the next copy (this thread's; at most RELEASED_MAX). */
const released: Array<{ readonly memory: LinearMemory }> = [];
const RELEASED_MAX = 2;
/** A released instance whose memory exceeds this is not kept (the next copy is unlikely to need it). */
const RELEASED_MAX_BYTES = 2 ** 28;

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
 * An instance whose linear memory holds at least `bytes`, its bytes from `written` to `bytes`
 * zero (a released one if there is, else a new one): the caller writes the first `written`
 * itself (a design copy's entries). It never grows while in use, so views on its buffer stay
 * valid. Null when WebAssembly SIMD is unavailable, `bytes` exceeds `maxBytes`, or the memory
 * cannot be had.
 */
export function instantiateKernels<K extends { readonly memory: LinearMemory }>(
  bytes: number,
  maxBytes: number,
  written = 0,
): K | null {
  if (bytes > maxBytes) return null;
  const mod = kernelModule();
  if (!mod || !wasm) return null;
  const reused = released.pop() as K | undefined;
  if (reused !== undefined) {
    try {
      const have = reused.memory.buffer.byteLength;
      if (bytes > have) reused.memory.grow(Math.ceil((bytes - have) / PAGE));
      new Uint8Array(reused.memory.buffer, written, bytes - written).fill(0);
      return reused;
    } catch {
      // its memory could not grow that far: a new instance below
    }
  }
  try {
    const exports = new wasm.Instance(mod, {}).exports as K;
    const have = exports.memory.buffer.byteLength;
    if (bytes > have) exports.memory.grow(Math.ceil((bytes - have) / PAGE));
    return exports;
  } catch {
    return null; // linear memory could not grow that far: stay in JavaScript
  }
}

/**
 * Gives an instance back for the next copy in this thread. Its owner must not read or write the
 * views on its memory afterwards: the next copy overwrites them.
 */
export function releaseKernels(kernels: { readonly memory: LinearMemory }): void {
  if (released.length >= RELEASED_MAX || released.includes(kernels)) return;
  if (kernels.memory.buffer.byteLength > RELEASED_MAX_BYTES) return;
  released.push(kernels);
}
