/**
 * replay: `model.penaltyFactors` names that no learned event had (a typo, a text field's name
 * for its one-hot columns) did nothing; the run says so, with what each probably meant.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-pf-unseen-'));
const input = join(dir, 'churn.jsonl');
const lines: string[] = [];
for (let i = 0; i < 400; i++) {
  const calls = i % 5;
  const plan = ['basic', 'pro', 'team', 'free'][i % 4];
  lines.push(
    JSON.stringify({ label: (i * 7) % 10 < 2 + calls ? 1 : 0, features: { support_calls: calls, plan } }),
  );
}
writeFileSync(input, `${lines.join('\n')}\n`);

async function replay(name: string, penaltyFactors: Record<string, number>, ...flags: string[]) {
  const config = join(dir, `${name}.json`);
  writeFileSync(config, JSON.stringify({ model: { family: 'binomial', penaltyFactors } }));
  const out = join(dir, name);
  const r = await runCli([
    'replay',
    '--input',
    input,
    '--config',
    config,
    '--no-refit',
    '--out',
    out,
    ...flags,
  ]);
  expect(r.code, r.stderr).toBe(0);
  const { warnings } = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { warnings: string[] };
  return { warnings, stderr: r.stderr };
}

describe('replay: penalty factors of features no event had', () => {
  it('warns, naming each with what it probably meant, in summary.json and on stderr', async () => {
    const { warnings, stderr } = await replay('typos', { suport_calls: 0, plan: 0, 'plan=pro': 0 });
    const want =
      'model.penaltyFactors names features that no learned event had, so their factors did nothing: ' +
      '"suport_calls" (did you mean "support_calls"?), "plan" (a text field\'s one-hot columns take a factor each: ' +
      '"plan=pro", "plan=basic", "plan=team", …); names are exact (case included), a number field\'s name or a text field\'s "field=value"';
    expect(warnings).toEqual([want]);
    expect(stderr).toContain(`replay: warning: ${want}`);
  });

  it('says nothing when every name is a feature, keyed or not', async () => {
    expect((await replay('exact', { support_calls: 0, 'plan=pro': 0 })).warnings).toEqual([]);
    expect((await replay('keyed', { support_calls: 0 }, '--key-by', 'plan')).warnings).toEqual([]);
  });
});
