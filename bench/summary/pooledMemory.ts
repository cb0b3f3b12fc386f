/**
 * Peak memory of the end-of-run summary of a keyed binomial run: `keys` models, each with a full
 * AUC reservoir of `sample` scores out of twice as many events (restored from a checkpoint, as a
 * summary restores evicted models), pooled into one set of metrics over all keys.
 *
 * `held`: every key's metrics kept until all are pooled at once (what the summary did before
 * pooling as it visits). `visited`: each key's metrics added to the pool as it is restored, then
 * let go. Prints the peak RSS and the time.
 *
 * Run: node --expose-gc node_modules/.bin/tsx bench/summary/pooledMemory.ts held|visited [keys] [sample]
 */
import { ProgressiveMetrics, type ProgressiveMetricsState } from '../../src/metrics/progressive.js';

const mode = process.argv[2] ?? 'visited';
const keys = Number(process.argv[3] ?? 200);
const sample = Number(process.argv[4] ?? 1 << 16);

/** The checkpointed metrics of key `k`: a reservoir of `sample` scores, half the events seen. */
function stateOf(k: number): ProgressiveMetricsState {
  let s = (k + 1) * 2654435761;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const scores = new Float64Array(sample);
  const positive = new Uint8Array(sample);
  for (let i = 0; i < sample; i++) {
    scores[i] = Math.round(u() * 1e4) / 1e4;
    positive[i] = u() < 0.1 + 0.5 * scores[i] ? 1 : 0;
  }
  const events = 2 * sample;
  return {
    family: 'binomial',
    weight: events,
    count: events,
    sumLoss: 0.5 * events,
    sumAbs: 0,
    sumSq: 0.2 * events,
    sumY: 0.3 * events,
    sumY2: 0.3 * events,
    sumConstantLoss: 0.6 * events,
    auc: { capacity: sample, seen: events, rngState: k + 1, scores, positive },
  };
}

const started = performance.now();
let pooled: ProgressiveMetrics;
if (mode === 'held') {
  const parts: ProgressiveMetrics[] = [];
  for (let k = 0; k < keys; k++) parts.push(ProgressiveMetrics.fromState(stateOf(k)));
  pooled = ProgressiveMetrics.pooled('binomial', parts);
} else {
  pooled = ProgressiveMetrics.pool('binomial');
  for (let k = 0; k < keys; k++) pooled.add(ProgressiveMetrics.fromState(stateOf(k)));
}
const auc = pooled.summary().auc;
const seconds = (performance.now() - started) / 1000;
const peakMb = process.resourceUsage().maxRSS / 1024;
console.log(
  `${mode}: ${keys} keys × ${sample} samples: AUC ${auc.toFixed(6)}, peak RSS ${peakMb.toFixed(0)} MB, ${seconds.toFixed(1)} s`,
);
