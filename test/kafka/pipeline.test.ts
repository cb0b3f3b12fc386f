import { firstValueFrom, filter, tap, type Subscription } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';

import { KafkaSink, KafkaSource, kafkaEventSource, outputTopics } from '../../connectors/kafka/index.js';
import {
  Engine,
  OnlineModel,
  checkEngineConfig,
  validateEvent,
  type EventSource,
  type ModelSnapshot,
  type ProcessedBatch,
  type RawRecord,
} from '../../src/index.js';
import { createTopic, kafkaClient, makeEvents, produce, randomName, readTopic, waitFor } from './helpers.js';

describe('source → engine → sink on a real broker', () => {
  const kafka = kafkaClient();
  const subscriptions: Subscription[] = [];
  const engines: Engine[] = [];
  afterAll(async () => {
    subscriptions.forEach((s) => s.unsubscribe());
    await Promise.all(engines.map((e) => e.close()));
  });

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
    // Refits off: the snapshots are compared with a reference online model below.
    const config = checkEngineConfig({
      model: { family: 'gaussian', key: 'pipe', learner: 'ftrl', lambda: 1e-3 },
      snapshots: { everyEvents: 1000, everySeconds: 'Infinity' },
      refit: { enabled: false },
    });
    const source = new KafkaSource(kafka, {
      topics: [topic],
      groupId,
      maxBytesPerPartition: 16 * 1024,
      maxInFlightBatches: 2,
    });
    const sink = new KafkaSink(kafka, { topics: outputTopics(prefix) });
    await sink.start();
    const published: ModelSnapshot[] = [];
    const originalModel = sink.model.bind(sink);
    sink.model = (s) => {
      published.push(s);
      originalModel(s);
    };
    // The order the model learns in: without a `prepare` step the engine decodes and learns each
    // batch synchronously as the source emits it. (Batches are emitted downstream once committed,
    // and commits of different partitions may complete out of order.)
    const port = kafkaEventSource(source);
    const learnOrder: RawRecord[][] = [];
    const ordered: EventSource = {
      ...port,
      batches$: port.batches$.pipe(tap((b) => learnOrder.push([...b.records]))),
    };
    const engine = new Engine(config, { source: ordered, sink }, { partSize: 512, clock });
    engines.push(engine);
    const applied: string[] = [];
    const learned: ProcessedBatch[] = [];
    subscriptions.push(
      engine.pipeline().subscribe({
        next: (b) => {
          learned.push(b);
          for (const r of b.records) applied.push(`${r.position.partition}:${r.position.offset}`);
        },
      }),
    );
    await waitFor(() => applied.length >= n, `${n} events applied (have ${applied.length})`, 60_000);

    // Every event applied exactly once, the model learned from all of them, nothing dead-lettered.
    const model = engine.registry.peekLive('pipe')!.model;
    expect(applied.length).toBe(n);
    expect(new Set(applied).size).toBe(n);
    expect(model.offset).toBe(n);
    expect(sink.deadLetters.count).toBe(0);
    expect(engine.stats()).toMatchObject({ records: n, learned: n, scored: 0, rejected: 0, keys: 1 });
    // Every emitted batch was learned by the one model, and exactly the batches the source read.
    for (const b of learned) for (const p of b.parts) expect(p.live.model).toBe(model);
    expect(
      learnOrder
        .flat()
        .map((r) => `${r.position.partition}:${r.position.offset}`)
        .sort(),
    ).toEqual([...applied].sort());
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

    // The models topic holds the snapshots the engine published, in order, keyed by model key.
    // Cadence (`snapshots.everyEvents`): a snapshot right after each 1000th learned event, inside
    // the batch (and the part of `partSize` = 512 records) it falls in, whatever the fetches were
    // (the engine emits a batch once its outputs are acknowledged, so all were published by now).
    const expectedAt = [1000, 2000, 3000];
    expect(published.map((s) => s.offset)).toEqual(expectedAt);
    expect(published.every((s) => s.source === 'online')).toBe(true);
    const onTopic = await readTopic(kafka, models, published.length);
    expect(onTopic.map((m) => m.key)).toEqual(published.map(() => 'pipe'));
    expect(onTopic.map((m) => m.headers['l1s.version'])).toEqual(published.map((s) => String(s.version)));
    const decoded = onTopic.map((m) => JSON.parse(m.value!.toString()) as ModelSnapshot);
    expect(decoded).toEqual(published.map((s) => JSON.parse(JSON.stringify(s)) as ModelSnapshot));
    expect(decoded.map((s) => s.version)).toEqual(decoded.map((_, i) => i + 1));
    expect(decoded.map((s) => Math.floor(s.offset / 1000))).toEqual(decoded.map((_, i) => i + 1));
    // the last snapshot took every record: per topic:partition, the next offset to read is the end
    expect(new Map(Object.entries(decoded.at(-1)!.partitionOffsets!))).toEqual(
      new Map(ends.map((p) => [`${topic}:${p.partition}`, p.high])),
    );

    // Reference: the same events, in the order the engine learned them, through a fresh model.
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
    for (const b of learnOrder) {
      for (const r of b) {
        const checked = validateEvent(
          byPosition.get(`${r.position.partition}:${r.position.offset}`),
          'gaussian',
        );
        if (!checked.ok) throw new Error(checked.reason);
        reference.process(checked.event);
        if (next < decoded.length && reference.offset === decoded[next].offset) {
          const expected = reference.snapshot();
          expect(decoded[next].coefficients).toEqual(expected.coefficients);
          expect(decoded[next].intercept).toEqual(expected.intercept);
          next++;
        }
      }
    }
    expect(next).toBe(decoded.length);
    expect(Object.keys(decoded[1].coefficients)).toEqual(expect.arrayContaining(['x1', 'x2']));
    // The engine's model is the reference model after all of them.
    expect(model.snapshot().coefficients).toEqual(reference.snapshot().coefficients);
  });

  it('with refits on (a worker thread): refit snapshots join the online ones on the models topic', async () => {
    const n = 3000;
    const topic = randomName('events-refit');
    const prefix = randomName('l1s-refit');
    const groupId = randomName('group');
    await createTopic(kafka, topic, 1);
    const events = makeEvents(n, 5);
    await produce(
      kafka,
      topic,
      events.map((e) => ({ key: e.key, value: JSON.stringify(e) })),
    );
    const clock = () => new Date('2026-01-01T00:00:00Z');
    const config = checkEngineConfig({
      model: { family: 'gaussian', key: 'pipe', learner: 'ftrl', lambda: 1e-3 },
      snapshots: { everyEvents: 1000, everySeconds: 'Infinity' },
      refit: { enabled: true, everyEvents: 1000, everySeconds: 'Infinity', window: 1000, threads: 1 },
    });
    const source = new KafkaSource(kafka, { topics: [topic], groupId, maxBytesPerPartition: 16 * 1024 });
    const sink = new KafkaSink(kafka, { topics: outputTopics(prefix) });
    await sink.start();
    const published: ModelSnapshot[] = [];
    const originalModel = sink.model.bind(sink);
    sink.model = (s) => {
      published.push(s);
      originalModel(s);
    };
    const engine = new Engine(config, { source: kafkaEventSource(source), sink }, { partSize: 512, clock });
    engines.push(engine);
    let applied = 0;
    const subscription = engine.pipeline().subscribe({ next: (b) => (applied += b.records.length) });
    subscriptions.push(subscription);
    try {
      await waitFor(() => applied >= n, `${n} events applied (have ${applied})`, 60_000);
      // Refits run beside the stream; each one's snapshot is published when it finishes.
      // (A refit due while the previous one runs waits for the next batch boundary after it; the
      // 3000 events may all be learned before the first refit ends, so only one is certain.)
      await waitFor(
        () => published.some((s) => s.source === 'refit'),
        () => `a refit snapshot (have ${JSON.stringify(engine.refits)})`,
        60_000,
      );
    } finally {
      subscription.unsubscribe();
      await engine.close();
      await source.close();
      await sink.close();
    }
    expect(applied).toBe(n);
    expect(engine.registry.peekLive('pipe')!.model.offset).toBe(n);

    const onTopic = await readTopic(kafka, outputTopics(prefix).models, published.length);
    const decoded = onTopic.map((m) => JSON.parse(m.value!.toString()) as ModelSnapshot);
    expect(decoded).toEqual(published.map((s) => JSON.parse(JSON.stringify(s)) as ModelSnapshot));
    expect(onTopic.every((m) => m.key === 'pipe')).toBe(true);
    // One version sequence for the key, online and refit snapshots alike, in publishing order.
    expect(decoded.map((s) => s.version)).toEqual(decoded.map((_, i) => i + 1));
    const refits = decoded.filter((s) => s.source === 'refit');
    expect(refits.length).toBe(engine.refits.completed);
    expect(engine.refits.failed).toBe(0);
    for (const r of refits) {
      expect(r).toMatchObject({
        key: 'pipe',
        family: 'gaussian',
        learner: 'coordinate-descent',
        lambda: 1e-3,
      });
      expect(r.window!.events).toBeLessThanOrEqual(1000);
      expect(r.window!.last).toBe(r.offset);
      expect(r.offset).toBeLessThanOrEqual(n);
      expect(r.metrics?.converged).toBe(true);
      // x1 and x2 carry the signal: the refit finds them.
      expect(Object.keys(r.coefficients)).toEqual(expect.arrayContaining(['x1', 'x2']));
    }

    // The online snapshots are those of a reference model fed the same events (one partition:
    // topic order); refits do not change what the online model learns (`refit.serve` is online).
    const online = decoded.filter((s) => s.source === 'online');
    expect(online.length).toBeGreaterThanOrEqual(2);
    const reference = new OnlineModel({
      key: 'pipe',
      family: 'gaussian',
      learner: 'ftrl',
      lambda: 1e-3,
      clock,
    });
    let next = 0;
    for (const e of events) {
      const checked = validateEvent(e, 'gaussian');
      if (!checked.ok) throw new Error(checked.reason);
      reference.process(checked.event);
      if (next < online.length && reference.offset === online[next].offset) {
        const expected = reference.snapshot();
        expect(online[next].coefficients).toEqual(expected.coefficients);
        expect(online[next].intercept).toEqual(expected.intercept);
        next++;
      }
    }
    expect(next).toBe(online.length);
  }, 150_000);

  it('reports a consumer that cannot start as an error on the stream', async () => {
    const source = new KafkaSource(kafka, { topics: [randomName('missing')], groupId: randomName('g') });
    const error = await firstValueFrom(source.batches$.pipe(filter(() => false))).catch((e: unknown) => e);
    await source.close();
    expect(error).toMatchObject({ code: 'L1S_KAFKA_CONSUMER' });
  });

  it('reports a consumer that cannot start as an error of the engine pipeline', async () => {
    const source = new KafkaSource(kafka, { topics: [randomName('missing')], groupId: randomName('g') });
    const sink = new KafkaSink(kafka, { topics: outputTopics(randomName('l1s')) });
    await sink.start();
    const engine = new Engine(
      checkEngineConfig({ model: { family: 'gaussian', key: 'e' }, refit: { enabled: false } }),
      { source: kafkaEventSource(source), sink },
    );
    try {
      const error = await engine.run().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'L1S_KAFKA_CONSUMER' });
    } finally {
      await source.close();
      await sink.close();
    }
  });
});
