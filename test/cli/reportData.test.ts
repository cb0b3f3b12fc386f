import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
    // a CSV of the same events is read as replay reads it, its label column named by --target
    const csv = join(dir, 'events.csv');
    writeFileSync(
      csv,
      `x,site,y\n${lines.map((_, i) => `${(i % 7) - 3},s${i % 4},${i % 3 === 0 ? 1 : 0}`).join('\n')}\n`,
    );
    const table = await runCli(['report', '--input', out, '--data', csv, '--target', 'y']);
    expect(table.code, table.stderr).toBe(0);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain(
      `standardized effect β·sd, with each feature&#39;s population sd over the 200 labelled events of ${csv}`,
    );
    // a --target that is not a column: an error naming the columns (it was only a note on the page)
    const typo = await runCli(['report', '--input', out, '--data', csv, '--target', 'Y']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain(
      `--target "Y" is not a column of ${csv} (did you mean "y"?); its columns are: x, site, y`,
    );
    // without --target: no column "label", no labelled event, and the page says why
    const noLabel = await runCli(['report', '--input', out, '--data', csv]);
    expect(noLabel.code, noLabel.stderr).toBe(0);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain(
      `holds no labelled event (its label column: &quot;label&quot;; --target names another)`,
    );
    const given = await runCli(['report', '--input', out, '--data', input]);
    expect(given.code, given.stderr).toBe(0);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
  });

  it("a CSV replay's report reads its input with the replay's label column (summary.json's target)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-report-csv-'));
    const csv = join(dir, 'churn.csv');
    const rows = Array.from({ length: 3000 }, (_, i) => {
      // x_small in hundredths: a large β for an ordinary effect; x_big in thousands
      const small = ((i * 37) % 101) / 100 - 0.5;
      const big = ((i * 53) % 97) * 1000;
      const eta = 2 * small * 10 + big / 50_000 - 1;
      const y = (i * 7919) % 1000 < 1000 / (1 + Math.exp(-eta)) ? 1 : 0;
      return `${y},${small / 10},${big}`;
    });
    writeFileSync(csv, `churned,x_small,x_big\n${rows.join('\n')}\n`);
    const out = join(dir, 'out');
    const replay = await runCli([
      'replay',
      '--input',
      csv,
      '--target',
      'churned',
      ...'--family binomial --no-refit --out'.split(' '),
      out,
    ]);
    expect(replay.code, replay.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).target).toBe('churned');
    const report = await runCli(['report', '--input', out]);
    expect(report.code, report.stderr).toBe(0);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('over the 3,000 labelled events of');
    expect(html).not.toContain('ranked and drawn by raw |β|');
    // --data given (a copy, or the input under another path): its label column is the replay's too
    // when it has it (it was "label", so no row was labelled and the page fell back to raw |β|)
    const copy = join(dir, 'copy.csv');
    writeFileSync(copy, readFileSync(csv));
    const data = await runCli(['report', '--input', out, '--data', copy]);
    expect(data.code, data.stderr).toBe(0);
    const page = readFileSync(join(out, 'report.html'), 'utf8');
    expect(page).toContain(`over the 3,000 labelled events of ${copy}`);
    expect(page).not.toContain('ranked and drawn by raw |β|');
    // a file with neither the replay's label column nor "label": both named, each quoted
    const other = join(dir, 'other.csv');
    writeFileSync(other, `amount,x_small,x_big\n${rows.join('\n')}\n`);
    const neither = await runCli(['report', '--input', out, '--data', other]);
    expect(neither.code, neither.stderr).toBe(0);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain(
      'holds no labelled event (its label column: &quot;churned&quot; or &quot;label&quot;; --target names another)',
    );
  });
});
