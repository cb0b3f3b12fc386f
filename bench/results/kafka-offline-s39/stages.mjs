// worker profile by stage: each sample to the nearest frame (leaf upwards) in one of our files; startup left out
import fs from 'node:fs';
const files = process.argv.slice(2);
const groups = [
  ['startup', /node:internal\/modules|node:internal\/bootstrap|cjs-module-lexer|^compile|^wrapSafe/],
  ['avro decode', /codecs\/(avroEventReader|avro|utf8Cache|wireFormat)\.js/],
  ['json decode', /jsonEventReader|decimalToDouble|internTable|stringCache/],
  ['unpack+decodeEvents', /packedBatch|decodeEvents|core\/event\.js/],
  ['drift', /src\/drift\/|driftView|detectDrift/],
  ['scaler', /onlineScaler/],
  ['featurize', /featurizer|vocabulary|murmur3|namedValues|numericStrings/],
  ['model+learner', /onlineModel|src\/learn\/|src\/loss\//],
  ['metrics', /src\/metrics\//],
  ['batch plumbing', /stream\/(learn|learnByKey|routeByKey|snapshotEvery|refitEvery|publish)\.js|engine\/|liveModel|registry/],
  ['sink/snapshots', /kafka\/sink|stateCodec|snapshotScorer|report/],
  ['rxjs', /node_modules\/rxjs/],
];
const tot = new Map(); let all = 0;
for (const file of files) {
  const p = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map();
  const stageOf = (id) => {
    if (memo.has(id)) return memo.get(id);
    const n = byId.get(id); const cf = n.callFrame;
    const s = cf.url + ' ' + cf.functionName;
    let g = null;
    if (cf.functionName === '(garbage collector)') g = 'GC';
    else if (cf.functionName === '(program)' || cf.functionName === '(idle)') g = 'program/idle';
    else for (const [name, re] of groups) if (re.test(s) || re.test(cf.functionName)) { g = name; break; }
    if (g === null) { const par = parent.get(id); g = par === undefined ? 'other' : stageOf(par); }
    memo.set(id, g); return g;
  };
  // startup wins if any ancestor is module loading
  const startup = new Map();
  const isStart = (id) => { if (startup.has(id)) return startup.get(id); const n = byId.get(id); const s = n.callFrame.url + ' ' + n.callFrame.functionName; let r = groups[0][1].test(s) && !/run/.test(n.callFrame.functionName); const par = parent.get(id); if (!r && par !== undefined) r = isStart(par); startup.set(id, r); return r; };
  for (const s of p.samples) { const g = isStart(s) ? 'startup' : stageOf(s); tot.set(g, (tot.get(g) ?? 0) + 1); all++; }
}
const run = all - (tot.get('startup') ?? 0) - (tot.get('program/idle') ?? 0);
const per = Number(process.env.US ?? 0);
console.log('samples', all, 'engine-run samples (no startup/idle)', run);
for (const [k, v] of [...tot].sort((a, b) => b[1] - a[1])) console.log(k.padEnd(22), String(v).padStart(6), (100 * v / run).toFixed(1).padStart(6) + ' %', per ? (per * v / run).toFixed(3) + ' us' : '');
