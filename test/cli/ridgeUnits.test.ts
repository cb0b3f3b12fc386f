import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

/** A gaussian stream whose label is `scale` × (5 x0 − 3 x1 + noise) around 100 × scale. */
function stream(dir: string, scale: number): string {
  const input = join(dir, `y${scale}.jsonl`);
  const lines = Array.from({ length: 1500 }, (_, i) => {
    const x0 = Math.sin(i * 1.7);
    const x1 = Math.cos(i * 0.9);
    const noise = Math.sin(i * 12.9898) * 0.5;
    const label = scale * (100 + 5 * x0 - 3 * x1 + noise);
    return JSON.stringify({ label, features: { x0, x1, x2: Math.sin(i * 3.1) } });
  });
  writeFileSync(input, `${lines.join('\n')}\n`);
  return input;
}

async function warnings(input: string, l1Ratio: string): Promise<string[]> {
  const out = join(input, '..', `o-${l1Ratio}-${input.length}`);
  const flags = ['--family', 'gaussian', '--l1-ratio', l1Ratio, '--no-refit', '--out', out];
  const r = await runCli(['replay', '--input', input, ...flags]);
  expect(r.code, r.stderr).toBe(0);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { warnings: string[] };
  return summary.warnings.filter((w) => w.includes('ridge part'));
}

describe("a gaussian elastic net's ridge part is in the label's units", () => {
  it('warns when λ(1−α) shrinks every standardized coefficient by a fifth or more, not for the same label in smaller units or the lasso', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-ridge-'));
    const big = stream(dir, 1000);
    const [warning] = await warnings(big, '0.5');
    expect(warning).toMatch(
      /^at λ = [\d.]+ and l1Ratio 0\.5, the ridge part λ\(1−α\)\/2·β² shrinks every standardized coefficient by a factor of about 0\.\d+: λ is in the label's units/,
    );
    expect(await warnings(big, '1')).toEqual([]);
    expect(await warnings(stream(dir, 1), '0.5')).toEqual([]);
  });
});
