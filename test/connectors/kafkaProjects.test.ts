import { afterEach, describe, expect, it, vi } from 'vitest';

import { defaultKafkaVersion, kafkaProjects } from '../setup/kafkaProjects.js';

describe('the Kafka test projects (vitest.config.ts)', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('run test/kafka against the default 4.x broker and against 3.9.1, each named by its version', () => {
    vi.stubEnv('KAFKA_BROKERS', '');
    vi.stubEnv('L1S_KAFKA_VERSIONS', '');
    expect(defaultKafkaVersion()).toMatch(/^4\.\d+\.\d+$/);
    const projects = kafkaProjects().map((p) => typeof p === 'object' && 'test' in p && p.test);
    expect(projects.map((t) => t && [t.name, t.provide?.kafkaVersion])).toEqual([
      [`kafka-${defaultKafkaVersion()}`, defaultKafkaVersion()],
      ['kafka-3.9.1', '3.9.1'],
    ]);
    for (const t of projects) {
      expect(t && t.include).toEqual(['test/kafka/**/*.test.ts']);
      expect(t && t.globalSetup).toEqual([
        'test/setup/kafkaGlobalSetup.ts',
        'test/setup/registryGlobalSetup.ts',
      ]);
    }
  });

  it('run once against KAFKA_BROKERS when it is set', () => {
    vi.stubEnv('KAFKA_BROKERS', '127.0.0.1:9092');
    expect(kafkaProjects().map((p) => typeof p === 'object' && 'test' in p && p.test && p.test.name)).toEqual(
      ['kafka'],
    );
  });
});
