/**
 * The transactional producer's retries start at 10 ms: a transaction's first send, refused while
 * the broker still writes the previous commit's markers (CONCURRENT_TRANSACTIONS), was retried
 * after kafkajs' default 300 ms, at every checkpoint (bench/results/eos-s41.md). A fake client
 * records the producer's configuration; the timing itself is the benchmark's.
 */
import type { Kafka, ProducerConfig } from 'kafkajs';
import { describe, expect, it } from 'vitest';

import { KafkaTransactions, TRANSACTION_RETRY } from '../../connectors/kafka/transactions.js';

describe('KafkaTransactions: the producer it starts', () => {
  it('is transactional and idempotent, and retries from 10 ms with about a minute of patience', async () => {
    const configs: ProducerConfig[] = [];
    const kafka = {
      producer: (config: ProducerConfig) => {
        configs.push(config);
        return { connect: async () => undefined, disconnect: async () => undefined };
      },
    } as unknown as Kafka;
    const transactions = new KafkaTransactions(kafka, { baseId: 'base', groupId: 'g' });
    await transactions.assign([{ source: 'events', partition: 0 }]);
    expect(configs).toHaveLength(1);
    expect(configs[0]).toMatchObject({
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { initialRetryTime: 10 },
    });
    expect(configs[0]!.transactionalId).toBe(transactions.id);
    // kafkajs doubles the delay up to its 30 s cap: the retries wait ~72 s in all, as createKafka's ~68 s
    let total = 0;
    for (
      let k = 0, delay = TRANSACTION_RETRY.initialRetryTime;
      k < TRANSACTION_RETRY.retries;
      k++, delay *= 2
    )
      total += Math.min(delay, 30_000);
    expect(total).toBeGreaterThan(60_000);
    expect(total).toBeLessThan(90_000);
  });
});
