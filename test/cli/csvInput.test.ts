import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { writeBatchModel } from '../helpers/batchModel.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-csv-input-'));
const csv = join(dir, 'data.csv');
writeFileSync(csv, 'y,x\n1,2\n0,3\n');
const model = writeBatchModel(join(dir, 'model.json'), { x: 1 });

describe('replay and score refuse a CSV input up front', () => {
  it('replay: exit 2, nothing written, the message names the commands that read CSV', async () => {
    const out = join(dir, 'out');
    const r = await runCli(['replay', '--input', csv, '--family', 'gaussian', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /data\.csv is a CSV file; replay reads JSON lines.*fit and path read CSV.*convert/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('score: exit 2 and no error line per row', async () => {
    const r = await runCli(['score', '--model', model, '--input', csv]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/data\.csv is a CSV file; score reads JSON lines.*fit and path read CSV/);
  });

  it('run (files): exit 2, naming the setting replay.input (run has no --input)', async () => {
    const out = join(dir, 'run-out');
    const config = join(dir, 'run.json');
    writeFileSync(config, JSON.stringify({ model: { family: 'gaussian' }, replay: { input: csv, out } }));
    const r = await runCli(['run', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`replay.input ${csv} is a CSV file; run reads JSON lines`);
    expect(existsSync(out)).toBe(false);
    writeFileSync(
      config,
      JSON.stringify({ model: { family: 'gaussian' }, replay: { input: `${csv}l`, out } }),
    );
    const missing = await runCli(['run', '--config', config]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`replay.input ${csv}l: no such file or directory`);
  });
});
