/**
 * `kafka.brokers` naming an address where something answers, but not a broker's client listener:
 * the KRaft controller's port (kafka.sh's broker port + 1) refuses the client's API versions at
 * once, another service (an HTTP server) never completes kafkajs' handshake. Both ended the run as
 * an "internal error" with a kafkajs stack, not naming the setting (an operator's trial; checked
 * by hand against Kafka 4.4.0's controller port and `python3 -m http.server`: the same errors).
 */
import { KafkaJSServerDoesNotSupportApiKey } from 'kafkajs';
import { describe, expect, it } from 'vitest';

import { brokersUnreachableError } from '../../connectors/kafka/retry.js';

describe('brokersUnreachableError: an address that is not a broker listener', () => {
  it('names kafka.brokers (or L1S_KAFKA_BROKERS) and what may be listening there', () => {
    const controller = new KafkaJSServerDoesNotSupportApiKey(
      'The Kafka server does not support the requested API version',
      { apiKey: 18, apiName: 'ApiVersions' },
    );
    // (as the run's start wraps it)
    const wrapped = new Error('starting the Kafka ports failed', { cause: controller });
    for (const err of [controller, wrapped]) {
      const e = brokersUnreachableError(err, ['127.0.0.1:9094']);
      expect(e?.message).toBe(
        "kafka.brokers [\"127.0.0.1:9094\"]: kafkajs could not talk to a Kafka broker there (The Kafka server does not support the requested API version): check kafka.brokers in the configuration; at an address that answers but not as a broker's client listener (a KRaft controller's port, kafka.sh's broker port + 1, or another service), it fails this way",
      );
    }
    const http = brokersUnreachableError(new Error('Broker not connected'), ['h:80'], 'L1S_KAFKA_BROKERS');
    expect(http?.message).toMatch(
      /^L1S_KAFKA_BROKERS \["h:80"\]: kafkajs could not talk to a Kafka broker there \(Broker not connected\): check the environment variable L1S_KAFKA_BROKERS/,
    );
    // a connection error in the same chain is the one named (a broker that went away mid-run)
    const refused = Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9094'), {
      name: 'KafkaJSConnectionError',
    });
    const both = new Error('Broker not connected', { cause: refused });
    expect(brokersUnreachableError(both, ['127.0.0.1:9094'])?.message).toMatch(
      /^no Kafka broker of kafka.brokers \["127.0.0.1:9094"\] answered \(Connection error: connect ECONNREFUSED/,
    );
    // anything else is not about the brokers
    expect(brokersUnreachableError(new Error('something else'), ['h:80'])).toBeNull();
  });
});
