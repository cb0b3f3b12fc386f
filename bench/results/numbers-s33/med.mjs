import { readFileSync } from 'node:fs';
const rows = readFileSync(process.argv[2], 'utf8').split('\n').filter((l) => /^\w+ \w+ [\d.]+ [\d.]+$/.test(l));
const g = new Map();
for (const l of rows) { const [s, n, u, sy] = l.split(' '); const k = `${s} ${n}`; if (!g.has(k)) g.set(k, []); g.get(k).push(+u + +sy); }
const med = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
for (const [k, v] of g) console.log(k.padEnd(14), v.map((x) => x.toFixed(2)).join(' '), 'median', med(v).toFixed(2));
