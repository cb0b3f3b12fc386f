/**
 * `--kafka`: the same scenario through the local broker. Starts it when it is not running (and
 * stops it afterwards), produces the events to a fresh topic, runs `l1stream run --config` in a
 * child process until its consumer group has committed every event (offsets are committed only
 * after the outputs are acknowledged), stops it with SIGTERM (which publishes the last snapshots),
 * and reads the output topics back into the same files a replay writes.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { Kafka, logLevel, Partitioners, type Admin } from 'kafkajs';

import type { EngineDoc, ExampleEvent, Outputs } from './scenario.js';
import { log, readOutputs, shortPath } from './scenario.js';

const root = resolve(import.meta.dirname, '../..');
const kafkaSh = join(root, 'connectors/kafka/broker/kafka.sh');
const exec = promisify(execFile);

/** The broker to use: KAFKA_BROKERS, the running local broker, or a local broker started now. */
async function broker(): Promise<{ brokers: string[]; started: boolean }> {
  if (process.env.KAFKA_BROKERS) return { brokers: process.env.KAFKA_BROKERS.split(','), started: false };
  const status = await exec('bash', [kafkaSh, 'status']).then(
    (r) => r.stdout.trim(),
    () => '',
  );
  if (status !== '') return { brokers: [status], started: false };
  log('kafka: starting the local broker (npm run kafka:start)');
  const { stdout } = await exec('bash', [kafkaSh, 'start'], { maxBuffer: 1 << 24 });
  return { brokers: [stdout.trim().split('\n').pop()!], started: true };
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Messages a topic holds now (high − low watermarks). */
async function topicSize(admin: Admin, topic: string): Promise<number> {
  let n = 0;
  for (const p of await admin.fetchTopicOffsets(topic)) n += Number(p.high) - Number(p.low);
  return n;
}

/** Reads every message a topic holds now into a JSON-lines file; returns how many. */
async function topicToFile(kafka: Kafka, admin: Admin, topic: string, file: string): Promise<number> {
  const count = await topicSize(admin, topic);
  const out = createWriteStream(file);
  const consumer = kafka.consumer({
    groupId: `reader-${randomBytes(6).toString('hex')}`,
    maxWaitTimeInMs: 100,
  });
  let read = 0;
  await consumer.connect();
  try {
    if (count > 0) {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          out.write(`${message.value?.toString() ?? 'null'}\n`);
          read++;
        },
      });
      await until(async () => read >= count, `${count} messages on ${topic}`, 60_000);
    }
  } finally {
    await consumer.disconnect();
    out.end();
    await once(out, 'close');
  }
  return read;
}

export async function runOnKafka(
  name: string,
  dir: string,
  events: readonly ExampleEvent[],
  config: EngineDoc,
  configFile: string,
): Promise<Outputs> {
  const { brokers, started } = await broker();
  const kafka = new Kafka({ clientId: `l1stream-example-${name}`, brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const id = `l1s-example-${name}-${randomBytes(4).toString('hex')}`;
    const topic = `${id}.events`;
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
    });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    // 1,000 events per request stays under the broker's 1 MiB message.max.bytes
    for (let i = 0; i < events.length; i += 1000)
      await producer.send({
        topic,
        acks: -1,
        messages: events.slice(i, i + 1000).map((e) => ({ key: e.key, value: JSON.stringify(e) })),
      });
    await producer.disconnect();
    log(`kafka: produced ${events.length} events to ${topic} on ${brokers.join(',')}`);

    const kafkaSection = { brokers, topics: [topic], groupId: id, prefix: id, fromBeginning: true };
    await writeFile(configFile, `${JSON.stringify({ ...config, kafka: kafkaSection }, null, 2)}\n`);
    const logFile = join(dir, 'run.log');
    log(`kafka: l1stream run --config ${shortPath(configFile)}   (log: ${shortPath(logFile)})`);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, 'examples/shared/cli.ts'), 'run', '--config', configFile],
      { cwd: root, stdio: ['ignore', 'inherit', 'pipe'] },
    );
    const logStream = createWriteStream(logFile);
    let lastLine = '(no closing line; see the log)';
    let partial = '';
    child.stderr.on('data', (chunk: Buffer) => {
      logStream.write(chunk);
      // the CLI's closing line ("run: N events learned, ..."), among pino's JSON lines
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('run: ')) lastLine = line;
    });
    const exited = once(child, 'close') as Promise<[number | null, string | null]>;
    let exitCode: number | null | undefined;
    void exited.then(([code]) => (exitCode = code));
    try {
      await until(
        async () => {
          if (exitCode !== undefined)
            throw new Error(`l1stream run exited early (${exitCode}); see ${logFile}`);
          const [committed] = await admin.fetchOffsets({ groupId: id, topics: [topic] });
          const offset = Number(committed?.partitions[0]?.offset ?? -1);
          return offset >= events.length;
        },
        `l1stream run to commit all ${events.length} events`,
        300_000,
      );
    } finally {
      if (exitCode === undefined) child.kill('SIGTERM');
      await exited;
      logStream.end();
    }
    if (exitCode !== 0) throw new Error(`l1stream run exited with ${exitCode}; see ${logFile}`);
    const counts: string[] = [];
    for (const [kind, file] of [
      ['models', 'models.jsonl'],
      ['scores', 'scores.jsonl'],
      ['alerts', 'alerts.jsonl'],
      ['dlq', 'dead-letters.jsonl'],
    ] as const) {
      const n = await topicToFile(kafka, admin, `${id}.${kind}`, join(dir, file));
      counts.push(`${id}.${kind}: ${n}`);
    }
    log(`kafka: read back ${counts.join(', ')}`);
    return await readOutputs(dir, lastLine);
  } finally {
    await admin.disconnect();
    if (started) {
      log('kafka: stopping the broker it started (npm run kafka:stop)');
      await exec('bash', [kafkaSh, 'stop']);
    }
  }
}
