import { Observable, Subject } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';

import {
  AvroDecoder,
  AvroEncoder,
  KafkaSink,
  KafkaSource,
  KafkaWorkerEngine,
  kafkaEventSource,
  outputTopics,
  shippedSchema,
  type AssignmentHandler,
  type KafkaBatch,
  type KafkaSourceOptions,
} from '../../connectors/kafka/index.js';
import { Engine, checkEngineConfig, type EventSource } from '../../src/index.js';
import { brokers, createTopic, kafkaClient, produce, randomName, readTopic, waitFor } from './helpers.js';

const n = 4000;
const engineConfig = {
  model: { family: 'binomial', key: 'w', learner: 'ftrl', lambda: 1e-3 },
  snapshots: { everyEvents: 500, everySeconds: 'Infinity' },
  refit: { enabled: false },
  scores: { enabled: true, top: 3 },
};
const writerSchemas: Array<[number, ReturnType<typeof shippedSchema>]> = [[1, shippedSchema('event')]];

/** Labelled and unlabelled Avro events, a few invalid (NaN) or not Avro at all, some with headers. */
async function messages() {
  const encoder = await AvroEncoder.create({ schema: shippedSchema('event'), schemaId: 1 });
  let s = 7;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const out = [];
  for (let i = 0; i < n; i++) {
    const x = rand() * 2 - 1;
    const features: Record<string, unknown> = {
      x,
      y: rand(),
      site: `s${i % 7}`,
      tags: i % 2 ? ['a'] : ['b', 'c'],
    };
    if (i % 401 === 5) features.y = Number.NaN;
    const event = {
      key: `k${i % 3}`,
      ts: 1_700_000_000_000 + i,
      ...(i % 5 === 0 ? {} : { label: rand() < 0.5 + 0.4 * x ? 1 : 0 }),
      features,
    };
    const value = i % 977 === 11 ? Buffer.from('not avro') : encoder.encode(event);
    out.push({ value, ...(i % 13 === 0 ? { headers: { origin: `h${i}` } } : {}) });
  }
  return out;
}

const sourceOptions = (topic: string): KafkaSourceOptions => ({
  topics: [topic],
  groupId: randomName('group'),
  maxBytesPerPartition: 16 * 1024,
  maxInFlightBatches: 3,
});

/** Until the group has committed `n` on the topic's only partition. */
async function committedAll(sourceCommits: () => number) {
  const deadline = Date.now() + 60_000;
  while (sourceCommits() < n) {
    if (Date.now() > deadline) throw new Error(`only ${sourceCommits()} of ${n} records committed`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function inline(topic: string, prefix: string) {
  const kafka = kafkaClient('inline');
  const options = sourceOptions(topic);
  const source = new KafkaSource(kafka, options);
  const sink = new KafkaSink(kafka, { topics: outputTopics(prefix) });
  await sink.start();
  const decoder = new AvroDecoder({ writerSchemas: new Map(writerSchemas) });
  // stopped as the worker engine is (`close()`): reading ends, what was read is finished
  const stop = new Subject<void>();
  const port = kafkaEventSource(source);
  let committed = 0;
  const counted: EventSource = {
    ...port,
    commit: async (records) => {
      await port.commit!(records);
      committed += records.length;
    },
  };
  const engine = new Engine(
    checkEngineConfig(engineConfig),
    { source: counted, sink },
    { decoder, partSize: 512, stop },
  );
  const done = engine.run();
  await committedAll(() => committed);
  stop.next();
  const stats = await done;
  await sink.close();
  return { groupId: options.groupId, stats, deadLetters: sink.deadLetters.count };
}

async function inWorker(topic: string, prefix: string) {
  const kafka = kafkaClient('worker');
  const options = sourceOptions(topic);
  const source = new KafkaSource(kafka, { ...options, backpressure: 'wait' });
  const engine = new KafkaWorkerEngine(source, {
    config: engineConfig,
    brokers: brokers(),
    clientId: 'worker-engine',
    topics: outputTopics(prefix),
    writerSchemas,
  });
  let committed = 0;
  const sub = engine.pipeline().subscribe({ next: (k) => (committed += k) });
  await committedAll(() => committed);
  const result = await engine.close();
  sub.unsubscribe();
  await source.close();
  return {
    groupId: options.groupId,
    stats: result!.stats,
    deadLetters: result!.deadLetters,
    youngGenerationMb: result!.youngGenerationMb,
  };
}

const withoutCreatedAt = (value: Buffer | null) =>
  JSON.stringify(JSON.parse(value!.toString()), (k, v: unknown) => (k === 'createdAt' ? undefined : v));

describe('KafkaWorkerEngine: the engine on a worker thread', () => {
  const kafka = kafkaClient();
  const admin = kafka.admin();
  afterAll(() => admin.disconnect());

  it('publishes the same models, scores, alerts and dead letters, and commits the same offsets, as on one thread', async () => {
    const topic = randomName('events');
    await createTopic(kafka, topic, 1);
    await produce(kafka, topic, await messages());
    const [a, b] = [randomName('one'), randomName('two')];
    const one = await inline(topic, a);
    const two = await inWorker(topic, b);

    expect(one.stats.records).toBe(n);
    expect(two.stats.records).toBe(n);
    expect(one.deadLetters).toBeGreaterThan(10);
    expect(two.deadLetters).toBe(one.deadLetters);
    // the worker got its larger young generation (V8's default for a worker is 48 MB)
    expect(two.youngGenerationMb).toBe(64);
    for (const stat of ['learned', 'scored', 'snapshots', 'alerts', 'scores', 'rejected'] as const)
      expect(two.stats[stat], stat).toBe(one.stats[stat]);
    expect(two.stats.rejectedByReason).toEqual([...one.stats.rejectedByReason]);

    const counts = {
      models: one.stats.snapshots,
      scores: one.stats.scores,
      alerts: one.stats.alerts,
      dlq: one.deadLetters,
    };
    expect(counts.scores).toBeGreaterThan(0);
    for (const [name, count] of Object.entries(counts)) {
      if (count === 0) continue;
      const topicOf = (prefix: string) => outputTopics(prefix)[name as keyof typeof counts];
      const [x, y] = await Promise.all([
        readTopic(kafka, topicOf(a), count),
        readTopic(kafka, topicOf(b), count),
      ]);
      expect(y.length, name).toBe(x.length);
      expect(
        y.map((m) => m.key),
        name,
      ).toEqual(x.map((m) => m.key));
      expect(
        y.map((m) => m.headers),
        name,
      ).toEqual(x.map((m) => m.headers));
      if (name === 'dlq')
        expect(
          y.map((m) => m.value),
          name,
        ).toEqual(x.map((m) => m.value));
      else
        expect(
          y.map((m) => withoutCreatedAt(m.value)),
          name,
        ).toEqual(x.map((m) => withoutCreatedAt(m.value)));
    }

    await admin.connect();
    const offsets = async (groupId: string) =>
      (await admin.fetchOffsets({ groupId, topics: [topic] }))[0].partitions;
    const [ca, cb] = await Promise.all([offsets(one.groupId), offsets(two.groupId)]);
    expect(ca).toEqual([{ partition: 0, offset: String(n), metadata: null }]);
    expect(cb).toEqual(ca);
  }, 120_000);

  it("KafkaSource backpressure 'wait': holds kafkajs at the in-flight limit without pausing, and loses nothing", async () => {
    const topic = randomName('events');
    await createTopic(kafka, topic, 1);
    const total = 3000;
    await produce(
      kafka,
      topic,
      Array.from({ length: total }, (_, i) => ({ value: Buffer.from(`${i}`.padStart(40, '.')) })),
    );
    const source = new KafkaSource(kafkaClient('wait'), {
      topics: [topic],
      groupId: randomName('group'),
      maxBytesPerPartition: 4 * 1024,
      maxInFlightBatches: 2,
      backpressure: 'wait',
    });
    const held: KafkaBatch[] = [];
    const sub = source.batches$.subscribe({ next: (b) => held.push(b) });
    try {
      await waitFor(() => held.length >= 2, 'two batches');
      // nothing committed: kafkajs is held in eachBatch, the topic is not paused
      await new Promise((r) => setTimeout(r, 1500));
      expect(held.length).toBe(2);
      expect(source.state).toMatchObject({ inFlight: 2, paused: false });
      const seen: string[] = [];
      while (seen.length < total) {
        const batch = await waitFor(
          () => held.shift(),
          () => `a batch (have ${seen.length} records)`,
        );
        for (const r of batch.records) seen.push(r.position.offset);
        await source.commit(batch.records);
      }
      expect(seen).toEqual(Array.from({ length: total }, (_, i) => String(i)));
      expect(source.stats.pauses).toBeGreaterThan(0);
      expect(source.state.paused).toBe(false);
    } finally {
      sub.unsubscribe();
      await source.close();
    }
  }, 120_000);

  it('an assignment that comes while it stops or once it is closed (a rejoin during shutdown) settles: the source is not left waiting for it', async () => {
    // a source whose consumer rejoins its group while the engine stops: `assign` is what its
    // GROUP_JOIN calls, and a batch of the new assignment waits for it (kafkajs' disconnect too)
    let assign: AssignmentHandler | null = null;
    const batches = new Subject<KafkaBatch>();
    let subscribed = false;
    const source = {
      batches$: new Observable<KafkaBatch>((s) => {
        subscribed = true;
        return batches.subscribe(s);
      }),
      onAssign: (handler: AssignmentHandler) => (assign = handler),
      commit: () => Promise.resolve(),
      release: () => undefined,
    } as unknown as KafkaSource;
    const engine = new KafkaWorkerEngine(source, {
      config: engineConfig,
      brokers: brokers(),
      clientId: 'worker-engine',
      topics: outputTopics(randomName('rejoin')),
      writerSchemas,
    });
    const sub = engine.pipeline().subscribe({ error: () => undefined });
    const settled = (p: Promise<void>) =>
      Promise.race([p.then(() => 'settled'), new Promise((r) => setTimeout(r, 10_000, 'still waiting'))]);
    try {
      await waitFor(() => subscribed, 'the worker to be ready');
      const assignment = [{ source: 'events', partition: 0 }];
      await expect(settled(assign!(assignment, { lost: false }))).resolves.toBe('settled');
      const closing = engine.close();
      const whileStopping = assign!(assignment, { lost: false });
      expect((await closing)?.stats.records).toBe(0);
      await expect(settled(whileStopping)).resolves.toBe('settled');
      await expect(settled(assign!(assignment, { lost: true }))).resolves.toBe('settled');
    } finally {
      sub.unsubscribe();
    }
  }, 60_000);
});
