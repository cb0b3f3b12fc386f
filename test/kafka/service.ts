/**
 * Helpers for the durability tests (test/kafka/durability*.test.ts): `l1stream run` as a child
 * process (killed with SIGKILL or stopped with SIGTERM), its pino log, committed offsets, and the
 * snapshots on `<prefix>.models`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, inject } from 'vitest';

import type { ModelSnapshot } from '../../src/index.js';
import { freePorts } from '../setup/freePort.js';
import { readAll, waitFor } from './helpers.js';

const root = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/** One `l1stream run` process. */
export interface Service {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the exit code alone. */
  readonly code: Promise<number | null>;
  /** Everything it wrote to stderr so far (pino JSON lines and the CLI's own lines). */
  stderr(): string;
  /** Its pino log lines so far, parsed (other lines left out). */
  logs(): LogLine[];
  /** SIGKILL, and waits until it is gone. */
  kill9(): Promise<void>;
  /** SIGTERM, and waits for the exit code. */
  stop(): Promise<number | null>;
}

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/**
 * `l1stream run --config FILE` in a child process, logging at info (L1S_LOG_LEVEL). Set
 * L1S_TEST_SERVICE_LOG=FILE to append every service's stderr to FILE, prefixed by its name.
 */
export function startService(config: string, name = 'svc', extraArgs: readonly string[] = []): Service {
  const argv = JSON.stringify(['run', '--config', config, ...extraArgs]);
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `import('./src/cli/main.ts').then((m) => m.main(${argv})).then((c) => { process.exitCode = c; })`,
    ],
    { cwd: root, env: { ...process.env, L1S_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  const logFile = process.env.L1S_TEST_SERVICE_LOG;
  child.stderr!.on('data', (c: Buffer) => {
    const text = c.toString();
    stderr += text;
    if (logFile)
      appendFileSync(
        logFile,
        text
          .split('\n')
          .filter(Boolean)
          .map((l) => `${name} ${l}\n`)
          .join(''),
      );
  });
  child.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('exit', (code, signal) => done({ code, signal })),
  );
  return {
    name,
    child,
    exited,
    code: exited.then((e) => e.code),
    stderr: () => stderr,
    logs: () => parseLog(stderr),
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      return (await exited).code;
    },
  };
}

/** The pino lines of a service's stderr. */
export function parseLog(stderr: string): LogLine[] {
  const out: LogLine[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const parsed = JSON.parse(line) as LogLine;
      if (typeof parsed.level === 'number' && typeof parsed.msg === 'string') out.push(parsed);
    } catch {
      // a line cut by the kill
    }
  }
  return out;
}

/** Writes a `run` configuration to a fresh temporary file; returns its path. */
export function writeConfig(config: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'l1s-durability-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/**
 * Committed offsets of a group on a topic, summed over partitions (none committed: 0). Retries
 * for up to 30 s while the broker cannot answer (a fresh or restarted group coordinator).
 */
export async function committedTotal(admin: Admin, groupId: string, topic: string): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return committed.partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * Kills `service` with SIGKILL `delayMs` after the group committed at least `target` records of
 * `topic` (polled every 20 ms; fails with the service's log if it exits first or takes more than
 * 60 s). Returns the committed total after the kill.
 */
export async function killOnceCommitted(
  admin: Admin,
  groupId: string,
  topic: string,
  service: Service,
  target: number,
  delayMs: number,
): Promise<number> {
  let now = await committedTotal(admin, groupId, topic);
  const deadline = Date.now() + 60_000;
  while (now < target) {
    if (Date.now() > deadline)
      throw new Error(`${service.name}: ${now} of ${target} committed:\n${service.stderr().slice(-3000)}`);
    const exit = await Promise.race([service.exited, new Promise((r) => setTimeout(r, 20, null))]);
    if (exit !== null)
      throw new Error(`${service.name}: the service exited (${JSON.stringify(exit)}):\n${service.stderr()}`);
    now = await committedTotal(admin, groupId, topic);
  }
  await new Promise((r) => setTimeout(r, delayMs));
  await service.kill9();
  return committedTotal(admin, groupId, topic);
}

/** Records on a topic now (high minus low watermarks, summed over partitions). */
export async function topicSize(admin: Admin, topic: string): Promise<number> {
  let count = 0;
  for (const p of await admin.fetchTopicOffsets(topic)) count += Number(p.high) - Number(p.low);
  return count;
}

/**
 * Waits until the group committed every record of `topic` (the services are then idle); fails
 * early, with the service's log, when `alive` services exit meanwhile.
 */
export async function waitCommittedToEnd(
  admin: Admin,
  groupId: string,
  topic: string,
  total: number,
  services: readonly Service[],
  timeoutMs = 90_000,
): Promise<void> {
  let exited: Service | undefined;
  for (const s of services) void s.exited.then(() => (exited ??= s));
  let last = -1;
  await waitFor(
    async () => {
      if (exited)
        throw new Error(
          `${exited.name} exited (${JSON.stringify(await exited.exited)}) before the group committed ` +
            `every offset:\n${exited.stderr().slice(-4000)}`,
        );
      last = await committedTotal(admin, groupId, topic);
      return last === total;
    },
    () => `group ${groupId} to commit all ${total} records of ${topic} (committed ${last})`,
    timeoutMs,
  );
}

/** Every snapshot on `<prefix>.models`, in the topic's order (one partition: publish order). */
export async function readSnapshots(kafka: Kafka, prefix: string): Promise<ModelSnapshot[]> {
  const messages = await readAll(kafka, `${prefix}.models`, 60_000);
  messages.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
  return messages.map((m) => JSON.parse(m.value!.toString()) as ModelSnapshot);
}

/** The last snapshot of each key (in the topic's order). */
export function lastByKey(snapshots: readonly ModelSnapshot[]): Map<string, ModelSnapshot> {
  const last = new Map<string, ModelSnapshot>();
  for (const s of snapshots) last.set(s.key, s);
  return last;
}

/** Intercept and coefficients of a snapshot, by feature name in a fixed order (for toEqual). */
export function weights(s: ModelSnapshot): { intercept: number; coefficients: [string, number][] } {
  return {
    intercept: s.intercept,
    coefficients: Object.entries(s.coefficients).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  };
}

/** A seeded PRNG (LCG), so every random choice of a test can be replayed from its seed. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A broker of a test's own (connectors/kafka/broker/kafka.sh), which it may stop and start. */
export interface OwnBroker {
  readonly brokers: string[];
  /** An outage: stops the broker, keeps its data, waits `seconds`, starts it again on the same port. */
  outage(seconds: number): Promise<void>;
  /** Stops it and deletes its data. */
  stop(): Promise<void>;
}

const kafkaScript = join(root, 'connectors/kafka/broker/kafka.sh');

/**
 * Starts a broker of the project's Kafka version (`kafkaVersion`, or kafka.sh's default) on free
 * ports in a private run directory, beside the shared one; needs Java and Maven (the jars are
 * cached in .cache/kafka, or L1S_KAFKA_CACHE). L1S_TEST_OWN_KAFKA_PORT=PORT puts it on PORT (and
 * its controller on PORT + 1), for a machine where only some ports may be used.
 */
export async function startOwnBroker(): Promise<OwnBroker> {
  const runDir = mkdtempSync(join(tmpdir(), 'l1stream-kafka-own-'));
  const given = Number(process.env.L1S_TEST_OWN_KAFKA_PORT);
  const [port, controller] = given > 0 ? [given, given + 1] : await freePorts(2);
  const version = inject('kafkaVersion');
  const env = {
    ...process.env,
    ...(version ? { KAFKA_VERSION: version } : {}),
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controller),
    KAFKA_RUN_DIR: runDir,
  };
  const script = async (...command: string[]) => {
    try {
      return (await run('bash', [kafkaScript, ...command], { env, timeout: 300_000, maxBuffer: 16 << 20 }))
        .stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(
        `kafka.sh ${command.join(' ')}: ${(e.stderr ?? '').trim().split('\n').slice(-5).join(' | ') || e.message}`,
        {
          cause: err,
        },
      );
    }
  };
  const started = (await script('start')).trim().split('\n').pop() ?? '';
  const list = [started];
  await coordinatorReady(list);
  return {
    brokers: list,
    async outage(seconds: number) {
      await script('restart', String(seconds));
      await coordinatorReady(list);
    },
    async stop() {
      try {
        await script('stop');
      } finally {
        rmSync(runDir, { recursive: true, force: true });
      }
    },
  };
}

/** A broker of its own for the `describe` this is called in: started before its tests, stopped after. */
export function ownBrokerForSuite(): () => OwnBroker {
  let broker: OwnBroker | undefined;
  beforeAll(async () => {
    broker = await startOwnBroker();
  }, 180_000);
  afterAll(async () => {
    await broker?.stop();
  }, 60_000);
  return () => broker!;
}

/** Waits until the broker's group coordinator answers (as test/setup/kafkaGlobalSetup.ts does). */
async function coordinatorReady(list: readonly string[]): Promise<void> {
  const kafka = new Kafka({
    clientId: 'l1stream-test-own-broker',
    brokers: [...list],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitFor(
      async () => {
        try {
          await admin.describeGroups(['l1stream-test-setup']);
          return true;
        } catch {
          return false;
        }
      },
      `the group coordinator of ${list.join(',')}`,
      120_000,
    );
  } finally {
    await admin.disconnect();
  }
}
