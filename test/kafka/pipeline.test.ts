import { firstValueFrom, filter, type Subscription } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';

import {
  KafkaDeadLetters,
  KafkaSink,
  KafkaSource,
  kafkaPipeline,
  outputTopics,
} from '../../connectors/kafka/index.js';
import { OnlineModel, validateEvent, type LearnedBatch, type ModelSnapshot } from '../../src/index.js';
import { createTopic, kafkaClient, makeEvents, produce, randomName, readTopic, waitFor } from './helpers.js';

describe('source → learner → sink on a real broker', () => {
  const kafka = kafkaClient();
  const subscriptions: Subscription[] = [];
  afterAll(() => subscriptions.forEach((s) => s.unsubscribe()));

  it('applies every event exactly once, commits, and publishes the expected snapshots', async () => {
    const n = 3000;
    const topic = randomName('events');
    const prefix = randomName('l1s');
    const groupId = randomName('group');
    await createTopic(kafka, topic, 3);
    const events = makeEvents(n);
    await produce(
      kafka,
      topic,
      events.map((e, i) => ({ key: e.key, value: JSON.stringify(e), partition: i % 3 })),
    );

    const clock = () => new Date('2026-01-01T00:00:00Z');
    const model = new OnlineModel({ key: 'pipe', family: 'gaussian', learner: 'ftrl', lambda: 1e-3, clock });
    const source = new KafkaSource(kafka, {
      topics: [topic],
      groupId,
      maxBytesPerPartition: 16 * 1024,
      maxInFlightBatches: 2,
    });
    const sink = new KafkaSink(kafka, { topics: outputTopics(prefix) });
    await sink.start();
    const deadLetters = new KafkaDeadLetters(sink);
    const applied: string[] = [];
    const published: ModelSnapshot[] = [];
    const originalPublish = sink.publishModel.bind(sink);
    sink.publishModel = (s) => {
      published.push(s);
      originalPublish(s);
    };
    const learned: LearnedBatch[] = [];
    subscriptions.push(
      kafkaPipeline({ source, sink, model, deadLetters, snapshotEvery: 1000 }).subscribe({
        next: (b) => {
          learned.push(b);
          for (const r of b.records) applied.push(`${r.position.partition}:${r.position.offset}`);
        },
      }),
    );
    await waitFor(() => applied.length >= n, `${n} events applied (have ${applied.length})`, 60_000);

    // Every event applied exactly once, the model learned from all of them, nothing dead-lettered.
    expect(applied.length).toBe(n);
    expect(new Set(applied).size).toBe(n);
    expect(model.offset).toBe(n);
    expect(deadLetters.count).toBe(0);
    expect(source.stats.pauses).toBeGreaterThan(0); // 16 KiB batches, 2 in flight: backpressure kicked in

    // Offsets were committed up to the end of every partition.
    const admin = kafka.admin();
    await admin.connect();
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    const models = outputTopics(prefix).models;
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2, name: models, configNames: ['cleanup.policy'] }],
    });
    await admin.disconnect();
    expect(committed[0].partitions.map((p) => [p.partition, p.offset]).sort()).toEqual(
      ends.map((p) => [p.partition, p.high]).sort(),
    );
    expect(configs.resources[0].configEntries[0].configValue).toBe('compact');

    // The models topic holds the snapshots the pipeline published, in order, keyed by model key.
    await waitFor(() => published.length >= 3, '3 snapshots');
    const onTopic = await readTopic(kafka, models, published.length);
    expect(onTopic.map((m) => m.key)).toEqual(published.map(() => 'pipe'));
    const decoded = onTopic.map((m) => JSON.parse(m.value!.toString()) as ModelSnapshot);
    expect(decoded).toEqual(published.map((s) => JSON.parse(JSON.stringify(s)) as ModelSnapshot));
    expect(decoded.map((s) => s.version)).toEqual(decoded.map((_, i) => i + 1));
    expect(decoded.map((s) => Math.floor(s.offset / 1000))).toEqual([1, 2, 3]);

    // Reference: the same events, in the order the pipeline applied them, through a fresh model.
    const reference = new OnlineModel({
      key: 'pipe',
      family: 'gaussian',
      learner: 'ftrl',
      lambda: 1e-3,
      clock,
    });
    const byPosition = new Map<string, (typeof events)[number]>();
    events.forEach((e, i) => byPosition.set(`${i % 3}:${Math.floor(i / 3)}`, e));
    let next = 0;
    for (const b of learned) {
      for (const r of b.records) {
        const checked = validateEvent(
          byPosition.get(`${r.position.partition}:${r.position.offset}`),
          'gaussian',
        );
        if (!checked.ok) throw new Error(checked.reason);
        reference.process(checked.event);
      }
      if (next < decoded.length && reference.offset === decoded[next].offset) {
        expect(decoded[next].coefficients).toEqual(reference.snapshot().coefficients);
        next++;
      }
    }
    expect(next).toBe(decoded.length);
    expect(Object.keys(decoded[2].coefficients)).toEqual(expect.arrayContaining(['x1', 'x2']));
  });

  it('reports a consumer that cannot start as an error on the stream', async () => {
    const source = new KafkaSource(kafka, { topics: [randomName('missing')], groupId: randomName('g') });
    const error = await firstValueFrom(source.batches$.pipe(filter(() => false))).catch((e: unknown) => e);
    await source.close();
    expect(error).toMatchObject({ code: 'L1S_KAFKA_CONSUMER' });
  });
});
