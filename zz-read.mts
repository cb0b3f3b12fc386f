import { Kafka, logLevel } from 'kafkajs';
const [brokers, prefix] = process.argv.slice(2);
const kafka = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING });
const c = kafka.consumer({ groupId: 'rd' + Math.random(), readUncommitted: false }); await c.connect();
await c.subscribe({ topics: [`${prefix}.models`, `${prefix}.dlq`], fromBeginning: true });
const models: string[] = []; const dlq: string[] = [];
await c.run({ eachMessage: async ({ topic, message }) => { if (topic.endsWith('.models')) { const m = JSON.parse(message.value!.toString()); models.push(`${m.offset} v${m.version} ${JSON.stringify(m.coefficients)}`); } else dlq.push(String(message.headers?.['l1s.offset'] ?? message.headers?.['offset'] ?? '?') + JSON.stringify(Object.keys(message.headers ?? {}))); } });
await new Promise((r) => setTimeout(r, 5000)); await c.disconnect();
console.log('models', models.length, 'last:', models.at(-1)); console.log('dlq', dlq.length, dlq[0]);
