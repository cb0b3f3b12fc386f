/**
 * The three scenarios of examples/ on files, with small streams: each run script is executed as a
 * user would (`npx tsx examples/<name>/run.ts --events N --out DIR`), then the key facts of its
 * report are checked in the files it wrote. (`--kafka` is run by hand: the Kafka suite owns the
 * broker handling of the tests.)
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

import { impressions } from '../../examples/campaign-scoring/generate.js';
import { customers } from '../../examples/churn/generate.js';
import { readOutputs, type Outputs } from '../../examples/shared/scenario.js';
import { browsers, deliveries, switchOffAt } from '../../examples/sparsity-drift/generate.js';

const exec = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

/** Runs `examples/<name>/run.ts` with `--events n` (seed 7, the default) into a fresh directory. */
async function scenario(name: string, n: number): Promise<{ stdout: string; outputs: Outputs }> {
  const out = mkdtempSync(join(tmpdir(), `l1s-example-${name}-`));
  const { stdout } = await exec(
    process.execPath,
    ['--import', 'tsx', `examples/${name}/run.ts`, '--events', String(n), '--out', out],
    { cwd: root, maxBuffer: 1 << 24, env: { ...process.env, L1S_LOG_LEVEL: 'error' } },
  );
  return { stdout, outputs: await readOutputs(out, '') };
}

describe('examples/campaign-scoring', () => {
  it('keeps one model per campaign and scores every unlabelled impression with its campaign model', async () => {
    const n = 4000;
    const events = impressions(7, n);
    const { stdout, outputs } = await scenario('campaign-scoring', n);
    const unlabelled = events.flatMap((e, i) => (e.label === undefined ? [i + 1] : []));
    expect(unlabelled.length).toBeGreaterThan(0.03 * n);
    expect(unlabelled.length).toBeLessThan(0.07 * n);
    // one score per unlabelled line (grouped by campaign within a batch), keyed by the event's campaign
    expect(outputs.scores.map((s) => Number(s.offset)).sort((a, b) => a - b)).toEqual(unlabelled);
    for (const s of outputs.scores) {
      expect(s.key).toBe(events[Number(s.offset) - 1].features.campaign);
      expect(s.prediction).toBeGreaterThan(0);
      expect(s.prediction).toBeLessThan(1);
      expect(s.top.length).toBeLessThanOrEqual(3);
      for (const c of s.top) expect(c.feature).toMatch(/^[a-z]+=/);
    }
    const keys = new Set(outputs.models.map((m) => m.key));
    expect(keys.size).toBe(20);
    expect(stdout).toMatch(/20 campaign models/);
    expect(stdout).toMatch(new RegExp(`${unlabelled.length} scores for ${unlabelled.length} unlabelled`));
  });

  it('README.md shows what the run prints: the table of the 20 campaigns (60,000 events, seed 7)', async () => {
    const { stdout } = await scenario('campaign-scoring', 60_000);
    const readme = readFileSync(join(root, 'examples/campaign-scoring/README.md'), 'utf8');
    const rows = (text: string) => text.split('\n').filter((l) => /^c\d\d |^keys \d+, evictions/.test(l));
    expect(rows(stdout)).toHaveLength(21);
    expect(rows(readme)).toEqual(rows(stdout));
  }, 60_000);
});

describe('examples/churn', () => {
  it('publishes certified refits on the window beside the online snapshots, and serves the refit', async () => {
    const n = 4000;
    const { stdout, outputs } = await scenario('churn', n);
    const refits = outputs.models.filter((m) => m.source === 'refit');
    const online = outputs.models.filter((m) => m.source === 'online');
    expect(refits.length).toBeGreaterThanOrEqual(3);
    expect(online.length).toBeGreaterThanOrEqual(refits.length);
    for (const r of refits) {
      expect(r.metrics?.converged).toBe(true);
      // the default binomial refit tolerance (DEFAULT_REFIT_KKT)
      expect(r.metrics?.kktMaxViolation as number).toBeLessThanOrEqual(1e-2);
      expect(r.window!.events).toBeLessThanOrEqual(1000);
      expect(['online', 'refit']).toContain(r.metrics?.warmStart);
      expect(r.metrics?.objective as number).toBeGreaterThan(0);
    }
    // after the first refit, scores come from the refit model
    const first = Math.min(...refits.map((r) => r.offset));
    const later = outputs.scores.filter((s) => s.model.source === 'refit');
    expect(later.length).toBeGreaterThan(0);
    for (const s of later) expect(s.model.offset).toBeGreaterThanOrEqual(first);
    const unlabelled = customers(7, n).filter((e) => e.label === undefined).length;
    expect(outputs.scores.length).toBe(unlabelled);
    expect(stdout).toMatch(/The final refit/);
  });

  it('README.md shows what the run prints: the snapshot table and the final models (60,000 events, seed 7, inline refits)', async () => {
    const { stdout } = await scenario('churn', 60_000);
    const readme = readFileSync(join(root, 'examples/churn/README.md'), 'utf8');
    // the first output block is the default run's (--refit-threads 0: the same on every run)
    const block = readme.slice(readme.indexOf('## Output'), readme.indexOf('## With `--refit-threads 1`'));
    const rows = (text: string) =>
      text
        .split('\n')
        .filter((l) =>
          /^ +\d+ (online|refit) |^[a-z_(][a-z_=.()-]* +-?\d+\.\d{4} |^progressive log loss/.test(l),
        )
        // the refit's time depends on the machine
        .map((l) => l.replace(/ true +\d+ /, ' true ms '));
    expect(rows(stdout).length).toBeGreaterThan(20);
    expect(rows(block)).toEqual(rows(stdout));
  }, 60_000);
});

describe('examples/sparsity-drift', () => {
  it('raises an input-drift alert naming the switched-off features after the switch-off, none before', async () => {
    const n = 6000;
    const off = switchOffAt(n);
    expect(deliveries(7, n)[off].features.temperature).toBeUndefined();
    const { stdout, outputs } = await scenario('sparsity-drift', n);
    const input = outputs.alerts.filter((a) => a.type === 'input-drift');
    expect(input.filter((a) => a.offset <= off)).toEqual([]);
    const stopped = input.find((a) => Array.isArray(a.details.stopped) && a.details.stopped.length > 0);
    expect(stopped).toBeDefined();
    expect(stopped!.severity).toBe('critical');
    expect(stopped!.offset - off).toBeLessThanOrEqual(100);
    // the number by name, the categorical field as one finding with its level count
    const found = stopped!.details.stopped as { feature: string; field: boolean; levels?: number }[];
    expect(found.map((s) => s.feature).sort()).toEqual(['browser', 'temperature']);
    expect(found.find((s) => s.feature === 'browser')).toMatchObject({
      field: true,
      levels: browsers.length,
    });
    expect(stopped!.message).toMatch(/stopped arriving: .*field browser \(5 levels\)/);
    expect(stdout).toMatch(/input-drift critical at offset \d+ \(\d+ events after the switch-off\)/);
  });

  it('README.md shows what the run prints: its alerts (60,000 events, seed 7)', async () => {
    const { stdout } = await scenario('sparsity-drift', 60_000);
    const readme = readFileSync(join(root, 'examples/sparsity-drift/README.md'), 'utf8');
    const alerts = (text: string) =>
      text.split('\n').filter((l) => /^(alerts: |input-drift |loss-drift )/.test(l));
    expect(alerts(stdout).length).toBeGreaterThan(1);
    expect(alerts(readme)).toEqual(alerts(stdout));
  }, 60_000);
});
