/**
 * Seeded scalar streams with planted changes, generated identically here and in
 * `scripts/fixtures/drift/streams.py` (mulberry32 and only +, −, ×, ÷ on exact doubles, no
 * transcendental functions), so River and l1stream see bit-identical inputs without shipping them.
 */

/** One stretch of a stream: `length` values drawn i.i.d. from one distribution. */
export type Segment =
  | { readonly kind: 'bernoulli'; readonly length: number; readonly p: number }
  | { readonly kind: 'uniform'; readonly length: number; readonly mean: number; readonly width: number }
  /** Sum of 12 uniforms minus 6 (Irwin–Hall, mean 0, sd 1), scaled: a near-normal without logs. */
  | { readonly kind: 'normal'; readonly length: number; readonly mean: number; readonly sd: number };

export interface StreamSpec {
  readonly seed: number;
  readonly segments: readonly Segment[];
}

/** mulberry32, as in test/helpers/random.ts. */
export class Mulberry32 {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** Calls `emit(value, index)` for each value of the stream, without building an array. */
export function forEachValue(spec: StreamSpec, emit: (x: number, i: number) => void): void {
  const rng = new Mulberry32(spec.seed);
  let i = 0;
  for (const s of spec.segments) {
    for (let k = 0; k < s.length; k++) {
      let x: number;
      if (s.kind === 'bernoulli') x = rng.next() < s.p ? 1 : 0;
      else if (s.kind === 'uniform') x = s.mean + (rng.next() - 0.5) * s.width;
      else {
        let sum = 0;
        for (let j = 0; j < 12; j++) sum += rng.next();
        x = s.mean + (sum - 6) * s.sd;
      }
      emit(x, i++);
    }
  }
}

/** The stream as a Float64Array. */
export function generate(spec: StreamSpec): Float64Array {
  const n = spec.segments.reduce((a, s) => a + s.length, 0);
  const out = new Float64Array(n);
  forEachValue(spec, (x, i) => {
    out[i] = x;
  });
  return out;
}
