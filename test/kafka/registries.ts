/**
 * The schema registries the Avro tests run against: the in-process fake (`fake`,
 * test/kafka/fakeRegistry.ts) and a real one (`real`: Apicurio Registry's Confluent API, started
 * once per run by test/setup/registryGlobalSetup.ts, or SCHEMA_REGISTRY_URL). The real one is
 * shared by every test file and Kafka project of the run, so tests use subjects of their own
 * (`randomName`). Both record the requests the client sends (the real one through a small
 * forwarding server in front of it), as `METHOD path` relative to the registry's URL.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';

import type avro from 'avsc';
import { afterAll, beforeAll, beforeEach, inject } from 'vitest';

import { AvroEncoder, SchemaRegistryClient, shippedSchema } from '../../connectors/kafka/index.js';

import type { RegistryStatus } from '../setup/registryGlobalSetup.js';
import { startFakeRegistry } from './fakeRegistry.js';

export type RegistryKind = 'fake' | 'real';
export const registryKinds: readonly RegistryKind[] = ['fake', 'real'];

export interface TestRegistry {
  /** The base URL to give SchemaRegistryClient. */
  readonly url: string;
  /** What serves it: "in-process fake", "Apicurio Registry 3.3.3", ... */
  readonly how: string;
  /** Requests seen, as `METHOD path`. */
  readonly requests: string[];
  close(): Promise<void>;
}

/** A registry of this kind; the fake's ids start at `firstId` (the real one's are its own). */
export async function startRegistry(kind: RegistryKind, firstId = 1): Promise<TestRegistry> {
  if (kind === 'fake') return { ...(await startFakeRegistry(firstId)), how: 'in-process fake' };
  const status = await realRegistryStatus();
  if (!status.url) throw new Error(status.error);
  return recordingProxy(status.url, status.how);
}

/**
 * Starts a registry of `kind` for the enclosing describe block (closed after it) and returns its
 * getter. A registry that cannot be had fails every test of the block with the reason: never a skip.
 */
export function useRegistry(kind: RegistryKind, firstId = 1): () => TestRegistry {
  let registry: TestRegistry | undefined;
  let failure: unknown;
  beforeAll(async () => {
    try {
      registry = await startRegistry(kind, firstId);
    } catch (err) {
      failure = err;
    }
  });
  beforeEach(() => {
    if (failure !== undefined) throw failure;
  });
  afterAll(async () => registry?.close());
  return () => {
    if (!registry) throw new Error(`no ${kind} schema registry`);
    return registry;
  };
}

/** Waits for the real registry's status from the global setup (it starts in the background). */
async function realRegistryStatus(): Promise<RegistryStatus> {
  const file = inject('schemaRegistryFile');
  if (!file)
    throw new Error(
      'no schema registry: run test/kafka through the Kafka projects of vitest.config.ts (test/setup/kafkaProjects.ts), or set SCHEMA_REGISTRY_URL',
    );
  const deadline = Date.now() + 15 * 60_000;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`no schema registry status in ${file} after 15 minutes`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return JSON.parse(readFileSync(file, 'utf8')) as RegistryStatus;
}

/** A local HTTP server that forwards every request to `target` and records it. */
async function recordingProxy(target: string, how: string): Promise<TestRegistry> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      requests.push(`${req.method} ${path}`);
      const headers = new Headers();
      for (const name of ['accept', 'content-type', 'authorization']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers.set(name, value);
      }
      fetch(`${target}${path}`, {
        method: req.method,
        headers,
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      }).then(
        async (answer) => {
          const body = Buffer.from(await answer.arrayBuffer());
          res.writeHead(answer.status, {
            'content-type': answer.headers.get('content-type') ?? 'text/plain',
          });
          res.end(body);
        },
        (err: unknown) => {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`proxy: ${target} did not answer: ${(err as Error).message}`);
        },
      );
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('registry proxy has no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    how,
    requests,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** Sets a subject's compatibility level (Confluent API: PUT /config/{subject}). */
export async function setCompatibility(url: string, subject: string, level: string): Promise<void> {
  const answer = await fetch(`${url}/config/${encodeURIComponent(subject)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ compatibility: level }),
  });
  if (!answer.ok) throw new Error(`PUT /config/${subject}: HTTP ${answer.status}: ${await answer.text()}`);
}

/** The versions registered under a subject (Confluent API: GET /subjects/{subject}/versions). */
export async function subjectVersions(url: string, subject: string): Promise<number[]> {
  const answer = await fetch(`${url}/subjects/${encodeURIComponent(subject)}/versions`);
  if (!answer.ok) throw new Error(`GET /subjects/${subject}/versions: HTTP ${answer.status}`);
  return (await answer.json()) as number[];
}

/**
 * Registers under `subject` the shipped event schema (v1) and an evolution of it (v2: a `channel`
 * string field with the default "web"), and returns their encoders.
 */
export async function registerEventVersions(
  url: string,
  subject: string,
): Promise<{ v1: AvroEncoder; v2: AvroEncoder }> {
  const client = new SchemaRegistryClient({ url });
  const base = shippedSchema('event') as avro.schema.RecordType;
  const v1 = await AvroEncoder.create({ schema: base, registry: client, subject, register: true });
  const v2 = await AvroEncoder.create({
    schema: { ...base, fields: [...base.fields, { name: 'channel', type: 'string', default: 'web' }] },
    registry: client,
    subject,
    register: true,
  });
  return { v1, v2 };
}
