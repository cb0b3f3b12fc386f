/**
 * State that survives (one model): `l1stream run` killed with SIGKILL at random points and
 * restarted learns every event exactly once, to the same coefficients as a run never
 * interrupted; and a broker outage mid-stream is ridden out. The keyed and multi-instance cases
 * are in durability-keys.test.ts.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 npx vitest run test/kafka/durability.test.ts
 *
 * L1S_TEST_SERVICE_LOG=FILE keeps every service's log; L1S_TEST_SEED=N replays the kill points.
 */
import { describe, expect, it } from 'vitest';

import type { ModelSnapshot } from '../../src/index.js';
import { brokers, createTopic, kafkaClient, makeEvents, produce, randomName, readAll } from './helpers.js';
import {
  committedTotal,
  killOnceCommitted,
  lastByKey,
  ownBrokerForSuite,
  readSnapshots,
  seeded,
  startService,
  waitCommittedToEnd,
  weights,
  writeConfig,
  type Service,
} from './service.js';

/**
 * The input: partition 0 holds the labelled events (the single model learns them in that
 * partition's order, so its coefficients do not depend on how the two partitions' batches
 * interleave: a run killed five times can be compared digit for digit with one that was not);
 * partition 1 holds unlabelled events (scored, so the model covers positions of both
 * partitions); malformed records are spread over both.
 */
function input(labelled: number, unlabelled: number, malformed: number, seed: number) {
  const events = makeEvents(labelled + unlabelled, seed);
  const messages: { key: string; value: string; partition: number }[] = [];
  const bad = [
    '{"label": 1}',
    '{not json',
    '{"label": "high", "features": {"x1": 1}}',
    '[]',
    '{"label": 1, "features": {"x1": "NaN", "x2": {"nested": true}}}',
  ];
  const badAt = new Set<number>();
  const rand = seeded(seed * 7 + 1);
  while (badAt.size < malformed) badAt.add(Math.floor(rand() * (labelled + unlabelled)));
  let b = 0;
  events.forEach((e, i) => {
    const partition = i < labelled ? 0 : 1;
    if (badAt.has(i)) {
      messages.push({ key: `bad${b}`, value: bad[b % bad.length], partition: b % 2 });
      b++;
    }
    if (partition === 0) messages.push({ key: e.key, value: JSON.stringify(e), partition });
    else {
      const { label: _unlabelled, ...rest } = e;
      messages.push({ key: e.key, value: JSON.stringify(rest), partition });
    }
  });
  return { messages, malformed: b };
}

function serviceConfig(topic: string, groupId: string, prefix: string, brokerList: readonly string[]) {
  return {
    model: { family: 'gaussian', key: 'dur', lambda: 0.001 },
    refit: { enabled: false },
    snapshots: { everyEvents: 5000, everySeconds: 'Infinity' },
    state: { everyEvents: 2000, everySeconds: 1 },
    kafka: {
      brokers: brokerList,
      topics: [topic],
      groupId,
      prefix,
      // a killed member leaves the group when its session expires: keep that short
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 1000,
      // learn at most two fetched batches ahead of what is published and checkpointed
      maxInFlightBatches: 2,
    },
  };
}

/** (partition:offset) of every malformed record, as its dead letter's headers name it. */
async function malformedPositions(kafka: ReturnType<typeof kafkaClient>, topic: string): Promise<string[]> {
  const all = await readAll(kafka, topic);
  return all
    .filter((m) => m.key !== null && m.key.startsWith('bad'))
    .map((m) => `${m.partition}:${m.offset}`)
    .sort();
}

describe('l1stream run killed with SIGKILL at random points (one model, 2 partitions)', () => {
  it('learns every valid event exactly once, to the coefficients of an uninterrupted run', async () => {
    const seed = Number(process.env.L1S_TEST_SEED ?? Date.now() % 100_000);
    console.log(`SIGKILL test seed ${seed} (L1S_TEST_SEED=${seed} replays its kill points)`);
    const rand = seeded(seed);
    const kafka = kafkaClient('durability-kill');
    const topic = randomName('dur-kill-in');
    await createTopic(kafka, topic, 2);
    const labelled = 90_000;
    const { messages, malformed } = input(labelled, 6000, 40, 5);
    await produce(kafka, topic, messages);
    const total = messages.length;

    const admin = kafka.admin();
    await admin.connect();
    const services: Service[] = [];
    try {
      // The reference: the same input and configuration, never interrupted (fresh group, prefix).
      const refGroup = randomName('dur-ref-group');
      const refPrefix = randomName('dur-ref');
      const reference = startService(
        writeConfig(serviceConfig(topic, refGroup, refPrefix, brokers())),
        'ref',
      );
      services.push(reference);
      const referenceDone = (async () => {
        await waitCommittedToEnd(admin, refGroup, topic, total, [reference], 100_000);
        expect(await reference.stop(), reference.stderr()).toBe(0);
      })();

      const groupId = randomName('dur-kill-group');
      const prefix = randomName('dur-kill');
      const config = writeConfig(serviceConfig(topic, groupId, prefix, brokers()));
      const kills: { committedAtKill: number; delayMs: number }[] = [];
      for (let k = 0; k < 5; k++) {
        const service = startService(config, `kill${k}`);
        services.push(service);
        // Kill after progress, at a random point: once the group committed past a random
        // point of the k-th seventh of the stream (and past where this incarnation started), a
        // random moment later. Commits come at checkpoints, some thousands of events apart, so
        // the five kills stay short of the end.
        const before = await committedTotal(admin, groupId, topic);
        const target = Math.max(before + 1, Math.floor((total * (k + 0.5 + 0.5 * rand())) / 7));
        const delayMs = Math.floor(rand() * 150);
        const committedAtKill = await killOnceCommitted(admin, groupId, topic, service, target, delayMs);
        kills.push({ committedAtKill, delayMs });
        console.log(`kill ${k} after ${delayMs} ms: ${kills[k].committedAtKill} of ${total} committed`);
      }
      console.log(`kills (committed offsets at each): ${JSON.stringify(kills)} of ${total}`);
      // Every kill was mid-stream (else the test would not test anything).
      for (const k of kills) expect(k.committedAtKill).toBeLessThan(total);

      const last = startService(config, 'final');
      services.push(last);
      await waitCommittedToEnd(admin, groupId, topic, total, [last], 100_000);
      expect(await last.stop(), last.stderr()).toBe(0);
      await referenceDone;

      const snapshots = await readSnapshots(kafka, prefix);
      const refSnapshots = await readSnapshots(kafka, refPrefix);
      expect(new Set(snapshots.map((s) => s.key))).toEqual(new Set(['dur']));
      const final = lastByKey(snapshots).get('dur')!;
      const refFinal = lastByKey(refSnapshots).get('dur')!;
      // Learned events: exactly the labelled valid ones, none twice, none lost.
      expect(refFinal.offset).toBe(labelled);
      expect(final.offset).toBe(labelled);
      // No snapshot ever counted past them (a model that learned events twice would).
      expect(Math.max(...snapshots.map((s) => s.offset))).toBe(labelled);
      // The same model, to the last digit.
      expect(weights(final)).toEqual(weights(refFinal));
      // A version names one model (a restart from an older checkpoint may publish one again).
      const byVersion = new Map<number, ModelSnapshot>();
      for (const s of snapshots) {
        const seen = byVersion.get(s.version);
        if (seen)
          expect({ offset: s.offset, ...weights(s) }, `version ${s.version}`).toEqual({
            offset: seen.offset,
            ...weights(seen),
          });
        else byVersion.set(s.version, s);
      }
      // Snapshots taken at the same learned-event count agree with the reference's at that count.
      const refAt = new Map<number, ModelSnapshot>(refSnapshots.map((s) => [s.offset, s]));
      for (const s of snapshots) {
        const r = refAt.get(s.offset);
        if (r) expect(weights(s), `snapshot at ${s.offset}`).toEqual(weights(r));
      }

      // Every unlabelled event was scored at least once: a state that covers a record (so that
      // it is skipped when read again) is written only after that record's outputs are durable.
      const scored = new Set(
        (await readAll(kafka, `${prefix}.scores`)).map((m) => {
          const score = JSON.parse(m.value!.toString()) as { partition: number; offset: string };
          return `${score.partition}:${score.offset}`;
        }),
      );
      const unlabelled = (await readAll(kafka, topic))
        .filter((m) => m.partition === 1 && m.key !== null && !m.key.startsWith('bad'))
        .map((m) => `${m.partition}:${m.offset}`);
      expect(unlabelled).toHaveLength(6000);
      expect(unlabelled.filter((p) => !scored.has(p))).toEqual([]);

      // Every malformed record was dead-lettered at least once (possibly again after a kill).
      const letters = await readAll(kafka, `${prefix}.dlq`);
      const lettered = new Set(
        letters.map((m) => `${m.headers['l1s.dlq.partition']}:${m.headers['l1s.dlq.offset']}`),
      );
      const bad = await malformedPositions(kafka, topic);
      expect(bad).toHaveLength(malformed);
      expect(bad.filter((p) => !lettered.has(p))).toEqual([]);
      expect(letters.every((m) => m.headers['l1s.dlq.topic'] === topic)).toBe(true);
    } finally {
      for (const s of services)
        if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
      await admin.disconnect();
    }
  }, 240_000);
});

describe('l1stream run through a broker outage (a broker of its own)', () => {
  const broker = ownBrokerForSuite();

  it('rides out a 10 s outage and learns every valid event exactly once', async () => {
    const own = broker();
    const kafka = kafkaClient('durability-outage', own.brokers);
    const topic = randomName('dur-outage-in');
    await createTopic(kafka, topic, 2);
    const labelled = 30_000;
    const { messages } = input(labelled, 2000, 10, 9);
    await produce(kafka, topic, messages);
    const total = messages.length;
    const groupId = randomName('dur-outage-group');
    const prefix = randomName('dur-outage');
    const service = startService(writeConfig(serviceConfig(topic, groupId, prefix, own.brokers)), 'outage');
    const admin = kafka.admin();
    await admin.connect();
    try {
      let committed = 0;
      while (committed < total / 4) {
        const exit = await Promise.race([service.exited, new Promise((r) => setTimeout(r, 50, null))]);
        if (exit !== null)
          throw new Error(`the service exited (${JSON.stringify(exit)}):\n${service.stderr()}`);
        committed = await committedTotal(admin, groupId, topic);
      }
      await admin.disconnect();
      const atOutage = committed;
      const outageAt = Date.now();
      await own.outage(10);
      await admin.connect();
      // Still running: it rode the outage out.
      expect(service.child.exitCode, service.stderr()).toBeNull();
      await waitCommittedToEnd(admin, groupId, topic, total, [service], 120_000);
      console.log(`outage at ${atOutage} of ${total} committed offsets`);
      // It said clearly what was going on: a warning or error of its own (not only kafkajs' lines)
      // naming the broker or the connection, logged after the outage began.
      const said = service
        .logs()
        .filter(
          (l) =>
            l.level >= 40 &&
            Number(l.time) >= outageAt &&
            l.logger !== 'kafkajs' &&
            !/dead-letter/.test(l.msg),
        )
        .map((l) => JSON.stringify(l));
      expect(await service.stop(), service.stderr()).toBe(0);
      const snapshots = await readSnapshots(kafka, prefix);
      expect(lastByKey(snapshots).get('dur')!.offset).toBe(labelled);
      expect(Math.max(...snapshots.map((s) => s.offset))).toBe(labelled);
      expect(
        said.join('\n'),
        `no warning of its own about the outage; its log:\n${service.stderr().slice(-3000)}`,
      ).toMatch(/broker|connect|kafka/i);
    } finally {
      if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGKILL');
      await admin.disconnect().catch(() => undefined);
    }
  }, 240_000);

  it('an idle service through an outage still exits 0 on SIGTERM (a kafkajs connection held it alive)', async () => {
    const own = broker();
    const kafka = kafkaClient('durability-idle-outage', own.brokers);
    const topic = randomName('dur-idle-in');
    await createTopic(kafka, topic, 1);
    // nothing to read: the consumer only keeps its group membership through the outage (kafkajs'
    // default session and heartbeat)
    const config = writeConfig({
      model: { family: 'binomial', keyBy: 'key' },
      state: { everyEvents: 2000, everySeconds: 2 },
      kafka: {
        brokers: own.brokers,
        topics: [topic],
        groupId: randomName('dur-idle-group'),
        prefix: randomName('dur-idle'),
      },
    });
    const service = startService(config, 'idle');
    try {
      await new Promise((r) => setTimeout(r, 12_000));
      await own.outage(10);
      await new Promise((r) => setTimeout(r, 30_000));
      expect(service.child.exitCode, service.stderr()).toBeNull();
      const stopped = await Promise.race([
        service.stop(),
        new Promise((r) => setTimeout(r, 25_000, 'alive')),
      ]);
      expect(stopped, `still running 25 s after SIGTERM:\n${service.stderr().slice(-2000)}`).toBe(0);
    } finally {
      if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGKILL');
    }
  }, 240_000);
});
