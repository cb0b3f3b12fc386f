/**
 * `ensureTopics` against a scripted admin: a broker whose metadata lags behind topics just
 * created (kafkajs' wait for leaders then fails with UNKNOWN_TOPIC_OR_PARTITION and the listing
 * does not show them yet) is retried; a non-retriable failure is not.
 */
import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';

import {
  checkInputTopics,
  ensureTopics,
  outputTopicSpecs,
  outputTopics,
} from '../../connectors/kafka/index.js';

class ProtocolError extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
  ) {
    super(message);
  }
}

/** An admin whose `createTopics` fails with the given errors in turn; created topics are listed only from the `lagListings + 1`-th listing after. */
function scriptedAdmin(failures: readonly Error[], lagListings: number) {
  const listed = new Set<string>();
  const pending: string[] = [];
  let lag = 0;
  const calls = { create: 0, list: 0 };
  const admin: Pick<Admin, 'listTopics' | 'createTopics'> = {
    listTopics() {
      calls.list++;
      if (pending.length > 0 && lag-- <= 0) for (const t of pending.splice(0)) listed.add(t);
      return Promise.resolve([...listed]);
    },
    createTopics({ topics }) {
      const failure = failures[calls.create++];
      const fresh = topics.map((t) => t.topic).filter((t) => !listed.has(t) && !pending.includes(t));
      if (failure?.message.startsWith('create refused')) return Promise.reject(failure);
      if (fresh.length > 0) {
        pending.push(...fresh);
        lag = lagListings;
      }
      return failure ? Promise.reject(failure) : Promise.resolve(true);
    },
  };
  return { admin, calls };
}

const specs = outputTopicSpecs(outputTopics('t'), 1, 1);

describe('ensureTopics', () => {
  it('retries when the wait for leaders fails on metadata that has not caught up', async () => {
    const lagging = new ProtocolError('This server does not host this topic-partition', true);
    const { admin, calls } = scriptedAdmin([lagging], 2);
    const created = await ensureTopics(admin, specs, 5000);
    expect(created).toEqual(specs.map((s) => s.topic));
    expect(calls.create).toBe(2);
  });

  it('fails at once, naming the topics, on a failure that is not retriable', async () => {
    const refused = new ProtocolError('create refused: Topic authorization failed', false);
    const { admin, calls } = scriptedAdmin([refused], 0);
    await expect(ensureTopics(admin, specs, 5000)).rejects.toThrow(
      /cannot create topics t\.models, t\.scores, t\.alerts, t\.dlq: create refused/,
    );
    expect(calls.create).toBe(1);
  });

  it('gives up after its bound when the failure persists', async () => {
    const refused = new ProtocolError('create refused: The request timed out', true);
    const { admin, calls } = scriptedAdmin([refused, refused, refused, refused, refused, refused], 0);
    await expect(ensureTopics(admin, specs, 250)).rejects.toThrow(/cannot create topics/);
    expect(calls.create).toBeGreaterThan(1);
  });

  it('returns nothing when every topic exists', async () => {
    const { admin, calls } = scriptedAdmin([], 0);
    await ensureTopics(admin, specs, 5000);
    expect(await ensureTopics(admin, specs, 5000)).toEqual([]);
    expect(calls.create).toBe(1);
  });
});

describe('checkInputTopics', () => {
  const listing = (names: readonly string[]) => ({ listTopics: () => Promise.resolve([...names]) });

  it("names a missing input topic and lists the broker's topics, the closest name first", async () => {
    const admin = listing(['__consumer_offsets', 'clicks', 'events', 'l1stream.models']);
    await expect(checkInputTopics(admin, ['evnts'])).rejects.toMatchObject({
      code: 'L1S_KAFKA_TOPIC_MISSING',
      message:
        'input topic "evnts" (kafka.topics) does not exist; did you mean "events"? Topics on the broker: ' +
        '"events", "clicks", "l1stream.models". Fix kafka.topics, create the topic, or set ' +
        'kafka.createInputTopics to true to have run create it',
    });
  });

  it('lists at most 20 topics, and passes when every input topic exists', async () => {
    const many = Array.from({ length: 30 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    await expect(checkInputTopics(listing(many), ['t05', 'nothing-like-it'])).rejects.toThrow(
      /"nothing-like-it" \(kafka\.topics\) does not exist\. Topics on the broker: "t00", [^]*"t19", and 10 more\./,
    );
    await expect(checkInputTopics(listing(many), ['t05', 't29'])).resolves.toBeUndefined();
  });
});
