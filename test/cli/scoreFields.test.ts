import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { writeBatchModel } from '../helpers/batchModel.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-score-fields-'));
const model = writeBatchModel(
  join(dir, 'model.json'),
  { age: 0.5, 'country=DE': 2, 'country=FR': -1, 'plan=pro': 3 },
  1,
);

async function score(events: object[]): Promise<string> {
  const input = join(dir, `events-${Math.random().toString(36).slice(2)}.jsonl`);
  writeFileSync(input, events.map((e) => JSON.stringify(e)).join('\n'));
  const r = await runCli(['score', '--model', model, '--input', input]);
  expect(r.code, r.stderr).toBe(0);
  return r.stderr;
}

describe('score warns when the model features never appear in the input', () => {
  it('a misspelt field: counted and named once, after scoring', async () => {
    const stderr = await score([
      { features: { Age: 40, country: 'DE', plan: 'pro' } },
      { features: { Age: 30, country: 'DE', plan: 'free' } },
    ]);
    const warnings = stderr.split('\n').filter((l) => l.includes('warning'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/1 of the 4 non-zero features of the model never appeared in .*: "age"/);
  });

  it('an input sharing no field with the model names them all', async () => {
    const stderr = await score([{ features: { x: 1 } }]);
    expect(stderr).toMatch(/4 of the 4 non-zero features .*"age", "country=DE", "country=FR", "plan=pro"/);
  });

  it('no warning when every field is present, even if some levels are not (country=FR, plan=pro)', async () => {
    const stderr = await score([{ features: { age: 0, country: 'DE', plan: 'free' } }]);
    expect(stderr).not.toMatch(/warning/);
  });
});

describe('score warns when a model feature field came only with the other kind of value', () => {
  it('a number sent as text ("age": "40" is the one-hot age=40): named, with the fix', async () => {
    const stderr = await score([
      { features: { age: '40', country: 'DE', plan: 'pro' } },
      { features: { age: '30', country: 'FR', plan: 'pro' } },
    ]);
    const warnings = stderr.split('\n').filter((l) => l.includes('warning'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /1 of the 4 non-zero features of the model never scored in .*: "age" \(a number in the model, text in the events: send JSON numbers/,
    );
  });

  it('levels sent as numbers ("plan": 2 is the column plan, not a level plan=...)', async () => {
    const stderr = await score([{ features: { age: 1, country: 'DE', plan: 2 } }]);
    expect(stderr).toMatch(
      /1 of the 4 non-zero features .* never scored .*: "plan=pro" \(text in the model, a number/,
    );
  });

  it('no such warning when some event sends the kind the model needs (only the count of numbers sent as text)', async () => {
    const stderr = await score([
      { features: { age: '40', country: 'DE', plan: 3 } },
      { features: { age: 30, country: 'FR', plan: 'free' } },
    ]);
    expect(stderr).not.toMatch(/never scored/);
    expect(stderr.split('\n').filter((l) => l.includes('warning'))).toEqual([
      expect.stringMatching(
        /^score: warning: 1 event of .* sent "age" as text \("40"\) where the model has the number/,
      ),
    ]);
  });
});

describe('score warns when a number field of the model comes as text in some events', () => {
  it('counts them and shows the first values; events that send numbers only give no warning', async () => {
    const stderr = await score([
      { features: { age: '1,234', country: 'DE', plan: 'pro' } },
      { features: { age: '$5', country: 'DE', plan: 'pro' } },
      { features: { age: 40, country: 'FR', plan: 'pro' } },
    ]);
    const warnings = stderr.split('\n').filter((l) => l.includes('warning'));
    expect(warnings).toEqual([
      expect.stringMatching(
        /^score: warning: 2 events of .* sent "age" as text \("1,234", "\$5"\) where the model has the number "age": it counted as 0 in their scores; send numbers/,
      ),
    ]);
    expect(await score([{ features: { age: 40, country: 'DE', plan: 'pro' } }])).not.toContain('warning');
    // a field the model has as a number and as levels: text scores through its levels, no warning
    const mixed = writeBatchModel(join(dir, 'mixed.json'), { plan: 0.5, 'plan=pro': 3 }, 1);
    const input = join(dir, 'mixed.jsonl');
    writeFileSync(
      input,
      [{ plan: 'pro' }, { plan: 2 }].map((f) => JSON.stringify({ features: f })).join('\n'),
    );
    const r = await runCli(['score', '--model', mixed, '--input', input]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('warning');
  });
});
