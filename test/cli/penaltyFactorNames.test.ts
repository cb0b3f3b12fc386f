/**
 * `fit --penalty-factors FILE`: a name that is no feature column says what it probably meant, as
 * `--exclude` does: a text field's one-hot columns, or the column a typo away.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

describe('fit --penalty-factors: names that are no feature column', () => {
  it('names the levels of a text field and the column a typo away; the columns listed at most 50', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-pf-names-'));
    const rows = ['support_calls,plan,id,y'];
    for (let i = 0; i < 120; i++)
      rows.push(`${i % 5},${['basic', 'pro', 'team', 'free'][i % 4]},u${i},${i % 3 === 0 ? 1 : 0}`);
    const csv = join(dir, 'churn.csv');
    writeFileSync(csv, `${rows.join('\n')}\n`);
    const factors = join(dir, 'pf.json');
    writeFileSync(factors, JSON.stringify({ plan: 0, suport_calls: 0, zzz: 0 }));
    const r = await runCli([
      'fit',
      '--input',
      csv,
      '--target',
      'y',
      '--family',
      'binomial',
      '--lambda',
      '0.01',
      '--penalty-factors',
      factors,
    ]);
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      `l1stream: --penalty-factors ${factors}: 3 problems:`,
      `  "plan" is not a feature column: a text field's one-hot columns take a factor each ("plan=basic", "plan=pro", "plan=team", …)`,
      '  "suport_calls" is not a feature column (did you mean "support_calls"?)',
      '  "zzz" is not a feature column',
    ]);
    // 1 + 4 levels + 120 ids: the first 50 and the count
    expect(lines[4]).toMatch(/^the feature columns are: plan=basic, id=u0, support_calls, .*, … \(125\)$/);
  });

  it('names a column given twice (JSON keeps the last factor: the first was ignored without a word)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-pf-twice-'));
    const rows = ['support_calls,tenure,y'];
    for (let i = 0; i < 60; i++) rows.push(`${i % 5},${i % 7},${i % 3 === 0 ? 1 : 0}`);
    const csv = join(dir, 'churn.csv');
    writeFileSync(csv, `${rows.join('\n')}\n`);
    const factors = join(dir, 'pf.json');
    writeFileSync(factors, '{"tenure": 0,\n "support_calls": 2, "tenure": 5}\n');
    const r = await runCli([
      'fit',
      '--input',
      csv,
      '--target',
      'y',
      '--family',
      'binomial',
      '--lambda',
      '0.01',
      '--penalty-factors',
      factors,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').slice(0, 2)).toEqual([
      `l1stream: --penalty-factors ${factors}: 1 problem:`,
      '  "tenure" is given twice (line 2, column 22; JSON keeps only the last): remove one of them',
    ]);
  });

  it('takes a factor for a column of zeros and empty cells, constant as a column of zeros is (fit and path)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-pf-zeros-'));
    // an empty cell makes the design sparse, where a column of zeros has no column
    const csv = join(dir, 'zeros.csv');
    writeFileSync(csv, 'a,z,y\n1,,1\n2,0,2\n3,0,2.5\n4,,4.1\n5,0,5\n6,0,5.8\n');
    const factors = join(dir, 'pf.json');
    writeFileSync(factors, JSON.stringify({ z: 2, a: 1 }));
    for (const command of ['fit', 'path']) {
      const args = [command, '--input', csv, '--target', 'y', '--penalty-factors', factors];
      const r = await runCli(command === 'fit' ? [...args, '--lambda', '0.1'] : args);
      expect(r.stderr).not.toMatch(/not a feature column/);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(
        'warning: column "z" is constant (0 or empty in every row); its coefficient is fixed at 0',
      );
    }
    writeFileSync(factors, JSON.stringify({ z: -1 }));
    const bad = await runCli([
      'fit',
      '--input',
      csv,
      '--target',
      'y',
      '--lambda',
      '0.1',
      '--penalty-factors',
      factors,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"z" must be a number >= 0 (or "Infinity"), got -1');
  });
  it('takes a factor for a JSON feature that is 0 or false in every labelled event (fit and path)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-pf-zero-events-'));
    const input = join(dir, 'zeros.jsonl');
    const lines = Array.from({ length: 40 }, (_, i) =>
      JSON.stringify({
        label: (i * 7) % 5 < 2 ? 1 : 0,
        features: { a: ((i * 13) % 11) - 5, z: 0, off: false, b: i % 3 === 0 ? 0 : (i % 4) + 1 },
      }),
    );
    // an unlabelled event's value does not make a column
    lines.push(JSON.stringify({ features: { a: 1, z: 3 } }));
    writeFileSync(input, `${lines.join('\n')}\n`);
    const factors = join(dir, 'pf.json');
    writeFileSync(factors, JSON.stringify({ z: 2, off: 0, b: 0.5 }));
    for (const command of ['fit', 'path']) {
      const args = [command, '--input', input, '--family', 'binomial', '--penalty-factors', factors];
      const r = await runCli(command === 'fit' ? [...args, '--lambda', '0.01'] : args);
      expect(r.stderr).not.toMatch(/not a feature column/);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(
        'warning: features "z", "off" are 0 (or false) in every labelled event; their coefficients are fixed at 0',
      );
    }
    // a field 0 in some events and text in the others is no zero feature: its levels take a factor each
    const mixed = join(dir, 'mixed.jsonl');
    writeFileSync(
      mixed,
      `${Array.from({ length: 40 }, (_, i) =>
        JSON.stringify({
          label: i % 3 === 0 ? 1 : 0,
          features: { a: (i * 7) % 5, mix: i % 2 === 0 ? 0 : `s${i % 3}` },
        }),
      ).join('\n')}\n`,
    );
    writeFileSync(factors, JSON.stringify({ mix: 2 }));
    const fitWithFactors = (file: string) =>
      runCli([
        'fit',
        '--input',
        file,
        '--family',
        'binomial',
        '--lambda',
        '0.01',
        '--penalty-factors',
        factors,
      ]);
    const level = await fitWithFactors(mixed);
    expect(level.code).toBe(2);
    expect(level.stderr).toContain('"mix" is not a feature column');
    expect(level.stderr).not.toContain('0 (or false) in every labelled event');
    // a name in no event is still refused
    writeFileSync(factors, JSON.stringify({ zz: 2 }));
    const typo = await fitWithFactors(input);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('"zz" is not a feature column');
  });
});
