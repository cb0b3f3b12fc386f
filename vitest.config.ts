import { configDefaults, defineConfig } from 'vitest/config';

import { kafkaProjects, kafkaTestInclude } from './test/setup/kafkaProjects.js';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...kafkaTestInclude],
          sequence: { groupOrder: 0 },
        },
      },
      // test/kafka once per Apache Kafka version (kafka-4.4.0, kafka-3.9.1), each against its own
      // broker (KAFKA_BROKERS, the project's own from Maven Central jars, or testcontainers),
      // started once per run and only when a Kafka test file is in the run; they run after the
      // unit project, and the brokers start while the unit tests run.
      ...kafkaProjects(),
    ],
  },
});
