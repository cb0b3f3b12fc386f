import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import type { ModelSnapshot } from '../../src/model/snapshot.js';
import type { ScoreRecord } from '../../src/engine/records.js';
import { runCli } from '../helpers/cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'l1s-engine-'));
const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Campaign events: campaign c<k> has its own informative feature f<k>; every 10th event is unlabelled. */
function campaignEvents(n: number, campaigns: number): string[] {
  let s = 3;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = Math.floor(u() * campaigns);
    const features: Record<string, number | string> = {
      campaign: `c${k}`,
      device: u() < 0.5 ? 'mobile' : 'desktop',
    };
    for (let j = 0; j < 4; j++) features[`f${j}`] = Math.round((u() * 2 - 1) * 100) / 100;
    const eta = 2 * Number(features[`f${k % 4}`]) - 0.5;
    const label = u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    out.push(JSON.stringify(i % 10 === 9 ? { key: `e${i}`, features } : { key: `e${i}`, label, features }));
  }
  return out;
}

/** Outputs without what depends on the clock or the machine's speed. */
function stable(docs: Record<string, unknown>[]): unknown[] {
  return docs.map((d) => {
    const {
      createdAt: _c,
      metrics,
      ...rest
    } = d as { createdAt?: unknown; metrics?: Record<string, unknown> };
    if (!metrics) return rest;
    const { refitMs: _r, solveMs: _s, ...m } = metrics;
    return { ...rest, metrics: m };
  });
}

describe('replay, run and score on the one engine', () => {
  it('keyed models (--key-by), scores for unlabelled events, and `score` with a saved snapshot', async () => {
    const dir = tmp();
    const input = join(dir, 'events.jsonl');
    writeFileSync(input, `${campaignEvents(6000, 4).join('\n')}\n`);
    const out = join(dir, 'out');
    const r = await runCli([
      'replay',
      '--input',
      input,
      '--family',
      'binomial',
      '--key-by',
      'campaign',
      '--out',
      out,
      '--refit-threads',
      '0',
      '--refit-every',
      '800',
      '--refit-window',
      '600',
      '--lambda',
      '0.01',
    ]);
    expect(r.stderr).toMatch(/5,400 events learned, 600 scored, 0 rejected/);
    expect(r.code).toBe(0);
    const models = lines(join(out, 'models.jsonl')) as unknown as ModelSnapshot[];
    const keys = [...new Set(models.map((m) => m.key))].sort();
    expect(keys).toEqual(['c0', 'c1', 'c2', 'c3']);
    for (const key of keys) {
      const online = models.filter((m) => m.key === key && m.source === 'online');
      const refits = models.filter((m) => m.key === key && m.source === 'refit');
      expect(refits.length).toBeGreaterThan(0);
      // versions count up per key across online snapshots and refits
      const versions = models.filter((m) => m.key === key).map((m) => m.version);
      expect(versions).toEqual(versions.map((_, i) => i + 1));
      // each campaign's model finds its own informative feature
      const informative = `f${Number(key.slice(1)) % 4}`;
      expect(Object.keys(online[online.length - 1].coefficients)[0]).toBe(informative);
      expect(Object.keys(refits[refits.length - 1].coefficients)).toContain(informative);
    }
    const scores = lines(join(out, 'scores.jsonl')) as unknown as ScoreRecord[];
    expect(scores).toHaveLength(600);
    for (const s of scores.slice(0, 50)) {
      expect(keys).toContain(s.key);
      expect(s.prediction).toBeGreaterThan(0);
      expect(s.prediction).toBeLessThan(1);
      expect(s.model.source).toBe('online');
      expect(s.source).toBe(input);
      expect(Number(s.offset) % 10).toBe(0);
      expect(s.top.length).toBeLessThanOrEqual(5);
    }
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
    expect(summary).toMatchObject({ keys: 4, events: 5400, scored: 600, scores: 600 });

    // score the same unlabelled events with the last snapshot of c1 saved to a file
    const c1 = models.filter((m) => m.key === 'c1' && m.source === 'online').at(-1)!;
    const modelFile = join(dir, 'c1.json');
    writeFileSync(modelFile, JSON.stringify(c1));
    const scored = await runCli(['score', '--model', modelFile, '--input', input, '--top', '2']);
    expect(scored.code).toBe(0);
    const rows = scored.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; prediction: number; top: { feature: string }[] });
    expect(rows).toHaveLength(6000);
    // the same prediction as the engine's when c1's model was at that snapshot (the last one: at the end)
    const lastScoreOfC1 = scores.filter((s) => s.key === 'c1').at(-1)!;
    const row = rows[Number(lastScoreOfC1.offset) - 1];
    expect(row.prediction).toBeCloseTo(lastScoreOfC1.prediction, 2);
    expect(row.top.length).toBeLessThanOrEqual(2);
    // from models.jsonl with several keys, --key picks one; without it, a usage error
    const many = await runCli(['score', '--model', join(out, 'models.jsonl'), '--input', input]);
    expect(many.code).toBe(2);
    expect(many.stderr).toMatch(/snapshots of 4 keys; pick one with --key/);
  });

  it('a feature the model never saw contributes nothing; names like __proto__ score like any other', async () => {
    const dir = tmp();
    const model = join(dir, 'model.json');
    writeFileSync(
      model,
      '{"key":"k","version":1,"offset":1,"source":"online","family":"gaussian","learner":"ftrl","lambda":0.1,"l1Ratio":1,"intercept":1,"coefficients":{"__proto__":2,"country=DE":-1,"constructor":0.5},"createdAt":"2026-11-30T00:00:00Z"}',
    );
    const input = join(dir, 'events.jsonl');
    writeFileSync(
      input,
      [
        JSON.stringify({ features: { ['__proto__']: 3, country: 'DE', unseen: 100 } }),
        '{"features": {"__proto__": 1, "constructor": 2, "toString": 5}}',
        'not json',
      ].join('\n'),
    );
    const r = await runCli(['score', '--model', model, '--input', input]);
    expect(r.code).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows[0].prediction).toBe(1 + 2 * 3 - 1);
    expect(rows[1].prediction).toBe(1 + 2 * 1 + 0.5 * 2);
    expect(rows[2]).toMatchObject({ line: 3, error: expect.stringMatching(/JSON/) });
    expect(r.stderr).toMatch(/2 events scored .* 1 rejected/);
  });

  it('`run` with files writes exactly what `replay` writes for the same input and configuration', async () => {
    const dir = tmp();
    const input = join(dir, 'events.jsonl');
    writeFileSync(input, `${campaignEvents(3000, 3).join('\n')}\n`);
    const config = {
      model: { family: 'binomial', keyBy: 'campaign', lambda: 0.01 },
      refit: { everyEvents: 500, window: 400, threads: 0 },
      snapshots: { everyEvents: 300 },
    };
    const configFile = join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ ...config, replay: { input, out: join(dir, 'run') } }));
    const viaReplay = await runCli([
      'replay',
      '--input',
      input,
      '--config',
      configFile,
      '--out',
      join(dir, 'replay'),
    ]);
    const viaRun = await runCli(['run', '--config', configFile]);
    expect([viaReplay.code, viaRun.code]).toEqual([0, 0]);
    for (const file of ['models.jsonl', 'scores.jsonl', 'alerts.jsonl', 'dead-letters.jsonl']) {
      const a = stable(lines(join(dir, 'replay', file)));
      expect(a.length).toBeGreaterThan(file === 'models.jsonl' || file === 'scores.jsonl' ? 0 : -1);
      expect(stable(lines(join(dir, 'run', file)))).toEqual(a);
    }
  });
});
