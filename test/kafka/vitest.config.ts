/**
 * Runs only the Kafka tests, against every broker version (see test/setup/kafkaProjects.ts):
 *   npx vitest run --config test/kafka/vitest.config.ts
 * (`npx vitest run test/kafka` does the same with the root config.)
 */
import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vitest/config';

import root from '../../vitest.config.js';
import { kafkaProjects } from '../setup/kafkaProjects.js';

export default defineConfig({
  ...root,
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    ...root.test,
    projects: kafkaProjects(),
  },
});
