import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

describe('an input named in --config that cannot be read is named as replay.input, not --input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'l1s-config-input-'));
  // relative: read from the current directory (where the tests run), not from the file's
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      model: { family: 'binomial' },
      replay: { input: 'l1s-no-such-events.jsonl', out: join(dir, 'out') },
    }),
  );

  for (const command of ['replay', 'run']) {
    it(`${command} --config: exit 2, naming replay.input and the directory a relative path is read from`, async () => {
      const r = await runCli([command, '--config', config]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `l1stream: replay.input l1s-no-such-events.jsonl: no such file or directory; check the path (a relative path in --config is read from the current directory, ${process.cwd()})\n`,
      );
    });
  }

  it('replay --input given on the command line is named --input, with no note on --config', async () => {
    const r = await runCli(['replay', '--config', config, '--input', 'l1s-no-such-events.jsonl']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'l1stream: --input l1s-no-such-events.jsonl: no such file or directory; check the path\n',
    );
  });

  it('a .csv in replay.input without its label column is refused naming replay.input and replay.target', async () => {
    const csv = join(dir, 'events.csv');
    writeFileSync(csv, 'y,x\n1,2\n');
    const other = join(dir, 'csv.json');
    writeFileSync(
      other,
      JSON.stringify({ model: { family: 'binomial' }, replay: { input: csv, out: join(dir, 'o2') } }),
    );
    const r = await runCli(['replay', '--config', other]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^l1stream: replay\.input .*events\.csv is a CSV file: name its label column with replay\.target \(it has no column "label"\)/,
    );
  });
});
