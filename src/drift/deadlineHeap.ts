/**
 * A binary min-heap of (deadline, id, generation) triples in typed arrays, for the features whose
 * absence is due to be checked: the earliest deadline is on top. Ids carry a generation so an
 * entry for a slot that was released and reused can be recognized as stale and dropped. Grows by
 * doubling; nothing is allocated per push or pop otherwise.
 */
export class DeadlineHeap {
  private deadlines: Float64Array;
  private ids: Int32Array;
  private gens: Int32Array;
  private n = 0;

  constructor(capacity = 64) {
    this.deadlines = new Float64Array(capacity);
    this.ids = new Int32Array(capacity);
    this.gens = new Int32Array(capacity);
  }

  get size(): number {
    return this.n;
  }

  /** The earliest deadline (Infinity when empty). */
  get top(): number {
    return this.n > 0 ? this.deadlines[0] : Infinity;
  }

  get topId(): number {
    return this.ids[0];
  }

  get topGeneration(): number {
    return this.gens[0];
  }

  push(deadline: number, id: number, generation: number): void {
    if (this.n === this.deadlines.length) this.grow();
    let i = this.n++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.deadlines[parent] <= deadline) break;
      this.move(parent, i);
      i = parent;
    }
    this.deadlines[i] = deadline;
    this.ids[i] = id;
    this.gens[i] = generation;
  }

  /** Removes the top entry (read it first with `top`, `topId`, `topGeneration`). */
  pop(): void {
    const last = --this.n;
    if (last === 0) return;
    const d = this.deadlines[last];
    const id = this.ids[last];
    const g = this.gens[last];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      if (child + 1 < last && this.deadlines[child + 1] < this.deadlines[child]) child++;
      if (this.deadlines[child] >= d) break;
      this.move(child, i);
      i = child;
    }
    this.deadlines[i] = d;
    this.ids[i] = id;
    this.gens[i] = g;
  }

  clear(): void {
    this.n = 0;
  }

  /** The entries in heap order (a valid heap when restored as is). */
  state(): DeadlineHeapState {
    return {
      deadlines: this.deadlines.slice(0, this.n),
      ids: this.ids.slice(0, this.n),
      generations: this.gens.slice(0, this.n),
    };
  }

  restore(state: DeadlineHeapState): void {
    const n = state.deadlines.length;
    this.deadlines = new Float64Array(Math.max(64, n));
    this.ids = new Int32Array(this.deadlines.length);
    this.gens = new Int32Array(this.deadlines.length);
    this.deadlines.set(state.deadlines);
    this.ids.set(state.ids);
    this.gens.set(state.generations);
    this.n = n;
  }

  private move(from: number, to: number): void {
    this.deadlines[to] = this.deadlines[from];
    this.ids[to] = this.ids[from];
    this.gens[to] = this.gens[from];
  }

  private grow(): void {
    const size = this.deadlines.length * 2;
    const d = new Float64Array(size);
    const ids = new Int32Array(size);
    const g = new Int32Array(size);
    d.set(this.deadlines);
    ids.set(this.ids);
    g.set(this.gens);
    this.deadlines = d;
    this.ids = ids;
    this.gens = g;
  }
}

export interface DeadlineHeapState {
  readonly deadlines: Float64Array;
  readonly ids: Int32Array;
  readonly generations: Int32Array;
}
