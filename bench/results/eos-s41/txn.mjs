import { createRequire } from 'node:module';
const require = createRequire('/work/main/package.json');
const { Kafka, logLevel } = require('kafkajs');
const kafka = new Kafka({ clientId: 'txn-exp', brokers: ['127.0.0.1:39092'], logLevel: logLevel.NOTHING, retry: process.env.RETRY ? JSON.parse(process.env.RETRY) : undefined });
const admin = kafka.admin(); await admin.connect();
const topic = 'txn-state-' + Date.now();
await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] , waitForLeaders: true});
const group = 'g-' + Date.now();
const producer = kafka.producer({ transactionalId: 'tx-' + Date.now(), idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
const state = Buffer.alloc(600_000, 7);
const steps = { open: [], send: [], offsets: [], commit: [] };
for (let i = 0; i < 12; i++) {
  let t = performance.now();
  const tx = await producer.transaction(); steps.open.push(performance.now() - t); t = performance.now();
  await tx.sendBatch({ topicMessages: [{ topic, messages: [{ key: 'k', value: state }] }] }); steps.send.push(performance.now() - t); t = performance.now();
  await tx.sendOffsets({ consumerGroupId: group, topics: [{ topic, partitions: [{ partition: 0, offset: String(i + 1) }] }] }); steps.offsets.push(performance.now() - t); t = performance.now();
  await tx.commit(); steps.commit.push(performance.now() - t);
}
for (const [k, v] of Object.entries(steps)) console.log(k, v.map((x) => x.toFixed(0)).join(' '));
await producer.disconnect(); await admin.disconnect();
