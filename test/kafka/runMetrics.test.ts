import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { parseExposition, valueOf } from '../ops/promText.js';
import { brokers, createTopic, kafkaClient, makeEvents, produce, randomName, waitFor } from './helpers.js';

const root = resolve(import.meta.dirname, '../..');

/** `l1stream run` in a child process with "http": {"port": 0}; `url` is the logged metrics URL. */
function startService(config: string, extra: string[] = []) {
  const argv = JSON.stringify(['run', '--config', config, ...extra]);
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `import('./src/cli/main.ts').then((m) => m.main(${argv})).then((c) => { process.exitCode = c; })`,
    ],
    { cwd: root, env: { ...process.env, L1S_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  let found: (url: string) => void = () => {};
  const url = new Promise<string>((r) => (found = r));
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
    const m = /"url":"([^"]+)"/.exec(stderr);
    if (m) found(m[1]);
  });
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, url, exited, stderr: () => stderr };
}

async function setup(name: string) {
  const kafka = kafkaClient();
  const topic = randomName(`${name}-in`);
  await createTopic(kafka, topic, 2);
  const messages = makeEvents(600, 5).map((e) => ({ key: e.key, value: JSON.stringify(e) }));
  messages.splice(50, 0, { key: 'bad', value: 'not json' });
  await produce(kafka, topic, messages);
  const dir = mkdtempSync(join(tmpdir(), 'l1s-run-metrics-'));
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      model: { family: 'gaussian', key: 'm' },
      refit: { threads: 0, everyEvents: 100 },
      kafka: {
        brokers: brokers(),
        topics: [topic],
        groupId: randomName(`${name}-group`),
        prefix: randomName(name),
      },
      http: { port: 0, host: '127.0.0.1' },
    }),
  );
  return { config, records: messages.length };
}

describe('l1stream run with http.port (Kafka)', () => {
  it('becomes ready and serves metrics that follow the run; SIGTERM stops it (exit 0)', async () => {
    const { config, records } = await setup('svc-metrics');
    const service = startService(config);
    try {
      const url = await service.url;
      const base = url.replace(/\/metrics$/, '');
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      await waitFor(
        async () => (await fetch(`${base}/readyz`)).status === 200,
        '/readyz to answer 200',
        60_000,
      );
      let samples = parseExposition(await (await fetch(url)).text());
      await waitFor(
        async () => {
          samples = parseExposition(await (await fetch(url)).text());
          return valueOf(samples, 'l1stream_records_read_total') === records;
        },
        'every record to be read',
        60_000,
      );
      expect(valueOf(samples, 'l1stream_ready')).toBe(1);
      // (one observation per partition assignment once the Kafka source reports assignments: onAssign)
      expect(valueOf(samples, 'l1stream_state_restore_duration_seconds_count')).toBeDefined();
      expect(valueOf(samples, 'l1stream_events_learned_total')).toBe(records - 1);
      const rejected = samples.filter((s) => s.name === 'l1stream_events_rejected_total');
      expect(rejected.map((s) => s.value)).toEqual([1]);
      expect(rejected[0].labels.get('reason')).toMatch(/cannot decode/);
      expect(valueOf(samples, 'l1stream_refits_completed_total')).toBeGreaterThan(0);
      expect(valueOf(samples, 'l1stream_progressive_loss', { loss: 'squared_error' })).toBeGreaterThan(0);
    } finally {
      service.child.kill('SIGTERM');
    }
    expect(await service.exited, service.stderr()).toBe(0);
  });

  it('exits with code 1 and says so when stopping takes longer than --shutdown-timeout', async () => {
    const { config } = await setup('svc-deadline');
    const service = startService(config, ['--shutdown-timeout', '0']);
    try {
      const base = (await service.url).replace(/\/metrics$/, '');
      await waitFor(
        async () => (await fetch(`${base}/readyz`)).status === 200,
        '/readyz to answer 200',
        60_000,
      );
    } finally {
      service.child.kill('SIGTERM');
    }
    expect(await service.exited, service.stderr()).toBe(1);
    expect(service.stderr()).toMatch(
      /"msg":"shutdown took longer than 0 ms: exiting with state as of the last checkpoint"/,
    );
  });
});
