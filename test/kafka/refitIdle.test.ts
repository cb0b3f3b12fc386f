/**
 * A refit that completes after the last batch (the stream then idle) has its snapshot on
 * `<prefix>.models` while `run` goes on, not only once more events come or the run stops: its
 * snapshot waited in the producer's buffer for the next batch's flush.
 */
import { describe, expect, it } from 'vitest';

import type { ModelSnapshot } from '../../src/index.js';
import { brokers, kafkaClient, randomName, readCommitted, topicWithEvents, waitFor } from './helpers.js';
import { startService, writeConfig } from './service.js';

describe('run on an idle stream', () => {
  it.each([false, true])(
    "publishes a refit's snapshot when the refit completes, without waiting for another batch (exactlyOnce %s)",
    async (exactlyOnce) => {
      const kafka = kafkaClient();
      const topic = randomName('refit-idle');
      const prefix = randomName('refit-idle');
      // one batch of 600 events: the refit due at its end runs on a refit thread and ends after it
      await topicWithEvents(kafka, topic, 600, 7);
      const config = writeConfig({
        model: { family: 'gaussian', key: 'm', lambda: 0.01 },
        refit: { everyEvents: 600, everySeconds: 'Infinity', threads: 1 },
        snapshots: { everyEvents: 100_000, everySeconds: 'Infinity' },
        kafka: { brokers: brokers(), topics: [topic], groupId: prefix, prefix, exactlyOnce },
        // a checkpoint at the batch, before the refit ends: the refit's own change must be checkpointed
        state: { everyEvents: 600, everySeconds: 1 },
      });
      const service = startService(config, 'refit-idle');
      try {
        const refits = await waitFor(
          async () => {
            // read_committed: with exactly-once, what a checkpoint's transaction committed
            // (the run creates the topic: until then, nothing)
            const read = await readCommitted(kafka, [`${prefix}.models`]).catch(() => null);
            const found = (read?.get(`${prefix}.models`) ?? [])
              .map((v) => JSON.parse(v.toString()) as ModelSnapshot)
              .filter((s) => s.source === 'refit');
            return found.length > 0 ? found : undefined;
          },
          () => `a refit snapshot on ${prefix}.models while the run is idle:\n${service.stderr()}`,
          30_000,
        );
        expect(refits[0].window?.last).toBe(600);
        expect(service.child.exitCode).toBeNull();
      } finally {
        expect(await service.stop()).toBe(0);
      }
    },
    90_000,
  );
});
