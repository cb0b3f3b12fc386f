import { StateError } from '../core/errors.js';
import { growFloat64, growInt32, type SparseVector } from '../core/sparse.js';
import type { WarmupEvent } from './autoLambda.js';

/**
 * The labelled events a warm-up gathers, copied into a few flat typed arrays (event i: entries
 * `starts[i] .. starts[i+1]` of `indices` and `values`, its label and weight). A keyed engine
 * keeps up to 1,000 of them for each model still in its warm-up: an object and two array views
 * per event cost more heap than their entries.
 */
export class WarmupEvents {
  private indices = new Int32Array(64);
  private values = new Float64Array(64);
  private starts = new Int32Array(16);
  private labels = new Float64Array(16);
  private weights = new Float64Array(16);
  private count = 0;

  get length(): number {
    return this.count;
  }

  /** Appends a copy of `x` (the caller's buffer may be reused afterwards). */
  push(x: SparseVector, y: number, weight: number): void {
    const n = this.count;
    const at = this.starts[n];
    const end = at + x.nnz;
    if (end > this.indices.length) {
      this.indices = growInt32(this.indices, end);
      this.values = growFloat64(this.values, end);
    }
    for (let k = 0; k < x.nnz; k++) {
      this.indices[at + k] = x.indices[k];
      this.values[at + k] = x.values[k];
    }
    if (n + 1 === this.labels.length) {
      this.labels = growFloat64(this.labels, n + 2);
      this.weights = growFloat64(this.weights, n + 2);
      this.starts = growInt32(this.starts, n + 2);
    }
    this.labels[n] = y;
    this.weights[n] = weight;
    this.starts[n + 1] = end;
    this.count = n + 1;
  }

  /** Drops the last event. */
  pop(): void {
    this.count--;
  }

  label(i: number): number {
    return this.labels[i];
  }

  weight(i: number): number {
    return this.weights[i];
  }

  /** The events, with views on these arrays (valid until the next `push`; made on each call). */
  list(): WarmupEvent[] {
    const out: WarmupEvent[] = [];
    for (let i = 0; i < this.count; i++) {
      const a = this.starts[i];
      const b = this.starts[i + 1];
      const x = { indices: this.indices.subarray(a, b), values: this.values.subarray(a, b), nnz: b - a };
      out.push({ x, y: this.labels[i], weight: this.weights[i] });
    }
    return out;
  }

  /** The events as flat typed arrays of their exact lengths (a checkpoint's). */
  state(): PendingEventsState {
    const n = this.count;
    const used = this.starts[n];
    return {
      starts: this.starts.slice(0, n + 1),
      indices: this.indices.slice(0, used),
      values: this.values.slice(0, used),
      labels: this.labels.slice(0, n),
      weights: this.weights.slice(0, n),
    };
  }

  static fromState(s: PendingEventsState): WarmupEvents {
    const n = s.labels.length;
    if (s.starts.length !== n + 1 || s.weights.length !== n || s.indices.length !== s.values.length) {
      throw new StateError('checkpoint label warm-up events are malformed');
    }
    const used = s.indices.length;
    let ordered = s.starts[0] === 0 && s.starts[n] === used;
    for (let i = 0; i < n && ordered; i++) ordered = s.starts[i] <= s.starts[i + 1];
    if (!ordered) throw new StateError('checkpoint label warm-up events are malformed');
    // copied whole, with the room `push` keeps (its event arrays one entry longer than the events)
    const events = new WarmupEvents();
    const room = Math.max(16, n + 1);
    events.starts = new Int32Array(room);
    events.starts.set(s.starts);
    events.labels = new Float64Array(room);
    events.labels.set(s.labels);
    events.weights = new Float64Array(room);
    events.weights.set(s.weights);
    events.indices = new Int32Array(Math.max(64, used));
    events.indices.set(s.indices);
    events.values = new Float64Array(Math.max(64, used));
    events.values.set(s.values);
    events.count = n;
    return events;
  }
}

/** Events gathered by an unfinished warm-up, as flat typed arrays. */
export interface PendingEventsState {
  readonly starts: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float64Array;
  readonly labels: Float64Array;
  readonly weights: Float64Array;
}
