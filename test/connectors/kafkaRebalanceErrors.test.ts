import { KafkaJSNonRetriableError, KafkaJSProtocolError } from 'kafkajs';

// kafkajs' types omit the constructor's options (`{ cause }`), which its retrier passes
const NonRetriable = KafkaJSNonRetriableError as unknown as new (
  e: Error,
  options: { cause: Error },
) => Error;
import { describe, expect, it } from 'vitest';

import { brokerUnreachable, isRebalanceError, RestartBudget } from '../../connectors/kafka/source.js';

// kafkajs' protocol error for a given broker error type, as its decoders build it
function protocolError(type: string): Error {
  return new KafkaJSProtocolError({ type, code: 0, retriable: false, message: type } as never);
}

describe('isRebalanceError (an offset commit the group no longer accepts is skipped, not fatal)', () => {
  it('knows the broker errors of a group that moved on', () => {
    for (const type of ['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS'])
      expect(isRebalanceError(protocolError(type)), type).toBe(true);
    expect(isRebalanceError(protocolError('TOPIC_AUTHORIZATION_FAILED'))).toBe(false);
  });
  it('looks through the wrapper of kafkajs’ retrier (consumer.commitOffsets rejects with it)', () => {
    const wrapped = new NonRetriable(protocolError('UNKNOWN_MEMBER_ID'), {
      cause: protocolError('UNKNOWN_MEMBER_ID'),
    });
    expect(isRebalanceError(wrapped)).toBe(true);
    const other = new NonRetriable(protocolError('GROUP_AUTHORIZATION_FAILED'), {
      cause: protocolError('GROUP_AUTHORIZATION_FAILED'),
    });
    expect(isRebalanceError(other)).toBe(false);
  });
  it('treats a consumer that kafkajs is restarting like a rebalance', () => {
    expect(
      isRebalanceError(new Error('Consumer group was not initialized, consumer#run must be called first')),
    ).toBe(true);
    expect(isRebalanceError(null)).toBe(false);
    expect(isRebalanceError('UNKNOWN_MEMBER_ID')).toBe(false);
  });
});

describe('a consumer that lost its broker is started again (brokerUnreachable, RestartBudget)', () => {
  it('knows kafkajs’ crash when no broker answers for the group coordinator, and connection errors', () => {
    const notFound = Object.assign(new Error('Failed to find group coordinator'), {
      name: 'KafkaJSGroupCoordinatorNotFound',
      retriable: false,
    });
    expect(brokerUnreachable(notFound)).toBe(true);
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { name: 'KafkaJSConnectionError' });
    expect(brokerUnreachable(refused)).toBe(true);
    expect(brokerUnreachable(protocolError('TOPIC_AUTHORIZATION_FAILED'))).toBe(false);
  });
  it('looks through the wrapper of kafkajs’ retrier (the crash of a consumer whose broker stopped mid-heartbeat)', () => {
    // CI, Kafka 4.4.0, the outage test: "[Consumer] Crash: KafkaJSNonRetriableError: Failed to find
    // group coordinator" (retry/index.js wraps the coordinator error, its cause)
    const notFound = Object.assign(new Error('Failed to find group coordinator'), {
      name: 'KafkaJSGroupCoordinatorNotFound',
      retriable: false,
    });
    expect(brokerUnreachable(new NonRetriable(notFound, { cause: notFound }))).toBe(true);
    const denied = protocolError('GROUP_AUTHORIZATION_FAILED');
    expect(brokerUnreachable(new NonRetriable(denied, { cause: denied }))).toBe(false);
  });
  it('waits 1, 2, 4, 8, 10, 10 … s between restarts, for 5 minutes of a series, then gives up', () => {
    let t = 1_000_000;
    const budget = new RestartBudget(300_000, () => t);
    const delays: number[] = [];
    while (budget.allow()) {
      delays.push(budget.delayMs);
      t += budget.delayMs + 5_000; // the restart, and kafkajs' own retries until it crashes again
    }
    expect(delays.slice(0, 6)).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
    const spent = delays.reduce((a, b) => a + b + 5_000, 0);
    expect(spent).toBeGreaterThan(280_000);
    expect(spent).toBeLessThanOrEqual(300_000 + 15_000);
    // a crash more than a minute after the last restart starts a new series
    t += 61_000;
    expect(budget.allow()).toBe(true);
    expect(budget.delayMs).toBe(1_000);
  });
});
