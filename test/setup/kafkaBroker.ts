/**
 * vitest setup file of the Kafka projects: before a Kafka test file runs, waits until its
 * project's broker, started in the background by test/setup/kafkaGlobalSetup.ts, is ready or has
 * failed, and hands the outcome to test/kafka/helpers.ts (`brokers()`).
 */
import { existsSync, readFileSync } from 'node:fs';

import { inject } from 'vitest';

export interface BrokerStatus {
  /** Bootstrap servers ('' when the broker could not be had). */
  readonly brokers: string;
  /** Why there is no broker, and how to get one ('' when there is one). */
  readonly error: string;
}

const key = Symbol.for('l1stream.kafkaBrokerStatus');

/** The broker status this setup file waited for, if the project has one. */
export function brokerStatus(): BrokerStatus | undefined {
  return (globalThis as Record<symbol, BrokerStatus | undefined>)[key];
}

const file = inject('kafkaBrokerFile');
if (file) {
  // kafka.sh gives up on a start after its own timeouts (fetch, then KAFKA_START_TIMEOUT); this
  // only guards against a status that never comes.
  const deadline = Date.now() + 15 * 60_000;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`no Kafka broker status in ${file} after 15 minutes`);
    await new Promise((r) => setTimeout(r, 100));
  }
  (globalThis as Record<symbol, BrokerStatus>)[key] = JSON.parse(readFileSync(file, 'utf8')) as BrokerStatus;
}
