/**
 * `score --model` with a hand-written model JSON: only `intercept`, `coefficients` and `family`.
 * Its stderr line used to read "undefined vundefined (undefined, λ undefined, NaN events
 * learned ...)", `--version` named "versions there: NaN to NaN", and a model without `family`
 * was scored as gaussian without a word.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-score-hand-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const input = join(dir, 'events.jsonl');
writeFileSync(input, '{"label":1,"features":{"age":2}}\n{"label":0,"features":{"age":-1}}\n');

function model(name: string, doc: Record<string, unknown>): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

describe('score with a hand-written model', () => {
  it('names what the model has, and nothing it lacks', async () => {
    const m = model('m.json', { family: 'binomial', intercept: 0.5, coefficients: { age: 1 } });
    const r = await runCli(['score', '--model', m, '--input', input]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'score: scoring with the snapshot (1 non-zero): the most recent of 1 snapshot\n',
    );
    expect(r.stderr).not.toMatch(/undefined|NaN/);
    // binomial: the probability of the margin 0.5 + 2
    const first = JSON.parse(r.stdout.split('\n')[0]!) as { prediction: number };
    expect(first.prediction).toBeCloseTo(1 / (1 + Math.exp(-2.5)), 12);

    const byLambda = await runCli(['score', '--model', m, '--input', input, '--lambda', '0.1']);
    expect(byLambda.code, byLambda.stderr).toBe(0);
    expect(byLambda.stderr).toContain('(--lambda 0.1 chose nothing: no snapshot there records its λ)');

    const byVersion = await runCli(['score', '--model', m, '--input', input, '--version', '1']);
    expect(byVersion.code).toBe(1);
    expect(byVersion.stderr).toContain('has that version (its snapshots have no version)');
    expect(byVersion.stderr).not.toMatch(/NaN/);
  });

  it('refuses a model without a family (or with another one), naming the fix, and scores nothing', async () => {
    for (const [name, doc, said] of [
      ['none.json', { intercept: 0.5, coefficients: { age: 1 } }, 'has no "family"'],
      ['poisson.json', { family: 'poisson', intercept: 0, coefficients: {} }, 'has "family": "poisson"'],
    ] as const) {
      const r = await runCli(['score', '--model', model(name, doc), '--input', input]);
      expect(r.code, name).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(said);
      expect(r.stderr).toContain(
        'add "family": "binomial" (log-odds, predictions are probabilities) or "gaussian"',
      );
    }
  });

  it('refuses a coefficient that is not a number, naming the file and the feature (it was read as 0)', async () => {
    const m = model('null.json', { family: 'gaussian', intercept: 1, coefficients: { age: null } });
    const r = await runCli(['score', '--model', m, '--input', input]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `--model: ${m}: snapshot.coefficients["age"] must be a finite number, got null`,
    );
  });
});
