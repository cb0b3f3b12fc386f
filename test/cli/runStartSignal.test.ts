import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

/**
 * `l1stream run` with a broker that does not answer says so at once; stopped by SIGINT while kafkajs
 * still retries it, the run has read nothing, so it stops at once, says so and exits 0 (not by the
 * signal, silently).
 */

const root = resolve(import.meta.dirname, '../..');

/** `run --config` (Kafka at `broker`) in a child process, L1S_KAFKA_BROKERS unset. */
function startRun(broker: string, engineThread: 'main' | 'worker') {
  const env = { ...process.env };
  delete env.L1S_KAFKA_BROKERS;
  const dir = mkdtempSync(join(tmpdir(), 'l1s-run-start-'));
  const config = join(dir, 'run.json');
  writeFileSync(
    config,
    JSON.stringify({
      model: { family: 'binomial' },
      kafka: { brokers: [broker], topics: ['events'], engineThread },
    }),
  );
  return spawn(process.execPath, ['--import', 'tsx', 'test/cli/runChild.mts', '--config', config], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    env,
  });
}

function runUntilRetrying(engineThread: 'main' | 'worker') {
  // port 1 on the loopback: refused at once, so kafkajs logs a retry within a second
  const proc = startRun('127.0.0.1:1', engineThread);
  let stderr = '';
  let signalled = false;
  proc.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    // said at once (kafkajs retries for about a minute before it gives up)
    if (!signalled && stderr.includes('run: no broker of kafka.brokers answers yet')) {
      signalled = true;
      proc.kill('SIGINT');
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    proc.on('exit', (code, signal) => done({ code, signal }));
  });
  return { exited, stderr: () => stderr, signalled: () => signalled };
}

describe('run: a signal while no broker has answered yet', () => {
  for (const engineThread of ['main', 'worker'] as const) {
    it(`stops at once, says nothing was read, exits 0 (engineThread ${engineThread})`, async () => {
      const child = runUntilRetrying(engineThread);
      const { code, signal } = await child.exited;
      expect(child.signalled()).toBe(true);
      expect(signal).toBeNull();
      expect(code).toBe(0);
      expect(child.stderr()).toContain(
        'run: no broker of kafka.brokers answers yet (127.0.0.1:1: ECONNREFUSED): kafkajs retries for about a minute before run stops; check kafka.brokers in the configuration and that the broker is running (Ctrl-C stops now)',
      );
      expect(child.stderr()).toContain(
        'run: SIGINT while starting (connecting to kafka.brokers): stopped, nothing was read',
      );
    }, 60_000);
  }
});

describe('run: a signal once a broker answered, before the first record', () => {
  it('says the broker answered (it used to say it was still connecting), exits 0', async () => {
    // a port that accepts connections and never answers Kafka's requests: the probe reaches it,
    // kafkajs waits on it
    const { createServer } = await import('node:net');
    const server = createServer(() => undefined);
    const port = await new Promise<number>((done) =>
      server.listen(0, '127.0.0.1', () => done((server.address() as { port: number }).port)),
    );
    try {
      const proc = startRun(`127.0.0.1:${port}`, 'main');
      let stderr = '';
      proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<number | null>((done) => proc.on('exit', (code) => done(code)));
      // the probe connects within milliseconds of the start; tsx's start-up takes a few seconds
      await new Promise((r) => setTimeout(r, 6000));
      proc.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(stderr).toContain(
        'run: SIGINT while starting (a broker of kafka.brokers answered; not reading yet): stopped, nothing was read',
      );
    } finally {
      server.close();
    }
  }, 60_000);
});
