/**
 * Runs only the Kafka tests, with their broker, whatever the root config lists:
 *   npx vitest run --config test/kafka/vitest.config.ts
 */
import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vitest/config';

import root from '../../vitest.config.js';

export default defineConfig({
  ...root,
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    ...root.test,
    include: ['test/kafka/**/*.test.ts'],
    globalSetup: ['test/setup/kafkaGlobalSetup.ts'],
  },
});
