/**
 * `l1stream run` with `kafka.engineThread: "worker"` (the engine, its sink and its state store on a
 * worker thread, kafkajs on the main one): the same outputs and committed offsets as on one
 * thread (Avro events through a schema registry the worker reads itself, dead letters, several
 * models with checkpoints), and a run killed with SIGKILL mid-stream resumes from its state to the
 * model of an uninterrupted run.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 npx vitest run test/kafka/workerRun.test.ts
 *
 * L1S_TEST_SERVICE_LOG=FILE keeps every service's log; L1S_TEST_SEED=N replays the kill points.
 */
import { describe, expect, it } from 'vitest';

import {
  AvroEncoder,
  SchemaRegistryClient,
  outputTopics,
  shippedSchema,
} from '../../connectors/kafka/index.js';
import type { ModelSnapshot } from '../../src/index.js';
import {
  brokers,
  createTopic,
  kafkaClient,
  makeEvents,
  produce,
  randomName,
  readAll,
  type ReadMessage,
} from './helpers.js';
import { registryKinds, useRegistry } from './registries.js';
import {
  committedTotal,
  killOnceCommitted,
  lastByKey,
  readSnapshots,
  seeded,
  startService,
  waitCommittedToEnd,
  weights,
  writeConfig,
  type Service,
} from './service.js';

const kill = (services: readonly Service[]) => {
  for (const s of services)
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
};

/** An output record without the wall-clock fields (`createdAt`) two runs cannot share. */
const comparable = (m: ReadMessage) => ({
  key: m.key,
  headers: m.headers,
  value: JSON.stringify(JSON.parse(m.value!.toString()), (k, v: unknown) =>
    k === 'createdAt' ? undefined : v,
  ),
});

// the worker's own registry client, against the in-process fake and a real registry (Apicurio)
describe.each(registryKinds)('l1stream run with kafka.engineThread "worker", Avro (%s registry)', (kind) => {
  const registry = useRegistry(kind, 31);

  it('publishes the same models, scores, alerts and dead letters, and commits the same offsets, as on one thread (Avro through a registry, three models)', async () => {
    const kafka = kafkaClient('worker-run');
    const topic = randomName('wrun-in');
    await createTopic(kafka, topic, 1);
    // the events' writer schema is in the registry only: the worker must fetch it by id
    const encoder = await AvroEncoder.create({
      schema: shippedSchema('event'),
      registry: new SchemaRegistryClient({ url: registry().url }),
      subject: `${topic}-value`,
      register: true,
    });
    const rand = seeded(17);
    const n = 6000;
    const messages = [];
    for (let i = 0; i < n; i++) {
      const x = rand() * 2 - 1;
      const features: Record<string, unknown> = {
        x,
        y: rand(),
        site: `s${i % 7}`,
        tags: i % 2 ? ['a'] : ['b'],
      };
      if (i % 401 === 5) features.y = Number.NaN; // invalid: a dead letter
      const event = {
        key: `k${i % 3}`,
        ...(i % 5 === 0 ? {} : { label: rand() < 0.5 + 0.4 * x ? 1 : 0 }),
        features,
      };
      let value = encoder.encode(event);
      if (i % 977 === 11) value = Buffer.from('not avro');
      if (i % 1201 === 13) (value = Buffer.from(value)).writeUInt32BE(999_999, 1); // unknown schema id
      messages.push({ key: event.key, value });
    }
    await produce(kafka, topic, messages);

    const config = (prefix: string, groupId: string, engineThread: 'main' | 'worker') => ({
      model: { family: 'binomial', key: 'w', keyBy: 'key', learner: 'ftrl', lambda: 1e-3 },
      refit: { enabled: false },
      snapshots: { everyEvents: 700, everySeconds: 'Infinity' },
      scores: { enabled: true, top: 3 },
      state: { everyEvents: 1000, everySeconds: 1 },
      kafka: {
        brokers: brokers(),
        topics: [topic],
        groupId,
        prefix,
        format: 'avro',
        avro: { registryUrl: registry().url },
        maxBytesPerPartition: 16 * 1024,
        maxInFlightBatches: 3,
        engineThread,
      },
    });
    const one = { prefix: randomName('wrun-one'), groupId: randomName('wrun-one-group') };
    const two = { prefix: randomName('wrun-two'), groupId: randomName('wrun-two-group') };
    const services = [
      startService(writeConfig(config(one.prefix, one.groupId, 'main')), 'main'),
      startService(writeConfig(config(two.prefix, two.groupId, 'worker')), 'worker'),
    ];
    const admin = kafka.admin();
    await admin.connect();
    try {
      await Promise.all([
        waitCommittedToEnd(admin, one.groupId, topic, n, [services[0]]),
        waitCommittedToEnd(admin, two.groupId, topic, n, [services[1]]),
      ]);
      const codes = await Promise.all(services.map((s) => s.stop()));
      expect(codes[0], services[0].stderr()).toBe(0);
      expect(codes[1], services[1].stderr()).toBe(0);
      // the worker's engine restored the assignment's models itself (from its own state store)
      const workerLog = services[1].logs();
      expect(workerLog.find((l) => l.msg === 'l1stream run: started')).toMatchObject({
        engineThread: 'worker',
      });
      expect(workerLog.some((l) => l.msg === 'partitions assigned: model states restored')).toBe(true);

      const outputs = ['models', 'scores', 'alerts', 'dlq'] as const;
      const counts: Record<string, number> = {};
      for (const name of outputs) {
        const [a, b] = await Promise.all([
          readAll(kafka, outputTopics(one.prefix)[name]),
          readAll(kafka, outputTopics(two.prefix)[name]),
        ]);
        counts[name] = a.length;
        expect(b.length, name).toBe(a.length);
        if (name === 'dlq')
          expect(b.map((m) => [m.key, m.headers, m.value])).toEqual(
            a.map((m) => [m.key, m.headers, m.value]),
          );
        else expect(b.map(comparable), name).toEqual(a.map(comparable));
      }
      // every kind of output was there to compare
      expect(counts.models).toBeGreaterThan(5);
      expect(counts.scores).toBeGreaterThan(0);
      expect(counts.dlq).toBeGreaterThan(15);
      expect(new Set((await readSnapshots(kafka, two.prefix)).map((s) => s.key))).toEqual(
        new Set(['k0', 'k1', 'k2']),
      );
      // the states were checkpointed (several models, several checkpoints)
      expect((await readAll(kafka, `${two.prefix}.state`)).length).toBeGreaterThan(3);

      const offsets = async (groupId: string) =>
        (await admin.fetchOffsets({ groupId, topics: [topic] }))[0].partitions;
      const [ca, cb] = await Promise.all([offsets(one.groupId), offsets(two.groupId)]);
      expect(ca).toEqual([{ partition: 0, offset: String(n), metadata: null }]);
      expect(cb).toEqual(ca);
    } finally {
      kill(services);
      await admin.disconnect();
    }
  }, 180_000);
});

describe('l1stream run with kafka.engineThread "worker"', () => {
  it('killed with SIGKILL mid-stream and restarted, resumes from its state and ends with the model of an uninterrupted run', async () => {
    const seed = Number(process.env.L1S_TEST_SEED ?? Date.now() % 100_000);
    console.log(`SIGKILL test seed ${seed} (L1S_TEST_SEED=${seed} replays its kill points)`);
    const rand = seeded(seed);
    const kafka = kafkaClient('worker-kill');
    const topic = randomName('wrun-kill-in');
    await createTopic(kafka, topic, 2);
    // partition 0: labelled events (one model learns them in that partition's order, so its
    // coefficients do not depend on how the partitions interleave); partition 1: unlabelled ones
    // (scored); malformed records on both
    const labelled = 60_000;
    const events = makeEvents(labelled + 4000, 5);
    const messages: { key: string; value: string; partition: number }[] = [];
    events.forEach((e, i) => {
      if (i % 1500 === 7) messages.push({ key: `bad${i}`, value: '{not json', partition: i % 2 });
      if (i < labelled) messages.push({ key: e.key, value: JSON.stringify(e), partition: 0 });
      else {
        const { label: _unlabelled, ...rest } = e;
        messages.push({ key: e.key, value: JSON.stringify(rest), partition: 1 });
      }
    });
    await produce(kafka, topic, messages);
    const total = messages.length;
    const config = (groupId: string, prefix: string, engineThread: 'main' | 'worker') =>
      writeConfig({
        model: { family: 'gaussian', key: 'dur', lambda: 0.001 },
        refit: { enabled: false },
        snapshots: { everyEvents: 5000, everySeconds: 'Infinity' },
        state: { everyEvents: 2000, everySeconds: 1 },
        kafka: {
          brokers: brokers(),
          topics: [topic],
          groupId,
          prefix,
          sessionTimeoutMs: 6000,
          heartbeatIntervalMs: 1000,
          maxInFlightBatches: 2,
          // batches of ~100 records: a checkpoint (every 2000) spans many of them, so a commit
          // ahead of the states would lose records at a kill
          maxBytesPerPartition: 16 * 1024,
          engineThread,
        },
      });

    const admin = kafka.admin();
    await admin.connect();
    const services: Service[] = [];
    try {
      // the reference: never interrupted, on one thread
      const refGroup = randomName('wrun-ref-group');
      const refPrefix = randomName('wrun-ref');
      const reference = startService(config(refGroup, refPrefix, 'main'), 'ref');
      services.push(reference);
      const referenceDone = (async () => {
        await waitCommittedToEnd(admin, refGroup, topic, total, [reference], 100_000);
        expect(await reference.stop(), reference.stderr()).toBe(0);
      })();

      const groupId = randomName('wrun-kill-group');
      const prefix = randomName('wrun-kill');
      const file = config(groupId, prefix, 'worker');
      const kills: number[] = [];
      for (let k = 0; k < 3; k++) {
        const service = startService(file, `kill${k}`);
        services.push(service);
        const before = await committedTotal(admin, groupId, topic);
        const target = Math.max(before + 1, Math.floor((total * (k + 0.5 + 0.5 * rand())) / 5));
        // a short random delay: the kill falls anywhere within a checkpoint's few thousand events,
        // while a long one let the worker-thread engine (~100k events/s) reach the end before it
        const delayMs = Math.floor(rand() * 30);
        kills.push(await killOnceCommitted(admin, groupId, topic, service, target, delayMs));
      }
      console.log(`kills (committed offsets at each): ${JSON.stringify(kills)} of ${total}`);
      for (const c of kills) expect(c).toBeLessThan(total);

      const last = startService(file, 'final');
      services.push(last);
      await waitCommittedToEnd(admin, groupId, topic, total, [last], 100_000);
      expect(await last.stop(), last.stderr()).toBe(0);
      await referenceDone;
      // each restart restored the model from the state topic before reading
      const restored = last.logs().find((l) => l.msg === 'partitions assigned: model states restored');
      expect(restored).toMatchObject({ restored: 1 });

      const snapshots = await readSnapshots(kafka, prefix);
      const refSnapshots = await readSnapshots(kafka, refPrefix);
      const final = lastByKey(snapshots).get('dur')!;
      const refFinal = lastByKey(refSnapshots).get('dur')!;
      // every labelled valid event learned exactly once, to the same coefficients
      expect(refFinal.offset).toBe(labelled);
      expect(final.offset).toBe(labelled);
      expect(Math.max(...snapshots.map((s: ModelSnapshot) => s.offset))).toBe(labelled);
      expect(weights(final)).toEqual(weights(refFinal));

      // every unlabelled event scored and every malformed record dead-lettered at least once
      const scored = new Set(
        (await readAll(kafka, `${prefix}.scores`)).map((m) => {
          const score = JSON.parse(m.value!.toString()) as { partition: number; offset: string };
          return `${score.partition}:${score.offset}`;
        }),
      );
      const input = await readAll(kafka, topic);
      const unscored = input
        .filter((m) => m.partition === 1 && !m.key!.startsWith('bad'))
        .map((m) => `${m.partition}:${m.offset}`)
        .filter((p) => !scored.has(p));
      expect(unscored).toEqual([]);
      const lettered = new Set(
        (await readAll(kafka, `${prefix}.dlq`)).map(
          (m) => `${m.headers['l1s.dlq.partition']}:${m.headers['l1s.dlq.offset']}`,
        ),
      );
      const bad = input.filter((m) => m.key!.startsWith('bad')).map((m) => `${m.partition}:${m.offset}`);
      expect(bad.length).toBeGreaterThan(0);
      expect(bad.filter((p) => !lettered.has(p))).toEqual([]);
    } finally {
      kill(services);
      await admin.disconnect();
    }
  }, 300_000);

  it('a state of another family stops it with the one-line error of one thread (the worker StateError, its code kept)', async () => {
    const kafka = kafkaClient('worker-family');
    const topic = randomName('wrun-family-in');
    await createTopic(kafka, topic, 1);
    const messages = makeEvents(600, 3).map((e) => ({
      key: e.key,
      value: JSON.stringify({ ...e, label: e.label > 0 ? 1 : 0 }),
    }));
    await produce(kafka, topic, messages);
    const prefix = randomName('wrun-family');
    const config = (groupId: string, family: string) =>
      writeConfig({
        model: { family, key: 'fam' },
        refit: { enabled: false },
        state: { everyEvents: 200, everySeconds: 1 },
        kafka: { brokers: brokers(), topics: [topic], groupId, prefix, engineThread: 'worker' },
      });
    const groupId = randomName('wrun-family-group');
    const first = startService(config(groupId, 'binomial'), 'binomial');
    const admin = kafka.admin();
    await admin.connect();
    const services = [first];
    try {
      await waitCommittedToEnd(admin, groupId, topic, messages.length, [first]);
      expect(await first.stop(), first.stderr()).toBe(0);
      // the same state topic, another group and family: refused when the worker restores
      const second = startService(config(randomName('wrun-family-group2'), 'gaussian'), 'gaussian');
      services.push(second);
      const exit = await Promise.race([second.exited, new Promise<null>((r) => setTimeout(r, 60_000, null))]);
      const err = second.stderr();
      expect(exit, err).toEqual({ code: 1, signal: null });
      const lines = err.split('\n').filter((l) => l.length > 0 && !l.startsWith('{'));
      expect(lines, err).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^l1stream: the state of model "fam" in .*\.state is of a binomial ftrl model, but this configuration is gaussian/,
      );
      expect(err).not.toMatch(/\n\s+at |internal error/);
    } finally {
      kill(services);
      await admin.disconnect();
    }
  }, 120_000);
});
