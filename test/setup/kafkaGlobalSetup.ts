/**
 * vitest global setup of the Kafka projects (test/setup/kafkaProjects.ts): gives each project a
 * broker of its Apache Kafka version (`kafkaVersion`, provided by the project's config). vitest
 * runs it only for projects with test files in the run, so `vitest run test/solve` starts nothing.
 * In order:
 *
 *   1. `KAFKA_BROKERS` (comma-separated) if set (then there is one project, `kafka`);
 *   2. the project's own broker (`connectors/kafka/broker/kafka.sh`, Maven Central jars) with
 *      `KAFKA_VERSION`, on free ports in a private run directory, when Java and Maven are found;
 *   3. testcontainers (`@testcontainers/kafka`) if a Docker engine answers: Confluent's cp-kafka
 *      7.9.0 (Kafka 3.9) for 3.x, cp-kafka 8.0.0 (Kafka 4.0) for 4.x, so not the exact version.
 *
 * A broker counts as ready once its group coordinator answers (kafka.sh already waited for the port,
 * "Kafka Server started" and a Metadata answer). vitest runs the projects' global setups one after
 * the other, before any test; the first one starts the brokers of every Kafka project in the run at
 * once and in the background (they take 10-30 s), so they start while the unit project runs (the
 * Kafka projects come after it: sequence.groupOrder). Each project's outcome is written to a status
 * file (`kafkaBrokerFile`) that test/setup/kafkaBroker.ts waits for before each Kafka test file.
 * The first teardown (after all tests) stops every broker.
 *
 * When no broker can be had, the Kafka tests fail (they are never skipped) with a message saying
 * how to get one (the status file's `error`).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import type { TestProject } from 'vitest/node';

import { freePorts } from './freePort.js';
import type { BrokerStatus } from './kafkaBroker.js';
import { defaultKafkaVersion } from './kafkaProjects.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Bootstrap servers for the Kafka tests ('' when none could be found). */
    kafkaBrokers: string;
    /** Why there is no broker, and how to get one ('' when there is one). */
    kafkaUnavailable: string;
    /** The Apache Kafka version of this project's broker ('' for a KAFKA_BROKERS broker). */
    kafkaVersion: string;
    /**
     * Where this project's broker status appears once it is ready or has failed (a BrokerStatus
     * as JSON; '' when kafkaBrokers is already final). Read by test/setup/kafkaBroker.ts.
     */
    kafkaBrokerFile: string;
  }
}

interface Broker {
  readonly brokers: string;
  /** What runs it, for the log line: "kafka.sh", "testcontainers confluentinc/cp-kafka:...". */
  readonly how: string;
  readonly stop: () => Promise<void>;
}

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const kafkaScript = join(root, 'connectors/kafka/broker/kafka.sh');

/**
 * Broker starts by version, shared by the Kafka projects' setups: each project loads this file in
 * its own module runner, so module state is not shared, but globalThis is (one vitest process).
 */
interface Shared {
  starts: Map<string, Promise<Broker>>;
  stopped: boolean;
  statusDir?: string;
}
const shared: Shared = ((globalThis as Record<symbol, unknown>)[Symbol.for('l1stream.kafkaBrokers')] ??= {
  starts: new Map(),
  stopped: false,
}) as Shared;

async function onPath(command: string): Promise<boolean> {
  try {
    await run('bash', ['-c', `command -v ${command}`]);
    return true;
  } catch {
    return false;
  }
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

/** kafka.sh with KAFKA_VERSION on free ports in a private run directory. */
async function startLocal(version: string): Promise<Broker> {
  const runDir = mkdtempSync(join(tmpdir(), `l1stream-kafka-test-${version}-`));
  const [port, controllerPort] = await freePorts(2);
  const env = {
    ...process.env,
    KAFKA_VERSION: version,
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
    return { brokers: stdout.trim().split('\n').pop() ?? '', how: 'kafka.sh', stop };
  } catch (err) {
    await stop().catch(() => undefined);
    const e = err as { stderr?: string; message: string };
    // kafka.sh's own lines say what went wrong; Maven's and the broker's come before them
    const lines = (e.stderr ?? '').trim().split('\n');
    const own = lines.map((l) => l.slice(l.indexOf('kafka.sh: '))).filter((l) => l.startsWith('kafka.sh: '));
    throw new Error(
      `local broker (connectors/kafka/broker/kafka.sh, KAFKA_VERSION=${version}): ${
        (own.length > 0 ? own.slice(-2) : lines.slice(-5)).join(' | ') || e.message
      }`,
      { cause: err },
    );
  }
}

/** testcontainers: Confluent's images, the nearest line to `version` that KafkaContainer runs. */
async function startContainer(version: string): Promise<Broker> {
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const image = version.startsWith('3.') ? 'confluentinc/cp-kafka:7.9.0' : 'confluentinc/cp-kafka:8.0.0';
  let container = new KafkaContainer(image);
  if (version.startsWith('3.')) container = container.withKraft();
  const started = await container.start();
  return {
    brokers: `${started.getHost()}:${started.getMappedPort(9093)}`,
    how: `testcontainers ${image}`,
    stop: async () => {
      await started.stop();
    },
  };
}

async function startBroker(version: string): Promise<Broker> {
  const problems: string[] = [];
  const java = await onPath('java');
  const mvn = await onPath('mvn');
  if (java && mvn) {
    try {
      return await startLocal(version);
    } catch (err) {
      problems.push((err as Error).message);
    }
  } else {
    problems.push(
      `local broker (kafka.sh) not tried: ${[!java && 'java', !mvn && 'mvn'].filter(Boolean).join(' and ')} not found`,
    );
  }
  if (await dockerAnswers()) {
    try {
      return await startContainer(version);
    } catch (err) {
      problems.push(`testcontainers: ${(err as Error).message}`);
    }
  } else {
    problems.push('no Docker engine answers (testcontainers not used)');
  }
  throw new Error(
    `no Kafka ${version} broker for the tests under test/kafka:\n  - ${problems.join('\n  - ')}\n` +
      'Get one with any of: KAFKA_BROKERS=host:port npm test; Java 17+ and Maven with Maven Central ' +
      'reachable (npm run kafka:start uses them); a running Docker engine (testcontainers).',
  );
}

/**
 * Waits until the broker's group coordinator answers (DescribeGroups for an unknown group): the
 * first request for it creates __consumer_offsets, and a fresh broker needs a moment (under load,
 * seconds) to load it. Without this the first test to use a consumer group (on a fresh broker,
 * on a busy machine) could spend its time in kafkajs' exponential retry back-off instead.
 */
async function groupCoordinatorReady(brokers: string, timeoutMs = 120_000): Promise<void> {
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({
    clientId: 'l1stream-test-setup',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  const deadline = Date.now() + timeoutMs;
  await admin.connect();
  try {
    for (;;) {
      try {
        await admin.describeGroups(['l1stream-test-setup']);
        return;
      } catch (err) {
        if (Date.now() > deadline) {
          throw new Error(
            `the group coordinator on ${brokers} did not answer within ${timeoutMs / 1000} s: ${(err as Error).message}`,
            { cause: err },
          );
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/** A broker whose group coordinator answers; stopped again if it does not. */
async function startReady(version: string): Promise<Broker> {
  const broker = await startBroker(version);
  try {
    await groupCoordinatorReady(broker.brokers);
    return broker;
  } catch (err) {
    await broker.stop().catch(() => undefined);
    throw new Error(`Kafka ${version} (${broker.how}) started, but ${(err as Error).message}`, {
      cause: err,
    });
  }
}

function startOnce(version: string): Promise<Broker> {
  let start = shared.starts.get(version);
  if (!start) {
    start = startReady(version);
    start.catch(() => undefined); // reported by the setup that awaits it
    shared.starts.set(version, start);
  }
  return start;
}

/** Stops every broker this run started, at once (the first teardown runs after all tests). */
async function stopAll(): Promise<void> {
  if (shared.stopped) return;
  shared.stopped = true;
  const started = Date.now();
  await Promise.all(
    [...shared.starts.values()].map(async (start) => {
      const broker = await start.catch(() => undefined);
      await broker?.stop();
    }),
  );
  if (shared.statusDir) rmSync(shared.statusDir, { recursive: true, force: true });
  console.log(
    `Kafka test brokers stopped (${shared.starts.size}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

function versionOf(project: TestProject): string {
  return project.config.provide?.kafkaVersion ?? '';
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  project.provide('kafkaBrokerFile', '');
  const given = process.env.KAFKA_BROKERS?.trim();
  if (given) {
    project.provide('kafkaBrokers', given);
    project.provide('kafkaUnavailable', '');
    project.provide('kafkaVersion', '');
    return undefined;
  }
  const version = versionOf(project) || defaultKafkaVersion();
  project.provide('kafkaVersion', version);
  project.provide('kafkaBrokers', '');
  project.provide('kafkaUnavailable', '');
  // Start every Kafka project's broker now, side by side, and without waiting: the Kafka projects
  // run after the unit project (sequence.groupOrder), whose tests hide the brokers' start-up. Each
  // Kafka test file waits for its broker in test/setup/kafkaBroker.ts, through this status file.
  for (const other of project.vitest.projects) {
    const v = versionOf(other);
    if (v && [other.config.globalSetup].flat().some((f) => f.endsWith('kafkaGlobalSetup.ts')))
      void startOnce(v);
  }
  shared.statusDir ??= mkdtempSync(join(tmpdir(), 'l1stream-kafka-status-'));
  const statusFile = join(shared.statusDir, `${project.name}.json`);
  project.provide('kafkaBrokerFile', statusFile);
  const began = Date.now();
  const write = (status: BrokerStatus) => {
    try {
      writeFileSync(`${statusFile}.tmp`, JSON.stringify(status));
      renameSync(`${statusFile}.tmp`, statusFile);
    } catch {
      // the run is over (stopAll removed the directory)
    }
  };
  startOnce(version).then(
    (broker) => {
      console.log(
        `[${project.name}] Apache Kafka ${version} on ${broker.brokers} (${broker.how}; ready after ${((Date.now() - began) / 1000).toFixed(1)} s)`,
      );
      write({ brokers: broker.brokers, error: '' });
    },
    (err: unknown) => write({ brokers: '', error: `[${project.name}] ${(err as Error).message}` }),
  );
  return stopAll;
}
