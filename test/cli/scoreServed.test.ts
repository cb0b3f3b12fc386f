import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';
import { Rng } from '../helpers/random.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'l1s-score-served-'));

interface Scored {
  prediction: number;
  model: { source: string; version: number };
  margin: number;
  baseline: number;
  top: { feature: string; contribution: number }[];
  others: number;
}

const jsonLines = <T>(text: string): T[] =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as T);

/** 3,000 labelled binomial events (a, b, tenure_days, country), then 20 unlabelled ones. */
function stream(): { labelled: string[]; unlabelled: string[] } {
  const rng = new Rng(4242);
  const u = (): number => rng.next();
  const g = (): number => rng.normal();
  const labelled: string[] = [];
  const unlabelled: string[] = [];
  for (let i = 0; i < 3020; i++) {
    const a = +g().toFixed(3);
    const b = +g().toFixed(3);
    const tenure = Math.round(365 + 300 * g());
    const country = ['DE', 'FR', 'US'][Math.floor(u() * 3)]!;
    const features = { a, b, tenure_days: tenure, country };
    const eta = -0.5 + 1.2 * a - 0.7 * b - (0.8 * (tenure - 365)) / 300 + (country === 'US' ? 0.5 : 0);
    if (i >= 3000) unlabelled.push(JSON.stringify({ features }));
    else labelled.push(JSON.stringify({ label: u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0, features }));
  }
  return { labelled, unlabelled };
}

describe('score with a replay models.jsonl', () => {
  const dir = tmp();
  const { labelled, unlabelled } = stream();
  const input = join(dir, 'stream.jsonl');
  writeFileSync(input, `${[...labelled, ...unlabelled].join('\n')}\n`);
  const events = join(dir, 'unlabelled.jsonl');
  writeFileSync(events, `${unlabelled.join('\n')}\n`);
  const out = join(dir, 'out');
  const replayed = runCli([
    'replay',
    ...['--input', input, '--family', 'binomial', '--lambda', '0.001', '--refit-every', '1000'],
    ...['--out', out],
  ]);

  it('scores with the online model the engine served, not the later refit; --source latest takes that', async () => {
    expect((await replayed).code).toBe(0);
    const models = jsonLines<{ source: string; version: number }>(
      readFileSync(join(out, 'models.jsonl'), 'utf8'),
    );
    // the file ends with a refit, taken at the same event as the online model's last snapshot
    expect(models.at(-1)!.source).toBe('refit');
    const served = jsonLines<{ prediction: number; model: { source: string } }>(
      readFileSync(join(out, 'scores.jsonl'), 'utf8'),
    );
    expect(served).toHaveLength(20);
    expect(new Set(served.map((s) => s.model.source))).toEqual(new Set(['online']));

    const r = await runCli(['score', '--model', join(out, 'models.jsonl'), '--input', events]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /\(online, .*online snapshots only: replay and run serve the online model by default/,
    );
    const rows = jsonLines<Scored>(r.stdout);
    expect(rows.map((s) => s.model.source)).toEqual(served.map(() => 'online'));
    for (let i = 0; i < rows.length; i++) expect(rows[i]!.prediction).toBeCloseTo(served[i]!.prediction, 12);

    const latest = await runCli([
      'score',
      '--model',
      join(out, 'models.jsonl'),
      '--input',
      events,
      '--source',
      'latest',
    ]);
    expect(jsonLines<Scored>(latest.stdout)[0]!.model).toMatchObject({
      source: 'refit',
      version: models.at(-1)!.version,
    });
  });

  it('baseline (the intercept) + the top contributions + others = the margin, whose sigmoid is the prediction', async () => {
    expect((await replayed).code).toBe(0);
    const r = await runCli(['score', '--model', join(out, 'models.jsonl'), '--input', events, '--top', '2']);
    const model = jsonLines<{ source: string; intercept: number }>(
      readFileSync(join(out, 'models.jsonl'), 'utf8'),
    )
      .filter((m) => m.source === 'online')
      .at(-1)!;
    let withOthers = 0;
    for (const s of jsonLines<Scored>(r.stdout)) {
      expect(s.baseline).toBe(model.intercept);
      expect(s.top).toHaveLength(2);
      const sum = s.baseline + s.top.reduce((t, c) => t + c.contribution, 0) + s.others;
      expect(Math.abs(sum - s.margin)).toBeLessThan(1e-12 * (1 + Math.abs(s.margin)));
      expect(s.prediction).toBeCloseTo(1 / (1 + Math.exp(-s.margin)), 14);
      if (s.others !== 0) withOthers++;
    }
    expect(withOthers).toBeGreaterThan(10);
  });
});
