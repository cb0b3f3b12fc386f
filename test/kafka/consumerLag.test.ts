/**
 * `KafkaSource.lag` (the `l1stream_consumer_lag` gauge) has every assigned partition: one whose
 * records are all read gets no batch, so its lag comes from the broker when it is assigned (it
 * was missing until a batch came: after a rebalance, the partitions an instance took over from a
 * killed one were absent from its metrics).
 */
import { describe, expect, it } from 'vitest';

import { KafkaSource } from '../../connectors/kafka/index.js';
import { createTopic, kafkaClient, produce, randomName, waitFor } from './helpers.js';

describe('consumer lag of every assigned partition', () => {
  it('includes partitions without records to read, from the broker, at 0 once all is read', async () => {
    const kafka = kafkaClient('consumer-lag');
    const topic = randomName('lag-in');
    await createTopic(kafka, topic, 3);
    await produce(
      kafka,
      topic,
      Array.from({ length: 70 }, (_, i) => ({
        value: `{"label":1,"features":{"x":${i}}}`,
        partition: i < 50 ? 0 : 2,
      })),
    );
    const source = new KafkaSource(kafka, { topics: [topic], groupId: randomName('lag') });
    let records = 0;
    const subscription = source.batches$.subscribe((b) => {
      records += b.records.length;
      void source.commit(b.records);
    });
    try {
      await waitFor(() => records === 70, `70 records read (have ${records})`, 60_000);
      await waitFor(
        () => source.lag.size === 3,
        () => `a lag for each of 3 partitions (have ${JSON.stringify([...source.lag])})`,
        30_000,
      );
      expect(new Map(source.lag)).toEqual(
        new Map([
          [`${topic}:0`, 0],
          [`${topic}:1`, 0],
          [`${topic}:2`, 0],
        ]),
      );
    } finally {
      subscription.unsubscribe();
      await source.close();
    }
  });
});
