// the JSON reader alone over the bench's records (batches of 5988, read in place), main vs branch alternating
import fs from 'node:fs';
const raw = fs.readFileSync('/tmp/s39k/data-json-300000.bin');
const n = raw.readUInt32LE(0);
const ends = new Int32Array(raw.buffer.slice(raw.byteOffset + 4, raw.byteOffset + 4 + 4 * n));
const all = raw.subarray(4 + 4 * n);
const batches = [];
for (let b = 0, at = 0; b < n; b += 5988) {
  const e = Math.min(n, b + 5988);
  const base = at;
  const buf = Buffer.from(all.subarray(at, ends[e - 1]));
  const starts = [], stops = [];
  for (let j = b; j < e; j++) { starts.push(at - base); stops.push(ends[j] - base); at = ends[j]; }
  batches.push({ buf, starts, stops });
}
const mods = {};
for (const [k, root] of [['main', '/work/main/dist'], ['branch', '/work/wt-kafka/dist']].filter(([k]) => !process.env.ONLY || k === process.env.ONLY)) mods[k] = (await import(`${root}/src/index.js`)).JsonEventReader;
const run = (R) => {
  const r = new R();
  const c0 = process.cpuUsage();
  let sum = 0;
  for (const { buf, starts, stops } of batches) for (let i = 0; i < starts.length; i++) { const e = r.readEventAt(buf, starts[i], stops[i], 'binomial'); if (e !== null) sum += e.label; }
  const c = process.cpuUsage(c0);
  return { us: (c.user + c.system) / n, sum };
};
const res = { main: [], branch: [] };
for (let r = 0; r < Number(process.env.ROUNDS ?? 7); r++) for (const k of (r % 2 ? ['branch', 'main'] : ['main', 'branch']).filter((k) => mods[k])) res[k].push(run(mods[k]).us);
const med = (a) => [...a].sort((x, y) => x - y)[(a.length - 1) >> 1];
for (const k of ['main', 'branch'].filter((k) => mods[k])) console.log(k, res[k].map((x) => x.toFixed(3)).join(' '), 'median', med(res[k]).toFixed(3), 'us/record');
