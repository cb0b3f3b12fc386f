import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

/**
 * `report` over a models.jsonl with lines that are not snapshots: said on stderr with the first
 * one's problem (they were only noted in the page), and a file of none names what it holds.
 */
describe('report: lines of models.jsonl that are not snapshots', () => {
  const dir = mkdtempSync(join(tmpdir(), 'l1s-report-bad-'));
  const input = join(dir, 'events.jsonl');
  writeFileSync(
    input,
    `${Array.from({ length: 300 }, (_, i) => JSON.stringify({ label: i % 3 === 0 ? 1 : 0, features: { x: (i % 7) - 3 } })).join('\n')}\n`,
  );
  const out = join(dir, 'out');

  it('some: a warning on stderr naming the first, and the page', async () => {
    // (the temporary paths have no spaces)
    const replay = await runCli(
      `replay --input ${input} --family binomial --no-refit --out ${out}`.split(' '),
    );
    expect(replay.code, replay.stderr).toBe(0);
    const models = join(out, 'models.jsonl');
    const good = readFileSync(models, 'utf8').trim().split('\n');
    writeFileSync(models, [good[0], 'garbage', ...good.slice(1), good[0]!.slice(0, 40)].join('\n') + '\n');
    const r = await runCli(['report', '--input', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'report: warning: 2 line(s) of models.jsonl are not model snapshots and were skipped (line 2 is not JSON)',
    );
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain(
      '2 line(s) of models.jsonl are not model snapshots',
    );
  });

  it('all, as kafka:consume --keys prints a topic: the error says so', async () => {
    const keyed = join(dir, 'keyed');
    mkdirSync(keyed);
    const snapshot = readFileSync(join(out, 'models.jsonl'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith('{'))!;
    writeFileSync(join(keyed, 'models.jsonl'), `default\t${snapshot}\n`);
    const r = await runCli(['report', '--input', keyed]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /holds no model snapshots: none of its 1 line\(s\) is one \(line 1 is a key, a tab and JSON: what kafka:consume --keys prints; consume the topic without --keys\)/,
    );
  });
});
