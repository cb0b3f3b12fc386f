import { createRequire } from 'node:module';
const require = createRequire('/work/main/package.json');
const { Kafka, logLevel } = require('kafkajs');
const { checkpointedRun } = await import(process.env.DIST + '/bench/kafka/state.js');
const { benchEvents } = await import(process.env.DIST + '/bench/kafka/events.js');
const { AvroEncoder, shippedSchema } = await import(process.env.DIST + '/connectors/kafka/index.js');
const brokers = '127.0.0.1:39092';
const kafka = new Kafka({ clientId: 'eos-exp', brokers: [brokers], logLevel: logLevel.NOTHING });
const n = Number(process.env.N ?? 300000);
const topic = `eos-in-${Date.now()}`;
const admin = kafka.admin(); await admin.connect();
await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
await admin.disconnect();
const encoder = await AvroEncoder.create({ schema: shippedSchema('event'), schemaId: 1 });
const producer = kafka.producer(); await producer.connect();
let chunk = [];
for (const e of benchEvents(n)) { chunk.push({ value: encoder.encode(e) }); if (chunk.length === 2000) { await producer.send({ topic, acks: 1, messages: chunk }); chunk = []; } }
if (chunk.length) await producer.send({ topic, acks: 1, messages: chunk });
await producer.disconnect();
const schemaFile = '/work/main/connectors/kafka/schemas/event.avsc';
const configs = [{}];
await checkpointedRun(kafka, brokers, topic, 50000, schemaFile, true); // warm-up
for (let r = 0; r < Number(process.env.ROUNDS ?? 2); r++) {
  for (const c of configs) {
    for (const [k, v] of Object.entries(c)) process.env[k] = v;
    const p = await checkpointedRun(kafka, brokers, topic, n, schemaFile, c.EOS !== '0');
    console.log(r, JSON.stringify(c), Math.round(p.eventsPerSecond), 'busy', p.busySeconds.toFixed(2), 'idle', p.idleSeconds.toFixed(2), 'txns', p.transactions, 'states', p.statesWritten);
  }
}
