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
// batches of 5,988 records on one buffer each, as the Kafka worker gets them: [bytes, bounds]
const batches = [];
for (let b = 0; b < n; b += 5988) {
  const part = texts.slice(b, b + 5988);
  const bounds = [0];
  for (const s of part) bounds.push(bounds.at(-1) + Buffer.byteLength(s));
  batches.push([Buffer.from(part.join('')), bounds]);
}
const t = (f) => { const c = process.cpuUsage(); f(); const d = process.cpuUsage(c); return (d.user + d.system) / n; };
let sink = 0;
const run = (R) => {
  const r = new R();
  if (mode === 'line') return t(() => { for (const s of texts) sink += r.read(s, 'binomial', false) ? 1 : 0; });
  return t(() => { for (const [bytes, bounds] of batches) for (let i = 1; i < bounds.length; i++) sink += r.readEventAt(bytes, bounds[i - 1], bounds[i], 'binomial') ? 1 : 0; });
};
// ONLY=put|branch: that build alone, `rounds` times (for cachegrind: cg.sh); else both, alternating
const builds = process.env.ONLY ? [process.env.ONLY === 'put' ? A : B] : [A, B];
const times = builds.map(() => []);
for (let r = 0; r < rounds; r++) builds.forEach((R, k) => times[k].push(run(R)));
if (!process.env.ONLY) {
  const med = (v) => [...v].sort((p, q) => p - q)[v.length >> 1];
  console.log(`${mode} ${file} ${n} records, load ${loadavg()[0].toFixed(1)}`);
  ['put   ', 'branch'].forEach((name, k) => console.log(name, 'µs/record', times[k].map((v) => v.toFixed(3)).join(' '), 'median', med(times[k]).toFixed(3)));
  console.log('records read', sink);
}
