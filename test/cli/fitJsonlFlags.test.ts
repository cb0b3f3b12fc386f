import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

describe('fit and path on JSON-lines events: flags that would be ignored are usage errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'l1s-fit-jsonl-'));
  const input = join(dir, 'events.jsonl');
  writeFileSync(
    input,
    `${Array.from({ length: 30 }, (_, i) => JSON.stringify({ label: i % 5, weight: 1 + (i % 2), features: { x: i } })).join('\n')}\n`,
  );

  it('--target other than label: exit 2 with the usage line', async () => {
    for (const command of ['fit', 'path']) {
      const r = await runCli([command, '--input', input, '--target', 'y']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/use --target label \(got "y"\)\nusage: l1stream /);
    }
  });

  it('--weight COLUMN is refused (the events carry "weight"), not silently ignored', async () => {
    const r = await runCli(['fit', '--input', input, ...'--target label --weight w --lambda 0.1'.split(' ')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/--weight names a CSV column; JSON-lines events carry their own "weight" field/);
  });

  it("--target may be left out: the events' label is the target, as with --target label", async () => {
    for (const [command, flag, value] of [
      ['fit', '--lambda', '0.1'],
      ['path', '--nlambda', '5'],
    ]) {
      const given = await runCli([command, '--input', input, '--target', 'label', flag, value]);
      const left = await runCli([command, '--input', input, flag, value]);
      expect(left.code, left.stderr).toBe(0);
      const models = (out: string) => out.replace(/"createdAt": ?"[^"]*"/g, '');
      expect(models(left.stdout)).toBe(models(given.stdout));
      expect(left.stdout).toMatch(/"x"/);
    }
  });

  it('a CSV without --target: exit 2 naming the flag', async () => {
    const csv = join(dir, 'data.csv');
    writeFileSync(csv, 'y,x\n1,2\n2,3\n');
    const r = await runCli(['fit', '--input', csv]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--target COLUMN is required/);
  });
});
