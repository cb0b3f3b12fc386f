/**
 * summary.json's `input` is absolute, so `l1stream report` run from another directory reads the
 * replayed events (it used to be the path as given, relative to replay's directory: the report
 * then ranked by raw |β|); and the report names the models' features that its input lacks.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

const cwd = process.cwd();
afterEach(() => process.chdir(cwd));

function events(n: number, withZ: boolean): string {
  let text = '';
  for (let i = 0; i < n; i++) {
    const x = ((i * 7) % 11) / 10;
    const z = ((i * 3) % 5) / 5;
    const features = withZ ? { x, z } : { x };
    text += `${JSON.stringify({ label: x + z > 0.9 ? 1 : 0, features })}\n`;
  }
  return text;
}

describe('report after a replay with a relative --input', () => {
  it('reads the input from summary.json from another directory, and names features the data lacks', async () => {
    const root = mkdtempSync(join(tmpdir(), 'l1s-report-input-'));
    try {
      const run = join(root, 'run');
      mkdirSync(run);
      writeFileSync(join(run, 'events.jsonl'), events(3000, true));
      process.chdir(run);
      const replay = await runCli([
        'replay',
        '--input',
        'events.jsonl',
        '--family',
        'binomial',
        '--lambda',
        '0.001',
        '--out',
        'out',
      ]);
      expect(replay.code, replay.stderr).toBe(0);
      const summary = JSON.parse(readFileSync(join(run, 'out', 'summary.json'), 'utf8')) as { input: string };
      expect(summary.input).toBe(join(run, 'events.jsonl'));

      process.chdir(root);
      const report = await runCli(['report', '--input', join(run, 'out')]);
      expect(report.code, report.stderr).toBe(0);
      const html = readFileSync(join(run, 'out', 'report.html'), 'utf8');
      expect(html).toContain(`labelled events of ${join(run, 'events.jsonl')}`);
      expect(html).not.toContain('unreadable');

      writeFileSync(join(root, 'onlyX.jsonl'), events(500, false));
      const lacking = await runCli([
        'report',
        '--input',
        join(run, 'out'),
        '--data',
        join(root, 'onlyX.jsonl'),
      ]);
      expect(lacking.code, lacking.stderr).toBe(0);
      const notes = readFileSync(join(run, 'out', 'report.html'), 'utf8');
      expect(notes).toContain('1 feature(s) of the models are in no labelled event of');
      expect(notes).toContain('&quot;z&quot;');
    } finally {
      process.chdir(cwd);
      rmSync(root, { recursive: true, force: true });
    }
  });
});
