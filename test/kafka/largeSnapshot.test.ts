/**
 * A snapshot is one message on `<prefix>.models`: one of tens of thousands of named coefficients
 * is megabytes of JSON. The sink creates the models topic with room for it
 * (MODELS_TOPIC_MAX_MESSAGE_BYTES); on a models topic of the broker's default size the failure
 * names the message's size, the topic and the fix (it stopped `run` with the broker's words only).
 */
import { describe, expect, it } from 'vitest';

import { KafkaSink, outputTopics } from '../../connectors/kafka/index.js';
import { OnlineModel, validateEvent, type ModelSnapshot } from '../../src/index.js';
import { createTopic, kafkaClient, randomName, readTopic } from './helpers.js';

/** A binomial model at λ = 0 on 40,000 events, each with an id of its own: 40,000 non-zero coefficients. */
function largeSnapshot(): ModelSnapshot {
  const model = new OnlineModel({ family: 'binomial', lambda: 0, key: 'big' });
  for (let i = 0; i < 40_000; i++) {
    const checked = validateEvent(
      {
        label: i % 2,
        features: { user_identifier_long_name: `u${String(i).padStart(30, '0')}`, x: Math.sin(i) },
      },
      'binomial',
    );
    if (!checked.ok) throw new Error(checked.reason);
    model.process(checked.event);
  }
  return model.snapshot();
}

describe('a snapshot larger than 1 MiB on a real broker', () => {
  const snapshot = largeSnapshot();
  const bytes = Buffer.byteLength(JSON.stringify(snapshot));

  it('is published whole to the models topic the sink created', async () => {
    expect(Object.keys(snapshot.coefficients).length).toBeGreaterThan(39_000);
    expect(bytes).toBeGreaterThan(2_000_000);
    const kafka = kafkaClient('large-snapshot');
    const topics = outputTopics(randomName('big'));
    const sink = new KafkaSink(kafka, { topics });
    await sink.start();
    try {
      sink.model(snapshot);
      await sink.flush();
    } finally {
      await sink.close();
    }
    const [message] = await readTopic(kafka, topics.models, 1);
    expect(message!.key).toBe('big');
    expect(JSON.parse(message!.value!.toString('utf8'))).toEqual(JSON.parse(JSON.stringify(snapshot)));
  });

  it('on a models topic of the default size, fails naming the size, the topic and max.message.bytes', async () => {
    const kafka = kafkaClient('large-snapshot');
    const topics = outputTopics(randomName('small'));
    await createTopic(kafka, topics.models, 1);
    const sink = new KafkaSink(kafka, { topics });
    await sink.start();
    try {
      sink.model(snapshot);
      const failure = await sink.flush().then(
        () => null,
        (err: unknown) => err as Error,
      );
      expect(failure?.message).toMatch(/larger than the max message size/);
      expect(failure?.message).toContain(`to ${topics.models}: raise that topic's max.message.bytes`);
      const size = Number(/about ([\d,]+) bytes/.exec(failure!.message)![1]!.replaceAll(',', ''));
      expect(Math.abs(size - bytes)).toBeLessThan(1000);
    } finally {
      await sink.close().catch(() => undefined);
    }
  });
});
