/**
 * While a rebalance waits for a killed member's session to time out, the members that have no
 * partitions say so, and why, instead of logging nothing until the rebalance completes; a survivor
 * says which partitions it took over.
 */
import { describe, expect, it } from 'vitest';

import { brokers, createTopic, kafkaClient, makeEvents, produce, randomName, waitFor } from './helpers.js';
import { startService, writeConfig, type Service } from './service.js';

const assigned = (s: Service) => s.logs().filter((l) => l.msg.startsWith('joined consumer group: assigned'));

describe('l1stream run: the group in the log', () => {
  it('a survivor of a kill -9 logs the rebalance, the wait for the session timeout and its new assignment', async () => {
    const kafka = kafkaClient('group-log');
    const topic = randomName('group-log-in');
    await createTopic(kafka, topic, 2);
    await produce(
      kafka,
      topic,
      makeEvents(400, 7).map((e, i) => ({
        key: `k${i % 8}`,
        value: JSON.stringify({ ...e, key: `k${i % 8}` }),
      })),
    );
    const sessionTimeoutMs = 12_000;
    const config = writeConfig({
      model: { family: 'gaussian', keyBy: 'key' },
      refit: { enabled: false },
      kafka: {
        brokers: brokers(),
        topics: [topic],
        groupId: randomName('group-log'),
        prefix: randomName('group-log'),
        sessionTimeoutMs,
      },
    });
    const services: Service[] = [];
    const startAssigned = async (name: string) => {
      const service = startService(config, name);
      services.push(service);
      await waitFor(
        () => assigned(service).length > 0,
        () => `${name} to be assigned:\n${service.stderr()}`,
        90_000,
      );
      return service;
    };
    try {
      const a = await startAssigned('a');
      const b = await startAssigned('b');
      await b.kill9();
      // started again at once: its join begins a rebalance that waits for the killed one's session
      const again = await startAssigned('again');
      const after = (s: Service, from: number) =>
        s
          .logs()
          .slice(from)
          .map((l) => l.msg);
      const aFrom = a.logs().findIndex((l) => l.msg.startsWith('joined consumer group')) + 1;
      // a's own new assignment may be logged a moment after the new member's
      await waitFor(
        () =>
          after(a, aFrom).some((m) =>
            /^joined consumer group: assigned .* after \d+ s without partitions/.test(m),
          ),
        () => `a to log its new assignment:\n${a.stderr()}`,
        30_000,
      );
      const aSaid = after(a, aFrom);
      expect(aSaid.join('\n'), a.stderr()).toMatch(
        /the consumer group is rebalancing: rejoining it[^]*no partitions for 4 s, waiting for the group's rebalance: usually a member stopped without leaving the group \(killed\)[^]*kafka\.sessionTimeoutMs 12 s[^]*joined consumer group: assigned \S+\[\d\] after \d+ s without partitions/,
      );
      expect(after(again, 0).join('\n'), again.stderr()).toMatch(/no partitions for 4 s, waiting/);
      // once each: the waits are not repeated
      expect(aSaid.filter((m) => m.startsWith('no partitions for')).length).toBe(1);
      // the other member killed for good: a takes its partition over once its session times out, and says so
      const aBefore = a.logs().length;
      await again.kill9();
      await waitFor(
        () => after(a, aBefore).some((m) => m.includes('took over')),
        () => `a to take over the killed member's partition:\n${a.stderr()}`,
        60_000,
      );
      expect(after(a, aBefore).join('\n')).toMatch(
        new RegExp(
          `joined consumer group: assigned ${topic}\\[0,1\\][^\\n]*; took over ${topic}\\[\\d\\] \\(another member's before this rebalance\\)`,
        ),
      );
    } finally {
      for (const s of services)
        if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    }
  }, 180_000);
});
