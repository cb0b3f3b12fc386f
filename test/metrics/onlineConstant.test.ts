/**
 * The online constant's progressive loss: before each label, a constant predicts from the labels
 * before it (gaussian: their running mean, 0 before any; binomial: their rate with half an event of
 * each class, 0.5 before any). A replay warns against it, not against the constant in hindsight.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { ProgressiveMetrics } from '../../src/metrics/progressive.js';
import { runCli } from '../helpers/cli.js';
import { Rng } from '../helpers/random.js';

describe('ProgressiveMetrics.onlineConstantLoss', () => {
  it('gaussian: the running mean predicted before each label (worked by hand)', () => {
    const m = new ProgressiveMetrics('gaussian');
    expect(m.onlineConstantLoss).toBeNaN();
    for (const y of [2, 4, 6]) m.update(0, y);
    // predictions 0, 2, 3: squared errors 4, 4, 9
    expect(m.onlineConstantLoss).toBeCloseTo(17 / 3, 12);
    // the constant in hindsight (the labels' variance) is lower
    expect(m.constantLoss).toBeCloseTo(8 / 3, 12);
  });

  it('binomial: the smoothed rate, weighted; the same after a checkpoint', () => {
    const m = new ProgressiveMetrics('binomial');
    m.update(0.9, 1, 2);
    // p = 0.5, then (2 + 0.5) / (2 + 1)
    m.updateWithLoss(0.2, 0, -Math.log(0.8), 1);
    const want = (2 * -Math.log(0.5) + -Math.log(1 - 2.5 / 3)) / 3;
    expect(m.onlineConstantLoss).toBeCloseTo(want, 12);
    const restored = ProgressiveMetrics.fromState(m.state());
    m.update(0.5, 1);
    restored.update(0.5, 1);
    expect(restored.onlineConstantLoss).toBe(m.onlineConstantLoss);
  });

  it('a checkpoint written before it was kept: NaN, not a wrong number', () => {
    const m = new ProgressiveMetrics('gaussian');
    m.update(1, 2);
    const { sumConstantLoss: _, ...old } = m.state();
    expect(ProgressiveMetrics.fromState(old).onlineConstantLoss).toBeNaN();
  });
});

describe('replay summary: worse than a constant', () => {
  it('compares with the online constant and shows both constants; no warning where only hindsight is lower', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-online-constant-'));
    try {
      // labels around 5 and one uninformative feature: 400 events are too few for the model to
      // reach the labels' variance, and as few for a running mean
      const rng = new Rng(3);
      const lines: string[] = [];
      for (let i = 0; i < 400; i++)
        lines.push(
          JSON.stringify({
            label: +(5 + rng.normal()).toFixed(3),
            features: { a: +rng.normal().toFixed(3) },
          }),
        );
      const input = join(dir, 'events.jsonl');
      writeFileSync(input, `${lines.join('\n')}\n`);
      const out = join(dir, 'out');
      const flags = { '--input': input, '--family': 'gaussian', '--lambda': '0.01', '--out': out };
      const r = await runCli(['replay', '--no-refit', ...Object.entries(flags).flat()]);
      expect(r.code, r.stderr).toBe(0);
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
        progressiveLoss: number;
        constantLoss: { online: number; hindsight: number };
        warnings: string[];
      };
      const { progressiveLoss, constantLoss } = summary;
      expect(constantLoss.hindsight).toBeLessThan(constantLoss.online);
      // the model is clearly worse than the constant in hindsight, not than the online one
      expect(progressiveLoss).toBeGreaterThan(constantLoss.hindsight * 1.05);
      expect(progressiveLoss).toBeLessThan(constantLoss.online * 1.05);
      expect(summary.warnings).toEqual([]);
      expect(r.stderr).not.toContain('warning');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
