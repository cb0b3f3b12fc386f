// The sequential detector alone on the bench's event shape (8 numbers, 1 of 50 sites, tags a,b | c); HEAP=1 allocation sampling
import inspector from 'node:inspector/promises';
const ROOT = process.env.ROOT ?? '/work/wt-kafka/dist';
const { SequentialSparsityDetector } = await import(`${ROOT}/src/drift/sequentialSparsity.js`);
const N = Number(process.env.EVENTS ?? 300000);
let s = 12345;
const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 2 ** 32);
// columns: 0..7 numbers, 8..57 site levels, 58 a, 59 b, 60 c
const indices = new Int32Array(N * 11), starts = new Int32Array(N + 1), codes = new Int32Array(N * 11);
let at = 0;
for (let i = 0; i < N; i++) {
  starts[i] = at;
  for (let j = 0; j < 8; j++) { indices[at] = j; codes[at++] = 1; }
  indices[at] = 8 + Math.floor(rand() * 50); codes[at++] = 2;
  if (rand() < 0.5) { indices[at] = 58; codes[at++] = 3; indices[at] = 59; codes[at++] = 3; } else { indices[at] = 60; codes[at++] = 3; }
}
starts[N] = at;
const fieldNames = ['', '', 'site', 'tags'];
const nameOf = (j) => (j < 8 ? `x${j}` : j < 58 ? `site=s${j - 8}` : `tags=${'abc'[j - 58]}`);
function run() {
  const d = new SequentialSparsityDetector({});
  const x = { indices, start: 0, end: 0, nameOf, fieldCodes: codes, fieldNames };
  const c0 = process.cpuUsage();
  let alerts = 0;
  for (let i = 0; i < N; i++) { x.start = starts[i]; x.end = starts[i + 1]; d.update(x); if (d.driftDetected) alerts++; }
  const c = process.cpuUsage(c0);
  return { us: (c.user + c.system) / N, alerts };
}
const REPS = Number(process.env.REPS ?? 5);
let session = null;
for (let r = 0; r < REPS; r++) {
  if (process.env.HEAP && r === REPS - 1) { session = new inspector.Session(); session.connect(); await session.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }); }
  const m0 = process.memoryUsage().heapUsed;
  const res = run();
  console.log(`run ${r + 1}: ${res.us.toFixed(3)} us/event, alerts ${res.alerts}`);
}
if (session) {
  const { profile } = await session.post("HeapProfiler.stopSampling"); (await import("node:fs")).writeFileSync("/tmp/s39k/seq.heapprofile", JSON.stringify(profile));
  const m = new Map(); let total = 0;
  const walk = (n, path) => { const cf = n.callFrame; const key = `${cf.functionName || '(anon)'}:${cf.lineNumber + 1} <- ${path}`; if (n.selfSize) m.set(key, (m.get(key) ?? 0) + n.selfSize); total += n.selfSize; for (const c of n.children) walk(c, cf.functionName); };
  walk(profile.head, '');
  console.log('sampled bytes/event', (total / N).toFixed(0));
  for (const [key, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log((v / N).toFixed(1).padStart(8), 'B/event', key);
}
