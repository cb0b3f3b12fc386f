import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCommand } from '../../src/cli/run.js';
import type { ModelSnapshot } from '../../src/index.js';
import {
  brokers,
  createTopic,
  kafkaClient,
  makeEvents,
  produce,
  randomName,
  readAll,
  readTopic,
  waitFor,
} from './helpers.js';

const root = resolve(import.meta.dirname, '../..');
const silentIO = {
  stdout: { write: () => true },
  stderr: { write: () => true },
  interactive: false,
} as never;

describe('l1stream run --config (Kafka in and out)', () => {
  it('names every configuration problem by path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-run-'));
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ model: { family: 'gaussian' }, kafka: { topics: [], format: 'avro' } }),
    );
    await expect(runCommand.run(['--config', file], silentIO)).rejects.toThrow(
      /kafka\.brokers[\s\S]*kafka\.topics[\s\S]*kafka\.avro/,
    );
  });

  it('learns from a topic, publishes snapshots and dead letters, and stops cleanly on SIGTERM', async () => {
    const kafka = kafkaClient();
    const topic = randomName('svc-in');
    const prefix = randomName('svc');
    await createTopic(kafka, topic, 2);
    const events = makeEvents(600, 11);
    const messages = events.map((e) => ({ key: e.key, value: JSON.stringify(e) }));
    messages.splice(100, 0, { key: 'bad', value: '{"label": 1}' });
    await produce(kafka, topic, messages);

    const dir = mkdtempSync(join(tmpdir(), 'l1s-run-'));
    const config = join(dir, 'config.json');
    const groupId = randomName('svc-group');
    writeFileSync(
      config,
      JSON.stringify({
        model: { family: 'gaussian', key: 'svc' },
        kafka: { brokers: brokers(), topics: [topic], groupId, prefix, snapshotEvery: 200 },
      }),
    );
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import('./src/cli/main.ts').then((m) => m.main(['run', '--config', ${JSON.stringify(config)}])).then((c) => { process.exitCode = c; })`,
      ],
      { cwd: root, env: { ...process.env, L1S_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    try {
      const dlq = await readTopic(kafka, `${prefix}.dlq`, 1, 60_000);
      expect(dlq[0].headers['l1s.dlq.reason']).toMatch(/"features" is missing/);
      const admin = kafka.admin();
      await admin.connect();
      try {
        // Wait until the service committed everything (it is then idle), then stop it.
        await waitFor(
          async () => {
            const [committed] = await admin.fetchOffsets({ groupId: groupId, topics: [topic] });
            const total = committed.partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
            return total === messages.length;
          },
          'the service to commit every offset',
          60_000,
        );
      } finally {
        await admin.disconnect();
      }
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, stderr).toBe(0);
    const models = (await readAll(kafka, `${prefix}.models`)).map(
      (m) => JSON.parse(m.value!.toString()) as ModelSnapshot,
    );
    expect(models.every((m) => m.key === 'svc')).toBe(true);
    // Snapshots every 200 events (at batch boundaries) and a last one at stop, covering all 600.
    expect(models[models.length - 1].offset).toBe(600);
    expect(models.map((m) => m.version)).toEqual(models.map((_, i) => i + 1));
    expect(stderr).toMatch(/run: 600 events learned, 1 dead letters/);
  });
});
