/**
 * Two warnings of the summary a trial (an ad-scoring engineer's) found missing: a model cap below
 * the keys the stream keeps returning to (every batch evicted and restored models, 6–17 times
 * slower, and memory beyond the cap, with nothing saying why), and hashed models whose names
 * collide so often that drift alerts counted a new level under another field.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-evictions-'));
const input = join(dir, 'ads.jsonl');
// 3,000 events over 60 campaigns in turn, 300 sites
writeFileSync(
  input,
  Array.from({ length: 3000 }, (_, i) =>
    JSON.stringify({
      label: (i * 7) % 5 === 0 ? 1 : 0,
      features: {
        campaign: `c${i % 60}`,
        site: `s${(i * 37) % 300}`,
        device: ['d', 'm', 't'][i % 3],
        x: ((i * 13) % 17) / 17,
      },
    }),
  ).join('\n') + '\n',
);

const summaryOf = (out: string) =>
  JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { warnings: string[]; evictions: number };

const replay = (out: string, ...flags: string[]) =>
  runCli([
    'replay',
    '--input',
    input,
    '--family',
    'binomial',
    '--no-progress',
    '--no-refit',
    '--out',
    join(dir, out),
    ...flags,
  ]);

describe('summary warnings: model evictions, hash collisions', () => {
  it('keyed models evicted more than once per 100 events: the cap is named with what to do', async () => {
    const r = await replay('few', '--key-by', 'campaign', '--max-live-models', '10', '--batch-size', '64');
    expect(r.code, r.stderr).toBe(0);
    const s = summaryOf(join(dir, 'few'));
    expect(s.evictions).toBeGreaterThan(1000);
    const warning = s.warnings.find((w) => w.startsWith('keyed models were evicted'));
    expect(warning).toBe(
      `keyed models were evicted ${s.evictions.toLocaleString('en-US')} times (once every ${(3000 / s.evictions).toFixed(1)} events): the stream keeps coming back to more keys than the 10 held in memory (--max-live-models, model.maxLiveModels), so each return writes one model's state and reads another's (milliseconds each for large models), and the models of the batches not yet published stay in memory beyond the cap; raise --max-live-models towards the keys the stream returns to (this run had 60), memory allowing (a smaller --batch-size only lowers what is held beyond the cap)`,
    );
    expect(r.stderr).toContain('keyed models were evicted');
    // every key in memory: no evictions, no warning
    const all = await replay('all', '--key-by', 'campaign');
    expect(all.code, all.stderr).toBe(0);
    expect(summaryOf(join(dir, 'all')).warnings.join('\n')).not.toContain('evicted');
  });

  it('hashed names colliding on more than 1 % of the names: the share, the effects and the fix', async () => {
    const r = await replay('h6', '--hash-bits', '6');
    expect(r.code, r.stderr).toBe(0);
    const warning = summaryOf(join(dir, 'h6')).warnings.find((w) =>
      w.includes('share a column with another name'),
    );
    const [collided, names] = /^([\d,]+) of ([\d,]+) feature names/
      .exec(warning ?? '')!
      .slice(1)
      .map((n) => Number(n.replace(/,/g, '')));
    expect(collided).toBeGreaterThan(0);
    expect(collided).toBeLessThanOrEqual(names!);
    expect(warning).toMatch(
      /^\d+ of \d+ feature names \([0-9.]+ %\) share a column with another name at --hash-bits 6 \(2\^6 columns\): they share a coefficient, `score` gives such a name 0 where the live model gave it the column's weight, and alerts and explanations name the column by its first name \(a new level on another field's column counts as that field's\); raise --hash-bits \(model.hashBits\), or use exact names \(drop it\)$/,
    );
    const wide = await replay('h20', '--hash-bits', '20');
    expect(wide.code, wide.stderr).toBe(0);
    expect(summaryOf(join(dir, 'h20')).warnings.join('\n')).not.toContain('share a column');
  });
});
