import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { adClicks } from '../../examples/ad-clicks/generate.js';
import { validateEvent, type Family } from '../../src/core/event.js';
import type { ScoreRecord } from '../../src/engine/records.js';
import { lossFor } from '../../src/loss/index.js';
import type { ModelSnapshot } from '../../src/model/snapshot.js';
import { SnapshotScorer } from '../../src/model/snapshotScorer.js';
import { runCli } from '../helpers/cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'l1s-scores-'));

const readJsonl = <T>(path: string): T[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);

/** A replay with clock cadences off (snapshots and refits by event counts only). */
async function replay(
  input: string,
  out: string,
  family: Family,
  flags: readonly string[],
  refit: Record<string, unknown> = {},
) {
  const config = `${out}.json`;
  writeFileSync(
    config,
    JSON.stringify({
      refit: { everySeconds: 'Infinity', ...refit },
      snapshots: { everySeconds: 'Infinity' },
    }),
  );
  const r = await runCli([
    'replay',
    '--input',
    input,
    '--family',
    family,
    '--out',
    out,
    '--config',
    config,
    ...flags,
  ]);
  expect(r.stderr).not.toMatch(/error/i);
  expect(r.code).toBe(0);
  return {
    models: readJsonl<ModelSnapshot>(join(out, 'models.jsonl')),
    scores: readJsonl<ScoreRecord>(join(out, 'scores.jsonl')),
  };
}

/** The prediction `score --model` makes for `line` with `snapshot`. */
function scoreWith(snapshot: ModelSnapshot, line: string): number {
  const checked = validateEvent(JSON.parse(line), snapshot.family);
  if (!checked.ok) throw new Error(checked.reason);
  return lossFor(snapshot.family).mean(new SnapshotScorer(snapshot).score(checked.event).margin);
}

/**
 * Checks that an engine score record carries the explanation `score --model` gives with
 * `snapshot` (margin, baseline, top, others), and that its parts add up to its margin.
 */
function expectExplainedAs(s: ScoreRecord, snapshot: ModelSnapshot, line: string): void {
  const checked = validateEvent(JSON.parse(line), snapshot.family);
  if (!checked.ok) throw new Error(checked.reason);
  const expected = new SnapshotScorer(snapshot).score(checked.event, 5);
  const near = (a: number, b: number) => expect(Math.abs(a - b), `${a} vs ${b}`).toBeLessThan(1e-9);
  near(s.margin, expected.margin);
  near(s.baseline, expected.baseline);
  near(s.others, expected.others);
  expect(s.top.map((c) => c.feature)).toEqual(expected.top.map((c) => c.feature));
  s.top.forEach((c, i) => near(c.contribution, expected.top[i].contribution));
  near(s.baseline + s.top.reduce((t, c) => t + c.contribution, 0) + s.others, s.margin);
  near(lossFor(snapshot.family).mean(s.margin), s.prediction);
}

/**
 * Key "new": two unlabelled events and nothing else; key "ads": ad clicks, every third one
 * unlabelled, through λ "auto"'s warm-up (1000 labelled events) and after it.
 */
function stream(dir: string, family: Family): { input: string; lines: string[] } {
  const lines = [
    JSON.stringify({ key: 'new', features: { premium: true, user_age: 30 } }),
    JSON.stringify({ key: 'new', features: { premium: false, user_age: 50 } }),
  ];
  let i = 0;
  for (const e of adClicks(11, 2400)) {
    const { label, ...rest } = e;
    const labelled = family === 'binomial' ? e : { ...e, label: label + 0.1 * Number(e.features.user_age) };
    lines.push(JSON.stringify(i++ % 3 === 2 ? { ...rest, key: 'ads' } : { ...labelled, key: 'ads' }));
  }
  const input = join(dir, `${family}.jsonl`);
  writeFileSync(input, `${lines.join('\n')}\n`);
  return { input, lines };
}

describe('score records name the snapshot that scored them', () => {
  for (const family of ['binomial', 'gaussian'] as const) {
    it(`${family}: before any label, during λ auto's warm-up and after, score --model on the snapshot gives the engine's prediction`, async () => {
      const dir = tmp();
      const { input, lines } = stream(dir, family);
      const { models, scores } = await replay(input, join(dir, 'o'), family, [
        ...['--key-by', 'key', '--batch-size', '1', '--snapshot-every', '25', '--no-refit'],
      ]);
      const online = models.filter((m) => m.source === 'online');
      // every score made right after a snapshot (nothing learned between) is that snapshot's
      let compared = 0;
      let warmup = 0;
      for (const s of scores) {
        const snapshot = online.find((m) => m.key === s.key && m.offset === s.model.offset);
        if (snapshot === undefined) continue;
        const expected = scoreWith(snapshot, lines[Number(s.offset) - 1]);
        expect(Math.abs(s.prediction - expected)).toBeLessThan(1e-12);
        expectExplainedAs(s, snapshot, lines[Number(s.offset) - 1]);
        compared++;
        if (snapshot.offset < 1000) warmup++;
      }
      expect(warmup).toBeGreaterThan(10);
      expect(compared - warmup).toBeGreaterThan(10);
      // key "new" learned nothing: no snapshot; its events were scored by the model before any
      // label (margin 0 on the link scale), named as version 0, "before its first" snapshot
      expect(online.filter((m) => m.key === 'new')).toEqual([]);
      const fresh = scores.filter((s) => s.key === 'new');
      expect(fresh.map((s) => [s.model.version, s.model.offset, s.margin])).toEqual([
        [0, 0, 0],
        [0, 0, 0],
      ]);
      for (const s of fresh) expect(s.prediction).toBe(lossFor(family).mean(0));
    });
  }

  it('--serve refit: a score names its snapshot by source and version as models.jsonl does', async () => {
    const dir = tmp();
    const lines = Array.from(adClicks(5, 6000), (e, i) => {
      if (i % 5 !== 4) return JSON.stringify(e);
      const { label: _label, ...rest } = e;
      return JSON.stringify(rest);
    });
    const input = join(dir, 'ads.jsonl');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const { models, scores } = await replay(input, join(dir, 'o'), 'binomial', [
      ...['--serve', 'refit', '--refit-threads', '0', '--refit-every', '1000', '--snapshot-every', '700'],
    ]);
    // online snapshots and refits interleave in the shared version count
    expect(new Set(models.map((m) => m.source))).toEqual(new Set(['online', 'refit']));
    let refits = 0;
    for (const s of scores) {
      if (s.model.version === 0) continue;
      const named = models.filter((m) => m.source === s.model.source && m.version === s.model.version);
      expect(named, JSON.stringify(s.model)).toHaveLength(1);
      if (s.model.source === 'refit') {
        refits++;
        expect(named[0].offset).toBe(s.model.offset);
        expect(Math.abs(s.prediction - scoreWith(named[0], lines[Number(s.offset) - 1]))).toBeLessThan(1e-12);
        expectExplainedAs(s, named[0], lines[Number(s.offset) - 1]);
      } else expect(named[0].offset).toBeLessThanOrEqual(s.model.offset);
    }
    expect(refits).toBeGreaterThan(100);
  });
});

/** `n` ad clicks (seed `seed`) in dir/ads.jsonl, every other one without its label. */
function everyOtherUnlabelled(dir: string, seed: number, n: number): { input: string; lines: string[] } {
  const lines = Array.from(adClicks(seed, n), (e, i) => {
    if (i % 2 === 0) return JSON.stringify(e);
    const { label: _label, ...rest } = e;
    return JSON.stringify(rest);
  });
  const input = join(dir, 'ads.jsonl');
  writeFileSync(input, `${lines.join('\n')}\n`);
  return { input, lines };
}

describe('a score says whether its snapshot reproduces it', () => {
  for (const serve of ['online', 'refit'] as const) {
    it(`--serve ${serve}: model.exact is true exactly when score --model with the snapshot named gives the same prediction`, async () => {
      const dir = tmp();
      // every other event unlabelled: most scores come between two snapshots
      const { input, lines } = everyOtherUnlabelled(dir, 3, 4000);
      const { models, scores } = await replay(input, join(dir, 'o'), 'binomial', [
        ...['--serve', serve, '--refit-threads', '0', '--refit-every', '500', '--snapshot-every', '100'],
      ]);
      const counts = { exact: 0, inexact: 0, refit: 0 };
      for (const s of scores) {
        if (s.model.version === 0) {
          expect(s.model.exact).toBe(false);
          continue;
        }
        const named = models.find((m) => m.source === s.model.source && m.version === s.model.version)!;
        const same = Math.abs(s.prediction - scoreWith(named, lines[Number(s.offset) - 1])) < 1e-9;
        expect(s.model.exact, JSON.stringify(s.model)).toBe(same);
        expect(s.model.exact).toBe(named.offset === s.model.offset);
        counts[s.model.exact ? 'exact' : 'inexact']++;
        if (s.model.source === 'refit') counts.refit++;
      }
      expect(counts.exact).toBeGreaterThan(10);
      expect(counts.inexact).toBeGreaterThan(100);
      if (serve === 'refit') expect(counts.refit).toBeGreaterThan(100);
    });
  }
});

describe('a score after a refit handed back its weights', () => {
  it('is not exact until the next snapshot, though no event was learned since the last one', async () => {
    const dir = tmp();
    const { input, lines } = everyOtherUnlabelled(dir, 4, 1200);
    // one event per batch: a refit lands at the offset of the snapshot just taken, and hands back
    const { models, scores } = await replay(
      input,
      join(dir, 'o'),
      'binomial',
      [
        ...['--lambda', '0.001', '--batch-size', '1', '--refit-threads', '0'],
        ...['--refit-every', '100', '--refit-window', '200', '--snapshot-every', '100'],
      ],
      { handBack: true },
    );
    expect(models.filter((m) => m.metrics?.handedBack === true).length).toBeGreaterThan(2);
    let handedBack = 0;
    for (const s of scores) {
      if (s.model.version === 0) continue;
      const named = models.find((m) => m.source === s.model.source && m.version === s.model.version)!;
      const same = Math.abs(s.prediction - scoreWith(named, lines[Number(s.offset) - 1])) < 1e-9;
      expect(s.model.exact, JSON.stringify(s.model)).toBe(same);
      if (named.offset === s.model.offset && !s.model.exact) handedBack++;
    }
    expect(handedBack).toBeGreaterThan(2);
  });
});

describe("a score carries the event's own key besides the model's", () => {
  it('replay and score write key (the model) and eventKey (the event) alike', async () => {
    const dir = tmp();
    const input = join(dir, 'churn.jsonl');
    writeFileSync(
      input,
      [
        { key: 'c1', label: 1, features: { a: 1 } },
        { key: 'c2', label: 0, features: { a: -1 } },
        { key: 'c9', features: { a: 0.5 } },
        { features: { a: 0.5 } },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n'),
    );
    const out = join(dir, 'o');
    const { scores } = await replay(input, out, 'binomial', []);
    expect(scores.map((s) => [s.key, s.eventKey])).toEqual([
      ['default', 'c9'],
      ['default', undefined],
    ]);
    const r = await runCli(['score', '--model', join(out, 'models.jsonl'), '--input', input]);
    expect(r.code).toBe(0);
    const scored = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { key: string; eventKey?: string; model: { version: number } });
    expect(scored.map((s) => [s.key, s.eventKey])).toEqual([
      ['default', 'c1'],
      ['default', 'c2'],
      ['default', 'c9'],
      ['default', undefined],
    ]);
    expect(scored[0].model).toEqual({ source: 'online', version: 1, offset: 2, exact: true });
  });
});
