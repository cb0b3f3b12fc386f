/**
 * `kafka.engineThread` (the engine of `l1stream run` on a worker thread): its validation, and the
 * settings it cannot be combined with, reported with every other problem of the file at once.
 * (Its runs against a broker are in test/kafka/workerRun.test.ts.)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { checkKafkaConfig } from '../../connectors/kafka/config.js';
import { runCommand } from '../../src/cli/run.js';
import { ConfigError } from '../../src/index.js';

const silentIO = {
  stdout: { write: () => true },
  stderr: { write: () => true },
  interactive: false,
} as never;

async function problems(doc: unknown): Promise<{ path: string; message: string }[]> {
  const file = join(mkdtempSync(join(tmpdir(), 'l1s-thread-')), 'config.json');
  writeFileSync(file, JSON.stringify(doc));
  try {
    await runCommand.run(['--config', file], silentIO);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('the configuration was accepted');
}

describe('kafka.engineThread', () => {
  it('is "main" by default, takes "worker", and refuses anything else', () => {
    const base = { brokers: ['127.0.0.1:9092'], topics: ['events'] };
    expect(checkKafkaConfig(base).engineThread).toBe('main');
    expect(checkKafkaConfig({ ...base, engineThread: 'worker' }).engineThread).toBe('worker');
    expect(() => checkKafkaConfig({ ...base, engineThread: 'thread' })).toThrow(
      /kafka\.engineThread.*"main" or "worker", got "thread"/,
    );
  });

  it('"worker" with exactlyOnce, or with the http endpoints, is refused naming the fix, with the other problems at once', async () => {
    const found = await problems({
      model: { family: 'gaussian', lambda: -1 },
      http: { port: 9464 },
      kafka: {
        brokers: ['127.0.0.1:9092'],
        topics: ['events'],
        exactlyOnce: true,
        engineThread: 'worker',
        bogus: 1,
      },
    });
    const byPath = new Map(found.map((p) => [p.path, p.message]));
    expect(byPath.get('kafka.engineThread')).toMatch(
      /at-least-once only: set kafka\.engineThread to "main" for exactly-once, or drop kafka\.exactlyOnce/,
    );
    expect(byPath.get('http.port')).toMatch(/drop the "http" section, or set kafka\.engineThread to "main"/);
    // the other problems of the file, in the same error
    expect(byPath.has('kafka.bogus')).toBe(true);
    expect([...byPath.keys()].some((p) => p.startsWith('model.'))).toBe(true);
  });

  it('"main" with exactlyOnce and http is not refused for it', async () => {
    const found = await problems({
      model: { family: 'gaussian', lambda: -1 },
      http: { port: 9464 },
      kafka: { brokers: ['127.0.0.1:9092'], topics: ['events'], exactlyOnce: true },
    });
    expect(found.map((p) => p.path).filter((p) => p === 'kafka.engineThread' || p === 'http.port')).toEqual(
      [],
    );
  });
});
