import { KafkaJSNonRetriableError, KafkaJSProtocolError } from 'kafkajs';

// kafkajs' types omit the constructor's options (`{ cause }`), which its retrier passes
const NonRetriable = KafkaJSNonRetriableError as unknown as new (
  e: Error,
  options: { cause: Error },
) => Error;
import { describe, expect, it } from 'vitest';

import { isRebalanceError } from '../../connectors/kafka/source.js';

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
