import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { runCommand, shutdownExit } from '../../src/cli/run.js';
import { OnlineModel, validateEvent, type ModelSnapshot, type ScoreRecord } from '../../src/index.js';
import {
  brokers,
  createTopic,
  kafkaClient,
  makeEvents,
  produce,
  randomName,
  topicWithEvents,
  readAll,
  readTopic,
  waitFor,
} from './helpers.js';
import { committedTotal, startService, waitCommittedToEnd } from './service.js';

const silentIO = {
  stdout: { write: () => true },
  stderr: { write: () => true },
  interactive: false,
} as never;

/** What `within` gives when the promise has not settled in time. */
const timedOut = Symbol('timed out');

/**
 * `promise`'s value, or `timedOut` when it has not settled within `ms` (a hung broker call or
 * service must fail the test, not stall it); its timer is cleared either way and never keeps the
 * process alive.
 */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof timedOut> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<typeof timedOut>((done) => {
        timer = setTimeout(() => done(timedOut), ms).unref();
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The broker's topics through a new admin client, at most 10 s a try, 3 tries: a polled
 * `listTopics` on one long-lived admin once hung for ~160 s against Kafka 4.4.0 under load (CI,
 * 2026-12-03) while the broker served the run being tested.
 */
async function topicsOn(kafka: ReturnType<typeof kafkaClient>): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      const topics = await within(admin.listTopics(), 10_000);
      if (topics === timedOut) throw new Error('listTopics took over 10 s');
      return topics;
    } catch (e) {
      if (attempt === 3) throw e;
    } finally {
      void admin.disconnect().catch(() => undefined);
    }
  }
}

// A run that fails in this process arms a 5 s exit (src/cli/run.ts: kafkajs may restart a
// consumer after its disconnect); in vitest's process it would end the tests that run after it.
beforeAll(() => {
  vi.spyOn(shutdownExit, 'exit').mockImplementation(() => undefined);
});
afterAll(() => {
  vi.restoreAllMocks();
});

/** The error `run --config file` stops with, within `ms` (a run that goes on fails the test: `what` took too long). */
async function runFailure(file: string, ms: number, what: string): Promise<Error> {
  const error = await within(
    runCommand.run(['--config', file], silentIO).catch((e: unknown) => e),
    ms,
  );
  expect(error, `${what} took over ${ms / 1000} s`).not.toBe(timedOut);
  return error as Error;
}

/** The group has committed no offset of `topic`. */
async function expectNothingCommitted(
  kafka: ReturnType<typeof kafkaClient>,
  groupId: string,
  topic: string,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    expect(await committedTotal(admin, groupId, topic)).toBe(0);
  } finally {
    await admin.disconnect();
  }
}

describe('l1stream run --config (Kafka in and out)', () => {
  it('names every configuration problem by path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-run-'));
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ model: { family: 'gaussian' }, kafka: { topics: [], format: 'avro' } }),
    );
    await expect(runCommand.run(['--config', file], silentIO)).rejects.toThrow(
      /kafka\.brokers[\s\S]*kafka\.topics[\s\S]*kafka\.avro/,
    );
  });

  it('stops at start naming an input topic that does not exist, and creates it only when asked to', async () => {
    const kafka = kafkaClient();
    // the last two letters swapped: distinct ones (a random name ending in "22" was its own typo,
    // so the run found its topic and ran on: 1 run in 16 hung here)
    const topic = `${randomName('svc-typo-in')}-xy`;
    const typo = `${topic.slice(0, -2)}yx`;
    await createTopic(kafka, topic, 1);
    const dir = mkdtempSync(join(tmpdir(), 'l1s-run-'));
    const file = join(dir, 'config.json');
    const section = {
      brokers: brokers(),
      topics: [typo],
      groupId: randomName('svc-typo'),
      prefix: randomName('svc-typo'),
    };
    writeFileSync(file, JSON.stringify({ model: { family: 'gaussian', key: 'typo' }, kafka: section }));
    const error = await runFailure(file, 30_000, 'run with a missing input topic');
    expect(error).toMatchObject({ code: 'L1S_KAFKA_TOPIC_MISSING' });
    // (the topic just made is listed first; on a fresh broker it is the only one)
    expect((error as Error).message).toMatch(
      new RegExp(
        `input topic "${typo}" \\(kafka\\.topics\\) does not exist; did you mean "${topic}"\\? Topics on the broker: "${topic}"[,.]`,
      ),
    );
    expect(await topicsOn(kafka)).not.toContain(typo);
    // opted in: the run creates it (and reads it)
    writeFileSync(
      file,
      JSON.stringify({
        model: { family: 'gaussian', key: 'typo' },
        kafka: { ...section, createInputTopics: true },
      }),
    );
    const service = startService(file);
    try {
      // the run's own word that it reads the topic it made
      await waitFor(
        () =>
          service
            .logs()
            .some(
              (l) => l.msg.startsWith('joined consumer group') && JSON.stringify(l.assignment).includes(typo),
            ),
        () => `run to create and read ${typo}:\n${service.stderr()}`,
        60_000,
      );
    } finally {
      const code = await within(service.stop(), 30_000);
      if (code === timedOut) await service.kill9();
      expect(code, `run did not exit within 30 s of SIGTERM:\n${service.stderr()}`).toBe(0);
    }
    expect(await topicsOn(kafka)).toContain(typo);
  }, 120_000);

  it('L1S_KAFKA_BROKERS replaces kafka.brokers (a shipped configuration on another broker)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-run-'));
    const file = join(dir, 'config.json');
    const kafka = kafkaClient();
    const topic = randomName('svc-env-in');
    const prefix = randomName('svc-env');
    const groupId = randomName('svc-env-group');
    await topicWithEvents(kafka, topic, 50, 5);
    // the file names a broker that is not there: only the variable's can serve the run
    writeFileSync(
      file,
      JSON.stringify({
        model: { family: 'gaussian', key: 'env' },
        kafka: { brokers: ['127.0.0.1:9'], topics: [topic], groupId, prefix },
      }),
    );
    const saved = process.env.L1S_KAFKA_BROKERS;
    process.env.L1S_KAFKA_BROKERS = 'not a broker';
    try {
      await expect(runCommand.run(['--config', file], silentIO)).rejects.toThrow(
        /L1S_KAFKA_BROKERS: must be host:port entries/,
      );
      process.env.L1S_KAFKA_BROKERS = brokers().join(',');
      const service = startService(file);
      try {
        const admin = kafka.admin();
        await admin.connect();
        try {
          await waitCommittedToEnd(admin, groupId, topic, 50, [service], 60_000);
        } finally {
          await admin.disconnect();
        }
      } finally {
        service.child.kill('SIGTERM');
      }
      expect(await service.code, service.stderr()).toBe(0);
      const models = await readAll(kafka, `${prefix}.models`);
      expect((JSON.parse(models[models.length - 1].value!.toString()) as ModelSnapshot).offset).toBe(50);
    } finally {
      if (saved === undefined) delete process.env.L1S_KAFKA_BROKERS;
      else process.env.L1S_KAFKA_BROKERS = saved;
    }
  });

  it('learns from a topic, publishes snapshots and dead letters, and stops cleanly on SIGTERM', async () => {
    const kafka = kafkaClient();
    const topic = randomName('svc-in');
    const prefix = randomName('svc');
    await createTopic(kafka, topic, 2);
    const events = makeEvents(600, 11);
    const messages = events.map((e) => ({ key: e.key, value: JSON.stringify(e) }));
    messages.splice(100, 0, { key: 'bad', value: '{"label": 1}' });
    await produce(kafka, topic, messages);

    const dir = mkdtempSync(join(tmpdir(), 'l1s-run-'));
    const config = join(dir, 'config.json');
    const groupId = randomName('svc-group');
    writeFileSync(
      config,
      JSON.stringify({
        model: { family: 'gaussian', key: 'svc' },
        kafka: { brokers: brokers(), topics: [topic], groupId, prefix, snapshotEvery: 200 },
      }),
    );
    const service = startService(config);
    const { child, code: exited } = service;
    try {
      const dlq = await readTopic(kafka, `${prefix}.dlq`, 1, 60_000);
      expect(dlq[0].headers['l1s.dlq.reason']).toMatch(/"features" is missing/);
      const admin = kafka.admin();
      await admin.connect();
      try {
        // Wait until the service committed everything (it is then idle), then stop it.
        await waitFor(
          async () => {
            const [committed] = await admin.fetchOffsets({ groupId: groupId, topics: [topic] });
            const total = committed.partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
            return total === messages.length;
          },
          'the service to commit every offset',
          60_000,
        );
      } finally {
        await admin.disconnect();
      }
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, service.stderr()).toBe(0);
    const models = (await readAll(kafka, `${prefix}.models`)).map(
      (m) => JSON.parse(m.value!.toString()) as ModelSnapshot,
    );
    expect(models.every((m) => m.key === 'svc')).toBe(true);
    // Snapshots every 200 events (at batch boundaries) and a last one at stop, covering all 600.
    expect(models[models.length - 1].offset).toBe(600);
    expect(models.map((m) => m.version)).toEqual(models.map((_, i) => i + 1));
    expect(service.stderr()).toMatch(/run: 600 events learned, 0 scored, 1 dead letters, 1 model\(s\)/);
  });

  it('publishes one score per unlabelled event to <prefix>.scores', async () => {
    const kafka = kafkaClient();
    const topic = randomName('svc-score-in');
    const prefix = randomName('svc-score');
    // One partition: the order the service learns in is the topic's, so a reference model fed
    // the same events predicts the same values.
    await createTopic(kafka, topic, 1);
    const events = makeEvents(800, 31).map((e, i) => {
      if (i % 4 !== 3) return e;
      const { label: _unlabelled, ...rest } = e;
      return rest;
    });
    await produce(
      kafka,
      topic,
      events.map((e) => ({ key: e.key, value: JSON.stringify(e) })),
    );
    const unlabelled = events.flatMap((e, i) => ('label' in e ? [] : [i]));
    expect(unlabelled).toHaveLength(200);

    const dir = mkdtempSync(join(tmpdir(), 'l1s-run-'));
    const config = join(dir, 'config.json');
    const groupId = randomName('svc-score-group');
    writeFileSync(
      config,
      JSON.stringify({
        model: { family: 'gaussian', key: 'scored' },
        kafka: { brokers: brokers(), topics: [topic], groupId, prefix, snapshotEvery: 150 },
      }),
    );
    const service = startService(config);
    const { child, code: exited } = service;
    let scores: ScoreRecord[];
    let keys: (string | null)[];
    try {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await waitFor(
          async () => {
            const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
            return (
              committed.partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0) === events.length
            );
          },
          'the service to commit every offset',
          60_000,
        );
      } finally {
        await admin.disconnect();
      }
      // Committed means the scores were acknowledged by the broker first.
      const onTopic = await readAll(kafka, `${prefix}.scores`);
      keys = onTopic.map((m) => m.key);
      scores = onTopic.map((m) => JSON.parse(m.value!.toString()) as ScoreRecord);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, service.stderr()).toBe(0);
    expect(service.stderr()).toMatch(/run: 600 events learned, 200 scored, 0 dead letters, 1 model\(s\)/);

    // One score per unlabelled event, none for labelled ones, keyed by model key.
    expect(scores).toHaveLength(unlabelled.length);
    expect(keys.every((k) => k === 'scored')).toBe(true);
    expect(scores.map((s) => s.offset).sort((a, b) => Number(a) - Number(b))).toEqual(unlabelled.map(String));

    // A reference online model fed the same events in the same order scores them the same. It
    // takes the service's snapshots too (right after every 150th learned event), though a snapshot
    // changes nothing, not even during the warm-up of lambda "auto" (1,000 labelled events).
    const reference = new OnlineModel({ key: 'scored', family: 'gaussian' });
    const byOffset = new Map(scores.map((s) => [s.offset, s]));
    let lastVersion = 0;
    events.forEach((e, i) => {
      const checked = validateEvent(e, 'gaussian');
      if (!checked.ok) throw new Error(checked.reason);
      const outcome = reference.process(checked.event);
      if ('label' in e) {
        if (reference.offset % 150 === 0) reference.snapshot();
        return;
      }
      const score = byOffset.get(String(i))!;
      expect(Object.keys(score).sort()).toEqual(
        [
          'key',
          'eventKey',
          'source',
          'partition',
          'offset',
          'prediction',
          'model',
          'top',
          'margin',
          'baseline',
          'others',
        ].sort(),
      );
      // key: the model's; eventKey: the event's own
      expect(score).toMatchObject({
        key: 'scored',
        eventKey: e.key,
        source: topic,
        partition: 0,
        offset: String(i),
        model: { source: 'online', offset: reference.offset },
      });
      expect(score.prediction).toBeCloseTo(outcome.prediction, 9);
      // The version last published for the key: snapshots every 150 learned events, at batch ends.
      expect(score.model.version).toBeGreaterThanOrEqual(lastVersion);
      expect(score.model.version).toBeLessThanOrEqual(Math.floor(reference.offset / 150));
      lastVersion = score.model.version;
      // The largest |β_j·x_j| first, by feature name (5 at most by default; zero ones left out):
      // the reference's own contributions for the event.
      const x = reference.lastFeatures();
      const c = new Float64Array(Math.max(1, x.nnz));
      reference.contributions(c);
      const expected = Array.from({ length: x.nnz }, (_, k) => ({
        feature: reference.featurizer.nameOf(x.indices[k]),
        contribution: c[k],
      }))
        .filter((e) => e.contribution !== 0)
        .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
        .slice(0, 5);
      expect(score.top.length).toBeLessThanOrEqual(5);
      expect(score.top.map((t) => t.feature)).toEqual(expected.map((e) => e.feature));
      score.top.forEach((t, k) => {
        expect(Object.keys(t).sort()).toEqual(['contribution', 'feature']);
        expect(t.contribution).toBeCloseTo(expected[k].contribution, 9);
      });
      const sizes = score.top.map((t) => Math.abs(t.contribution));
      expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
      // Once the model has learned something, every score names what moved it.
      if (reference.offset >= 100) expect(score.top.length).toBeGreaterThan(0);
    });
    expect(lastVersion).toBeGreaterThan(0);
    // Contributions name the event's features (x1, x2, c=…, tags=…).
    const named = new Set(scores.flatMap((s) => s.top.map((c) => c.feature)));
    expect([...named].some((f) => f.startsWith('x1') || f.startsWith('x2'))).toBe(true);
  }, 120_000);

  it('publishes drift alerts to <prefix>.alerts and logs them at the level of their severity', async () => {
    const kafka = kafkaClient();
    const topic = randomName('svc-drift-in');
    const prefix = randomName('svc-drift');
    await createTopic(kafka, topic, 1);
    // x2 stops arriving after event 1,500 (a broken upstream field)
    const events = makeEvents(3000, 23).map((e, i) => {
      if (i < 1500) return e;
      const { x2: _dropped, ...rest } = e.features;
      return { ...e, features: rest };
    });
    await produce(
      kafka,
      topic,
      events.map((e) => ({ key: e.key, value: JSON.stringify(e) })),
    );
    const dir = mkdtempSync(join(tmpdir(), 'l1s-run-'));
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        model: { family: 'gaussian', key: 'drifty' },
        kafka: {
          brokers: brokers(),
          topics: [topic],
          groupId: randomName('svc-drift-group'),
          prefix,
          snapshotEvery: 500,
        },
        drift: {
          inputSparsity: { enabled: true, windowEvents: 500, warmupEvents: 1000, maxReferenceEvents: 1000 },
        },
      }),
    );
    const service = startService(config);
    const { child, code: exited } = service;
    let alerts: {
      key: string;
      offset: number;
      type: string;
      severity: string;
      message: string;
      details: Record<string, unknown>;
    }[];
    try {
      const first = await readTopic(kafka, `${prefix}.alerts`, 1, 60_000);
      expect(first.length).toBeGreaterThan(0);
      // everything is learned by then or soon after; read all alerts published so far
      await new Promise((r) => setTimeout(r, 1000));
      alerts = (await readAll(kafka, `${prefix}.alerts`)).map((m) => JSON.parse(m.value!.toString()));
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, service.stderr()).toBe(0);
    const input = alerts.filter((a) => a.type === 'input-drift');
    expect(input.length, JSON.stringify(alerts)).toBeGreaterThan(0);
    expect(input[0]!.key).toBe('drifty');
    expect(input[0]!.message).toMatch(/stopped arriving: .*x2/);
    // reported after the change, within two windows of it
    expect(input[0]!.offset).toBeGreaterThan(1500);
    expect(input[0]!.offset).toBeLessThanOrEqual(2500);
    // and logged at the level of its severity (pino: info 30, warning 40, critical 50) with the
    // same message (a feature that stopped arriving is critical)
    expect(input[0]!.severity).toBe('critical');
    const level = ({ info: 30, warning: 40, critical: 50 } as Record<string, number>)[input[0]!.severity];
    expect(service.stderr()).toMatch(new RegExp(`"level":${level}[^\\n]*stopped arriving: [^\\n]*x2`));
  });
});

describe('l1stream run with a schema registry that does not answer', () => {
  it('stops at the first record that needs it, naming kafka.avro.registryUrl, and commits nothing for it', async () => {
    const kafka = kafkaClient();
    const topic = randomName('svc-registry-down');
    const groupId = randomName('svc-registry-down');
    await createTopic(kafka, topic, 1);
    // the Confluent wire format with schema id 1: its schema must come from the registry
    await produce(kafka, topic, [{ key: null, value: Buffer.from([0, 0, 0, 0, 1, 0]) }]);
    const dir = mkdtempSync(join(tmpdir(), 'l1s-run-'));
    const file = join(dir, 'config.json');
    // nothing listens on port 1
    const avro = { registryUrl: 'http://127.0.0.1:1' };
    const section = { brokers: brokers(), topics: [topic], groupId, prefix: groupId, format: 'avro', avro };
    writeFileSync(file, JSON.stringify({ model: { family: 'gaussian', key: 'r' }, kafka: section }));
    const error = await runFailure(file, 60_000, 'run with a registry that does not answer');
    expect((error as Error).message).toMatch(
      /^schema registry http:\/\/127\.0\.0\.1:1 did not answer GET \/schemas\/ids\/1: .* \(kafka\.avro\.registryUrl\): check the URL and that the registry is running, then start run again; the record that needed it was not committed and is read again$/,
    );
    await expectNothingCommitted(kafka, groupId, topic);
  }, 120_000);
});

describe.each(['main', 'worker'] as const)(
  'l1stream run whose configuration fits no record (kafka.engineThread "%s")',
  (engineThread) => {
    it.each([
      [1, 3000],
      [3, 30_000],
    ])(
      'stops after the first 1,000 records, all rejected, naming the commonest reason, and commits none (%i partitions, %i records)',
      async (partitions, count) => {
        const kafka = kafkaClient();
        const topic = randomName('svc-all-rejected');
        const groupId = randomName('svc-all-rejected');
        // several partitions: batches large enough to be learned in parts while the next ones are read
        await createTopic(kafka, topic, partitions);
        await produce(
          kafka,
          topic,
          makeEvents(count, 51).map((e) => ({ key: e.key, value: JSON.stringify(e) })),
        );
        const dir = mkdtempSync(join(tmpdir(), 'l1s-run-'));
        const file = join(dir, 'config.json');
        const section = { brokers: brokers(), topics: [topic], groupId, prefix: groupId, engineThread };
        // the events have no field "cat": every one is rejected for its missing key
        writeFileSync(file, JSON.stringify({ model: { family: 'gaussian', keyBy: 'cat' }, kafka: section }));
        const error = await runFailure(file, 60_000, 'run over records it rejects all');
        expect(error).toMatchObject({ code: 'L1S_ALL_REJECTED' });
        expect((error as Error).message).toMatch(
          /^nothing learned: the first \d,?\d{3} records since the start were all rejected \(most common reason: .*cat.*\)/,
        );
        await expectNothingCommitted(kafka, groupId, topic);
      },
      120_000,
    );
  },
);
