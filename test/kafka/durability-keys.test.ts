/**
 * State that survives (keyed models): several `l1stream run` instances in one group, one killed
 * with SIGKILL and one added mid-stream; the `model.keyBy` rule for several instances; 10,000
 * models restored from `<prefix>.state`. One model is in durability.test.ts, bad state records in
 * durability-state.test.ts.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 npx vitest run test/kafka/durability-keys.test.ts
 */
import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';

import { checkEngineConfig, OnlineModel, validateEvent, type ModelSnapshot } from '../../src/index.js';
import { brokers, createTopic, kafkaClient, makeEvents, produce, randomName, waitFor } from './helpers.js';
import {
  committedTotal,
  lastByKey,
  readSnapshots,
  startService,
  topicSize,
  waitCommittedToEnd,
  weights,
  writeConfig,
  type Service,
} from './service.js';

type Event = ReturnType<typeof makeEvents>[number];

/**
 * `perKey(k)` events for each of `keys` model keys (`k00`, `k01`, ...), each key's events from
 * its own seed, interleaved round-robin (so every partition moves along together); the model
 * key is the event's `key` and the Kafka record key (so the default partitioner puts all of a
 * key's events in one partition, in order).
 */
function keyedEvents(
  keys: number,
  perKey: (k: number) => number,
  seed: number,
  name = (k: number) => `k${k}`,
) {
  const byKey = new Map<string, Event[]>();
  for (let k = 0; k < keys; k++)
    byKey.set(
      name(k),
      makeEvents(perKey(k), seed * 1000 + k).map((e) => ({ ...e, key: name(k) })),
    );
  const ordered: Event[] = [];
  const longest = Math.max(...[...byKey.values()].map((v) => v.length));
  for (let i = 0; i < longest; i++)
    for (const events of byKey.values()) if (i < events.length) ordered.push(events[i]);
  return { byKey, ordered };
}

/**
 * A version names one model: two snapshots of a key with the same version (published again after
 * a restart from an older checkpoint) have the same offset and weights.
 */
function expectVersionsName(snapshots: readonly ModelSnapshot[]): void {
  const seen = new Map<string, ModelSnapshot>();
  for (const s of snapshots) {
    const id = `${s.key}@${s.version}`;
    const first = seen.get(id);
    if (first === undefined) seen.set(id, s);
    else
      expect({ offset: s.offset, ...weights(s) }, `${id}`).toEqual({
        offset: first.offset,
        ...weights(first),
      });
  }
}

const asMessages = (events: readonly Event[]) =>
  events.map((e) => ({ key: e.key, value: JSON.stringify(e) }));

/**
 * What an online model fed `events` in order publishes (the service's learner is deterministic).
 * `snapshotAfter`: learned-event counts at which the service published a snapshot that is not at
 * a multiple of snapshots.everyEvents (a stop's last one): a snapshot taken during the label
 * warm-up (the first 100 labelled events of a gaussian model) ends it early, which changes what
 * the model learns from then on, so the reference takes one there too.
 */
function referenceWeights(doc: unknown, key: string, events: readonly Event[], snapshotAfter: number[] = []) {
  const config = checkEngineConfig(doc, { sections: { kafka: (raw) => raw } });
  const model = new OnlineModel({ ...config.model, key });
  events.forEach((e, i) => {
    const checked = validateEvent(e, 'gaussian');
    if (!checked.ok) throw new Error(checked.reason);
    model.process(checked.event);
    if (snapshotAfter.includes(i + 1)) model.snapshot();
  });
  return { offset: model.offset, weights: weights(model.snapshot()) };
}

function keyedConfig(
  topic: string,
  groupId: string,
  prefix: string,
  extra: {
    model?: Record<string, unknown>;
    drift?: Record<string, unknown>;
    engineThread?: 'main' | 'worker';
    sessionTimeoutMs?: number;
  } = {},
) {
  return {
    model: { family: 'gaussian', lambda: 0.001, keyBy: 'key', ...extra.model },
    refit: { enabled: false },
    snapshots: { everyEvents: 100, everySeconds: 'Infinity' },
    state: { everyEvents: 2000, everySeconds: 1 },
    ...(extra.drift ? { drift: extra.drift } : {}),
    kafka: {
      brokers: brokers(),
      topics: [topic],
      groupId,
      prefix,
      sessionTimeoutMs: extra.sessionTimeoutMs ?? 6000,
      heartbeatIntervalMs: 1000,
      ...(extra.engineThread ? { engineThread: extra.engineThread } : {}),
    },
  };
}

/** Waits until the group committed at least `atLeast` records, failing if a service exits. */
async function waitCommitted(
  kafka: Kafka,
  groupId: string,
  topic: string,
  atLeast: number,
  services: readonly Service[],
  timeoutMs = 60_000,
): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = await committedTotal(admin, groupId, topic);
      if (now >= atLeast) return now;
      for (const s of services)
        if (s.child.exitCode !== null || s.child.signalCode !== null)
          throw new Error(
            `${s.name} exited (${s.child.exitCode ?? s.child.signalCode}):\n${s.stderr().slice(-4000)}`,
          );
      if (Date.now() > deadline) throw new Error(`group ${groupId}: ${now} of ${atLeast} records committed`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await admin.disconnect();
  }
}

describe('keyed models across instances of one consumer group', () => {
  // (kafka.engineThread "worker": each instance's engine restores on the rebalances in its worker)
  it.each(['main', 'worker'] as const)(
    'three instances (engine thread %s), one killed and one added mid-stream: every key learns its events once, one live model per key',
    async (engineThread) => {
      const kafka = kafkaClient('durability-group');
      const topic = randomName('dur-group-in');
      await createTopic(kafka, topic, 6);
      const keys = 60;
      const { byKey, ordered } = keyedEvents(keys, (k) => 400 + 7 * k, 17);
      // Produced in waves while the instances run, so that the kill and the new instance are
      // mid-stream however fast they learn.
      const waves = 4;
      const size = Math.ceil(ordered.length / waves);
      const wave = (w: number) => asMessages(ordered.slice(w * size, (w + 1) * size));
      const total = ordered.length;
      const groupId = randomName('dur-group');
      const prefix = randomName('dur-group');
      const doc = keyedConfig(topic, groupId, prefix, { engineThread });
      const config = writeConfig(doc);
      const services: Service[] = [];
      const start = (name: string) => {
        const s = startService(config, name);
        services.push(s);
        return s;
      };
      const admin = kafka.admin();
      try {
        await produce(kafka, topic, wave(0));
        const [a, b, c] = [start('a'), start('b'), start('c')];
        await waitCommitted(kafka, groupId, topic, Math.floor(size / 2), [a, b, c]);
        await b.kill9();
        await produce(kafka, topic, wave(1));
        await waitCommitted(kafka, groupId, topic, size + 1, [a, c]);
        const d = start('d');
        // d takes part once it has its partitions (a rebalance), and the stream goes on.
        await waitFor(
          () => d.logs().some((l) => l.msg === 'partitions assigned: model states restored'),
          () => `d to be assigned partitions:\n${d.stderr().slice(-3000)}`,
          60_000,
        );
        await produce(kafka, topic, wave(2));
        await waitCommitted(kafka, groupId, topic, 2 * size + 1, [a, c, d]);
        await produce(kafka, topic, wave(3));
        await admin.connect();
        expect(await topicSize(admin, topic)).toBe(total);
        await waitCommittedToEnd(admin, groupId, topic, total, [a, c, d], 120_000);
        const codes = await Promise.all([a, c, d].map((s) => s.stop()));
        expect(codes, [a, c, d].map((s) => `${s.name}:\n${s.stderr().slice(-3000)}`).join('\n')).toEqual([
          0, 0, 0,
        ]);

        const snapshots = await readSnapshots(kafka, prefix);
        const last = lastByKey(snapshots);
        expect([...last.keys()].sort()).toEqual([...byKey.keys()].sort());
        expectVersionsName(snapshots);
        for (const [key, events] of byKey) {
          const mine = snapshots.filter((s) => s.key === key);
          // Exactly its own events, each once: the last snapshot and the largest offset say so.
          expect(last.get(key)!.offset, key).toBe(events.length);
          expect(Math.max(...mine.map((s) => s.offset)), key).toBe(events.length);
          // One live model at a time: two snapshots at one offset are the same model.
          const atOffset = new Map<number, ModelSnapshot>();
          for (const s of mine) {
            const seen = atOffset.get(s.offset);
            if (seen) expect(weights(s), `${key} at ${s.offset}`).toEqual(weights(seen));
            else atOffset.set(s.offset, s);
          }
          // And the model is the one its events make, in order.
          const reference = referenceWeights(doc, key, events);
          expect(weights(last.get(key)!), key).toEqual(reference.weights);
        }
      } finally {
        for (const s of services)
          if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
        await admin.disconnect();
      }
    },
    180_000,
  );

  it.each([
    ['a feature field', { keyBy: 'c' }],
    ['absent (one model)', {}],
  ])(
    'with model.keyBy %s, an instance not assigned every partition stops with an error naming model.keyBy',
    async (_, model) => {
      const kafka = kafkaClient('durability-keyby');
      const topic = randomName('dur-keyby-in');
      await createTopic(kafka, topic, 2);
      const { ordered } = keyedEvents(10, () => 200, 3);
      await produce(kafka, topic, asMessages(ordered));
      const groupId = randomName('dur-keyby');
      const doc = keyedConfig(topic, groupId, randomName('dur-keyby'), {
        model: { keyBy: undefined, ...model },
      });
      const config = writeConfig(doc);
      const first = startService(config, 'first');
      let second: Service | undefined;
      try {
        await waitCommitted(kafka, groupId, topic, 1, [first]);
        second = startService(config, 'second');
        const exit = await Promise.race([
          second.exited,
          new Promise<null>((r) => setTimeout(r, 60_000, null)),
        ]);
        expect(exit, `the second instance is still running:\n${second.stderr()}`).not.toBeNull();
        expect(exit!.code, second.stderr()).not.toBe(0);
        expect(exit!.code).not.toBeNull();
        expect(second.stderr()).toMatch(/model\.keyBy/);
        expect(second.stderr()).toMatch(/"key"/);
        // another group alone would learn every event twice into the same output topics
        expect(second.stderr()).toMatch(/another kafka\.groupId and another kafka\.prefix/);
        // The first one runs on, with every partition, and stops cleanly.
        expect(first.child.exitCode, first.stderr()).toBeNull();
        expect(await first.stop(), first.stderr()).toBe(0);
      } finally {
        for (const s of [first, second])
          if (s && s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
      }
    },
    120_000,
  );
});

/**
 * Frozen past its session timeout, an instance ("the owner") is dropped from the group, and the
 * other member learns and commits its partition, then is killed; let go, the owner joins again
 * (a new member id), gets the partition back, and the stream goes on. The records the other
 * member read are deleted before the owner goes on, so that it cannot read them too before it
 * finds it is out of the group (it would, as a zombie, and so close the gap by chance; a member
 * dropped for being slow need not). `idle`: frozen with everything it read committed. `dirty`:
 * frozen with events learned since its last checkpoint, which is due by time as it wakes up.
 */
async function outOfGroupRun(engineThread: 'main' | 'worker', frozen: 'idle' | 'dirty') {
  const kafka = kafkaClient('durability-lost');
  const topic = randomName('dur-lost-in');
  await createTopic(kafka, topic, 1);
  const { byKey, ordered } = keyedEvents(5, () => 300, 23);
  const size = ordered.length / 3;
  const wave = (w: number) => asMessages(ordered.slice(w * size, (w + 1) * size));
  const groupId = randomName('dur-lost');
  const prefix = randomName('dur-lost');
  const doc = {
    ...keyedConfig(topic, groupId, prefix, { engineThread }),
    // dirty: checkpoints by time only, so that nothing the owner learns is written before it freezes
    ...(frozen === 'dirty' ? { state: { everyEvents: 1_000_000, everySeconds: 10 } } : {}),
  };
  const config = writeConfig(doc);
  const services = [startService(config, 'x'), startService(config, 'y')];
  const admin = kafka.admin();
  // the last assignment each logged (one has the partition, the other none)
  const partitionsOf = (s: Service) =>
    s
      .logs()
      .filter((l) => l.msg === 'partitions assigned: model states restored')
      .at(-1)?.partitions;
  const settled = () =>
    waitFor(
      () => services.some((s) => partitionsOf(s) === 1) && services.some((s) => partitionsOf(s) === 0),
      () => `one instance to hold the partition:\n${services.map((s) => s.stderr().slice(-2000)).join('\n')}`,
      60_000,
    );
  try {
    if (frozen === 'idle') {
      await produce(kafka, topic, wave(0));
      await waitCommitted(kafka, groupId, topic, size, services);
      await settled();
    } else {
      await settled();
      await produce(kafka, topic, wave(0));
      await new Promise((r) => setTimeout(r, 2000)); // learned (500 events), not checkpointed
    }
    const owner = services.find((s) => partitionsOf(s) === 1)!;
    const other = services.find((s) => s !== owner)!;
    owner.child.kill('SIGSTOP');
    // its last fetch (a long poll of at most kafka.maxWaitTimeInMs, 500 ms) is answered, empty,
    // before the next records arrive: else it would learn them on waking up, before it sees that
    // it is out of the group
    await new Promise((r) => setTimeout(r, 1500));
    await produce(kafka, topic, wave(1));
    await waitCommitted(kafka, groupId, topic, 2 * size, [other], 90_000);
    await other.kill9();
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [topic] }); // (deleteTopicRecords needs it loaded)
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: String(2 * size) }] });
    owner.child.kill('SIGCONT');
    await waitFor(
      () => {
        const logs = owner.logs();
        const out = logs.findIndex((l) => l.msg.startsWith('this instance was out of the consumer group'));
        return (
          out >= 0 && logs.slice(out).some((l) => l.msg === 'partitions assigned: model states restored')
        );
      },
      () => `the owner to join again, out of the group:\n${owner.stderr().slice(-3000)}`,
      60_000,
    );
    if (frozen === 'dirty')
      // the checkpoint due as it woke up was not written over the other member's
      expect(
        owner.logs().some((l) => l.msg.startsWith('the consumer group no longer lists this instance')),
        owner.stderr().slice(-3000),
      ).toBe(true);
    await produce(kafka, topic, wave(2));
    await waitCommittedToEnd(admin, groupId, topic, ordered.length, [owner], 120_000);
    expect(await owner.stop(), owner.stderr().slice(-3000)).toBe(0);

    const snapshots = await readSnapshots(kafka, prefix);
    const last = lastByKey(snapshots);
    expectVersionsName(snapshots);
    for (const [key, events] of byKey) {
      expect(last.get(key)!.offset, key).toBe(events.length);
      expect(weights(last.get(key)!), key).toEqual(referenceWeights(doc, key, events).weights);
    }
  } finally {
    for (const s of services) {
      s.child.kill('SIGCONT');
      if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    }
    await admin.disconnect();
  }
}

describe('an instance out of the group while another read its partition', () => {
  // Its models in memory stopped where the freeze found them: kept, they would go on from the
  // other member's committed offset, past a gap (test/engine/lostAssignment.test.ts).
  it.each(['main', 'worker'] as const)(
    "engine thread %s: the partition it gets back resumes from the other member's states, every event learned once",
    (engineThread) => outOfGroupRun(engineThread, 'idle'),
    240_000,
  );

  // Its checkpoint, due by time as it wakes up, would write its states (older than the other
  // member's) over the other member's newest ones, and its next restore would take them.
  it.each(['main', 'worker'] as const)(
    'engine thread %s: a checkpoint due as it wakes up, before it knows it is out, is not written',
    (engineThread) => outOfGroupRun(engineThread, 'dirty'),
    240_000,
  );
});

describe('SIGTERM while joining the group', () => {
  it.each(['main', 'worker'] as const)(
    'an instance (engine thread %s) stopped before its first assignment exits (it does not join later and hold partitions), and one stopped as it rejoins exits too',
    async (engineThread) => {
      const kafka = kafkaClient('durability-term');
      const topic = randomName('dur-term-in');
      await createTopic(kafka, topic, 2);
      await produce(kafka, topic, asMessages(keyedEvents(4, () => 50, 5).ordered));
      const groupId = randomName('dur-term');
      // A session long enough that the frozen first instance keeps its membership while the
      // second starts (5.5 s at load 14, past the 6 s of the other tests' sessions).
      const sessionTimeoutMs = 15_000;
      const config = writeConfig(
        keyedConfig(topic, groupId, randomName('dur-term'), { engineThread, sessionTimeoutMs }),
      );
      const first = startService(config, 'first');
      let second: Service | undefined;
      try {
        await waitFor(
          () => first.logs().some((l) => l.msg === 'partitions assigned: model states restored'),
          () => `the first instance to be assigned partitions:\n${first.stderr().slice(-3000)}`,
          60_000,
        );
        // the first instance is frozen, so the group cannot finish the rebalance the second one
        // starts by joining: the second stays in the middle of joining until it is stopped
        first.child.kill('SIGSTOP');
        second = startService(config, 'second');
        const joining = second;
        await waitFor(
          () => joining.logs().some((l) => l.msg === 'l1stream run: started'),
          'the second instance to start',
          60_000,
        );
        await new Promise((r) => setTimeout(r, 500));
        expect(joining.logs().some((l) => l.msg.startsWith('joined consumer group'))).toBe(false);
        joining.child.kill('SIGTERM');
        // (run's shutdown bound, 30 s by default, would end it with code 1)
        const exit = await Promise.race([
          joining.exited,
          new Promise<null>((r) => setTimeout(r, 40_000, null)),
        ]);
        expect(
          exit,
          `not stopped cleanly after SIGTERM; its log:\n${joining
            .logs()
            .map((l) => l.msg)
            .join(' | ')}`,
        ).toEqual({ code: 0, signal: null });
        // kept frozen past its session timeout, the first has lost its membership: its stop
        // coincides with a rejoin (heartbeat refused, joined again, assignment after SIGTERM).
        await new Promise((r) => setTimeout(r, sessionTimeoutMs + 1000));
        first.child.kill('SIGCONT');
        expect(await first.stop(), first.stderr()).toBe(0);
      } finally {
        first.child.kill('SIGCONT');
        for (const s of [first, second])
          if (s && s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
      }
    },
    120_000,
  );
});

describe('10,000 keyed models restored from the state topic', () => {
  it('resumes every model from its state after a restart', async () => {
    const kafka = kafkaClient('durability-restore');
    const topic = randomName('dur-many-in');
    await createTopic(kafka, topic, 4);
    const keys = 10_000;
    const name = (k: number) => `m${String(k).padStart(5, '0')}`;
    const first = keyedEvents(keys, () => 3, 41, name);
    const groupId = randomName('dur-many');
    const prefix = randomName('dur-many');
    // Drift monitors off: their input sketches are most of a model's state (about 19 KB of 20 KB
    // with the defaults); this test is about how many states, not how big.
    const keyed = keyedConfig(topic, groupId, prefix, {
      model: { maxLiveModels: 500 },
      drift: { enabled: false },
    });
    const doc = {
      ...keyed,
      snapshots: { everyEvents: 'Infinity', everySeconds: 'Infinity' },
      // A 6 s session: learning a fetched batch with models evicted and restored all along takes
      // seconds, and before decoding yielded between parts (`yieldAfterMs`) the member lost its
      // group before its first checkpoint committed, again after every rejoin.
      kafka: { ...keyed.kafka, sessionTimeoutMs: 6000, heartbeatIntervalMs: 1000 },
    };
    const config = writeConfig(doc);
    await produce(kafka, topic, asMessages(first.ordered));
    const admin = kafka.admin();
    await admin.connect();
    const services: Service[] = [];
    try {
      const one = startService(config, 'many1');
      services.push(one);
      await waitCommittedToEnd(admin, groupId, topic, first.ordered.length, [one], 120_000);
      expect(await one.stop(), one.stderr()).toBe(0);
      const firstSnapshots = lastByKey(await readSnapshots(kafka, prefix));
      expect(firstSnapshots.size).toBe(keys);
      for (const [key, s] of firstSnapshots) expect(s.offset, key).toBe(3);

      const second = keyedEvents(keys, () => 1, 43, name);
      await produce(kafka, topic, asMessages(second.ordered));
      const total = first.ordered.length + second.ordered.length;
      const two = startService(config, 'many2');
      services.push(two);
      await waitCommittedToEnd(admin, groupId, topic, total, [two], 120_000);
      expect(await two.stop(), two.stderr()).toBe(0);

      const restores = two.logs().filter((l) => l.msg === 'partitions assigned: model states restored');
      expect(restores.length, two.stderr().slice(-3000)).toBeGreaterThan(0);
      const restore = restores[0] as unknown as {
        restored: number;
        bytes: number;
        ms: number;
        partitions: number;
      };
      console.log(
        `restore of ${restore.restored} models: ${restore.bytes} bytes in ${restore.ms} ms (${restore.partitions} partitions)`,
      );
      expect(restore.partitions).toBe(4);
      expect(restore.restored).toBe(keys);

      const all = await readSnapshots(kafka, prefix);
      const last = lastByKey(all);
      expectVersionsName(all);
      expect(last.size).toBe(keys);
      for (const [key, s] of last) {
        // 3 events before the restart, 1 after: it went on from its state, not from scratch.
        expect(s.offset, key).toBe(4);
        expect(s.version, key).toBeGreaterThan(firstSnapshots.get(key)!.version);
      }
      // A sample of keys against a model fed the key's four events in order.
      for (const k of [0, 1, 4999, 9999]) {
        const key = name(k);
        const events = [...first.byKey.get(key)!, ...second.byKey.get(key)!];
        // (the first run's stop published a snapshot after 3 events, inside the label warm-up)
        expect(weights(last.get(key)!), key).toEqual(referenceWeights(doc, key, events, [3]).weights);
      }
    } finally {
      for (const s of services)
        if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
      await admin.disconnect();
    }
  }, 240_000);
});
