import fs from 'node:fs';
const dir = process.argv[2];
const f = fs.readdirSync(dir).filter((x) => x.endsWith('.cpuprofile')).map((x) => dir + '/' + x)[0];
const p = JSON.parse(fs.readFileSync(f));
const dt = new Map(); p.samples.forEach((s, i) => dt.set(s, (dt.get(s) ?? 0) + (p.timeDeltas[i] ?? 0)));
const self = new Map(); let reader = 0;
for (const n of p.nodes) {
  const t = dt.get(n.id) ?? 0; const u = n.callFrame.url;
  if (!/jsonEventReader|decimalToDouble|internTable|lineEvent|event\.js|murmur3|node:buffer/.test(u) && !/latin1Slice|isAscii/.test(n.callFrame.functionName)) continue;
  reader += t; const k = n.callFrame.functionName; self.set(k, (self.get(k) ?? 0) + t);
}
console.log('reader total ms', (reader / 1000).toFixed(0));
for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 14)) console.log((100 * t / reader).toFixed(1).padStart(5), '%', k);
