import fs from 'node:fs';
const files = process.argv.slice(2); const fn = new Map(); const lines = new Map(); let total = 0;
for (const file of files) { const p = JSON.parse(fs.readFileSync(file, 'utf8'));
  const counts = new Map(); for (const s of p.samples) counts.set(s, (counts.get(s) ?? 0) + 1); total += p.samples.length;
  for (const n of p.nodes) { const c = counts.get(n.id) ?? 0; if (!c) continue; const cf = n.callFrame; const f = cf.url.replace(/^.*\/(dist|node_modules)\//, '');
    const k = `${cf.functionName || '(anon)'} ${f}:${cf.lineNumber + 1}`; fn.set(k, (fn.get(k) ?? 0) + c);
    for (const pt of n.positionTicks ?? []) { const lk = `${f}:${pt.line}`; lines.set(lk, (lines.get(lk) ?? 0) + pt.ticks); } } }
const re = new RegExp(process.env.RE ?? '.');
const show = (m, n) => [...m].filter(([k]) => re.test(k)).sort((a, b) => b[1] - a[1]).slice(0, n).forEach(([k, v]) => console.log((100 * v / total).toFixed(2).padStart(6), '%', k));
console.log('samples', total); show(fn, Number(process.env.TOP ?? 50)); if (process.env.LINES) { console.log('--- lines'); show(lines, Number(process.env.LINES)); }
