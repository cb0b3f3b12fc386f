/**
 * fit and path on JSON-lines events warn about a field of numbers sent as strings
 * (`{"age": "42"}`, each value its own one-hot `age=42`), as replay does, with the same sentence.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-fit-numeric-strings-'));

function events(name: string, charges: (i: number) => unknown): string {
  const lines: string[] = [];
  for (let i = 0; i < 300; i++) {
    const calls = i % 5;
    const features = { calls, charges: charges(i), ids: [`a${i % 3}`, `b${i % 4}`] };
    lines.push(JSON.stringify({ label: (i * 7) % 10 < 2 + calls ? 1 : 0, features }));
  }
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const warning =
  'warning: field "charges": 300 of 300 values in learned events were numeric strings ("20.5", "21.5", "22.5", ...) ' +
  'and became over 100 one-hot features charges=...; send numbers as JSON numbers ({"charges": 42}, not "42"';

describe('fit / path on events: numbers sent as strings', () => {
  it('fit and path warn as replay does, naming the field; lists of ids are not warned about', async () => {
    const input = events('strings.jsonl', (i) => `${20.5 + (i % 150)}`);
    const fit = await runCli(['fit', '--input', input, '--family', 'binomial', '--lambda', '0.01']);
    expect(fit.code, fit.stderr).toBe(0);
    expect(fit.stderr).toContain(`l1stream: ${warning}`);
    expect(fit.stderr).not.toContain('field "ids"');
    const path = await runCli(['path', '--input', input, '--family', 'binomial', '--nlambda', '5']);
    expect(path.code, path.stderr).toBe(0);
    expect(path.stderr).toContain(warning);
    const replay = await runCli([
      'replay',
      '--input',
      input,
      '--family',
      'binomial',
      '--no-refit',
      '--out',
      join(dir, 'out'),
    ]);
    expect(replay.stderr).toContain(`replay: ${warning}`);
  });

  it('no warning when the numbers are JSON numbers', async () => {
    const input = events('numbers.jsonl', (i) => 20.5 + (i % 150));
    const fit = await runCli(['fit', '--input', input, '--family', 'binomial', '--lambda', '0.01']);
    expect(fit.code, fit.stderr).toBe(0);
    expect(fit.stderr).not.toContain('numeric strings');
  });
});
