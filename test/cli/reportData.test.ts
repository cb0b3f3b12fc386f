import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

describe('report --data', () => {
  it('a --data file that does not exist is refused (exit 2, naming the flag), before any page is written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-report-data-'));
    const input = join(dir, 'events.jsonl');
    const lines = Array.from({ length: 200 }, (_, i) =>
      JSON.stringify({ label: i % 3 === 0 ? 1 : 0, features: { x: (i % 7) - 3, site: `s${i % 4}` } }),
    );
    writeFileSync(input, `${lines.join('\n')}\n`);
    const out = join(dir, 'out');
    const replay = await runCli([
      'replay',
      '--input',
      input,
      ...'--family binomial --no-refit --out'.split(' '),
      out,
    ]);
    expect(replay.code, replay.stderr).toBe(0);
    const missing = await runCli(['report', '--input', out, '--data', join(dir, 'nope.jsonl')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--data .*nope\.jsonl: no such file or directory; check the path/);
    expect(existsSync(join(out, 'report.html'))).toBe(false);
    // a CSV (the table the events came from) is refused too, as replay and score refuse one,
    // rather than a page that ranks by raw |β| since it "holds no labelled event"
    const csv = join(dir, 'events.csv');
    writeFileSync(
      csv,
      `x,site,y\n${lines.map((_, i) => `${(i % 7) - 3},s${i % 4},${i % 3 === 0 ? 1 : 0}`).join('\n')}\n`,
    );
    const table = await runCli(['report', '--input', out, '--data', csv]);
    expect(table.code).toBe(2);
    expect(table.stderr).toContain(
      `l1stream: --data ${csv} is a CSV file; report reads JSON lines, one event {"label": ..., "features": {...}} per line`,
    );
    expect(existsSync(join(out, 'report.html'))).toBe(false);
    const given = await runCli(['report', '--input', out, '--data', input]);
    expect(given.code, given.stderr).toBe(0);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
  });
});
