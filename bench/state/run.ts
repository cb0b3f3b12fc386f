/**
 * Checkpoint size and speed: an FTRL state of 2^18 and 2^20 touched columns, and a whole binomial
 * OnlineModel with its drift monitor, encoded with `encodeState` (V8 structured clone + header)
 * next to the raw typed-array bytes and to JSON text. Prints a markdown table (median of 5 runs).
 *
 * Run: npx tsx bench/state/run.ts
 */
import { SparseBuffer } from '../../src/core/sparse.js';
import { DriftMonitor } from '../../src/drift/index.js';
import { Ftrl } from '../../src/learn/ftrl.js';
import type { LearnerState } from '../../src/learn/learner.js';
import { OnlineModel } from '../../src/model/onlineModel.js';
import { decodeState, encodeState } from '../../src/model/stateCodec.js';

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[s.length >> 1];
}

function time(f: () => void, runs = 5): number {
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = process.hrtime.bigint();
    f();
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(ms);
}

function ftrlWith(columns: number): Ftrl {
  const ftrl = new Ftrl({ family: 'binomial', lambda: 1e-4 });
  const x = new SparseBuffer(64);
  for (let e = 0; e < columns / 64; e++) {
    x.clear();
    for (let k = 0; k < 64; k++) x.push(e * 64 + k, ((k % 7) - 3) / 3 || 0.5);
    ftrl.learnOne(x, e % 3 === 0 ? 1 : 0);
  }
  return ftrl;
}

const mb = (n: number) => (n / 2 ** 20).toFixed(2);
const rows: string[] = [];

for (const bits of [18, 20]) {
  const ftrl = ftrlWith(2 ** bits);
  const raw = Object.values(ftrl.state().arrays).reduce((n, a) => n + a.byteLength, 0);
  let bytes: Uint8Array = new Uint8Array(0);
  const stateMs = time(() => void ftrl.state());
  const encodeMs = time(() => (bytes = encodeState(ftrl.state())));
  const decodeMs = time(() =>
    new Ftrl({ family: 'binomial', lambda: 1e-4 }).restore(decodeState(bytes) as LearnerState),
  );
  const s = ftrl.state();
  const json = JSON.stringify({
    ...s,
    arrays: Object.fromEntries(Object.entries(s.arrays).map(([k, a]) => [k, Array.from(a)])),
  });
  rows.push(
    `| FTRL 2^${bits} columns | ${mb(raw)} | ${mb(bytes.length)} (${(bytes.length / raw).toFixed(4)}×) | ${mb(json.length)} | ${stateMs.toFixed(1)} | ${encodeMs.toFixed(1)} | ${decodeMs.toFixed(1)} |`,
  );
}

// A whole keyed model: 20 000 binomial events over 200 one-hot and numeric features, with drift.
const model = new OnlineModel({ family: 'binomial', key: 'c7', hashBits: 18 });
const monitor = new DriftMonitor({ family: 'binomial' });
for (let i = 0; i < 20_000; i++) {
  model.process({
    features: { age: (i * 7919) % 97, country: `c${i % 200}`, premium: i % 3 === 0 },
    label: i % 5 === 0 ? 1 : 0,
  });
  if (i % 2000 === 1999) monitor.onSnapshot(model.snapshot());
}
let modelBytes: Uint8Array = new Uint8Array(0);
const whole = () => ({ model: model.checkpoint(), drift: monitor.state() });
const encodeMs = time(() => (modelBytes = encodeState(whole())));
const decodeMs = time(() => {
  const back = decodeState(modelBytes) as ReturnType<typeof whole>;
  OnlineModel.restore({ family: 'binomial', key: 'c7', hashBits: 18 }, back.model);
  DriftMonitor.fromState({ family: 'binomial' }, back.drift);
});
rows.push(
  `| OnlineModel (hashBits 18, 20k events, AUC reservoir) + DriftMonitor | – | ${mb(modelBytes.length)} | – | – | ${encodeMs.toFixed(1)} | ${decodeMs.toFixed(1)} |`,
);

console.log(`Node ${process.version}, ${new Date().toISOString()}\n`);
console.log(
  '| state | raw typed arrays (MiB) | encoded (MiB) | JSON text (MiB) | state() ms | state()+encode ms | decode+restore ms |',
);
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
