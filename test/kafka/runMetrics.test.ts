import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { parseExposition, valueOf } from '../ops/promText.js';
import { brokers, createTopic, kafkaClient, makeEvents, produce, randomName, waitFor } from './helpers.js';
import { startService } from './service.js';

/** `l1stream run` in a child process; `url` resolves with the metrics URL it logs. */
function startWithMetrics(config: string, extra: string[] = []) {
  const service = startService(config, 'svc', extra);
  const url = waitFor(
    () => /"url":"([^"]+)"/.exec(service.stderr())?.[1],
    'the metrics URL in the log',
    60_000,
  );
  return { ...service, url, exited: service.code };
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
    const service = startWithMetrics(config);
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
    const service = startWithMetrics(config, ['--shutdown-timeout', '0']);
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
