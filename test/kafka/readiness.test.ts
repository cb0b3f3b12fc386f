/**
 * `/readyz` of `l1stream run` follows the consumer: 503 with a reason while the broker is away
 * (a broker of the test's own, stopped and started again), 200 again once it consumes.
 */
import { describe, expect, it } from 'vitest';

import { createTopic, kafkaClient, makeEvents, produce, randomName, waitFor } from './helpers.js';
import { ownBrokerForSuite, startService, waitCommittedToEnd, writeConfig } from './service.js';

async function readyz(base: string): Promise<{ status: number; body: string }> {
  try {
    const res = await fetch(`${base}/readyz`);
    return { status: res.status, body: await res.text() };
  } catch (err) {
    return { status: 0, body: (err as Error).message };
  }
}

describe('l1stream run: /readyz through a broker outage (a broker of its own)', () => {
  const broker = ownBrokerForSuite();

  it('answers 503 naming the missing fetches while the broker is down, and 200 once it consumes again', async () => {
    const own = broker();
    const kafka = kafkaClient('readiness', own.brokers);
    const topic = randomName('ready-in');
    await createTopic(kafka, topic, 1);
    const events = makeEvents(300, 3).map((e) => ({ key: e.key, value: JSON.stringify(e) }));
    await produce(kafka, topic, events.slice(0, 200));
    const groupId = randomName('ready-group');
    const config = writeConfig({
      model: { family: 'gaussian', key: 'ready' },
      refit: { enabled: false },
      kafka: { brokers: own.brokers, topics: [topic], groupId, prefix: randomName('ready') },
      http: { port: 0, host: '127.0.0.1' },
    });
    const service = startService(config, 'ready');
    try {
      const base = (
        await waitFor(
          () => /"url":"([^"]+)\/metrics"/.exec(service.stderr())?.[1],
          'the URL in the log',
          60_000,
        )
      ).toString();
      await waitFor(async () => (await readyz(base)).status === 200, '/readyz 200 before the outage', 60_000);
      const stoppedAt = Date.now();
      const outage = own.outage(20);
      const down = await waitFor(
        async () => {
          const r = await readyz(base);
          return r.status === 503 ? r : undefined;
        },
        '/readyz 503 during the outage',
        60_000,
      );
      // kafkajs may or may not crash first (it did within seconds here, or after ~70 s): either way
      expect(down.body).toMatch(
        /^not ready: (no fetch from the broker completed for \d+ s|the consumer (crashed|stopped|is disconnected).*; no fetch for \d+ s)/,
      );
      const notReadyAt = Date.now();
      await outage;
      const backAt = Date.now();
      await waitFor(
        async () => (await readyz(base)).status === 200,
        () => `/readyz 200 after the outage:\n${service.stderr().slice(-3000)}`,
        120_000,
      );
      console.log(
        `outage: /readyz 503 ${((notReadyAt - stoppedAt) / 1000).toFixed(1)} s after the stop began ("${down.body.trim()}"), ` +
          `200 again ${((Date.now() - backAt) / 1000).toFixed(1)} s after the broker answered`,
      );
      // and it reads what comes after
      await produce(kafka, topic, events.slice(200));
      const admin = kafka.admin();
      await admin.connect();
      try {
        await waitCommittedToEnd(admin, groupId, topic, events.length, [service], 120_000);
      } finally {
        await admin.disconnect();
      }
      expect((await readyz(base)).status).toBe(200);
      expect(await service.stop(), service.stderr()).toBe(0);
    } finally {
      if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGKILL');
    }
  }, 300_000);
});
