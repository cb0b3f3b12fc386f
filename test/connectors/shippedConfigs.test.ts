import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { checkKafkaConfig } from '../../connectors/kafka/config.js';
import { checkModelConfig } from '../../src/config/modelConfig.js';
import { validateDriftConfig } from '../../src/drift/index.js';

const root = resolve(import.meta.dirname, '../..');
const read = (path: string) =>
  JSON.parse(readFileSync(resolve(root, path), 'utf8')) as Record<string, unknown>;

describe('configurations shipped with the repository', () => {
  it('connectors/kafka/compose.config.json (the docker-compose service) is a valid run configuration', () => {
    const config = read('connectors/kafka/compose.config.json');
    expect(checkModelConfig(config.model).problems).toEqual([]);
    const kafka = checkKafkaConfig(config.kafka);
    // the compose network's broker address, the topic the README tells users to produce to
    expect(kafka.brokers).toEqual(['kafka:19092']);
    expect(kafka.topics).toEqual(['events']);
    // and docker-compose.yml mounts exactly this file and advertises that listener
    const compose = readFileSync(resolve(root, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain('./connectors/kafka/compose.config.json:/app/l1stream.json:ro');
    expect(compose).toContain('PLAINTEXT://kafka:19092');
  });

  it('docker-compose.yml runs the same default Kafka version as connectors/kafka/broker/kafka.sh', () => {
    const pom = readFileSync(resolve(root, 'connectors/kafka/broker/pom.xml'), 'utf8');
    const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1];
    expect(version).toMatch(/^4\.\d+\.\d+$/);
    const compose = readFileSync(resolve(root, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain(`image: apache/kafka:\${KAFKA_VERSION:-${version}}`);
  });

  it('config/replay.json is a valid replay configuration', () => {
    const config = read('config/replay.json');
    expect(checkModelConfig(config.model).problems).toEqual([]);
    expect(config.drift).toBeDefined();
    expect(validateDriftConfig(config.drift, 'drift')).toEqual([]);
  });
});
