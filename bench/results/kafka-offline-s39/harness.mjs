// The offline bench's runJob in this thread (ROOT = a dist dir), REPS runs; HEAP=1: allocation sampling of the last run
import { createHash } from 'node:crypto';
import inspector from 'node:inspector/promises';
import fs from 'node:fs';
const ROOT = process.env.ROOT ?? '/work/wt-kafka/dist';
const FORMAT = process.env.FORMAT ?? 'avro';
const N = Number(process.env.EVENTS ?? 300000);
const REPS = Number(process.env.REPS ?? 3);
const k = await import(`${ROOT}/connectors/kafka/index.js`);
const { packBatch, unpackBatch } = await import(`${ROOT}/connectors/kafka/packedBatch.js`);
const { Engine, JsonEventReader, checkEngineConfig } = await import(`${ROOT}/src/index.js`);
const { benchEvents } = await import(`${ROOT}/bench/kafka/events.js`);
const { eachTurn } = await import(`${ROOT}/bench/kafka/stages.js`);
const { threadCpuSeconds } = await import(`${ROOT}/connectors/kafka/threadCpu.js`);
const cacheFile = `/tmp/s39k/data-${FORMAT}-${N}.bin`;
let all, ends;
if (fs.existsSync(cacheFile)) {
  const raw = fs.readFileSync(cacheFile);
  const n = raw.readUInt32LE(0);
  ends = new Int32Array(raw.buffer.slice(raw.byteOffset + 4, raw.byteOffset + 4 + 4 * n));
  all = raw.subarray(4 + 4 * n);
} else {
  const encoder = await k.AvroEncoder.create({ schema: k.shippedSchema('event'), schemaId: 1 });
  const values = [];
  for (const e of benchEvents(N)) values.push(FORMAT === 'avro' ? encoder.encode(e) : Buffer.from(JSON.stringify(e), 'utf8'));
  all = Buffer.concat(values);
  ends = new Int32Array(values.length);
  for (let i = 0, at = 0; i < values.length; i++) ends[i] = at += values[i].length;
  const head = Buffer.alloc(4); head.writeUInt32LE(values.length);
  fs.writeFileSync(cacheFile, Buffer.concat([head, Buffer.from(ends.buffer), all]));
}
const packed = [];
for (let b = 0, at = 0; b < ends.length; b += 5988) {
  const messages = [];
  for (let j = b; j < Math.min(ends.length, b + 5988); j++) messages.push({ key: null, value: all.subarray(at, (at = ends[j])), offset: String(j), headers: {} });
  packed.push(packBatch({ topic: 'bench', partition: 0, messages, lastOffset: messages.at(-1).offset, records: [] }));
}
const timeless = (t) => t.replace(/"\d{4}-\d\d-\d\dT[\d:.]+Z"/g, '"…"');
async function runJob() {
  const hash = createHash('sha256');
  let messages = 0;
  const channel = { connect: async () => undefined, disconnect: async () => undefined, sendBatch: async (batch) => {
    for (const { topic, messages: list } of batch.topicMessages ?? []) for (const m of list) { messages++; hash.update(`${topic}\u0000${String(m.key)}\u0000`); if (m.value != null) hash.update(timeless(m.value.toString('latin1'))); hash.update(timeless(JSON.stringify(m.headers ?? null))); }
    return []; } };
  const sink = new k.KafkaSink({}, { topics: k.outputTopics('bench'), createTopics: false, channel });
  await sink.start();
  const config = checkEngineConfig({ model: { family: 'binomial', key: 'bench', learner: 'ftrl', lambda: 1e-4 }, snapshots: { everyEvents: 100_000, everySeconds: 'Infinity' }, refit: { enabled: false } });
  const decoder = FORMAT === 'avro' ? new k.AvroDecoder({ writerSchemas: new Map([[1, k.shippedSchema('event')]]) }) : new JsonEventReader();
  const inPlace = { decoder, family: 'binomial' };
  const source = { batches$: eachTurn(packed.length, (i) => unpackBatch(packed[i], inPlace)), commit: async () => undefined };
  const engine = new Engine(config, { source, sink }, { partSize: Number(process.env.PART ?? 512), decoder });
  const t0 = threadCpuSeconds();
  await engine.run();
  const t = threadCpuSeconds();
  await sink.close();
  return { us: ((t - t0) * 1e6) / N, out: hash.digest('hex').slice(0, 16), messages };
}
let session = null;
for (let r = 0; r < REPS; r++) {
  if (process.env.HEAP && r === REPS - 1) {
    session = new inspector.Session(); session.connect();
    await session.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  }
  const res = await runJob();
  console.log(`run ${r + 1}: ${res.us.toFixed(3)} us/event thread CPU, outputs ${res.out} (${res.messages})`);
}
if (session) {
  const { profile } = await session.post('HeapProfiler.stopSampling');
  fs.writeFileSync('/tmp/s39k/alloc.heapprofile', JSON.stringify(profile));
  // self bytes by function
  const m = new Map(); let total = 0;
  const walk = (n) => { const cf = n.callFrame; const key = `${cf.functionName || '(anon)'} ${cf.url.replace(/^.*\/dist\//, '')}:${cf.lineNumber + 1}`; m.set(key, (m.get(key) ?? 0) + n.selfSize); total += n.selfSize; for (const c of n.children) walk(c); };
  walk(profile.head);
  console.log('sampled bytes/event', (total / N).toFixed(0));
  for (const [key, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log((v / N).toFixed(1).padStart(8), 'B/event', key);
}
