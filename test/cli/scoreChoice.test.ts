import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'l1s-score-choice-'));

/** A binomial snapshot line whose prediction is easy to recognise: only an intercept and `x`. */
function snapshot(key: string, version: number, offset: number, lambda: number, x: number): string {
  return JSON.stringify({
    key,
    version,
    offset,
    source: 'online',
    family: 'binomial',
    learner: 'ftrl',
    lambda,
    l1Ratio: 1,
    intercept: 0,
    coefficients: { x },
    createdAt: '2026-12-02T00:00:00Z',
  });
}

const rows = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map(
      (l) =>
        JSON.parse(l) as {
          line: number;
          key?: string;
          prediction?: number;
          model?: { version: number };
          error?: string;
        },
    );

const sigmoid = (m: number) => 1 / (1 + Math.exp(-m));

describe('score with keyed models', () => {
  const dir = tmp();
  const model = join(dir, 'models.jsonl');
  // c1 and c2, two snapshots each (the later one is used), as replay --key-by campaign writes them
  writeFileSync(
    model,
    [
      snapshot('c1', 1, 100, 0.01, 5),
      snapshot('c2', 1, 100, 0.01, 5),
      snapshot('c1', 2, 200, 0.01, 1),
      snapshot('c2', 2, 200, 0.01, -1),
    ].join('\n'),
  );
  const input = join(dir, 'events.jsonl');
  writeFileSync(
    input,
    [
      { key: 'u1', features: { campaign: 'c1', x: 1 } },
      { key: 'u2', features: { campaign: 'c2', x: 1 } },
      { key: 'u3', features: { campaign: 'c3', x: 1 } },
      { key: 'u4', features: { x: 1 } },
    ]
      .map((e) => JSON.stringify(e))
      .join('\n'),
  );

  it("--key-by FIELD scores each event with its own key's latest snapshot; a key without one gets an error line", async () => {
    const r = await runCli(['score', '--model', model, '--key-by', 'campaign', '--input', input]);
    expect(r.code).toBe(0);
    const out = rows(r.stdout);
    expect(out.map((o) => [o.key, o.model?.version])).toEqual([
      ['c1', 2],
      ['c2', 2],
      [undefined, undefined],
      [undefined, undefined],
    ]);
    expect(out[0].prediction).toBeCloseTo(sigmoid(1), 12);
    expect(out[1].prediction).toBeCloseTo(sigmoid(-1), 12);
    expect(out[2]).toEqual({
      line: 3,
      error: expect.stringMatching(/no snapshot of key "c3" \(--key-by campaign\)/),
    });
    expect(out[3]).toEqual({ line: 4, error: 'feature "campaign" (--key-by) is missing' });
    expect(r.stderr).toMatch(
      /2 events scored with the models of 2 keys, 2 rejected \(1 with no model for their key\)/,
    );
  });

  it('a refit that is no estimate (a window of one class) is left out of the choice unless its version is asked for', async () => {
    const file = join(dir, 'refits.jsonl');
    const refit = (version: number, offset: number, x: number, noEstimate: boolean) =>
      JSON.stringify({
        ...JSON.parse(snapshot('default', version, offset, 0.01, x)),
        source: 'refit',
        metrics: { converged: !noEstimate, ...(noEstimate ? { noEstimate: true } : {}) },
      });
    writeFileSync(file, [refit(1, 100, 2, false), refit(2, 200, 0, true)].join('\n'));
    const latest = await runCli(['score', '--model', file, '--source', 'refit', '--input', input]);
    expect(latest.code).toBe(0);
    expect(rows(latest.stdout)[0].model?.version).toBe(1);
    expect(latest.stderr).toMatch(/the most recent of 2 snapshots \(1 later refit left out: no estimate/);
    const asked = await runCli(['score', '--model', file, '--version', '2', '--input', input]);
    expect(rows(asked.stdout)[0].model?.version).toBe(2);
  });

  it("--fallback-key K scores an event whose key has no snapshot with K's, and says so", async () => {
    const score = (...flags: string[]) => runCli(['score', '--model', model, '--input', input, ...flags]);
    const r = await score('--key-by', 'campaign', '--fallback-key', 'c2');
    expect(r.code).toBe(0);
    const out = rows(r.stdout) as Array<
      ReturnType<typeof rows>[number] & { fallback?: boolean; eventKey?: string }
    >;
    expect(out.map((o) => [o.key, o.eventKey, o.model?.version, o.fallback])).toEqual([
      ['c1', 'u1', 2, undefined],
      ['c2', 'u2', 2, undefined],
      ['c2', 'u3', 2, true],
      [undefined, undefined, undefined, undefined],
    ]);
    expect(out[2].prediction).toBeCloseTo(sigmoid(-1), 12);
    // an event without the key field is not an event of another key
    expect(out[3]).toEqual({ line: 4, error: 'feature "campaign" (--key-by) is missing' });
    expect(r.stderr).toMatch(
      /1 event had no snapshot of its own key and was scored with key "c2"'s \(--fallback-key\)/,
    );
    expect(r.stderr).toMatch(/3 events scored with the models of 2 keys, 1 rejected\n/);
    const unknown = await score('--key-by', 'campaign', '--fallback-key', 'c9');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/no snapshot in .* matches key "c9" \(keys there: "c1", "c2"\)/);
    const alone = await score('--fallback-key', 'c1');
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--fallback-key .* goes with --key-by FIELD/);
    const withKey = await score('--key-by', 'campaign', '--key', 'c1', '--fallback-key', 'c2');
    expect(withKey.code).toBe(2);
    expect(withKey.stderr).toMatch(/not with --key/);
  });

  it('--key K alone warns about events that name another key of the file; with --key-by, they are refused', async () => {
    const alone = await runCli(['score', '--model', model, '--key', 'c1', '--input', input]);
    expect(alone.code).toBe(0);
    expect(rows(alone.stdout).map((o) => o.key)).toEqual(['c1', 'c1', 'c1', 'c1']);
    expect(alone.stderr).toMatch(
      /warning: 1 event names another key of .* \(the first: campaign "c2"\) but was scored with "c1"'s model: .*give --key-by campaign instead of --key/,
    );
    const both = await runCli([
      'score',
      '--model',
      model,
      '--key',
      'c1',
      '--key-by',
      'campaign',
      '--input',
      input,
    ]);
    expect(both.code).toBe(0);
    const out = rows(both.stdout);
    expect(out[0]).toMatchObject({ key: 'c1', model: { version: 2 } });
    expect(out[1]).toEqual({
      line: 2,
      error: expect.stringMatching(/key is "c2" \(--key-by campaign\), not "c1" \(--key\)/),
    });
    expect(out.slice(2).every((o) => o.error !== undefined)).toBe(true);
  });
});

describe('score names keys as data in its messages', () => {
  const dir = tmp();
  const model = join(dir, 'models.jsonl');
  const long = 'x'.repeat(300);
  writeFileSync(model, [snapshot(' ', 1, 10, 0.01, 1), snapshot(long, 1, 10, 0.01, 1)].join('\n'));
  const input = join(dir, 'events.jsonl');
  writeFileSync(
    input,
    [{ features: { campaign: long, x: 1 } }, { features: { campaign: ' ', x: 1 } }]
      .map((e) => JSON.stringify(e))
      .join('\n'),
  );

  it('quotes a blank-looking key and cuts a long one, in every line about --key', async () => {
    const r = await runCli(['score', '--model', model, '--key', ' ', '--input', input]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/scoring with " " v1 \(online/);
    const cut = `"${'x'.repeat(40)}…"`;
    expect(r.stderr).toContain(`(the first: campaign ${cut}) but was scored with " "'s model`);
    expect(r.stderr).toContain(`only " "'s events are scored`);
    expect(r.stderr).not.toContain('x'.repeat(41));
    const both = await runCli([
      'score',
      '--model',
      model,
      '--key',
      ' ',
      '--key-by',
      'campaign',
      '--input',
      input,
    ]);
    expect(both.stderr).toMatch(
      /1 event scored with " " v1 .*, 1 rejected \(1 of another key than --key " "\)/,
    );
    expect(rows(both.stdout)[0].error).toBe(
      `the event's key is ${cut} (--key-by campaign), not " " (--key): not scored with another key's model`,
    );
  });
});

describe('score with a path', () => {
  const dir = tmp();
  const model = join(dir, 'path.jsonl');
  // a path: one key, the same events, λ from largest to smallest (version = position)
  writeFileSync(
    model,
    [snapshot('p', 1, 500, 0.1, 0), snapshot('p', 2, 500, 0.01, 0.5), snapshot('p', 3, 500, 0.001, 2)].join(
      '\n',
    ),
  );
  const input = join(dir, 'events.jsonl');
  writeFileSync(input, `${JSON.stringify({ features: { x: 1 } })}\n`);

  it('uses the smallest λ by default and says so; --lambda picks the nearest λ, --version a position', async () => {
    const last = await runCli(['score', '--model', model, '--input', input]);
    expect(rows(last.stdout)[0].model?.version).toBe(3);
    expect(last.stderr).toMatch(/scoring with "p" v3 \(online, λ 0\.001, 500 events learned, 1 non-zero\)/);
    expect(last.stderr).toMatch(/choose another with --lambda L or --version N/);
    const near = await runCli(['score', '--model', model, '--input', input, '--lambda', '0.02']);
    expect(rows(near.stdout)[0]).toMatchObject({ model: { version: 2 }, prediction: sigmoid(0.5) });
    expect(near.stderr).toMatch(
      /scoring with "p" v2 \(online, λ 0\.01,.* the λ nearest --lambda 0\.02 of 3 snapshots/,
    );
    const first = await runCli(['score', '--model', model, '--input', input, '--version', '1']);
    expect(rows(first.stdout)[0]).toMatchObject({ model: { version: 1 }, prediction: 0.5 });
    const none = await runCli(['score', '--model', model, '--input', input, '--version', '7']);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(
      /--version 7: no snapshot in .*path.jsonl has that version \(versions there: 1 to 3\)/,
    );
  });
});

describe('score --lambda min / 1se: the λ a cross-validation chose', () => {
  it('on a path --cv output picks the line at lambdaMin / lambda1se; refused where no snapshot is there', async () => {
    const dir = tmp();
    // a seeded binomial stream with two informative features and noise
    let seed = 5;
    const r = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const events = Array.from({ length: 600 }, () => {
      const a = r() * 2 - 1;
      const b = r() * 2 - 1;
      const noise = r();
      const label = r() < 1 / (1 + Math.exp(-(2 * a - 1.5 * b))) ? 1 : 0;
      return JSON.stringify({ label, features: { a, b, noise } });
    });
    const input = join(dir, 'events.jsonl');
    writeFileSync(input, `${events.join('\n')}\n`);
    const base = ['--input', input, '--family', 'binomial'];
    const path = await runCli(['path', ...base, '--cv', '5', '--nlambda', '30']);
    expect(path.code, path.stderr).toBe(0);
    const model = join(dir, 'path.jsonl');
    writeFileSync(model, path.stdout);
    const lines = path.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { version: number; lambda: number; metrics: Record<string, number> });
    const { lambdaMin, lambda1se } = lines[0].metrics;
    expect(lambda1se).toBeGreaterThan(lambdaMin);
    for (const [rule, wanted] of [
      ['min', lambdaMin],
      ['1se', lambda1se],
    ] as const) {
      const at = lines.find((l) => l.lambda === wanted)!;
      const s = await runCli(['score', '--model', model, '--input', input, '--lambda', rule]);
      expect(s.code, s.stderr).toBe(0);
      expect(rows(s.stdout)[0].model?.version).toBe(at.version);
      expect(s.stderr).toContain(
        `: λ_${rule} of its cross-validation (--lambda ${rule}) of ${lines.length} snapshots`,
      );
    }
    // a fit's one snapshot is at its own choice (λ_min): 1se is not there
    const fit = await runCli(['fit', ...base, '--cv', '5']);
    expect(fit.code, fit.stderr).toBe(0);
    const fitModel = join(dir, 'fit.json');
    writeFileSync(fitModel, fit.stdout);
    const one = await runCli(['score', '--model', fitModel, '--input', input, '--lambda', '1se']);
    expect(one.code).not.toBe(0);
    expect(one.stderr).toMatch(
      /--lambda 1se: no snapshot in .*fit\.json is at λ_1se .* 'path --cv K' writes every λ/,
    );
    // no cross-validation at all, and a word that is neither
    const plain = join(dir, 'plain.jsonl');
    writeFileSync(plain, snapshot('p', 1, 500, 0.1, 0));
    const none = await runCli(['score', '--model', plain, '--input', input, '--lambda', 'min']);
    expect(none.stderr).toMatch(
      /--lambda min: no snapshot in .*plain\.jsonl records a cross-validation's choice \(lambdaMin\)/,
    );
    const word = await runCli(['score', '--model', model, '--input', input, '--lambda', 'best']);
    expect(word.code).toBe(2);
    expect(word.stderr).toContain('--lambda must be a number (a λ), min or 1se, got "best"');
  });
});
