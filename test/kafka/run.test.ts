import { spawn, type ChildProcess } from 'node:child_process';
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

/** `l1stream run --config FILE` in a child process (SIGTERM stops it), with its stderr collected. */
function startService(config: string): {
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr: () => string;
} {
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
  return { child, exited, stderr: () => stderr };
}

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
    const service = startService(config);
    const { child, exited } = service;
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
    expect(await exited, service.stderr()).toBe(0);
    const models = (await readAll(kafka, `${prefix}.models`)).map(
      (m) => JSON.parse(m.value!.toString()) as ModelSnapshot,
    );
    expect(models.every((m) => m.key === 'svc')).toBe(true);
    // Snapshots every 200 events (at batch boundaries) and a last one at stop, covering all 600.
    expect(models[models.length - 1].offset).toBe(600);
    expect(models.map((m) => m.version)).toEqual(models.map((_, i) => i + 1));
    expect(service.stderr()).toMatch(/run: 600 events learned, 1 dead letters/);
  });

  it('publishes drift alerts to <prefix>.alerts and logs them at warn level', async () => {
    const kafka = kafkaClient();
    const topic = randomName('svc-drift-in');
    const prefix = randomName('svc-drift');
    await createTopic(kafka, topic, 1);
    // x2 stops arriving after event 1,500 (a broken upstream field)
    const events = makeEvents(3000, 23).map((e, i) => {
      if (i < 1500) return e;
      const { x2: _dropped, ...rest } = e.features;
      return { ...e, features: rest };
    });
    await produce(
      kafka,
      topic,
      events.map((e) => ({ key: e.key, value: JSON.stringify(e) })),
    );
    const dir = mkdtempSync(join(tmpdir(), 'l1s-run-'));
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        model: { family: 'gaussian', key: 'drifty' },
        kafka: {
          brokers: brokers(),
          topics: [topic],
          groupId: randomName('svc-drift-group'),
          prefix,
          snapshotEvery: 500,
        },
        drift: { inputSparsity: { windowEvents: 500, warmupEvents: 1000, maxReferenceEvents: 1000 } },
      }),
    );
    const service = startService(config);
    const { child, exited } = service;
    let alerts: {
      key: string;
      offset: number;
      type: string;
      message: string;
      details: Record<string, unknown>;
    }[];
    try {
      const first = await readTopic(kafka, `${prefix}.alerts`, 1, 60_000);
      expect(first.length).toBeGreaterThan(0);
      // everything is learned by then or soon after; read all alerts published so far
      await new Promise((r) => setTimeout(r, 1000));
      alerts = (await readAll(kafka, `${prefix}.alerts`)).map((m) => JSON.parse(m.value!.toString()));
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, service.stderr()).toBe(0);
    const input = alerts.filter((a) => a.type === 'input-drift');
    expect(input.length, JSON.stringify(alerts)).toBeGreaterThan(0);
    expect(input[0]!.key).toBe('drifty');
    expect(input[0]!.message).toMatch(/stopped arriving: .*x2/);
    // reported after the change, within two windows of it
    expect(input[0]!.offset).toBeGreaterThan(1500);
    expect(input[0]!.offset).toBeLessThanOrEqual(2500);
    // and logged at warn level (pino level 40) with the same message
    expect(service.stderr()).toMatch(/"level":40[^\n]*stopped arriving: [^\n]*x2/);
  });
});
