/**
 * Sparse vectors on typed arrays. A `SparseVector` is a view on reusable buffers: `indices[k]`,
 * `values[k]` for `k < nnz`. Indices within one vector are distinct (featurizers merge
 * duplicates); their order is not significant.
 */
export interface SparseVector {
  readonly indices: Int32Array;
  readonly values: Float64Array;
  readonly nnz: number;
}

/** A growable sparse vector whose buffers are reused from one event to the next. */
export class SparseBuffer implements SparseVector {
  indices: Int32Array;
  values: Float64Array;
  nnz = 0;

  constructor(capacity = 64) {
    this.indices = new Int32Array(capacity);
    this.values = new Float64Array(capacity);
  }

  clear(): void {
    this.nnz = 0;
  }

  push(index: number, value: number): void {
    if (this.nnz === this.indices.length) this.grow(this.nnz * 2);
    this.indices[this.nnz] = index;
    this.values[this.nnz] = value;
    this.nnz++;
  }

  private grow(capacity: number): void {
    const indices = new Int32Array(capacity);
    indices.set(this.indices);
    const values = new Float64Array(capacity);
    values.set(this.values);
    this.indices = indices;
    this.values = values;
  }
}

/** Builds an owned sparse vector from index/value pairs (for tests and one-off use). */
export function sparseOf(pairs: ReadonlyArray<readonly [number, number]>): SparseVector {
  const indices = new Int32Array(pairs.length);
  const values = new Float64Array(pairs.length);
  pairs.forEach(([i, v], k) => {
    indices[k] = i;
    values[k] = v;
  });
  return { indices, values, nnz: pairs.length };
}

/** Copies a view into an owned vector (the featurizer's buffers are overwritten by the next event). */
export function copySparse(x: SparseVector): SparseVector {
  return { indices: x.indices.slice(0, x.nnz), values: x.values.slice(0, x.nnz), nnz: x.nnz };
}

/** ⟨w, x⟩ for a dense weight array. */
export function dotDense(w: Float64Array, x: SparseVector): number {
  let s = 0;
  for (let k = 0; k < x.nnz; k++) s += w[x.indices[k]] * x.values[k];
  return s;
}

/** Grows a Float64Array to at least `size` (doubling), keeping its contents; fills new slots. */
export function growFloat64(a: Float64Array<ArrayBuffer>, size: number, fill = 0): Float64Array<ArrayBuffer> {
  if (size <= a.length) return a;
  let cap = Math.max(16, a.length);
  while (cap < size) cap *= 2;
  const b = new Float64Array(cap);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

/** Grows an Int32Array to at least `size` (doubling), keeping its contents; fills new slots. */
export function growInt32(a: Int32Array<ArrayBuffer>, size: number, fill = 0): Int32Array<ArrayBuffer> {
  if (size <= a.length) return a;
  let cap = Math.max(16, a.length);
  while (cap < size) cap *= 2;
  const b = new Int32Array(cap);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

/**
 * Reads `state[j · stride + field]` for every column j < dim of a sparse row and returns their
 * sum. Learners call it before their per-coordinate work on an event: the loads are independent,
 * so the cache misses of the event's scattered coordinates overlap instead of each stalling the
 * computation that needs it (measured: FOBOS and truncated gradient 1.2–1.5× faster on 2^20
 * columns). The sum only keeps the loads from being optimized away.
 */
export function touchState(
  state: Float64Array,
  stride: number,
  field: number,
  indices: Int32Array,
  nnz: number,
  dim: number,
): number {
  let sum = 0;
  for (let k = 0; k < nnz; k++) {
    const j = indices[k]!;
    if (j < dim) sum += state[j * stride + field]!;
  }
  return sum;
}
