/**
 * A model whose events stopped publishes its snapshot by time (`snapshots.everySeconds`) while
 * `run` goes on: on a real broker, and with exactly-once, in a transaction that a checkpoint by
 * time commits (read_committed sees it without another event).
 */
import { describe, expect, it } from 'vitest';

import type { ModelSnapshot } from '../../src/index.js';
import { brokers, kafkaClient, randomName, readCommitted, topicWithEvents, waitFor } from './helpers.js';
import { startService, writeConfig } from './service.js';

describe('run on an idle stream', () => {
  it.each([false, true])(
    'publishes a quiet model’s snapshot when it falls due by time (exactlyOnce %s)',
    async (exactlyOnce) => {
      const kafka = kafkaClient();
      const topic = randomName('snapshot-idle');
      const prefix = randomName('snapshot-idle');
      await topicWithEvents(kafka, topic, 300, 11);
      const config = writeConfig({
        model: { family: 'gaussian', key: 'm', lambda: 0.01 },
        refit: { enabled: false },
        // due 2 s after the model was made: after its only batch, with no event to come
        snapshots: { everyEvents: 100_000, everySeconds: 2 },
        kafka: { brokers: brokers(), topics: [topic], groupId: prefix, prefix, exactlyOnce },
        state: { everyEvents: 100_000, everySeconds: 1 },
      });
      const service = startService(config, 'snapshot-idle');
      try {
        const snapshots = await waitFor(
          async () => {
            const read = await readCommitted(kafka, [`${prefix}.models`]).catch(() => null);
            const found = (read?.get(`${prefix}.models`) ?? []).map(
              (v) => JSON.parse(v.toString()) as ModelSnapshot,
            );
            return found.length > 0 ? found : undefined;
          },
          () => `a snapshot on ${prefix}.models while the run is idle:\n${service.stderr()}`,
          30_000,
        );
        expect(snapshots[0]).toMatchObject({ key: 'm', version: 1, source: 'online' });
        expect(snapshots[0]!.metrics?.events).toBe(300);
        expect(service.child.exitCode).toBeNull();
      } finally {
        expect(await service.stop()).toBe(0);
      }
    },
    90_000,
  );
});
