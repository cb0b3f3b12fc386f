import { Kafka, logLevel } from 'kafkajs';
const [brokers, topic, nStr, partStr, keysStr] = process.argv.slice(2);
const n = Number(nStr), parts = Number(partStr), keys = Number(keysStr ?? 0);
const kafka = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING });
const admin = kafka.admin(); await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: parts }], waitForLeaders: true });
await admin.disconnect();
const p = kafka.producer(); await p.connect();
let s = 7;
const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 2 ** 32);
let batch: { key: string; value: string }[] = [];
for (let i = 0; i < n; i++) {
  const x1 = rand() * 2 - 1, x2 = rand() * 2 - 1, c = rand() < 0.5 ? 'a' : 'b';
  const label = 2 * x1 - 3 * x2 + (c === 'b' ? 0.5 : 0) + (rand() - 0.5) * 0.1;
  const key = keys > 0 ? `k${i % keys}` : `e${i}`;
  batch.push({ key, value: i % 100 === 50 ? '{"label": 1}' : JSON.stringify({ key, label, features: { x1, x2, c } }) });
  if (batch.length === 1000) { await p.send({ topic, messages: batch }); batch = []; }
}
if (batch.length) await p.send({ topic, messages: batch });
await p.disconnect();
