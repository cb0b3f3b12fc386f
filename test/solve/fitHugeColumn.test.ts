import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

describe('fit: a column whose squares overflow is not called constant', () => {
  it('CSV and JSON lines: the huge column is named as too large, a constant one as constant', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-huge-column-'));
    const csv = join(dir, 'huge.csv');
    writeFileSync(csv, 'a,k,x,y\n1,5,0.1,1.1\n2,5,0.4,2.2\n3,5,0.2,2.9\n1e200,5,0.9,4.1\n');
    const events = join(dir, 'huge.jsonl');
    writeFileSync(
      events,
      ['{"label":1.1,"features":{"a":1,"k":5,"x":0.1}}', '{"label":2.2,"features":{"a":2,"k":5,"x":0.4}}']
        .concat([
          '{"label":2.9,"features":{"a":3,"k":5,"x":0.2}}',
          '{"label":4.1,"features":{"a":1e200,"k":5,"x":0.9}}',
        ])
        .join('\n'),
    );
    for (const input of [csv, events]) {
      const target = input === csv ? ['--target', 'y'] : [];
      const r = await runCli(['fit', '--input', input, ...target, '--lambda', '0.01']);
      expect(r.code, r.stderr).toBe(0);
      // one row of four: named with its value, so a bad value is told from a column in other units
      expect(r.stderr).toContain(
        'column "a" has values too large to scale (above 1e150, where sums of their squares overflow: 1 of 4 rows, the largest 1e200): it is left out as a constant column would be, its coefficient fixed at 0; if those values are mistakes, fix or drop their rows (replay dead-letters such an event); else divide the column by a power of ten',
      );
      expect(r.stderr).not.toMatch(/column "a" is constant/);
      expect(r.stderr).toMatch(/column "k" is constant; its coefficient is fixed at 0/);
    }
  });

  it('a column of 1e152 (squares that do not overflow alone, but their sums do): too large, not constant', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-big-column-'));
    const csv = join(dir, 'big.csv');
    const lines = Array.from(
      { length: 40 },
      (_, i) => `${[0.5e152, 1e152, 2e152][i % 3]},${Math.sin(i)},${i % 5}`,
    );
    writeFileSync(csv, `a,x,y\n${lines.join('\n')}\n`);
    const r = await runCli(['fit', '--input', csv, '--target', 'y', '--lambda', '0.01']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'column "a" has values too large to scale (above 1e150, where sums of their squares overflow: 40 of 40 rows, the largest 2e152)',
    );
    expect(r.stderr).not.toMatch(/column "a" is constant/);
  });

  it('a column of values whose squares underflow is named as too small, not constant', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-tiny-column-'));
    const events = join(dir, 'tiny.jsonl');
    const lines = Array.from({ length: 20 }, (_, i) =>
      JSON.stringify({ label: i % 3, features: { t: (i % 4) * 1e-300, k: 5, x: Math.sin(i) } }),
    );
    writeFileSync(events, lines.join('\n'));
    const r = await runCli(['fit', '--input', events, '--lambda', '0.01']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/column "t" has values too small to scale \(their squares underflow\)/);
    expect(r.stderr).not.toMatch(/column "t" is constant/);
    expect(r.stderr).toMatch(/column "k" is constant; its coefficient is fixed at 0/);
  });
});
