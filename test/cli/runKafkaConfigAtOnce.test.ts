/**
 * `run --config` with a "kafka" section names the exactly-once cadence problem (state.everySeconds
 * not sooner than kafka.transactionTimeoutMs) with the file's other problems: it was checked only
 * once they were fixed, so an operator fixed and ran again twice (found by an operator's trial).
 * No broker: the configuration is refused before anything connects.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-run-kafka-config-'));
const kafka = { brokers: ['127.0.0.1:9'], topics: ['events'], exactlyOnce: true, transactionTimeoutMs: 1000 };

describe('run --config with exactly-once checkpoints slower than the transaction timeout', () => {
  it('is named with a bad model setting in one error', async () => {
    const config = join(dir, 'both.json');
    writeFileSync(
      config,
      JSON.stringify({ model: { family: 'binomial', l1Ratio: 3 }, kafka, state: { everySeconds: 5 } }),
    );
    const r = await runCli(['run', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'l1stream: invalid configuration:\n' +
        '  model.l1Ratio: must be <= 1, got 3\n' +
        '  state.everySeconds: with kafka.exactlyOnce, a checkpoint commits the open transaction: it must come sooner than kafka.transactionTimeoutMs (1000 ms), got 5 s\n',
    );
  });

  it('state.everySeconds null (never by time, as the engine reads it) is refused too', async () => {
    const config = join(dir, 'null.json');
    writeFileSync(
      config,
      JSON.stringify({ model: { family: 'binomial' }, kafka, state: { everySeconds: null } }),
    );
    const r = await runCli(['run', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('state.everySeconds: with kafka.exactlyOnce');
    expect(r.stderr).toContain('got Infinity s');
  });

  it('the default cadence (10 s) counts too', async () => {
    const config = join(dir, 'default.json');
    writeFileSync(config, JSON.stringify({ model: { family: 'binomial' }, kafka }));
    const r = await runCli(['run', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('got 10 s');
  });
});
