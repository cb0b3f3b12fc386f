/**
 * vitest global setup: finds a Kafka broker for the tests under test/kafka, and only when such a
 * test file is in the run (unit-test runs stay fast). In order:
 *
 *   1. `KAFKA_BROKERS` (comma-separated) if set;
 *   2. testcontainers (`@testcontainers/kafka`, Kafka 3.9 in KRaft mode) if a Docker engine answers;
 *   3. the project's own broker (`connectors/kafka/broker/kafka.sh`, Maven Central jars), started
 *      on free ports in a private run directory and stopped at teardown.
 *
 * When none works, the Kafka tests fail (they are never skipped) with a message saying how to get
 * a broker: the reason is handed to them as `kafkaUnavailable`.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';

import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Bootstrap servers for the Kafka tests ('' when none could be found). */
    kafkaBrokers: string;
    /** Why there is no broker, and how to get one ('' when there is one). */
    kafkaUnavailable: string;
  }
}

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const kafkaTestDir = join(root, 'test/kafka');
const kafkaScript = join(root, 'connectors/kafka/broker/kafka.sh');

/** True when the run includes a file under test/kafka (no filters means every file). */
function kafkaTestsInRun(project: TestProject): boolean {
  if (process.env.L1S_KAFKA_SETUP === 'always') return true;
  if (!existsSync(kafkaTestDir)) return false;
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern;
  if (!filters || filters.length === 0) return true;
  const files = readdirSync(kafkaTestDir)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => join(kafkaTestDir, f));
  return files.some((file) =>
    filters.some(
      (f) =>
        file.includes(f) ||
        relative(root, file).includes(f.replace(/^\.\//, '')) ||
        resolve(root, f) === file ||
        file.startsWith(resolve(root, f) + '/'),
    ),
  );
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? done(address.port) : fail(new Error('no port')),
      );
    });
  });
}

async function dockerAnswers(): Promise<boolean> {
  if (!process.env.DOCKER_HOST && !existsSync('/var/run/docker.sock')) return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (!kafkaTestsInRun(project)) {
    project.provide('kafkaBrokers', '');
    project.provide(
      'kafkaUnavailable',
      'the Kafka global setup did not run for this selection of test files',
    );
    return undefined;
  }
  const given = process.env.KAFKA_BROKERS?.trim();
  if (given) {
    project.provide('kafkaBrokers', given);
    project.provide('kafkaUnavailable', '');
    return undefined;
  }
  const problems: string[] = [];
  if (await dockerAnswers()) {
    try {
      const { KafkaContainer } = await import('@testcontainers/kafka');
      const container = await new KafkaContainer('confluentinc/cp-kafka:7.9.0').withKraft().start();
      project.provide('kafkaBrokers', `${container.getHost()}:${container.getMappedPort(9093)}`);
      project.provide('kafkaUnavailable', '');
      return async () => {
        await container.stop();
      };
    } catch (err) {
      problems.push(`testcontainers: ${(err as Error).message}`);
    }
  } else {
    problems.push('no Docker engine answers (testcontainers not used)');
  }
  const runDir = mkdtempSync(join(tmpdir(), 'l1stream-kafka-test-'));
  const port = await freePort();
  let controllerPort = await freePort();
  while (controllerPort === port) controllerPort = await freePort();
  const env = {
    ...process.env,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    KAFKA_RUN_DIR: runDir,
  };
  const stop = async () => {
    try {
      await run('bash', [kafkaScript, 'stop'], { env, timeout: 60_000 });
    } finally {
      rmSync(runDir, { recursive: true, force: true });
    }
  };
  try {
    const { stdout } = await run('bash', [kafkaScript, 'start'], {
      env,
      timeout: 600_000,
      maxBuffer: 16 << 20,
    });
    const brokers = stdout.trim().split('\n').pop() ?? '';
    project.provide('kafkaBrokers', brokers);
    project.provide('kafkaUnavailable', '');
    return stop;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    problems.push(
      `local broker (connectors/kafka/broker/kafka.sh): ${(e.stderr ?? '').trim().split('\n').slice(-5).join(' | ') || e.message}`,
    );
    await stop().catch(() => undefined);
  }
  project.provide('kafkaBrokers', '');
  project.provide(
    'kafkaUnavailable',
    `no Kafka broker for the tests under test/kafka:\n  - ${problems.join('\n  - ')}\n` +
      'Get one with any of: KAFKA_BROKERS=host:port npm test; a running Docker engine (testcontainers); ' +
      'Java 17+ and Maven with Maven Central reachable (npm run kafka:start uses them).',
  );
  return undefined;
}
