import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { checkKafkaConfig, isTransientKafkaError } from '../../connectors/kafka/config.js';
import { checkModelConfig } from '../../src/config/modelConfig.js';
import { checkEngineConfig } from '../../src/engine/config.js';
import { validateDriftConfig } from '../../src/drift/index.js';
import { onlineDefaults } from '../../src/model/onlineModel.js';

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
    // the compose broker does not create topics, and users produce after the service started
    expect(kafka.createInputTopics).toBe(true);
    expect(readFileSync(resolve(root, 'docker-compose.yml'), 'utf8')).toContain(
      "KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false'",
    );
    // and docker-compose.yml mounts exactly this file and advertises that listener
    const compose = readFileSync(resolve(root, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain('./connectors/kafka/compose.config.json:/app/l1stream.json:ro');
    expect(compose).toContain('PLAINTEXT://kafka:19092');
  });

  it("config/kafka-local.json (the README's local broker) is the compose service's configuration on 127.0.0.1:9092", () => {
    const local = read('config/kafka-local.json');
    const compose = read('connectors/kafka/compose.config.json');
    expect(checkModelConfig(local.model).problems).toEqual([]);
    expect(checkKafkaConfig(local.kafka).brokers).toEqual(['127.0.0.1:9092']);
    const { brokers: _local, ...localKafka } = local.kafka as Record<string, unknown>;
    const { brokers: _compose, ...composeKafka } = compose.kafka as Record<string, unknown>;
    expect({ ...local, kafka: localKafka }).toEqual({ ...compose, kafka: composeKafka });
    // and the broker script serves that address by default
    expect(readFileSync(resolve(root, 'connectors/kafka/broker/kafka.sh'), 'utf8')).toMatch(
      /KAFKA_PORT:-9092/,
    );
  });

  it('kafkajs errors it retries by itself are told apart from the others', () => {
    expect(isTransientKafkaError({ error: 'The group coordinator is not available' })).toBe(true);
    expect(
      isTransientKafkaError({ error: "The coordinator is loading and hence can't process requests" }),
    ).toBe(true);
    expect(
      isTransientKafkaError({ error: 'Not authorized to access topics: [Topic authorization failed]' }),
    ).toBe(false);
    expect(isTransientKafkaError({ message: 'The group coordinator is not available' })).toBe(false);
  });

  it("the compose service's λ is the library default, as connectors/kafka/README.md explains it", () => {
    const model = read('connectors/kafka/compose.config.json').model as Record<string, unknown>;
    expect(model.lambda).toBe(onlineDefaults.lambda);
    const readme = readFileSync(resolve(root, 'connectors/kafka/README.md'), 'utf8');
    expect(readme).toContain(`"lambda": ${JSON.stringify(onlineDefaults.lambda)}\`, the library's default`);
  });

  it('the image and CI install exactly the lock file, and the build context holds what the Dockerfile copies', () => {
    const dockerfile = readFileSync(resolve(root, 'Dockerfile'), 'utf8');
    const ci = readFileSync(resolve(root, '.ci/run'), 'utf8');
    for (const text of [dockerfile, ci]) {
      expect(text).toMatch(/^RUN npm ci |^npm ci /m);
      expect(text).not.toMatch(/^(RUN )?npm install/m);
    }
    // .dockerignore leaves everything out, then lets in each source the build stage copies
    const ignore = readFileSync(resolve(root, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const admitted = new Set(ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1)));
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)].flatMap((m) =>
      m[1].trim().split(/\s+/).slice(0, -1),
    );
    expect(copied.length).toBeGreaterThan(5);
    expect(copied.filter((source) => !admitted.has(source))).toEqual([]);
  });

  it('docker-compose.yml keeps the broker data in a named volume where the image writes it', () => {
    const compose = readFileSync(resolve(root, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain('KAFKA_LOG_DIRS: /var/lib/kafka/data');
    expect(compose).toContain('- kafka-data:/var/lib/kafka/data');
    expect(compose).toMatch(/\nvolumes:\n {2}kafka-data:\n/);
  });

  it('docker-compose.yml runs the same default Kafka version as connectors/kafka/broker/kafka.sh', () => {
    const pom = readFileSync(resolve(root, 'connectors/kafka/broker/pom.xml'), 'utf8');
    const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1];
    expect(version).toMatch(/^4\.\d+\.\d+$/);
    const compose = readFileSync(resolve(root, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain(`image: apache/kafka:\${KAFKA_VERSION:-${version}}`);
  });

  it("the README's configuration example, copied as it stands, is a valid configuration", () => {
    const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Configuration (`--config FILE`, JSON)'));
    const example = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
    expect(example).toBeDefined();
    const config = checkEngineConfig(JSON.parse(example!) as Record<string, unknown>);
    expect(config.keys.keyBy).toBe('campaign');
  });

  it('config/replay.json is a valid replay configuration', () => {
    const config = read('config/replay.json');
    expect(checkModelConfig(config.model).problems).toEqual([]);
    // the shipped example shows the defaults, not the older constant λ and full standardization
    expect(config.model).toMatchObject({ lambda: 'auto', standardize: 'auto' });
    // the shipped example shows the defaults, not the older constant λ and full standardization
    expect(config.model).toMatchObject({ lambda: 'auto', standardize: 'auto' });
    expect(config.drift).toBeDefined();
    expect(validateDriftConfig(config.drift, 'drift')).toEqual([]);
  });
});
