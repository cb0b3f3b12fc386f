// the reader alone on the Kafka bench's JSON records (batches of 5,988): main's reader against the
// branch's, alternating, a new reader each round; readEventAt (worker) and read(line) (JSONL replay),
// ids and hashed (nameHashSeed set). Usage: node rd.mjs [rounds] [mode: at|line|hashed] [file of JSON lines]
const rounds = Number(process.argv[2] ?? 7);
const mode = process.argv[3] ?? 'at';
const { benchEvents } = await import('/work/wt-shape/dist/bench/kafka/events.js');
const Base = (await import('/tmp/s32-shape/base/dist/src/stream/jsonEventReader.js')).JsonEventReader;
const Branch = (await import('/work/wt-shape/dist/src/stream/jsonEventReader.js')).JsonEventReader;
const N = 5988 * 20;
const file = process.argv[4];
const texts = file ? (await import('node:fs')).readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(0, N) : [...benchEvents(N)].map((e) => JSON.stringify(e));
const bufs = texts.map((s) => Buffer.from(s));
const batches = [];
for (let b = 0; b < N; b += 5988) {
  const part = bufs.slice(b, b + 5988);
  const bytes = Buffer.concat(part);
  const starts = new Int32Array(part.length), ends = new Int32Array(part.length);
  let at = 0;
  part.forEach((v, i) => { starts[i] = at; ends[i] = at += v.length; });
  batches.push({ bytes, starts, ends });
}
const t = (f) => { const c = process.cpuUsage(); f(); const d = process.cpuUsage(c); return (d.user + d.system) / N; };
let sink = 0;
const run = (R) => {
  const r = new R();
  if (mode === 'hashed') r.internTable.nameHashSeed = 0;
  if (mode === 'line') return t(() => { for (const s of texts) sink += r.read(s, 'binomial', false) ? 1 : 0; });
  return t(() => { for (const { bytes, starts, ends } of batches) for (let i = 0; i < starts.length; i++) sink += r.readEventAt(bytes, starts[i], ends[i], 'binomial') ? 1 : 0; });
};
// ONLY=base|branch: that build's reader alone, for a profile (node --cpu-prof rd.mjs 8 at, ONLY=…)
if (process.env.ONLY) {
  for (let r = 0; r < rounds; r++) run(process.env.ONLY === 'base' ? Base : Branch);
  process.exit(0);
}
const x = [], y = [];
for (let r = 0; r < rounds; r++) { x.push(run(Base)); y.push(run(Branch)); }
const med = (v) => [...v].sort((p, q) => p - q)[v.length >> 1];
console.log(`${mode} ${file ?? 'kafka bench records'} load ${(await import('node:os')).loadavg()[0].toFixed(1)}`);
console.log('main   µs/record', x.map((v) => v.toFixed(2)).join(' '), 'median', med(x).toFixed(3));
console.log('branch µs/record', y.map((v) => v.toFixed(2)).join(' '), 'median', med(y).toFixed(3), sink);
