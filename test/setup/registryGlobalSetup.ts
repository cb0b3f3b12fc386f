/**
 * vitest global setup of the Kafka projects (test/setup/kafkaProjects.ts): a real schema registry
 * for the Avro tests, which run against it as well as against the in-process fake
 * (test/kafka/registries.ts). One registry serves every Kafka project of the run:
 *
 *   1. `SCHEMA_REGISTRY_URL` if set (any registry with the Confluent API);
 *   2. else Apicurio Registry 3.x with in-memory storage (connectors/kafka/registry/apicurio.sh,
 *      from Maven Central; needs Maven and Java 21+) on free ports, started once, in the
 *      background (10-40 s), while the unit project runs, and stopped at the end of the run.
 *
 * Its outcome goes to a status file (`schemaRegistryFile`: a RegistryStatus as JSON) that the
 * tests wait for. When no registry can be had, the tests that need one fail with a message saying
 * how to get one; they are never skipped.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import type { TestProject } from 'vitest/node';

import { freePorts } from './freePort.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the schema registry's status (a RegistryStatus as JSON) appears once it is known. */
    schemaRegistryFile: string;
  }
}

export interface RegistryStatus {
  /** The registry's base URL for the Confluent API ('' when there is none). */
  readonly url: string;
  /** What serves it, for test names and logs ('' when there is none). */
  readonly how: string;
  /** Why there is no registry, and how to get one ('' when there is one). */
  readonly error: string;
}

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const script = join(root, 'connectors/kafka/registry/apicurio.sh');

/** One registry per vitest process: each project loads this file in its own module runner. */
interface Shared {
  statusFile?: string;
  /** Settles once the registry is up or has failed. */
  start?: Promise<void>;
  stop?: () => Promise<void>;
  stopped: boolean;
}
const shared: Shared = ((globalThis as Record<symbol, unknown>)[Symbol.for('l1stream.schemaRegistry')] ??= {
  stopped: false,
}) as Shared;

async function startApicurio(): Promise<RegistryStatus> {
  const runDir = mkdtempSync(join(tmpdir(), 'l1stream-apicurio-test-'));
  const [port, managementPort] = await freePorts(2);
  const env = {
    ...process.env,
    APICURIO_PORT: String(port),
    APICURIO_MANAGEMENT_PORT: String(managementPort),
    APICURIO_RUN_DIR: runDir,
  };
  const stop = async () => {
    try {
      await run('bash', [script, 'stop'], { env, timeout: 60_000 });
    } finally {
      rmSync(runDir, { recursive: true, force: true });
    }
  };
  shared.stop = stop;
  try {
    const { stdout } = await run('bash', [script, 'start'], { env, timeout: 900_000, maxBuffer: 16 << 20 });
    const version = (await run('bash', [script, 'version'], { env })).stdout.trim();
    return { url: stdout.trim().split('\n').pop() ?? '', how: `Apicurio Registry ${version}`, error: '' };
  } catch (err) {
    await stop().catch(() => undefined);
    const e = err as { stderr?: string; message: string };
    // apicurio.sh's own lines say what went wrong; Maven's and the registry's come before them
    // (Maven's quiet output ends without a newline, so the script's line may follow it on one line)
    const own = (e.stderr ?? '')
      .split('\n')
      .filter((l) => l.includes('apicurio.sh: '))
      .map((l) => l.slice(l.indexOf('apicurio.sh: ')))
      .slice(-2);
    return {
      url: '',
      how: '',
      error:
        `no schema registry for the Avro tests: connectors/kafka/registry/apicurio.sh failed: ${own.join(' | ') || e.message}\n` +
        'Get one with: Maven and Java 21+ (apicurio.sh uses them), or SCHEMA_REGISTRY_URL=http://host:port ' +
        '(a registry with the Confluent API, e.g. Apicurio Registry at .../apis/ccompat/v7).',
    };
  }
}

function writeStatus(file: string, status: RegistryStatus): void {
  try {
    writeFileSync(`${file}.tmp`, JSON.stringify(status));
    renameSync(`${file}.tmp`, file);
  } catch {
    // the run is over (the teardown removed the directory)
  }
}

async function stopOnce(): Promise<void> {
  if (shared.stopped) return;
  shared.stopped = true;
  await shared.start; // a registry still starting is stopped once it is up
  await shared.stop?.();
  if (shared.statusFile) rmSync(join(shared.statusFile, '..'), { recursive: true, force: true });
}

export default function setup(project: TestProject): () => Promise<void> {
  if (!shared.statusFile) {
    const file = join(mkdtempSync(join(tmpdir(), 'l1stream-registry-status-')), 'registry.json');
    shared.statusFile = file;
    const given = process.env.SCHEMA_REGISTRY_URL?.trim();
    if (given) {
      writeStatus(file, { url: given.replace(/\/+$/, ''), how: 'SCHEMA_REGISTRY_URL', error: '' });
    } else {
      const began = Date.now();
      shared.start = startApicurio()
        .catch((err: unknown): RegistryStatus => ({
          url: '',
          how: '',
          error: `no schema registry for the Avro tests: ${(err as Error).message}`,
        }))
        .then((status) => {
          if (status.url)
            console.log(
              `${status.how} (schema registry for the Avro tests) on ${status.url}; ready after ${((Date.now() - began) / 1000).toFixed(1)} s`,
            );
          writeStatus(file, status);
        });
    }
  }
  project.provide('schemaRegistryFile', shared.statusFile);
  return stopOnce;
}
