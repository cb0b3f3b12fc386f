import { growFloat64 } from '../core/sparse.js';

/**
 * Exact ROC AUC (Mann–Whitney U with ties counted one half) over the scored events, kept in typed
 * arrays up to `capacity` events; past that, a uniform reservoir sample of `capacity` events is
 * kept (Vitter's algorithm R, seeded), so memory stays bounded on endless streams.
 */
export class StreamingAuc {
  private scores = new Float64Array(1024);
  private labels = new Float64Array(1024);
  private size = 0;
  private seen = 0;
  private rngState: number;

  constructor(
    readonly capacity = 1 << 21,
    seed = 1,
  ) {
    this.rngState = seed >>> 0 || 1;
  }

  private random(): number {
    let x = this.rngState;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rngState = x >>> 0;
    return this.rngState / 4294967296;
  }

  update(score: number, label: number): void {
    this.seen++;
    if (this.size < this.capacity) {
      if (this.size === this.scores.length) {
        this.scores = growFloat64(this.scores, this.size + 1);
        this.labels = growFloat64(this.labels, this.size + 1);
      }
      this.scores[this.size] = score;
      this.labels[this.size] = label;
      this.size++;
      return;
    }
    const r = Math.floor(this.random() * this.seen);
    if (r < this.capacity) {
      this.scores[r] = score;
      this.labels[r] = label;
    }
  }

  /** Events the AUC is computed over (all of them until the reservoir is full). */
  get sampled(): number {
    return this.size;
  }

  /** The AUC, or NaN when only one class has been seen. */
  value(): number {
    return aucOf(this.scores.subarray(0, this.size), this.labels.subarray(0, this.size));
  }
}

/** Exact AUC of scores against 0/1 labels (NaN if a class is missing). */
export function aucOf(scores: Float64Array, labels: Float64Array): number {
  const n = scores.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let rankSum = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const midRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]] === 1) {
        positives++;
        rankSum += midRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
