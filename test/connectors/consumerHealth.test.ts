import { describe, expect, it } from 'vitest';

import { ConsumerHealth } from '../../connectors/kafka/consumerHealth.js';

describe('ConsumerHealth', () => {
  it('is consuming while fetches complete, and not once they stop for longer than its bound', () => {
    let now = 0;
    const health = new ConsumerHealth(10_000, () => now);
    expect(health.notConsuming()).toBeNull(); // no fetch yet: the engine's readiness speaks
    health.fetched();
    now = 10_000;
    expect(health.notConsuming()).toBeNull();
    now = 12_000;
    expect(health.notConsuming()).toBe(
      'no fetch from the broker completed for 12 s (broker unreachable, or the group rebalancing)',
    );
    health.fetched();
    expect(health.notConsuming()).toBeNull();
  });

  it('is not consuming from a crash or disconnect until the next fetch', () => {
    let now = 5_000;
    const health = new ConsumerHealth(10_000, () => now);
    health.fetched();
    now = 6_000;
    health.lose('the consumer crashed (Connection error: connect ECONNREFUSED 127.0.0.1:9092)');
    now = 8_000;
    health.lose('the consumer is disconnected');
    expect(health.notConsuming()).toBe('the consumer is disconnected; no fetch for 3 s');
    health.fetched();
    expect(health.notConsuming()).toBeNull();
  });
});
