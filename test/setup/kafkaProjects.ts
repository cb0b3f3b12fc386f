/**
 * The vitest projects that run test/kafka against real brokers: one per Apache Kafka version
 * (the default 4.x of connectors/kafka/broker/pom.xml, and 3.9.1), each with its own broker
 * started once per run by test/setup/kafkaGlobalSetup.ts. With KAFKA_BROKERS set there is one
 * project, `kafka`, against that broker; L1S_KAFKA_VERSIONS=4.4.0,3.9.1 picks other versions.
 * The project name carries the version, so every test line and failure names its broker. The
 * Avro tests also need a real schema registry: test/setup/registryGlobalSetup.ts starts one for
 * the run (Apicurio Registry, or SCHEMA_REGISTRY_URL), shared by these projects.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import type { TestProjectInlineConfiguration } from 'vitest/config';

const root = resolve(import.meta.dirname, '../..');

export const kafkaTestInclude = ['test/kafka/**/*.test.ts'];

/** The default broker version: kafka.version in connectors/kafka/broker/pom.xml (what kafka.sh starts). */
export function defaultKafkaVersion(): string {
  const pom = readFileSync(resolve(root, 'connectors/kafka/broker/pom.xml'), 'utf8');
  const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1];
  if (!version) throw new Error('connectors/kafka/broker/pom.xml has no <kafka.version>');
  return version;
}

/** The older line kept under test: the last 3.x (ZooKeeper-era protocol versions, KRaft mode). */
export const previousKafkaVersion = '3.9.1';

/** The versions test/kafka runs against, newest first. */
export function kafkaTestVersions(): string[] {
  const chosen = process.env.L1S_KAFKA_VERSIONS?.split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  if (chosen && chosen.length > 0) return [...new Set(chosen)];
  return [defaultKafkaVersion(), previousKafkaVersion];
}

export function kafkaProjects(): TestProjectInlineConfiguration[] {
  const project = (name: string, kafkaVersion: string): TestProjectInlineConfiguration => ({
    extends: true,
    test: {
      name,
      include: kafkaTestInclude,
      // the broker of this version, and one schema registry (Apicurio) for the whole run
      globalSetup: ['test/setup/kafkaGlobalSetup.ts', 'test/setup/registryGlobalSetup.ts'],
      setupFiles: ['test/setup/kafkaBroker.ts'],
      provide: { kafkaVersion },
      // after the unit project: the brokers start in the background meanwhile
      sequence: { groupOrder: 1 },
    },
  });
  if (process.env.KAFKA_BROKERS?.trim()) return [project('kafka', '')];
  return kafkaTestVersions().map((v) => project(`kafka-${v}`, v));
}
