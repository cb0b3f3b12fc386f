import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-csv-input-'));
const csv = join(dir, 'data.csv');
writeFileSync(csv, 'y,x\n1,2\n0,3\n');

describe('replay and run refuse a CSV input up front', () => {
  it('replay: exit 2, nothing written, the message names the commands that read CSV', async () => {
    const out = join(dir, 'out');
    const r = await runCli(['replay', '--input', csv, '--family', 'gaussian', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /data\.csv is a CSV file; replay reads JSON lines.*fit, path and score read CSV.*convert/,
    );
    expect(existsSync(out)).toBe(false);
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

describe('score reads a CSV as fit reads it', () => {
  it('each data row scored as the event fit makes of it: numbers by column, text one-hot, empty cells absent; --target its label', async () => {
    const rows = [
      'churned,tenure,plan,discount,note',
      '1,3,pro,true,',
      '0,40,basic,false,NA',
      '1,"5",pro,TRUE,x',
      'bad,row',
      '0,12,,false,',
    ];
    const file = join(dir, 'churn.csv');
    writeFileSync(file, `${rows.join('\n')}\n`);
    const coefficients = { tenure: -0.05, 'plan=pro': 0.8, discount: -0.4 };
    const m = join(dir, 'churn-model.json');
    writeFileSync(m, JSON.stringify({ family: 'binomial', intercept: 0.2, coefficients }));
    const r = await runCli(['score', '--model', m, '--input', file, '--target', 'churned']);
    expect(r.code).toBe(0);
    const out = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; prediction?: number; error?: string });
    const p = (margin: number) => 1 / (1 + Math.exp(-margin));
    expect(out.map((o) => o.line)).toEqual([2, 3, 4, 5, 6]);
    expect(out[0]!.prediction).toBeCloseTo(p(0.2 - 0.05 * 3 + 0.8 - 0.4), 14);
    expect(out[1]!.prediction).toBeCloseTo(p(0.2 - 0.05 * 40), 14);
    expect(out[2]!.prediction).toBeCloseTo(p(0.2 - 0.05 * 5 + 0.8 - 0.4), 14);
    expect(out[3]!.error).toBe('line 5 has 2 fields, the header has 5');
    expect(out[4]!.prediction).toBeCloseTo(p(0.2 - 0.05 * 12), 14);
    // the labels count in the summary line: 4 labelled rows
    expect(r.stderr).toMatch(/4 events scored .*, 1 rejected.*log loss/);
    // a target that is not a column is named with the header's columns
    const typo = await runCli(['score', '--model', m, '--input', file, '--target', 'churn']);
    expect(typo.code).not.toBe(0);
    expect(typo.stderr).toBe(
      `l1stream: the target column "churn" is not in the header of ${file}; its columns are: churned, tenure, plan, discount, note\n`,
    );
    // --target with JSON lines: refused, events carry their own label
    const events = join(dir, 'e.jsonl');
    writeFileSync(events, `${JSON.stringify({ features: { tenure: 1 } })}\n`);
    const jsonl = await runCli(['score', '--model', m, '--input', events, '--target', 'y']);
    expect(jsonl.code).toBe(2);
    expect(jsonl.stderr).toMatch(/--target names the label column of a CSV input/);
  });
});
