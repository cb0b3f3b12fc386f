import { tap, type Subscription } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { KafkaSink, KafkaSource, kafkaEventSource, outputTopics } from '../../connectors/kafka/index.js';
import { Engine, checkEngineConfig, type EventSource } from '../../src/index.js';
import { createTopic, kafkaClient, makeEvents, produce, randomName, waitFor } from './helpers.js';

describe('a consumer stopped mid-stream and restarted in the same group', () => {
  it('applies every event at least once and loses none', async () => {
    const kafka = kafkaClient('restart-test');
    const n = 4000;
    const topic = randomName('restart');
    const prefix = randomName('rs');
    const groupId = randomName('group');
    await createTopic(kafka, topic, 2);
    const events = makeEvents(n, 3);
    await produce(
      kafka,
      topic,
      events.map((e, i) => ({ key: e.key, value: JSON.stringify(e), partition: i % 2 })),
    );
    const applied = new Map<string, number>();
    const config = checkEngineConfig({
      model: { family: 'gaussian', key: 'rs' },
      snapshots: { everyEvents: 500, everySeconds: 'Infinity' },
      refit: { enabled: false },
    });

    const runUntil = async (stopAfter: number) => {
      const source = new KafkaSource(kafka, {
        topics: [topic],
        groupId,
        maxBytesPerPartition: 8192,
        maxInFlightBatches: 3,
      });
      const sink = new KafkaSink(kafka, { topics: outputTopics(prefix) });
      await sink.start();
      // "Applied" means learned by the model: without a `prepare` step, the engine decodes and
      // learns a batch synchronously as the source emits it, so it is counted there (later
      // batches may be learned, and even committed, after the stop below). The model's offset
      // checks this count at the end.
      let learned = 0;
      const port = kafkaEventSource(source);
      const counted: EventSource = {
        ...port,
        batches$: port.batches$.pipe(
          tap((b) => {
            for (const r of b.records) {
              const k = `${r.position.partition}:${r.position.offset}`;
              applied.set(k, (applied.get(k) ?? 0) + 1);
            }
            learned += b.records.length;
          }),
        ),
      };
      const engine = new Engine(config, { source: counted, sink }, { partSize: 512 });
      let seen = 0;
      let subscription: Subscription | undefined;
      try {
        subscription = engine.pipeline().subscribe({
          next: (b) => {
            seen += b.records.length;
            // Stop mid-stream, right here: batches learned but not yet committed must be read
            // again by the next consumer; committed ones must not be lost.
            if (seen >= stopAfter) subscription?.unsubscribe();
          },
        });
        await waitFor(
          () => seen >= stopAfter,
          () =>
            `${stopAfter} events (have ${seen}; source ${JSON.stringify({ ...source.stats, ...source.state })}; sink acked ${JSON.stringify([...sink.acknowledged])})`,
          60_000,
        );
      } finally {
        subscription?.unsubscribe();
        await engine.close();
        await source.close();
        await sink.close();
      }
      const model = engine.registry.peekLive('rs')!.model;
      return { model, seen, learned };
    };

    const first = await runUntil(1000);
    expect(first.seen).toBeLessThan(n);
    const distinctAfterFirst = applied.size;
    const second = await runUntil(n - distinctAfterFirst);
    await waitFor(() => applied.size >= n, `all ${n} offsets applied (have ${applied.size})`);
    expect(applied.size).toBe(n);
    for (let p = 0; p < 2; p++)
      for (let o = 0; o < n / 2; o++) expect(applied.get(`${p}:${o}`), `${p}:${o}`).toBeGreaterThanOrEqual(1);
    // The second consumer resumed from committed offsets, not from the beginning.
    expect(second.seen).toBeLessThan(n);
    expect(first.model.offset + second.model.offset).toBe(first.learned + second.learned);
    // At least once, not "every time": what the first consumer committed was not read again.
    expect(first.learned + second.learned).toBeLessThan(2 * n);
  }, 150_000);
});
