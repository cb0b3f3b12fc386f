// self time per function (and per file) of a .cpuprofile; argv: file [top] 
import fs from 'node:fs';
const [file, topArg] = process.argv.slice(2);
const p = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const counts = new Map();
for (const s of p.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
const total = p.samples.length;
const fn = new Map(), files = new Map();
const lines = new Map();
for (const n of p.nodes) {
  const c = counts.get(n.id) ?? 0; if (!c) continue;
  const cf = n.callFrame;
  const f = cf.url.replace(/^.*\/(dist|node_modules)\//, '$1/');
  const k = `${cf.functionName || '(anon)'} ${f}:${cf.lineNumber + 1}`;
  fn.set(k, (fn.get(k) ?? 0) + c);
  files.set(f || cf.functionName, (files.get(f || cf.functionName) ?? 0) + c);
  for (const pt of n.positionTicks ?? []) { const lk = `${f}:${pt.line}`; lines.set(lk, (lines.get(lk) ?? 0) + pt.ticks); }
}
const show = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).forEach(([k, v]) => console.log((100 * v / total).toFixed(2).padStart(6), '%', k));
console.log('samples', total);
console.log('--- functions'); show(fn, Number(topArg ?? 60));
console.log('--- files'); show(files, 40);
if (process.env.LINES) { console.log('--- lines'); show(lines, Number(process.env.LINES)); }
