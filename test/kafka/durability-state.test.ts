/**
 * State that survives, or says why not: a corrupt record in `<prefix>.state` and a state written
 * by a model of another family stop `l1stream run` with an error naming the model key, the topic
 * and what to do; the model is never started empty.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 npx vitest run test/kafka/durability-state.test.ts
 */
import { randomBytes } from 'node:crypto';

import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';

import { parseStateRecordKey, stateRecords } from '../../connectors/kafka/stateStore.js';
import { brokers, createTopic, kafkaClient, makeEvents, produce, randomName, readAll } from './helpers.js';
import {
  lastByKey,
  readSnapshots,
  startService,
  waitCommittedToEnd,
  writeConfig,
  type Service,
} from './service.js';

function config(
  topic: string,
  groupId: string,
  prefix: string,
  family: 'gaussian' | 'binomial',
  lambda?: number,
) {
  return {
    model: { family, keyBy: 'key', ...(lambda === undefined ? {} : { lambda }) },
    refit: { enabled: false },
    snapshots: { everyEvents: 'Infinity', everySeconds: 'Infinity' },
    state: { everyEvents: 500, everySeconds: 1 },
    kafka: {
      brokers: brokers(),
      topics: [topic],
      groupId,
      prefix,
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 1000,
    },
  };
}

/** 4 keys' events (0/1 labels: valid for both families), keyed by model key. */
function input(seed: number) {
  return makeEvents(800, seed).map((e, i) => {
    const key = `s${i % 4}`;
    return { key, value: JSON.stringify({ ...e, key, label: e.label > 0 ? 1 : 0 }) };
  });
}

/** Runs a service to the end of the input and stops it (SIGTERM); returns it. */
async function runToEnd(
  kafka: Kafka,
  file: string,
  groupId: string,
  topic: string,
  total: number,
  name: string,
  kill = false,
) {
  const service = startService(file, name);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitCommittedToEnd(admin, groupId, topic, total, [service], 60_000);
  } finally {
    await admin.disconnect();
  }
  if (kill) await service.kill9();
  else expect(await service.stop(), service.stderr()).toBe(0);
  return service;
}

/** Waits for a service to exit on its own (within `timeoutMs`, else SIGKILL and fail). */
async function exitOf(service: Service, timeoutMs = 60_000) {
  const exit = await Promise.race([service.exited, new Promise<null>((r) => setTimeout(r, timeoutMs, null))]);
  if (exit === null) {
    service.child.kill('SIGKILL');
    throw new Error(`${service.name} did not exit within ${timeoutMs} ms:\n${service.stderr().slice(-4000)}`);
  }
  return exit;
}

/** The state topic partition of a model key's records (the one holding them, else 0). */
async function statePartition(kafka: Kafka, prefix: string, key: string): Promise<number> {
  const records = await readAll(kafka, `${prefix}.state`).catch(() => []);
  for (const r of records) {
    // readAll gives string keys; the state key's model-key part is its UTF-8 tail
    if (r.key !== null && r.key.endsWith(key)) return r.partition;
  }
  return 0;
}

describe('bad state records stop the service, never start a model empty', () => {
  it('a corrupt state (garbage bytes under a valid key) as the only state of a model', async () => {
    const kafka = kafkaClient('durability-corrupt');
    const topic = randomName('dur-corrupt-in');
    await createTopic(kafka, topic, 2);
    const messages = input(5);
    await produce(kafka, topic, messages);
    const prefix = randomName('dur-corrupt');
    const stateTopic = `${prefix}.state`;
    await createTopic(kafka, stateTopic, 1, { 'cleanup.policy': 'compact' });
    // The record as the store itself would write it, but with bytes that are no checkpoint.
    const garbage = randomBytes(3000);
    const records = stateRecords('s2', garbage, {
      seq: 1,
      family: 'gaussian',
      learner: 'ftrl',
      partitions: [{ source: topic, partition: 0 }],
      chunkBytes: 512 * 1024,
    });
    expect(parseStateRecordKey(records[0].key as Buffer)?.modelKey).toBe('s2');
    await produce(
      kafka,
      stateTopic,
      records.map((r) => ({ ...r, partition: 0 })),
    );
    const groupId = randomName('dur-corrupt');
    const service = startService(writeConfig(config(topic, groupId, prefix, 'gaussian')), 'corrupt');
    const exit = await exitOf(service);
    expect(exit.code, service.stderr()).not.toBe(0);
    expect(exit.code).not.toBeNull();
    const err = service.stderr();
    expect(err).toMatch(/"s2"/);
    expect(err).toContain(stateTopic);
    expect(err).toMatch(/delete|prefix/);
    // Never started empty: no snapshot of s2 (nor of anything else: it stopped before learning).
    const snapshots = await readAll(kafka, `${prefix}.models`).catch(() => []);
    expect(snapshots.filter((m) => m.key === 's2')).toEqual([]);
  }, 120_000);

  it('a corrupt newest state beside an older good one: stops too (the older one misses committed events)', async () => {
    const kafka = kafkaClient('durability-corrupt2');
    const topic = randomName('dur-corrupt2-in');
    await createTopic(kafka, topic, 2);
    const messages = input(7);
    await produce(kafka, topic, messages);
    const prefix = randomName('dur-corrupt2');
    const groupId = randomName('dur-corrupt2');
    const file = writeConfig(config(topic, groupId, prefix, 'gaussian'));
    // Two runs, the second killed once it committed everything: s1's last two checkpoints, in
    // the two slots, are the first run's (200 events) and the second's (400 events), and the
    // group's offsets rely on the second.
    await runToEnd(kafka, file, groupId, topic, messages.length, 'good');
    expect(lastByKey(await readSnapshots(kafka, prefix)).get('s1')!.offset).toBe(200);
    await produce(kafka, topic, input(6));
    await runToEnd(kafka, file, groupId, topic, 2 * messages.length, 'good2', true);
    // The newest checkpoint of s1 (the one its committed offsets rely on) rewritten with
    // garbage: same key (slot, chunk) and ordinal, bytes that fail the checkpoint checksum. The
    // other slot still holds the checkpoint before it, which covers fewer events than were
    // committed: resuming from it would silently skip the events in between.
    const stateTopic = `${prefix}.state`;
    const seqs = (await readAll(kafka, stateTopic))
      .filter((m) => m.key !== null && m.key.endsWith('s1'))
      .map((m) => Number(m.headers['l1s-seq']));
    expect(new Set(seqs.map((q) => q % 2)).size, 'both slots of s1 written').toBe(2);
    const seq = Math.max(...seqs);
    const partitionsHeader = (await readAll(kafka, stateTopic)).find((m) => m.key?.endsWith('s1'))!.headers[
      'l1s-partitions'
    ];
    const partitions = (JSON.parse(partitionsHeader) as [string, number][]).map(([source, partition]) => ({
      source,
      partition,
    }));
    const records = stateRecords('s1', randomBytes(4000), {
      seq,
      family: 'gaussian',
      learner: 'ftrl',
      partitions,
      chunkBytes: 512 * 1024,
    });
    const partition = await statePartition(kafka, prefix, 's1');
    await produce(
      kafka,
      stateTopic,
      records.map((r) => ({ ...r, partition })),
    );
    // More events, so that a model resumed from the older state would have something to learn.
    await produce(kafka, topic, input(8));
    const service = startService(file, 'after-corruption');
    const admin = kafka.admin();
    await admin.connect();
    const outcome = await Promise.race([
      service.exited,
      waitCommittedToEnd(admin, groupId, topic, 3 * messages.length, [service], 60_000).then(
        () => 'ran on' as const,
        () => 'exited' as const,
      ),
    ]).finally(() => admin.disconnect());
    if (outcome === 'ran on') {
      // It went on: say what that cost (s1 had learned 400 events, 200 more came).
      expect(await service.stop()).toBe(0);
      const s1 = lastByKey(await readSnapshots(kafka, prefix)).get('s1')!;
      expect.fail(
        `the service resumed s1 from its older checkpoint without a word and ran on: s1 learned ${s1.offset} of 600 events`,
      );
    }
    const exit = await exitOf(service);
    expect(exit.code, service.stderr()).not.toBe(0);
    expect(service.stderr()).toMatch(/"s1"/);
    expect(service.stderr()).toContain(stateTopic);
  }, 120_000);

  it('a state written by a binomial model, read by a gaussian configuration', async () => {
    const kafka = kafkaClient('durability-family');
    const topic = randomName('dur-family-in');
    await createTopic(kafka, topic, 2);
    const messages = input(9);
    await produce(kafka, topic, messages);
    const prefix = randomName('dur-family');
    const groupId = randomName('dur-family');
    await runToEnd(
      kafka,
      writeConfig(config(topic, groupId, prefix, 'binomial')),
      groupId,
      topic,
      messages.length,
      'binomial',
    );
    const binomial = await readSnapshots(kafka, prefix);
    expect(new Set(binomial.map((s) => s.family))).toEqual(new Set(['binomial']));
    // The same prefix (state topic), another group: it reads the input from the beginning.
    const service = startService(
      writeConfig(config(topic, randomName('dur-family2'), prefix, 'gaussian')),
      'gaussian',
    );
    const exit = await exitOf(service);
    const err = service.stderr();
    expect(exit.code, err).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(err).toMatch(/"s[0-3]"/);
    expect(err).toContain(`${prefix}.state`);
    expect(err).toMatch(/binomial/);
    expect(err).toMatch(/gaussian/);
    expect(err).toMatch(/kafka\.prefix/);
    // Never started empty: no gaussian snapshot was published.
    const after = await readSnapshots(kafka, prefix);
    expect(after.filter((s) => s.family !== 'binomial')).toEqual([]);
  }, 120_000);

  it('a state learned at another λ: stops naming the model, both λ, the state topic and the ways on', async () => {
    const kafka = kafkaClient('durability-lambda');
    const topic = randomName('dur-lambda-in');
    await createTopic(kafka, topic, 2);
    const messages = input(10);
    await produce(kafka, topic, messages);
    const prefix = randomName('dur-lambda');
    const groupId = randomName('dur-lambda');
    await runToEnd(
      kafka,
      writeConfig(config(topic, groupId, prefix, 'binomial', 0.002)),
      groupId,
      topic,
      messages.length,
      'lambda-0.002',
    );
    // The same prefix (state topic), another group: it reads the input, and meets the models, again.
    const service = startService(
      writeConfig(config(topic, randomName('dur-lambda2'), prefix, 'binomial', 0.05)),
      'lambda-0.05',
    );
    const exit = await exitOf(service);
    const err = service.stderr();
    expect(exit.code, err).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(err).toMatch(/the stored state of model "s[0-3]" cannot be restored/);
    expect(err).toMatch(/0\.002/);
    expect(err).toMatch(/0\.05/);
    expect(err).toContain(`it is in ${prefix}.state`);
    expect(err).toMatch(/use another kafka\.prefix/);
  }, 120_000);
});
