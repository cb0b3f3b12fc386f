/**
 * The two seeded streams issue 14 measures the defaults on (bench/defaults/run.ts, and the tests
 * of the defaults):
 *
 * - `sparseIdStream`: sparse high-cardinality binary ids, as in ad scoring. `columns` ids with a
 *   Zipf-like popularity (log-uniform rank), 20–40 distinct ids per event, a planted logistic model
 *   on `informative` of them. Ids render as a string array (`ids: ["i17", ...]`: one-hot columns
 *   `ids=i17`) or, with `asNumbers`, as numeric features equal to 1 (`i17: 1`).
 * - `revenueStream`: a churn-like gaussian stream whose label is a revenue in its own units (sd ≈
 *   130): 20 numeric features on various scales of which 2 matter, a 3-level `plan` and the
 *   tenure in days; noise sd 40.
 *
 * Both report their planted model by feature name, and the sparse one its Bayes and best-constant
 * log losses (the floor, and what predicting the label rate gives).
 */
import { Rng } from '../../test/helpers/random.js';
import { columnName, generateStream, jsonlLine } from '../online/stream.js';

export interface StreamEvent {
  readonly label: number;
  readonly features: Record<string, number | string | boolean | string[]>;
}

export interface SparseIdStream {
  readonly events: StreamEvent[];
  /** Planted non-zero coefficients by feature name. */
  readonly truth: ReadonlyMap<string, number>;
  /** Mean log loss of the planted probabilities (what no learner beats on average). */
  readonly bayesLogLoss: number;
  /** Log loss of the best constant (the label rate of the whole stream). */
  readonly constantLogLoss: number;
}

export interface SparseIdOptions {
  readonly events?: number;
  readonly columns?: number;
  readonly informative?: number;
  readonly seed?: number;
  /** Render ids as numeric features equal to 1 instead of a string array. */
  readonly asNumbers?: boolean;
}

export function sparseIdStream(o: SparseIdOptions = {}): SparseIdStream {
  const n = o.events ?? 50_000;
  const d = o.columns ?? 20_000;
  const informative = o.informative ?? 20;
  const rng = new Rng(o.seed ?? 14);
  // Popularity rank r has frequency ∝ 1/(r+1); rank → id by a fixed permutation (a stride prime to d).
  const idOfRank = (r: number): number => (r * 7919 + 13) % d;
  const beta = new Float64Array(d);
  // True ids spread over the popular half of the ranks, so each is seen often enough to be learned.
  for (let planted = 0; planted < informative;) {
    const j = idOfRank(Math.floor(Math.exp(rng.next() * Math.log(d / 2))) - 1);
    if (beta[j] !== 0) continue;
    beta[j] = (planted % 2 === 0 ? 1 : -1) * (0.5 + 0.7 * rng.next());
    planted++;
  }
  const bias = -0.4;
  const logD = Math.log(d);
  const stamp = new Int32Array(d).fill(-1);
  const events: StreamEvent[] = [];
  let bayes = 0;
  let positives = 0;
  for (let e = 0; e < n; e++) {
    const k = 20 + rng.int(21);
    const ids: number[] = [];
    let eta = bias;
    while (ids.length < k) {
      const j = idOfRank(Math.floor(Math.exp(rng.next() * logD)) - 1);
      if (stamp[j] === e) continue;
      stamp[j] = e;
      ids.push(j);
      eta += beta[j];
    }
    const p = 1 / (1 + Math.exp(-eta));
    const y = rng.next() < p ? 1 : 0;
    positives += y;
    bayes += y === 1 ? -Math.log(p) : -Math.log1p(-p);
    const features: Record<string, number | string[]> = Object.create(null) as Record<string, never>;
    if (o.asNumbers) for (const j of ids) features[`i${j}`] = 1;
    else features.ids = ids.map((j) => `i${j}`);
    events.push({ label: y, features });
  }
  const truth = new Map<string, number>();
  for (let j = 0; j < d; j++) if (beta[j] !== 0) truth.set(o.asNumbers ? `i${j}` : `ids=i${j}`, beta[j]);
  const q = positives / n;
  const constantLogLoss = -(q * Math.log(q) + (1 - q) * Math.log1p(-q));
  return { events, truth, bayesLogLoss: bayes / n, constantLogLoss };
}

export interface RevenueStream {
  readonly events: StreamEvent[];
  /** Planted non-zero coefficients by feature name (`plan=basic` is the baseline level). */
  readonly truth: ReadonlyMap<string, number>;
  readonly noiseVariance: number;
}

/** The revenue stream, its label multiplied by `unit` (1: dollars, sd ≈ 130). */
export function revenueStream(
  o: { events?: number; seed?: number; unit?: number; offset?: number; noiseSd?: number } = {},
): RevenueStream {
  const n = o.events ?? 50_000;
  const unit = o.unit ?? 1;
  const rng = new Rng(o.seed ?? 41);
  const noiseSd = o.noiseSd ?? 40;
  // x0..x19 on scales from 0.01 to 1000; x3 (scale 100) and x11 (scale 0.01) matter.
  const scales = Array.from({ length: 20 }, (_, j) => [1, 0.01, 10, 100, 1000][j % 5]);
  const truth = new Map<string, number>([
    ['x3', 0.8],
    ['x11', 5000],
    ['tenure_days', 0.06],
    ['plan=plus', 60],
    ['plan=pro', 150],
  ]);
  const events: StreamEvent[] = [];
  for (let e = 0; e < n; e++) {
    const features: Record<string, number | string> = Object.create(null) as Record<string, never>;
    const tenure = rng.int(2000);
    const u = rng.next();
    const plan = u < 0.5 ? 'basic' : u < 0.8 ? 'plus' : 'pro';
    let y = 200 + 0.06 * tenure + (plan === 'plus' ? 60 : plan === 'pro' ? 150 : 0);
    for (let j = 0; j < 20; j++) {
      const v = Math.round((rng.normal() + (o.offset ?? 0)) * scales[j] * 1e4) / 1e4;
      features[`x${j}`] = v;
      y += (truth.get(`x${j}`) ?? 0) * v;
    }
    features.tenure_days = tenure;
    features.plan = plan;
    y += noiseSd * rng.normal();
    events.push({ label: Math.round(y * unit * 1e6) / 1e6, features });
  }
  const scaled = new Map([...truth].map(([k, v]) => [k, v * unit]));
  return { events, truth: scaled, noiseVariance: (noiseSd * unit) ** 2 };
}

export interface RareNumericStream extends SparseIdStream {
  /** The planted numeric columns' names (`n<j>`). */
  readonly numericTruth: readonly string[];
}

/**
 * The first `events` events of bench:online's stream (bench/online/stream.ts, its seed and
 * dimension 2^20 by default): 40 ± 10 non-zeros per event, one column in ten numeric N(0, 1), the
 * rest one-hot (`c<j mod 64>` = `<j div 64>`), Zipf-like popularity over about a million columns,
 * so most numeric columns are rare; a planted logistic model on 300 columns.
 */
export function rareNumericStream(events = 50_000, dimension = 1 << 20): RareNumericStream {
  const s = generateStream({ events, dimension, meanNnz: 40, informative: 300, seed: 20260523 });
  const truth = new Map<string, number>();
  s.beta!.forEach((b, j) => b !== 0 && truth.set(columnName(j), b));
  const lines: StreamEvent[] = [];
  let ones = 0;
  for (let e = 0; e < events; e++) {
    lines.push(JSON.parse(jsonlLine(s, e)) as StreamEvent);
    ones += s.labels[e]!;
  }
  const p = ones / events;
  return {
    events: lines,
    truth,
    numericTruth: [...truth.keys()].filter((k) => k.startsWith('n')),
    bayesLogLoss: s.bayesLogLoss,
    constantLogLoss: -(p * Math.log(p) + (1 - p) * Math.log(1 - p)),
  };
}
