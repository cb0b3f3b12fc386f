/**
 * `score --version N` finds version N among all of a key's snapshots, online and refit (a key's
 * versions are unique across them); it used to look only among the online ones when the file had
 * both, and failed for a refit's version. An explicit --source still narrows.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

function snapshot(version: number, source: 'online' | 'refit', offset: number): string {
  return JSON.stringify({
    key: 'default',
    version,
    offset,
    source,
    family: 'binomial',
    learner: 'ftrl',
    lambda: 0.01,
    l1Ratio: 1,
    intercept: 0,
    coefficients: { x: version },
    createdAt: '2026-12-02T00:00:00Z',
  });
}

describe('score --version', () => {
  it('finds a refit version without --source; --source online still narrows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-score-version-'));
    try {
      const model = join(dir, 'models.jsonl');
      const input = join(dir, 'events.jsonl');
      writeFileSync(
        model,
        [snapshot(1, 'refit', 1000), snapshot(2, 'online', 3000), snapshot(3, 'refit', 3000)].join('\n') +
          '\n',
      );
      writeFileSync(input, '{"features":{"x":1}}\n');
      const refit = await runCli(['score', '--model', model, '--input', input, '--version', '3']);
      expect(refit.code, refit.stderr).toBe(0);
      expect(JSON.parse(refit.stdout.trim())).toMatchObject({ model: { source: 'refit', version: 3 } });
      expect(refit.stderr).toContain('scoring with "default" v3 (refit');
      const online = await runCli(['score', '--model', model, '--input', input, '--version', '2']);
      expect(JSON.parse(online.stdout.trim())).toMatchObject({ model: { source: 'online', version: 2 } });
      const narrowed = await runCli([
        'score',
        '--model',
        model,
        '--input',
        input,
        '--version',
        '3',
        '--source',
        'online',
      ]);
      expect(narrowed.code).toBe(1);
      // the versions listed are those of the source asked for, and the version's own source is named
      expect(narrowed.stderr).toContain(
        `--version 3: no snapshot from source "online" in ${model} has that version (versions there from source "online": 2); version 3 is a snapshot from source "refit": leave out --source online`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names a version from another source only among the keys asked for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-score-version-'));
    try {
      const model = join(dir, 'models.jsonl');
      const input = join(dir, 'events.jsonl');
      const of = (key: string, v: number, source: 'online' | 'refit') =>
        JSON.stringify({ ...(JSON.parse(snapshot(v, source, 1000 * v)) as object), key });
      writeFileSync(
        model,
        [of('A', 1, 'online'), of('A', 2, 'online'), of('B', 5, 'refit')].join('\n') + '\n',
      );
      writeFileSync(input, '{"features":{"x":1}}\n');
      const r = await runCli([
        'score',
        '--model',
        model,
        '--input',
        input,
        '--source',
        'online',
        '--version',
        '5',
      ]);
      expect(r.code).toBe(1);
      // version 5 is key B's: no hint to leave out --source
      expect(r.stderr).not.toContain('leave out --source');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists the versions there with their gaps (a range hid them: "2 to 14" for 2, 4, ..., 14)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-score-version-'));
    try {
      const model = join(dir, 'models.jsonl');
      const input = join(dir, 'events.jsonl');
      const versions = [1, 2, 3, 5, 8, 9];
      writeFileSync(model, versions.map((v) => snapshot(v, 'online', 1000 * v)).join('\n') + '\n');
      writeFileSync(input, '{"features":{"x":1}}\n');
      const r = await runCli(['score', '--model', model, '--input', input, '--version', '4']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('has that version (versions there: 1 to 3, 5, 8, 9)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
