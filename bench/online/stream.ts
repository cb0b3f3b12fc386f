/**
 * The benchmark's seeded sparse binary-classification stream, held pre-featurized in flat typed
 * arrays (CSR rows), and its two text renderings: JSONL events (DESIGN §2) for the replay
 * pipeline and Vowpal Wabbit's text format for the peer.
 *
 * Features are drawn from `dimension` columns with a Zipf-like (s = 1, log-uniform rank)
 * frequency: a few columns appear in most events, most are rare. One column in ten is numeric
 * (value ~ N(0, 1), named `n<id>` in JSONL); the rest are one-hot (value 1, rendered as the
 * categorical `c<id mod 64>=<id div 64>`, so JSONL exercises strings and string arrays). Labels
 * come from a planted sparse logistic model on `informative` columns.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

/** splitmix32-style seeded generator in [0, 1): fast, and the same stream on every machine. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x9e3779b9) | 0;
    let z = this.s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  }
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}

export interface StreamOptions {
  readonly events: number;
  /** Number of columns (a power of two). */
  readonly dimension: number;
  /** Mean non-zeros per event (uniform on [mean − 10, mean + 10]). */
  readonly meanNnz: number;
  readonly informative: number;
  readonly seed: number;
}

export interface SparseStream {
  readonly events: number;
  readonly dimension: number;
  /** Row k is indices/values[offsets[k] .. offsets[k+1]). */
  readonly offsets: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float64Array;
  /** 0/1 labels. */
  readonly labels: Float64Array;
  readonly totalNnz: number;
  /** Columns with a non-zero planted coefficient. */
  readonly informative: number;
  /** The planted coefficients (length `dimension`; most are 0). */
  readonly beta?: Float64Array;
  /** Bayes log loss: mean of the planted model's own log loss (the floor no learner beats on average). */
  readonly bayesLogLoss: number;
}

/** Column id of frequency rank r: an odd multiplier is a bijection modulo a power of two. */
function columnOfRank(rank: number, dimension: number): number {
  return Math.imul(rank, 0x9e3779b1) & (dimension - 1);
}

export function isNumericColumn(j: number): boolean {
  return j % 10 === 0;
}

export function generateStream(o: StreamOptions): SparseStream {
  const rng = new Rng(o.seed);
  const d = o.dimension;
  // Planted model: informative columns spread over frequency ranks 0 .. 20000.
  const beta = new Float64Array(d);
  for (let i = 0; i < o.informative; i++) {
    const j = columnOfRank(Math.floor(rng.next() * 20000), d);
    beta[j] = rng.normal() * 0.8;
  }
  const bias = -0.5;
  const capacity = Math.ceil(o.events * (o.meanNnz + 11));
  const offsets = new Int32Array(o.events + 1);
  let indices = new Int32Array(capacity);
  let values = new Float64Array(capacity);
  const labels = new Float64Array(o.events);
  const stamp = new Int32Array(d).fill(-1);
  const logD = Math.log(d);
  let pos = 0;
  let bayes = 0;
  for (let e = 0; e < o.events; e++) {
    const k = o.meanNnz - 10 + Math.floor(rng.next() * 21);
    let eta = bias;
    for (let c = 0; c < k; c++) {
      let j: number;
      do {
        const rank = Math.floor(Math.exp(rng.next() * logD)) - 1;
        j = columnOfRank(rank, d);
      } while (stamp[j] === e);
      stamp[j] = e;
      const v = isNumericColumn(j) ? Math.round(rng.normal() * 1000) / 1000 || 0.001 : 1;
      indices[pos] = j;
      values[pos] = v;
      eta += beta[j] * v;
      pos++;
    }
    offsets[e + 1] = pos;
    const p = 1 / (1 + Math.exp(-eta));
    const y = rng.next() < p ? 1 : 0;
    labels[e] = y;
    bayes += y === 1 ? -Math.log(p) : -Math.log1p(-p);
  }
  indices = indices.slice(0, pos);
  values = values.slice(0, pos);
  return {
    events: o.events,
    dimension: d,
    offsets,
    indices,
    values,
    labels,
    totalNnz: pos,
    informative: o.informative,
    beta,
    bayesLogLoss: bayes / o.events,
  };
}

/** Buffered text writer: one writeSync per ~4 MB. */
export class TextSink {
  private readonly fd: number;
  private parts: string[] = [];
  private size = 0;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  write(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size > 4_000_000) this.flush();
  }
  private flush(): void {
    writeSync(this.fd, this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** VW text format: `±1 |f <id>:<value> ...` (labels −1/+1 for the logistic loss). */
export function writeVw(s: SparseStream, path: string): void {
  const out = new TextSink(path);
  for (let e = 0; e < s.events; e++) {
    let line = s.labels[e] === 1 ? '1 |f' : '-1 |f';
    for (let p = s.offsets[e]; p < s.offsets[e + 1]; p++) {
      const v = s.values[p];
      line += v === 1 ? ` ${s.indices[p]}` : ` ${s.indices[p]}:${v}`;
    }
    out.write(line + '\n');
  }
  out.close();
}

/** The feature name of column j in the JSONL form (`writeJsonl`): `n<j>`, or `c<j mod 64>=<j div 64>`. */
export function columnName(j: number): string {
  return isNumericColumn(j) ? `n${j}` : `c${j & 63}=${j >> 6}`;
}

/** JSONL events: numeric columns as `n<id>: value`, one-hot columns as `c<id mod 64>: "<id div 64>"`. */
export function writeJsonl(s: SparseStream, path: string): void {
  const out = new TextSink(path);
  for (let e = 0; e < s.events; e++) out.write(`${jsonlLine(s, e)}\n`);
  out.close();
}

/** Event e as a JSONL line (`writeJsonl`). */
export function jsonlLine(s: SparseStream, e: number): string {
  const fields = new Map<string, string[]>();
  let body = '';
  for (let p = s.offsets[e]; p < s.offsets[e + 1]; p++) {
    const j = s.indices[p];
    if (isNumericColumn(j)) {
      body += `${body ? ',' : ''}"n${j}":${s.values[p]}`;
    } else {
      const f = `c${j & 63}`;
      const list = fields.get(f);
      if (list) list.push(String(j >> 6));
      else fields.set(f, [String(j >> 6)]);
    }
  }
  for (const [f, vs] of fields) {
    body += `${body ? ',' : ''}"${f}":${vs.length === 1 ? `"${vs[0]}"` : JSON.stringify(vs)}`;
  }
  return `{"label":${s.labels[e]},"features":{${body}}}`;
}

/** The first `events` events of a stream (views, no copy of the rows). */
export function prefix(s: SparseStream, events: number): SparseStream {
  const end = s.offsets[events];
  return {
    ...s,
    events,
    offsets: s.offsets.subarray(0, events + 1),
    indices: s.indices.subarray(0, end),
    values: s.values.subarray(0, end),
    labels: s.labels.subarray(0, events),
    totalNnz: end,
  };
}
