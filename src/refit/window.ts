import { StateError } from '../core/errors.js';
import { growFloat64, growInt32, type SparseVector } from '../core/sparse.js';

/** Rows per block at most: the window drops whole blocks, so it holds at most `capacity + block` rows. */
const MAX_BLOCK_ROWS = 1024;
/** Rows a new block has room for; its arrays double up to the block's rows (a keyed model with few events stays small). */
const FIRST_BLOCK_ROWS = 16;

/** A block of consecutive rows, row-major: row r's entries are `cols/vals[rowStart[r] .. rowStart[r+1])`. */
interface Block {
  /** Ordinal of the block's first row (1 = the first event the model learned). */
  first: number;
  count: number;
  rowStart: Int32Array<ArrayBuffer>;
  y: Float64Array<ArrayBuffer>;
  weight: Float64Array<ArrayBuffer>;
  cols: Int32Array;
  vals: Float64Array;
}

/** The rows of a window, copied out (row-major), ready to hand to a solver or a worker. */
export interface WindowRows {
  /** Ordinals of the first and last rows. */
  readonly first: number;
  readonly last: number;
  readonly rows: number;
  /** Row r's entries are `cols/values[rowStart[r] .. rowStart[r+1])`. */
  readonly rowStart: Int32Array;
  readonly cols: Int32Array;
  readonly values: Float64Array;
  readonly y: Float64Array;
  readonly weights: Float64Array;
}

/** Serialized window: its rows and the ordinal of the next row. */
export interface RefitWindowState {
  readonly capacity: number;
  readonly next: number;
  readonly rows: WindowRows | null;
}

/**
 * The last `capacity` labelled events a model learned, as compact sparse rows on typed arrays
 * (the README's refits): raw feature values (before online scaling), label and weight, in blocks of 1,024
 * rows that are recycled, so appending allocates nothing in the steady state. Memory is about
 * (capacity + min(capacity, 1,024)) × (12 bytes per non-zero + 20 bytes per row).
 */
export class RefitWindow {
  readonly capacity: number;
  /** Rows per block: 1,024, or the capacity when smaller (small windows stay small). */
  private readonly blockRows: number;
  private blocks: Block[] = [];
  private spare: Block[] = [];
  /** Ordinal the next appended row gets. */
  private next = 1;

  constructor(capacity: number) {
    if (!(Number.isInteger(capacity) && capacity >= 1))
      throw new RangeError(`refit window capacity must be a whole number >= 1, got ${capacity}`);
    this.capacity = capacity;
    this.blockRows = Math.min(MAX_BLOCK_ROWS, capacity);
  }

  /** Rows currently in the window (at most `capacity`). */
  get size(): number {
    return Math.min(this.capacity, this.next - (this.blocks[0]?.first ?? this.next));
  }

  /** Ordinal of the last row appended (0 before any). */
  get last(): number {
    return this.next - 1;
  }

  /** Non-zeros held (including rows of the oldest block already outside the window). */
  get storedNonZeros(): number {
    let s = 0;
    for (const b of this.blocks) s += b.rowStart[b.count];
    return s;
  }

  /** Bytes of the rows in the window as compact rows (12 per non-zero, 20 per row). */
  get rowBytes(): number {
    let nnz = 0;
    this.scan((b, r) => (nnz += b.rowStart[r + 1] - b.rowStart[r]));
    return nnz * 12 + this.size * 20;
  }

  /** Bytes the window's arrays take now (blocks in use and recycled ones). */
  get bytes(): number {
    let s = 0;
    for (const b of [...this.blocks, ...this.spare])
      s +=
        b.cols.byteLength + b.vals.byteLength + b.rowStart.byteLength + b.y.byteLength + b.weight.byteLength;
    return s;
  }

  /** Appends one labelled event (raw values) as the row with the next ordinal. */
  push(x: SparseVector, y: number, weight: number): void {
    let block = this.blocks[this.blocks.length - 1];
    if (block === undefined || block.count === this.blockRows) {
      block = this.newBlock(this.next);
      this.blocks.push(block);
      // Drop the oldest block once every one of its rows has left the window.
      const firstInWindow = this.next - this.capacity + 1;
      while (this.blocks.length > 1 && this.blocks[0].first + this.blockRows <= firstInWindow)
        this.spare.push(this.blocks.shift()!);
    } else if (block.count === block.y.length) growRows(block, Math.min(this.blockRows, 2 * block.count));
    const at = block.rowStart[block.count];
    const end = at + x.nnz;
    if (end > block.cols.length) {
      const size = Math.max(end, block.cols.length * 2);
      const cols = new Int32Array(size);
      cols.set(block.cols.subarray(0, at));
      const vals = new Float64Array(size);
      vals.set(block.vals.subarray(0, at));
      block.cols = cols;
      block.vals = vals;
    }
    // element by element: a subarray view per event would be an allocation per event
    const { indices, values } = x;
    const cols = block.cols;
    const vals = block.vals;
    for (let k = 0, o = at; o < end; k++, o++) {
      cols[o] = indices[k];
      vals[o] = values[k];
    }
    block.y[block.count] = y;
    block.weight[block.count] = weight;
    block.count++;
    block.rowStart[block.count] = end;
    this.next++;
  }

  private newBlock(first: number): Block {
    const b = this.spare.pop();
    if (b !== undefined) {
      b.first = first;
      b.count = 0;
      b.rowStart[0] = 0;
      return b;
    }
    // a recycled block keeps the room it grew to; a new one starts small
    const rows = Math.min(this.blockRows, FIRST_BLOCK_ROWS);
    return {
      first,
      count: 0,
      rowStart: new Int32Array(rows + 1),
      y: new Float64Array(rows),
      weight: new Float64Array(rows),
      cols: new Int32Array(rows * 8),
      vals: new Float64Array(rows * 8),
    };
  }

  /** Calls `fn(column)` for every entry of the rows in the window (columns may repeat). */
  forEachColumn(fn: (column: number) => void): void {
    this.scan((b, r) => {
      for (let k = b.rowStart[r]; k < b.rowStart[r + 1]; k++) fn(b.cols[k]);
    });
  }

  private scan(fn: (block: Block, row: number) => void): void {
    const first = this.next - this.size;
    for (const b of this.blocks) {
      for (let r = Math.max(0, first - b.first); r < b.count; r++) fn(b, r);
    }
  }

  /**
   * A copy of the rows in the window (null when empty); with `shared`, in SharedArrayBuffers, which
   * a postMessage to another thread shares instead of copying (and detaches nothing).
   */
  rows(shared = false): WindowRows | null {
    const n = this.size;
    if (n === 0) return null;
    const first = this.next - n;
    let nnz = 0;
    for (const b of this.blocks) {
      const r0 = Math.max(0, first - b.first);
      if (r0 < b.count) nnz += b.rowStart[b.count] - b.rowStart[r0];
    }
    const bytes = (length: number, size: number) =>
      shared ? new SharedArrayBuffer(length * size) : new ArrayBuffer(length * size);
    const rowStart = new Int32Array(bytes(n + 1, 4));
    const cols = new Int32Array(bytes(nnz, 4));
    const values = new Float64Array(bytes(nnz, 8));
    const y = new Float64Array(bytes(n, 8));
    const weights = new Float64Array(bytes(n, 8));
    // block by block: each block's rows in the window are one run of its arrays
    let i = 0;
    let at = 0;
    for (const b of this.blocks) {
      const r0 = Math.max(0, first - b.first);
      if (r0 >= b.count) continue;
      const s = b.rowStart[r0];
      const e = b.rowStart[b.count];
      cols.set(b.cols.subarray(s, e), at);
      values.set(b.vals.subarray(s, e), at);
      y.set(b.y.subarray(r0, b.count), i);
      weights.set(b.weight.subarray(r0, b.count), i);
      const shift = at - s;
      for (let r = r0; r < b.count; r++) rowStart[++i] = b.rowStart[r + 1] + shift;
      at += e - s;
    }
    return { first, last: this.next - 1, rows: n, rowStart, cols, values, y, weights };
  }

  state(): RefitWindowState {
    return { capacity: this.capacity, next: this.next, rows: this.rows() };
  }

  static fromState(state: RefitWindowState, capacity = state.capacity): RefitWindow {
    const w = new RefitWindow(capacity);
    const rows = state.rows;
    if (rows === null) {
      w.next = state.next;
      return w;
    }
    if (rows.last !== state.next - 1 || rows.rowStart.length !== rows.rows + 1)
      throw new StateError('refit window state is inconsistent (row count or ordinals)');
    let ordered =
      rows.rowStart[0] === 0 &&
      rows.rowStart[rows.rows] === rows.cols.length &&
      rows.cols.length === rows.values.length &&
      rows.y.length === rows.rows &&
      rows.weights.length === rows.rows;
    for (let r = 0; r < rows.rows && ordered; r++) ordered = rows.rowStart[r] <= rows.rowStart[r + 1];
    if (!ordered) throw new StateError('refit window state is inconsistent (row starts or lengths)');
    const skip = Math.max(0, rows.rows - capacity);
    // the blocks `push` would make of these rows, each copied at its exact size
    for (let r0 = skip; r0 < rows.rows; r0 += w.blockRows) {
      const r1 = Math.min(rows.rows, r0 + w.blockRows);
      const s = rows.rowStart[r0];
      const e = rows.rowStart[r1];
      const rowStart = rows.rowStart.slice(r0, r1 + 1) as Int32Array<ArrayBuffer>;
      for (let r = 0; r <= r1 - r0; r++) rowStart[r] -= s;
      w.blocks.push({
        first: rows.first + r0,
        count: r1 - r0,
        rowStart,
        y: rows.y.slice(r0, r1) as Float64Array<ArrayBuffer>,
        weight: rows.weights.slice(r0, r1) as Float64Array<ArrayBuffer>,
        cols: rows.cols.slice(s, e),
        vals: rows.values.slice(s, e),
      });
    }
    w.next = rows.first + rows.rows;
    return w;
  }
}

/** Gives `block` room for `rows` rows (its entries' arrays grow on their own, in `push`). */
function growRows(block: Block, rows: number): void {
  block.y = growFloat64(block.y, rows);
  block.weight = growFloat64(block.weight, rows);
  block.rowStart = growInt32(block.rowStart, block.y.length + 1);
}
