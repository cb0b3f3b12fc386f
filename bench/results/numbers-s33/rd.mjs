// The reader alone: put's (s33-put) JsonEventReader against the branch's, alternating, a new reader
// each round. Usage: node rd.mjs ROUNDS MODE FILE [N]   MODE: line (read, JSONL replay) | at (readEventAt, batches of 5,988)
// ONLY=put|branch: one build alone (for a profile or an instruction count).
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
const rounds = Number(process.argv[2] ?? 7);
const mode = process.argv[3] ?? 'line';
const file = process.argv[4];
const N = Number(process.argv[5] ?? 100000);
const A = (await import(process.env.BASE ?? '/tmp/nums/put/dist/src/stream/jsonEventReader.js')).JsonEventReader;
const B = (await import('/work/wt-numbers/dist/src/stream/jsonEventReader.js')).JsonEventReader;
const texts = readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(0, N);
const n = texts.length;
const batches = [];
for (let b = 0; b < n; b += 5988) {
  const part = texts.slice(b, b + 5988).map((s) => Buffer.from(s));
  const bytes = Buffer.concat(part);
  const starts = new Int32Array(part.length), ends = new Int32Array(part.length);
  let at = 0;
  part.forEach((v, i) => { starts[i] = at; ends[i] = at += v.length; });
  batches.push({ bytes, starts, ends });
}
const t = (f) => { const c = process.cpuUsage(); f(); const d = process.cpuUsage(c); return (d.user + d.system) / n; };
let sink = 0;
const run = (R) => {
  const r = new R();
  if (mode === 'line') return t(() => { for (const s of texts) sink += r.read(s, 'binomial', false) ? 1 : 0; });
  return t(() => { for (const { bytes, starts, ends } of batches) for (let i = 0; i < starts.length; i++) sink += r.readEventAt(bytes, starts[i], ends[i], 'binomial') ? 1 : 0; });
};
if (process.env.ONLY) {
  for (let r = 0; r < rounds; r++) run(process.env.ONLY === 'put' ? A : B);
  process.exit(0);
}
const x = [], y = [];
for (let r = 0; r < rounds; r++) { x.push(run(A)); y.push(run(B)); }
const med = (v) => [...v].sort((p, q) => p - q)[v.length >> 1];
console.log(`${mode} ${file} ${n} records, load ${loadavg()[0].toFixed(1)}`);
console.log('put    µs/record', x.map((v) => v.toFixed(3)).join(' '), 'median', med(x).toFixed(3));
console.log('branch µs/record', y.map((v) => v.toFixed(3)).join(' '), 'median', med(y).toFixed(3), sink);
