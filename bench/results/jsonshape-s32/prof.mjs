const which = process.argv[2];
const mode = process.argv[3] ?? 'at';
const { benchEvents } = await import('/work/wt-shape/dist/bench/kafka/events.js');
const R = (await import(which === 'base' ? '/tmp/s32-shape/base/dist/src/stream/jsonEventReader.js' : '/work/wt-shape/dist/src/stream/jsonEventReader.js')).JsonEventReader;
const N = 5988 * 20;
const bufs = [...benchEvents(N)].map((e) => Buffer.from(JSON.stringify(e)));
const batches = [];
for (let b = 0; b < N; b += 5988) {
  const part = bufs.slice(b, b + 5988);
  const bytes = Buffer.concat(part);
  const starts = new Int32Array(part.length), ends = new Int32Array(part.length);
  let at = 0;
  part.forEach((v, i) => { starts[i] = at; ends[i] = at += v.length; });
  batches.push({ bytes, starts, ends });
}
let sink = 0;
for (let round = 0; round < 8; round++) {
  const r = new R();
  if (mode === 'hashed') r.internTable.nameHashSeed = 0;
  for (const { bytes, starts, ends } of batches) for (let i = 0; i < starts.length; i++) sink += r.readEventAt(bytes, starts[i], ends[i], 'binomial') ? 1 : 0;
}
console.log(sink);
