/**
 * `--key-by` on a CSV is checked against its header before any row is read: the label column
 * (every row was dead-lettered with its key "missing", though the column was right there) and a
 * column the header lacks (thousands of rows were read and dead-lettered before the run stopped)
 * are refused at once, naming the fix.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-keyby-column-'));
const csv = join(dir, 'revenue.csv');
const rows = Array.from({ length: 40 }, (_, i) => `${100 + i},${i % 2 ? 'basic' : 'pro'},${i / 40}`);
writeFileSync(csv, `revenue,plan,x\n${rows.join('\n')}\n`);
const labelled = join(dir, 'labelled.csv');
writeFileSync(labelled, `label,plan\n1,basic\n0,pro\n`);

/** `replay` of `input` (with `--target revenue` for revenue.csv) keyed by `keyBy`, into `dir/out`. */
const replay = (input: string, keyBy: string, out: string) =>
  runCli([
    ...['replay', '--input', input, '--family', 'gaussian', '--no-progress', '--key-by', keyBy],
    ...(input === csv ? ['--target', 'revenue'] : []),
    ...['--out', join(dir, out)],
  ]);
/** `score` of revenue.csv with the models of `dir/models`. */
const score = (...flags: string[]) =>
  runCli(['score', '--model', join(dir, 'models', 'models.jsonl'), '--input', csv, ...flags]);

describe('--key-by on a CSV: checked against the header first', () => {
  it('replay refuses the label column and a column not in the header, writing nothing', async () => {
    const target = await replay(csv, 'revenue', 'a');
    expect(target.code).toBe(1);
    expect(target.stderr).toContain(
      `--key-by (model.keyBy) "revenue" is the label column of ${csv} (--target), not a feature: key the models by another column`,
    );
    expect(target.stderr).not.toContain('missing');
    const label = await replay(labelled, 'label', 'b');
    expect(label.code).toBe(1);
    expect(label.stderr).toContain(`"label" is the label column of ${labelled}, not a feature`);
    const typo = await replay(csv, 'plann', 'c');
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain(
      `--key-by (model.keyBy): the key column "plann" is not in the header of ${csv} (did you mean "plan"?); its columns are: revenue, plan, x`,
    );
    expect(typo.stderr).not.toContain('dead');
    // "key": a CSV row has no key of its own (a column named key is a feature)
    const own = await replay(labelled, 'key', 'e');
    expect(own.code).toBe(1);
    expect(own.stderr).toContain(
      `--key-by (model.keyBy) "key" keys the models by each event's own "key", which the rows of a CSV (${labelled}) do not have: key them by a column, --key-by COLUMN`,
    );
    for (const out of ['a', 'b', 'c', 'e']) expect(existsSync(join(dir, out))).toBe(false);
    // the label column named in a configuration: named so
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        replay: { input: csv, target: 'revenue', out: join(dir, 'f') },
        model: { family: 'gaussian', keyBy: 'revenue' },
      }),
    );
    const configured = await runCli(['run', '--config', config]);
    expect(configured.code).toBe(1);
    expect(configured.stderr).toContain(
      `"revenue" is the label column of ${csv} (replay.target), not a feature`,
    );
    const ok = await replay(csv, 'plan', 'd');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('40 events learned');
  });

  it('score refuses them too, instead of an error line for every row', async () => {
    const models = await replay(csv, 'plan', 'models');
    expect(models.code, models.stderr).toBe(0);
    const target = await score('--target', 'revenue', '--key-by', 'revenue');
    expect(target.code).toBe(1);
    expect(target.stdout).toBe('');
    expect(target.stderr).toContain(
      `--key-by "revenue" is the label column of ${csv} (--target), not a feature`,
    );
    const typo = await score('--key-by', 'Plan');
    expect(typo.code).toBe(1);
    expect(typo.stdout).toBe('');
    expect(typo.stderr).toContain(
      `--key-by: the key column "Plan" is not in the header of ${csv} (did you mean "plan"?)`,
    );
    const own = await score('--key-by', 'key');
    expect(own.code).toBe(1);
    expect(own.stdout).toBe('');
    expect(own.stderr).toContain(`--key-by "key" keys the models by each event's own "key"`);
    const ok = await score('--target', 'revenue', '--key-by', 'plan');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('40 events scored with the models of 2 keys, 0 rejected');
  });
});
