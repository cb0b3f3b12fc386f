import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'l1s-review-'));
const jsonl = (events: readonly object[]) => `${events.map((e) => JSON.stringify(e)).join('\n')}\n`;

/** A seeded uniform generator on [0, 1). */
function uniform(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

describe('a number field "a=b" and the value "b" of field "a" share a name', () => {
  const r = uniform(5);
  const events = Array.from({ length: 300 }, () => {
    const a = r() < 0.5 ? 'b' : 'c';
    const x = 2 * r() - 1;
    return { label: (a === 'b' ? 1 : -1) + 2 * x + 0.1 * r(), features: { a, 'a=b': x } };
  });
  const warning =
    '1 feature name collision(s): "a=b" is both the number (or boolean) field "a=b" and the value "b" of the string field "a"';

  it('fit warns on stderr naming both sources', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'coll.jsonl'), jsonl(events));
    const fit = await runCli([
      'fit',
      '--input',
      join(dir, 'coll.jsonl'),
      '--target',
      'label',
      '--lambda',
      '0.01',
    ]);
    expect(fit.code).toBe(0);
    expect(fit.stderr).toContain(`l1stream: warning: ${warning}`);
  });

  it('replay: a warning in the summary, and "nameCollisions" in the snapshot metrics', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'coll.jsonl'), jsonl(events));
    const out = join(dir, 'out');
    const run = await runCli([
      'replay',
      '--input',
      join(dir, 'coll.jsonl'),
      '--out',
      out,
      '--family',
      'gaussian',
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`replay: warning: ${warning}`);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { warnings: string[] };
    expect(summary.warnings.some((w) => w.startsWith(warning))).toBe(true);
    const last = readFileSync(join(out, 'models.jsonl'), 'utf8').trim().split('\n').pop()!;
    expect((JSON.parse(last) as { metrics: Record<string, number> }).metrics.nameCollisions).toBe(1);
  });
});

describe("a Python NaN in a JSON line (json.dumps of float('nan'))", () => {
  it('replay: the dead letter says NaN is not JSON and what to write', async () => {
    const dir = tmp();
    const input = join(dir, 'nan.jsonl');
    writeFileSync(
      input,
      '{"label": 1, "features": {"x": 1.5}}\n{"label": 1, "features": {"x": NaN}}\n{"label": 0, "features": {"x": 2}}\n{"label": 0, "features": {"x": 2\n',
    );
    const out = join(dir, 'out');
    const run = await runCli(['replay', '--input', input, '--out', out, '--family', 'gaussian']);
    expect(run.code).toBe(0);
    const letters = readFileSync(join(out, 'dead-letters.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; reason: string });
    expect(letters[0]).toMatchObject({
      line: 2,
      reason: `cannot decode: NaN is not JSON (Python's json.dumps writes it for float('nan')): write null for a missing value`,
    });
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      rejectedByReason: Record<string, number>;
    };
    // counted with every other line that is not JSON
    expect(summary.rejectedByReason).toEqual({ 'cannot decode: not valid JSON': 2 });
  });
});

describe('binomial cross-validation with few rows of one class', () => {
  /** 300 rows of two features and a 0/1 target `y` with `positives` ones. */
  function csv(positives: number): string {
    const r = uniform(7);
    const rows = Array.from(
      { length: 300 },
      (_, i) =>
        `${(2 * r() - 1).toFixed(4)},${(2 * r() - 1).toFixed(4)},${i % 37 === 5 && i < 37 * positives ? 1 : 0}`,
    );
    const file = join(tmp(), 'few.csv');
    writeFileSync(file, `x1,x2,y\n${rows.join('\n')}\n`);
    return file;
  }

  it('fit --cv and path --cv warn naming the count and the remedies; 8 of a class, or --lambda, do not', async () => {
    const few = csv(3);
    const fit = await runCli(['fit', '--input', few, '--target', 'y', '--family', 'binomial', '--cv', '10']);
    expect(fit.code).toBe(0);
    expect(fit.stderr).toContain(
      'l1stream: warning: only 3 of 300 rows have label 1 (fewer than 8): at least 7 of the 10 folds hold none of them, so the cross-validated deviance per λ (and the λ it picks) says little; use fewer folds (--cv 3), more data, or --lambda L to fit at one λ\n',
    );
    // 2 folds already: no fewer folds to suggest (--cv 1 is refused)
    const two = await runCli(['fit', '--input', few, '--target', 'y', '--family', 'binomial', '--cv', '2']);
    expect(two.stderr).toContain('says little; use more data, or --lambda L to fit at one λ\n');
    const path = await runCli(['path', '--input', few, '--target', 'y', '--family', 'binomial', '--cv', '5']);
    expect(path.stderr).toContain(
      'only 3 of 300 rows have label 1 (fewer than 8): at least 2 of the 5 folds',
    );
    const one = await runCli([
      'fit',
      '--input',
      few,
      '--target',
      'y',
      '--family',
      'binomial',
      '--lambda',
      '0.01',
    ]);
    expect(one.stderr).not.toContain('rows have label');
    const enough = await runCli([
      'fit',
      '--input',
      csv(8),
      '--target',
      'y',
      '--family',
      'binomial',
      '--cv',
      '3',
    ]);
    expect(enough.code).toBe(0);
    expect(enough.stderr).not.toContain('rows have label');
  });
});

describe('replay --key-by: a key whose first event is unlabelled', () => {
  it('gets no snapshot of the model that learned nothing: only keys that learned, from version 1', async () => {
    const dir = tmp();
    const input = join(dir, 'keyed.jsonl');
    const events = [
      ...Array.from({ length: 20 }, (_, i) => ({ key: 'A', label: i % 3, features: { x: i } })),
      { key: 'B', features: { x: 1 } },
      { key: 'C', features: { x: 1 } },
      ...Array.from({ length: 5 }, (_, i) => ({ key: 'C', label: i, features: { x: i } })),
    ];
    writeFileSync(input, jsonl(events));
    const out = join(dir, 'out');
    const run = await runCli([
      'replay',
      '--input',
      input,
      '--out',
      out,
      '--family',
      'gaussian',
      '--key-by',
      'key',
    ]);
    expect(run.code).toBe(0);
    const models = readFileSync(join(out, 'models.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { key: string; version: number; offset: number });
    expect(models.map((m) => [m.key, m.version, m.offset])).toEqual([
      ['A', 1, 20],
      ['C', 1, 5],
    ]);
    // B's event was scored all the same
    const scores = readFileSync(join(out, 'scores.jsonl'), 'utf8').trim().split('\n');
    expect(scores.filter((l) => (JSON.parse(l) as { key: string }).key === 'B')).toHaveLength(1);
  });
});
