/**
 * The drift monitor's event-by-event input tests alone (loss tests off) on a JSONL stream's
 * featurized events, in batches of 1000 as the engine feeds them: the CPU the learning thread pays
 * for them, without reading, featurizing or learning. With `--against ROOT` (another build's
 * checkout, holding its `dist/`), that build's monitor runs in the same process, pass for pass in
 * ABBA order, and the median ratio of paired passes is printed: the machine's load moves both alike.
 * The first pass of each warms the JIT and is left out. Also prints a hash of each build's alerts
 * and input-detector state after its last pass (equal hashes: the same findings and state).
 * The batches carry each occurrence's field code (`Vocabulary.fieldCodes`, as the engine's do)
 * unless `--no-codes`.
 *
 *   npm run build && node dist/bench/drift/alone.js --input /tmp/s16/p200k.jsonl --hash-bits 20 \
 *     --reps 11 --against /work/main
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { SparseBuffer } from '../../src/core/sparse.js';
import { DriftMonitor } from '../../src/drift/index.js';
import { Featurizer } from '../../src/features/featurizer.js';
import type { LearnedBatch } from '../../src/stream/types.js';
import { inputBatch } from './inputBatch.js';

type Monitor = Pick<DriftMonitor, 'onBatch' | 'state'>;
type MonitorClass = new (options: { config: object; clock: () => Date }) => Monitor;

const { values } = parseArgs({
  options: {
    input: { type: 'string' },
    'hash-bits': { type: 'string' },
    reps: { type: 'string', default: '7' },
    against: { type: 'string' },
    'no-codes': { type: 'boolean', default: false },
  },
});
if (values.input === undefined) throw new Error('--input FILE.jsonl is required');
const hashBits = values['hash-bits'] === undefined ? undefined : Number(values['hash-bits']);
const reps = Number(values.reps);

const featurizer = new Featurizer(hashBits === undefined ? {} : { hashBits });
const buffer = new SparseBuffer();
const nameOf = (j: number) => featurizer.nameOf(j);
const fieldOf = (j: number) => featurizer.fieldOf(j);
const vocabulary = featurizer.vocabulary;
const withCodes = !values['no-codes'] && vocabulary.fieldCodes !== undefined;
const batches: LearnedBatch[] = [];
let indices: number[] = [];
let codes = new Int32Array(1 << 16);
let starts = [0];
let offset = 0;
const pack = () => {
  const b = inputBatch('alone', offset, Int32Array.from(starts), Int32Array.from(indices), nameOf, fieldOf);
  batches.push(
    withCodes ? { ...b, fieldCodes: codes.slice(0, indices.length), fieldNames: vocabulary.fieldNames! } : b,
  );
  offset += starts.length - 1;
  indices = [];
  starts = [0];
};
for (const line of readFileSync(values.input, 'utf8').split('\n')) {
  if (line.length === 0) continue;
  const error = featurizer.featurize(JSON.parse(line), buffer);
  if (error !== null) throw new Error(error);
  if (indices.length + buffer.nnz > codes.length) {
    const bigger = new Int32Array(2 * (indices.length + buffer.nnz));
    bigger.set(codes);
    codes = bigger;
  }
  if (withCodes) vocabulary.fieldCodes!(buffer.indices, buffer.nnz, codes, indices.length);
  for (let k = 0; k < buffer.nnz; k++) indices.push(buffer.indices[k]);
  starts.push(indices.length);
  if (starts.length === 1001) pack();
}
if (starts.length > 1) pack();

const builds: Array<{ name: string; Monitor: MonitorClass }> = [
  { name: 'this build', Monitor: DriftMonitor },
];
if (values.against !== undefined) {
  const url = new URL(`file://${resolve(values.against, 'dist/src/drift/index.js')}`).href;
  const theirs = (await import(url)) as { DriftMonitor: MonitorClass };
  builds.push({ name: values.against, Monitor: theirs.DriftMonitor });
}
const times = builds.map((): number[] => []);
const hashes = builds.map(() => '');
for (let r = 0; r < reps; r++) {
  for (let m = 0; m < builds.length; m++) {
    const k = r % 2 === 0 ? m : builds.length - 1 - m;
    const monitor = new builds[k].Monitor({ config: { loss: { enabled: false } }, clock: () => new Date(0) });
    const alerts: unknown[] = [];
    const c0 = process.cpuUsage();
    for (const b of batches) alerts.push(...monitor.onBatch(b));
    const c1 = process.cpuUsage(c0);
    times[k].push((c1.user + c1.system) / 1000);
    const { sequential, input } = monitor.state();
    const text = JSON.stringify([alerts, sequential, input], (_, v: unknown) =>
      ArrayBuffer.isView(v) ? Array.from(v as Int32Array) : v,
    );
    hashes[k] = createHash('sha1').update(text).digest('hex').slice(0, 12);
  }
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
const events = offset;
console.log(`${values.input}: ${events} events, ${reps} passes (the first left out), load ${loadAverage()}`);
builds.forEach((b, k) => {
  const t = times[k].slice(1);
  const ratios = t.map((v, i) => v / times[0][i + 1]);
  console.log(
    `${b.name}: median ${median(t).toFixed(0)} ms CPU (${((1000 * median(t)) / events).toFixed(2)} µs/event)` +
      `, ratio to this build ${median(ratios).toFixed(3)}; passes ${t.map((v) => v.toFixed(0)).join(' ')}; state ${hashes[k]}`,
  );
});

function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}
