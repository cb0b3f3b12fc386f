/**
 * kafkajs' log entries go through the run's pino logger (one format: pino's numeric `level`,
 * `time`, `msg`), and the routine ones an on-call engineer saw at ERROR (a rebalance, the first
 * send of a transaction while the broker completes the last commit, a topic another instance
 * created first, a consumer crash that l1stream reports and recovers from) come at `warn`.
 */
import { Writable } from 'node:stream';

import pino from 'pino';
import { describe, expect, it } from 'vitest';

import { createKafka } from '../../connectors/kafka/index.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: pino({ name: 'l1stream', level: 'debug' }, stream) };
}

describe("kafkajs' log through pino", () => {
  it('routine kafkajs errors come at warn, the rest at error, all in pino format', async () => {
    const { lines, logger } = capture();
    const kafka = createKafka({ brokers: ['127.0.0.1:9'], clientId: 'l1stream' }, 'warn', logger);
    const log = kafka.logger();
    const connection = log.namespace('Connection');
    connection.error('Response Heartbeat(key: 12, version: 3)', {
      error: 'The group is rebalancing, so a rejoin is needed',
    });
    connection.error('Response CreateTopics(key: 19, version: 3)', { error: 'Topic creation errors' });
    connection.error('Response AddPartitionsToTxn(key: 24, version: 1)', {
      error:
        'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing',
    });
    log
      .namespace('Producer')
      .error(
        'Failed to send messages: The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing',
        { retryCount: 0, retryTime: 352 },
      );
    log.namespace('Consumer').error('Crash: KafkaJSNumberOfRetriesExceeded: Connection error', {
      groupId: 'g',
      retryCount: 5,
      stack: 'KafkaJSNonRetriableError\n  at ...',
    });
    connection.error('Connection error: connect ECONNREFUSED 127.0.0.1:9', { broker: '127.0.0.1:9' });
    log.namespace('Consumer').info('Starting', { groupId: 'g' });
    await new Promise((done) => setImmediate(done));
    expect(lines.map((l) => [l.level, String(l.msg).slice(0, 40)])).toEqual([
      [40, '[Connection] Response Heartbeat(key: 12,'],
      [40, '[Connection] Response CreateTopics(key: '],
      [40, '[Connection] Response AddPartitionsToTxn'],
      [40, '[Producer] Failed to send messages: The '],
      [40, '[Consumer] Crash: KafkaJSNumberOfRetries'],
      [50, '[Connection] Connection error: connect E'],
    ]);
    for (const line of lines) {
      expect(line).toMatchObject({ name: 'l1stream', logger: 'kafkajs' });
      expect(typeof line.time).toBe('number');
      expect(line).not.toHaveProperty('timestamp');
      expect(line).not.toHaveProperty('message');
    }
    expect(lines[5].broker).toBe('127.0.0.1:9');
  });
});
