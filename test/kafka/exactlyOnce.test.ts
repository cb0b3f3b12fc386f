import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';

import type { ModelSnapshot, ScoreRecord } from '../../src/index.js';
import { brokers, createTopic, kafkaClient, produce, randomName, readCommitted, waitFor } from './helpers.js';
import { committedTotal, startService, writeConfig as writeConfigFile } from './service.js';

/** Committed offsets of the group summed over the topic's partitions. */
async function committed(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await committedTotal(admin, groupId, topic);
  } finally {
    await admin.disconnect();
  }
}

/** Keyed events (the model key is the record key), some unlabelled, some malformed. */
function messages(n: number, keys: number): { key: string; value: string }[] {
  let s = 17;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 2 ** 32);
  const out: { key: string; value: string }[] = [];
  for (let i = 0; i < n; i++) {
    const key = `k${i % keys}`;
    if (i % 101 === 7) {
      out.push({ key, value: `{"key": "${key}", "label": 1}` }); // no features: a dead letter
      continue;
    }
    const x1 = u() * 2 - 1;
    const x2 = u() * 2 - 1;
    const c = u() < 0.5 ? 'a' : 'b';
    const label = 2 * x1 - 3 * x2 + (c === 'b' ? 0.5 : 0) + (u() - 0.5) * 0.1;
    out.push({
      key,
      value: JSON.stringify(
        i % 17 === 3 ? { key, features: { x1, x2, c } } : { key, label, features: { x1, x2, c } },
      ),
    });
  }
  return out;
}

function writeConfig(topic: string, prefix: string, groupId: string): string {
  return writeConfigFile({
    model: { family: 'gaussian', lambda: 0.001, keyBy: 'key' },
    refit: { enabled: false },
    snapshots: { everyEvents: 300, everySeconds: 'Infinity' },
    state: { everyEvents: 1500, everySeconds: 1 },
    kafka: {
      brokers: brokers(),
      topics: [topic],
      groupId,
      prefix,
      exactlyOnce: true,
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 1000,
      maxInFlightBatches: 2,
      maxBytesPerPartition: 8192,
    },
  });
}

/** Runs the service until the group has committed `total` offsets, then stops it with SIGTERM. */
async function runToEnd(kafka: Kafka, config: string, groupId: string, topic: string, total: number) {
  const service = startService(config);
  try {
    await waitFor(
      () => service.stderr().includes('partitions assigned'),
      'the service to be assigned its partitions',
      60_000,
    );
    await waitFor(
      async () => (await committed(kafka, groupId, topic)) >= total,
      'every offset to be committed',
      120_000,
    );
  } finally {
    service.child.kill('SIGTERM');
  }
  const { code } = await service.exited;
  expect(code, service.stderr().slice(-3000)).toBe(0);
}

describe('exactly-once on a real broker (kafka.exactlyOnce)', () => {
  it('SIGKILL at five random points: every output once to a read_committed reader, and the final models of an uninterrupted run', async () => {
    const kafka = kafkaClient();
    const topic = randomName('eos-in');
    await createTopic(kafka, topic, 2);
    const input = messages(12_000, 24);
    await produce(kafka, topic, input);

    const reference = { prefix: randomName('eos-ref'), group: randomName('eos-ref-g') };
    await runToEnd(
      kafka,
      writeConfig(topic, reference.prefix, reference.group),
      reference.group,
      topic,
      input.length,
    );

    const crashed = { prefix: randomName('eos-kill'), group: randomName('eos-kill-g') };
    const config = writeConfig(topic, crashed.prefix, crashed.group);
    let seed = 5;
    const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0), seed / 2 ** 32);
    const killedAt: number[] = [];
    for (let k = 0; k < 5; k++) {
      // the k-th kill somewhere in the (k+1)-th tenth of the stream, once this process commits
      const target = Math.floor(((k + 1 + rand()) / 10) * input.length);
      const service = startService(config);
      await waitFor(
        () => service.stderr().includes('partitions assigned'),
        'the service to be assigned its partitions',
        60_000,
      );
      const at = await waitFor(
        async () => {
          const c = await committed(kafka, crashed.group, topic);
          return c >= target ? c : false;
        },
        `the group to commit ${target} offsets`,
        90_000,
      );
      // between two checkpoints: outputs sent since the last commit die with the process
      await new Promise((r) => setTimeout(r, 50 + rand() * 250));
      await service.kill9();
      killedAt.push(at);
    }
    expect(killedAt[4]).toBeLessThan(input.length); // the kills were mid-stream
    await runToEnd(kafka, config, crashed.group, topic, input.length);

    const read = async (prefix: string) => {
      const topics = await readCommitted(kafka, [`${prefix}.models`, `${prefix}.scores`, `${prefix}.dlq`]);
      return {
        models: topics.get(`${prefix}.models`)!.map((b) => JSON.parse(b.toString()) as ModelSnapshot),
        scores: topics.get(`${prefix}.scores`)!.map((b) => JSON.parse(b.toString()) as ScoreRecord),
        dlq: topics.get(`${prefix}.dlq`)!.length,
      };
    };
    const ref = await read(reference.prefix);
    const got = await read(crashed.prefix);

    // each output exactly once
    const malformed = input.filter((m) => !m.value.includes('features')).length;
    const unlabelled = input.filter(
      (m) => m.value.includes('features') && !m.value.includes('"label"'),
    ).length;
    expect(got.dlq).toBe(malformed);
    expect(got.scores.length).toBe(unlabelled);
    expect(new Set(got.scores.map((s) => `${s.partition}:${s.offset}`)).size).toBe(unlabelled);
    const versions = got.models.map((m) => `${m.key}@${m.version}`);
    expect(new Set(versions).size).toBe(versions.length);
    // the same snapshots as the uninterrupted run, key by key, to the last digit
    const byKey = (models: ModelSnapshot[]) => {
      const out = new Map<string, ModelSnapshot[]>();
      for (const m of models) out.set(m.key, [...(out.get(m.key) ?? []), m]);
      return out;
    };
    const refByKey = byKey(ref.models);
    const gotByKey = byKey(got.models);
    expect([...gotByKey.keys()].sort()).toEqual([...refByKey.keys()].sort());
    const strip = (m: ModelSnapshot) => ({ ...m, createdAt: undefined });
    for (const [key, list] of refByKey) expect(gotByKey.get(key)!.map(strip), key).toEqual(list.map(strip));
    // and every labelled event of a key learned once
    for (const [key, list] of gotByKey) {
      const labelled = input.filter(
        (m) => m.key === key && m.value.includes('"label"') && m.value.includes('features'),
      );
      expect(list.at(-1)!.offset, key).toBe(labelled.length);
    }
  }, 300_000);
});
