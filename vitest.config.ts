import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Finds a Kafka broker for test/kafka (KAFKA_BROKERS, testcontainers, or the project's own
    // broker from Maven Central jars); it starts nothing when no Kafka test is in the run.
    globalSetup: ['test/setup/kafkaGlobalSetup.ts'],
  },
});
